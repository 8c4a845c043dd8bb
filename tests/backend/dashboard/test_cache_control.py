"""Every dashboard page, for every caller (nobody, clinic Y, clinic X), says `Cache-Control: no-store`:
a shared computer's browser keeps no copy of a patient's page, whatever the answer."""

from __future__ import annotations

from tests.backend.dashboard.test_tenancy import PAGES
from tests.backend.dashboard.test_tenancy import _ids as page_ids


async def test_every_dashboard_page_answers_every_caller_with_no_store(world, browser):
    ids = await page_ids(world)
    anonymous, staff_y, staff_x = await browser(), await browser("admin@y.example"), await browser("admin@x.example")
    cached = []
    for page in PAGES:
        path = page.path.format(**ids)
        answers = [("anonymous", await anonymous.http.request(page.method, path, data=page.form))]
        for who, staff in (("y", staff_y), ("x", staff_x)):
            form = {k: v.format(who=who, **ids) for k, v in page.form.items()} if page.form is not None else None
            answers.append((who, await (staff.post(path, form) if page.method == "POST" else staff.get(path))))
        cached += [f"{page.method} {path} as {who}: {a.status_code}" for who, a in answers if not "no-store" in a.headers.get("cache-control", "")]
    assert cached == []
    sign_in = await anonymous.http.get("/dashboard/sign-in")
    assert sign_in.status_code == 200 and sign_in.headers["cache-control"] == "no-store"
