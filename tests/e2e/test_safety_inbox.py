"""The safety inbox in a real browser: a patient's phone reports a serious reaction through the API,
every clinician sees the banner and the navigation's count on any page, the inbox lists it first,
the front desk sees the count only and another clinic sees nothing; one clinician acknowledges it
and it clears for the other.

Screenshots: 14-safety-banner, 15-side-effect-inbox, 16-side-effect-report, 17-front-desk-count."""

from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e import phone
from tests.e2e.conftest import CHROMIUM, SKIP_REASON, shot, sign_in
from tests.e2e.seed import ADMIN_X, ADMIN_Y, CLINICIAN_X, FRONT_DESK_X, REPORT_INVITE

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(SKIP_REASON, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser

BANNER = ".safety-banner"


@contextmanager
def staff_session(chromium, live_server, email: str):
    """A browser profile of its own, signed in: one staff member at their own desk."""
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None)
    try:
        sign_in(page, email)
        yield page
    finally:
        context.close()
    assert errors == [], errors


def send_serious_report(base_url: str) -> str:
    """Luis Romero's phone: enrol, then report severe swelling needing care the day after his last injection."""
    token = phone.enrol(base_url, REPORT_INVITE)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        sessions = client.get("/me/injections").json()
        done = max((s for s in sessions if s["status"] == "done"), key=lambda s: s["scheduled_at"])
        given = datetime.fromisoformat(done["scheduled_at"]).astimezone(ZoneInfo("Europe/London"))
        sent = client.post("/me/side-effects", json={
            "idempotency_key": str(uuid.uuid4()), "injection_session_id": done["id"],
            "started_on": (given.date() + timedelta(days=1)).isoformat(),
            "symptoms": [{"symptom": "swelling", "severity": 3}, {"symptom": "pain", "severity": 2}],
            "notes": "My forehead swelled up, I went to urgent care.", "needed_medical_care": True,
        })
        sent.raise_for_status()
        return sent.json()["id"]


def test_a_serious_report_reaches_every_clinician_until_one_acknowledges_it(chromium, live_server):
    with staff_session(chromium, live_server, ADMIN_X) as rivera:
        # before: the seeded mild report is counted, nothing serious
        expect(rivera.locator(BANNER)).to_have_count(0)
        nav = rivera.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Side effects"))
        expect(nav).to_contain_text("1")
        expect(nav).not_to_contain_text("serious")

        report_id = send_serious_report(live_server.url)

        rivera.reload()
        expect(rivera.locator(BANNER)).to_have_text(re.compile(r"1 serious side effect needs review"))
        expect(nav.locator('[data-count="unacknowledged"]')).to_have_text(re.compile(r"^2"))
        expect(nav.locator('[data-count="serious"]')).to_have_text("1 serious")
        shot(rivera, "14-safety-banner", full_page=False)

        # the banner leads to the serious, unacknowledged ones
        rivera.locator(BANNER).get_by_role("link").click()
        expect(rivera).to_have_url(re.compile(r"/dashboard/side-effects\?serious=yes&acknowledged=no$"))
        expect(rivera.get_by_label("Serious", exact=True)).to_have_value("yes")
        rows = rivera.locator("table.inbox tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Luis Romero")

        # the whole inbox: the serious report first, then the rest, newest first
        nav.click()
        expect(rivera.get_by_role("heading", name="Side effects")).to_be_visible()
        expect(rows).to_have_count(2)
        first = rows.first
        for shown in ("Luis Romero", "NS-1066", "Exosomes", "ExoCell 5B", "EXO-2411-A", "Swelling severe", "Yes", "Serious", "New"):
            expect(first).to_contain_text(shown)
        expect(rows.nth(1)).to_contain_text("Alex Morgan")
        shot(rivera, "15-side-effect-inbox")

        # meanwhile the front desk sees how many wait, not what they say; clinic Y sees nothing
        front_desk_sees_the_count_only(chromium, live_server, report_id)
        another_clinic_sees_nothing(chromium, live_server, report_id)

        # another clinician, at another desk, sees it too and acknowledges it from the report
        with staff_session(chromium, live_server, CLINICIAN_X) as haddad:
            expect(haddad.locator(BANNER)).to_have_text(re.compile(r"1 serious side effect needs review"))
            haddad.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Side effects")).click()
            haddad.locator("table.inbox tbody tr").first.get_by_role("link", name=re.compile("^Open")).click()
            expect(haddad).to_have_url(re.compile(rf"/dashboard/side-effects/{report_id}$"))
            expect(haddad.get_by_role("heading", name="Side-effect report: Luis Romero")).to_be_visible()
            expect(haddad.get_by_text("My forehead swelled up, I went to urgent care.")).to_be_visible()
            haddad.get_by_text("Add a note").click()
            haddad.get_by_label("Note", exact=True).fill("Called Luis: swelling settling, antihistamine given.")
            haddad.get_by_role("button", name="Save note").click()
            expect(haddad.get_by_text("Called Luis: swelling settling, antihistamine given.")).to_be_visible()
            shot(haddad, "16-side-effect-report")
            haddad.get_by_role("button", name="Mark as seen").click()
            expect(haddad).to_have_url(re.compile(rf"/dashboard/side-effects/{report_id}$"))
            expect(haddad.get_by_text(re.compile("Seen by Dr Omar Haddad"))).to_be_visible()
            expect(haddad.locator(BANNER)).to_have_count(0)

        # and it has cleared for the first clinician too
        rivera.goto("/dashboard/patients")
        expect(rivera.locator(BANNER)).to_have_count(0)
        expect(nav.locator('[data-count="serious"]')).to_have_count(0)
        expect(nav.locator('[data-count="unacknowledged"]')).to_have_text(re.compile(r"^1"))
        rivera.goto("/dashboard/side-effects")
        # no longer needing review, it takes its place among the rest: newest first
        expect(rows.first).to_contain_text("Luis Romero")
        expect(rows.first).to_contain_text("Seen")
        expect(rows.nth(1)).to_contain_text("Alex Morgan")


