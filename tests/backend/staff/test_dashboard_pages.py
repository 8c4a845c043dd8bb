"""The staff page and two-factor pages as a browser meets them (httpx with cookies); the whole
journeys run in Chromium in tests/e2e/test_staff_accounts.py."""

from __future__ import annotations

import re

from backend.auth.models import StaffSession
from backend.clinics.models import StaffUser
from backend.staff.models import StaffEmail
from tests.backend.dashboard.conftest import hidden
from tests.backend.staff.helpers import code_now


def _secret(html: str) -> str:
    found = re.search(r'data-secret="([A-Z2-7]+)"', html)
    assert found, "no secret on the enrolment page"
    return found.group(1)


async def test_the_staff_page_lists_members_and_refuses_demoting_the_last_admin(world, browser):
    admin = await browser("admin@x.example")
    page = await admin.get("/dashboard/staff")
    assert page.status_code == 200
    for text in ("Admin X", "clinician@x.example", "Two-factor", "Last sign-in", "Never", "Send invite"):
        assert text in page.text
    me = await StaffUser.get(email="admin@x.example")
    refused = await admin.post(f"/dashboard/staff/{me.id}/role", {"role": "clinician"})
    assert refused.status_code == 409 and "last admin" in refused.text and 'data-code="last_admin"' in refused.text
    assert (await StaffUser.get(id=me.id)).role == "admin"
    invited = await admin.post("/dashboard/staff/invite", {"name": "Dr New", "email": "new@x.example", "role": "clinician"})
    assert invited.status_code == 303
    assert await StaffEmail.filter(recipient_email="new@x.example", kind="staff_invite").count() == 1
    bad = await admin.post("/dashboard/staff/invite", {"name": "", "email": "not-an-email", "role": "clinician"})
    assert bad.status_code == 400 and not await StaffUser.filter(email="not-an-email").exists()


async def test_enrolling_then_signing_in_with_a_code_and_stepping_up_for_the_audit_export(world, browser):
    admin = await browser("admin@x.example")
    await admin.post("/dashboard/account/two-factor/start", {})
    enrol = await admin.get("/dashboard/account/two-factor")
    secret = _secret(enrol.text)
    done = await admin.post("/dashboard/account/two-factor", {"code": code_now(secret)})
    recovery = re.findall(r"<li><code>([A-Z0-9-]{19})</code></li>", done.text)
    assert done.status_code == 200 and len(recovery) == 10

    fresh = await browser()
    form = await fresh.get("/dashboard/sign-in")
    answer = await fresh.http.post(
        "/dashboard/sign-in",
        data={"csrf_token": hidden(form.text, "csrf_token"), "email": "admin@x.example", "password": "correct horse battery"},
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/dashboard/sign-in/code")
    assert await StaffSession.filter(kind="cookie", revoked_at=None).count() == 1  # no session before the code
    code_page = await fresh.get(answer.headers["location"])
    wrong = await fresh.http.post("/dashboard/sign-in/code", data={"csrf_token": hidden(code_page.text, "csrf_token"), "code": "abcdef"})
    assert wrong.status_code == 401 and "not right" in wrong.text
    right = await fresh.http.post(
        "/dashboard/sign-in/code", data={"csrf_token": hidden(wrong.text, "csrf_token"), "code": code_now(secret, 1)}
    )
    assert right.status_code == 303
    assert right.headers["location"] == "/dashboard/patients"
    assert (await fresh.get("/dashboard/patients")).status_code == 200

    await StaffSession.all().update(second_factor_at=None)
    export = await admin.get("/dashboard/audit/export.csv?action=patient.view")
    assert export.status_code == 303 and export.headers["location"].startswith("/dashboard/step-up?next=")
    # the newest TOTP code went into signing in; a recovery code steps up as well
    back = await admin.post("/dashboard/step-up", {"code": recovery[0], "next": "/dashboard/audit/export.csv?action=patient.view"})
    assert back.status_code == 303 and back.headers["location"] == "/dashboard/audit/export.csv?action=patient.view"
    assert (await admin.get(back.headers["location"])).status_code == 200