def front_desk_sees_the_count_only(chromium, live_server, report_id: str) -> None:
    with staff_session(chromium, live_server, FRONT_DESK_X) as desk:
        expect(desk.locator(BANNER)).to_have_count(0)
        nav = desk.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Side effects"))
        expect(nav.locator('[data-count="serious"]')).to_have_text("1 serious")
        nav.click()
        expect(desk.locator(".count-only")).to_contain_text("2 side-effect reports wait for a clinician, 1 serious.")
        expect(desk.locator("main")).not_to_contain_text("Luis Romero")
        expect(desk.locator("main table")).to_have_count(0)
        shot(desk, "17-front-desk-count", full_page=False)
        answer = desk.goto(f"/dashboard/side-effects/{report_id}")
        assert answer is not None and answer.status == 403
        expect(desk.locator("main")).not_to_contain_text("swelled")


def another_clinic_sees_nothing(chromium, live_server, report_id: str) -> None:
    with staff_session(chromium, live_server, ADMIN_Y) as lee:
        expect(lee.locator(BANNER)).to_have_count(0)
        nav = lee.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Side effects"))
        expect(nav.locator(".nav-count")).to_have_count(0)
        nav.click()
        expect(lee.get_by_text("No side effects reported yet.")).to_be_visible()
        answer = lee.goto(f"/dashboard/side-effects/{report_id}")
        assert answer is not None and answer.status == 404


# what a page may add to the window's width at 390 px: nothing
NO_SIDEWAYS_SCROLL = """() => ({
    page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    lists: Math.max(0, ...[...document.querySelectorAll('.table-wrap')].map(w => w.scrollWidth - w.clientWidth)),
    // the column names stay for screen readers in a clipped, one-pixel header: not on screen
    widest: [...document.querySelectorAll('main *')].filter(e => !e.closest('thead')).map(e => [Math.ceil(e.getBoundingClientRect().right), e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 30)]).sort((a, b) => b[0] - a[0])[0],
})"""


def test_the_inbox_on_a_390_px_phone_has_no_horizontal_scroll(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, ADMIN_X)
        page.goto("/dashboard/side-effects")
        rows = page.locator("table.inbox tbody tr")
        expect(rows.first).to_be_visible()
        overflow = page.evaluate(NO_SIDEWAYS_SCROLL)
        assert overflow["page"] == 0 and overflow["lists"] == 0, overflow
        assert overflow["widest"][0] <= 390, overflow
        # each row reads as a card: every value beside its column's name, the Open button inside the screen
        first = rows.first
        for label in ("Patient", "Product and lot", "Worst symptom", "State"):
            expect(first.locator(f'td[data-label="{label}"]')).to_be_visible()
        box = first.get_by_role("link", name=re.compile("^Open")).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        shot(page, "journeys-inbox-390")
    finally:
        context.close()
