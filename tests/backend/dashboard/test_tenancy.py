"""Every dashboard page x (nobody signed in, staff of clinic X, staff of clinic Y) on clinic X's records.

Clinic Y's staff get "not found" for X's patients, sessions, invites and reports (never a hint
they exist), and their lists and searches never show X's records. A page added without a row
here fails `test_every_dashboard_route_is_in_the_table`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from backend.checkins.models import CheckIn
from backend.clinics.models import StaffUser
from backend.photos.models import Photo
from backend.enrolment.models import Invite
from backend.injections.models import InjectionSession
from backend.reports.models import SideEffectReport
from shared.contract.checkins import PhotoStatus
from tests.backend.ratings.matrix import rating_ids

PATIENT_FORM = {
    "display_name": "Changed Name", "record_number": "X-001", "baseline_date": "2026-01-15", "timezone": "Europe/London",
    "treatment": "exosomes", "planned_sessions": "4", "interval_days": "30",
}
SESSION_FORM = {"scheduled_at": "2026-06-01T10:00", "status": "scheduled", "treatment": "exosomes"}


@dataclass(frozen=True)
class Page:
    method: str
    path: str
    x_answer: int  # what clinic X's admin gets
    y_answer: int = 404  # what clinic Y's admin gets
    form: dict | None = None
    anonymous: int = 303  # nobody signed in: sent to the sign-in page


PAGES = [
    Page("GET", "/dashboard", 303, 303),
    Page("GET", "/dashboard/patients", 200, 200),
    Page("GET", "/dashboard/patients/new", 200, 200),
    Page("POST", "/dashboard/patients", 303, 303, {**PATIENT_FORM, "record_number": "NEW-{who}"}),
    Page("GET", "/dashboard/patients/{patient_a}", 200),
    Page("GET", "/dashboard/patients/{patient_a}/edit", 200),
    Page("POST", "/dashboard/patients/{patient_a}", 303, 404, PATIENT_FORM),
    Page("POST", "/dashboard/patients/{patient_a}/invites", 303, 404, {}),
    Page("GET", "/dashboard/invites/{invite_a}", 200),
    Page("POST", "/dashboard/patients/{patient_a}/injections", 303, 404, SESSION_FORM),
    Page("GET", "/dashboard/injections/{injection_a}/edit", 200),
    Page("POST", "/dashboard/injections/{injection_a}", 303, 404, SESSION_FORM),
    Page("GET", "/dashboard/photos/{photo_a0}", 200),
    Page("GET", "/dashboard/compare?photo={photo_a0}&photo={photo_a1}", 200),
    Page("GET", "/dashboard/lots?lot=LOT-A1", 200, 200),
    Page("POST", "/dashboard/side-effects/{report_a}/acknowledge", 303, 404, {}),
    Page("POST", "/dashboard/side-effects/{report_a}/annotations", 303, 404, {"text": "Called the patient."}),
    Page("GET", "/dashboard/audit", 200, 200),
    Page("GET", "/dashboard/audit/export.csv?patient={patient_a}", 200, 200),  # Y's export of X's patient: empty
    # ratings: round_x is rated by X's clinician, round_mine by X's admin (who signs in here)
    Page("GET", "/dashboard/ratings", 200, 200),
    Page("POST", "/dashboard/ratings", 400, 400, {"name": "No raters", "months": "3"}),
    Page("GET", "/dashboard/ratings/{round_x}", 200),
    Page("GET", "/dashboard/ratings/{round_mine}/rate", 200),
    Page("GET", "/dashboard/ratings/{round_mine}/queue", 200),
    Page("POST", "/dashboard/ratings/{round_mine}/tasks/{task_mine}/score", 400, 404, {}),  # a form, not the JSON it takes
    Page("POST", "/dashboard/ratings/{round_mine}/undo", 400, 404, {}),
    Page("GET", "/dashboard/ratings/{round_x}/agreement", 200),
    Page("POST", "/dashboard/ratings/{round_x}/publish", 409, 404, {}),
    Page("POST", "/dashboard/ratings/{round_x}/close", 303, 404, {}),
    Page("GET", "/dashboard/patients/{patient_a}/report.pdf", 200),
    Page("GET", "/dashboard/patients/{patient_a}/fhir.json", 200),
    # the side-effect inbox: each clinic its own list; another clinic's report is not found
    Page("GET", "/dashboard/side-effects", 200, 200),
    Page("GET", "/dashboard/side-effects?lot=LOT-A1&serious=yes&acknowledged=no", 200, 200),
    Page("GET", "/dashboard/side-effects/{report_a}", 200),
    Page("GET", "/dashboard/side-effects/{report_a}/medwatch.pdf", 200),
    # marketing: patient A's consents and before/after images (none given: a pair is refused)
    Page("GET", "/dashboard/patients/{patient_a}/marketing", 200),
    Page("POST", "/dashboard/patients/{patient_a}/before-after", 409, 404, {"before": "{photo_a0}", "after": "{photo_a1}"}),
    Page("POST", "/dashboard/patients/{patient_a}/marketing/paper", 400, 404, {}),
    Page("POST", "/dashboard/patients/{patient_a}/marketing/withdraw", 303, 404, {}),
    Page("GET", "/dashboard/before-after/{unknown_image}/image", 404, 404),
    Page("GET", "/dashboard/marketing-consents/{unknown_image}/form.pdf", 404, 404),
    # the long term: a stop reason for patient A, the durability page and its course rule
    Page("POST", "/dashboard/patients/{patient_a}/stop-reason", 303, 404, {"reason": "cost"}),
    Page("GET", "/dashboard/outcomes/durability", 200, 200),
    Page("POST", "/dashboard/outcomes/durability/course-setting", 303, 303, {"gap_months": "4", "after_gap": "new_course"}),
    # an admin's deletion of the patient (last of the pages on patient A: it removes them)
    Page("POST", "/dashboard/patients/{patient_a}/delete", 303, 404, {"confirm_record_number": "X-001"}),
    Page("GET", "/dashboard/outcomes", 200, 200),  # each clinic's own outcomes
    # the network: neither clinic has joined; a signal of another clinic is never acknowledged
    Page("GET", "/dashboard/network", 200, 200),
    Page("POST", "/dashboard/network/join", 400, 400, {"registry_url": "http://127.0.0.1:9"}),  # the box not ticked
    Page("POST", "/dashboard/network/publish", 409, 409, {}),
    Page("POST", "/dashboard/network/leave", 409, 409, {}),
    Page("POST", "/dashboard/network/signals/{unknown_image}/acknowledge", 303, 303, {}),
    # staff accounts (admins): clinic X's clinician is the member acted on
    Page("GET", "/dashboard/staff", 200, 200),
    Page("POST", "/dashboard/staff/invite", 303, 303, {"name": "New", "email": "new-{who}@invited.example", "role": "clinician"}),
    Page("POST", "/dashboard/staff/{member_x}/role", 303, 404, {"role": "front_desk"}),
    Page("POST", "/dashboard/staff/{member_x}/password-link", 303, 404, {}),
    Page("POST", "/dashboard/staff/{member_x}/deactivate", 303, 404, {}),
    Page("POST", "/dashboard/staff/two-factor", 409, 409, {"required": "on"}),  # neither admin has two-factor
    Page("GET", "/dashboard/staff-links/{unknown_link}", 404, 404, anonymous=404),
    Page("POST", "/dashboard/staff-links/{unknown_link}", 403, 403, {"password": "x"}, anonymous=403),
    # a member's own two-factor: the steps after a password need the challenge cookie
    Page("GET", "/dashboard/account", 200, 200),
    Page("POST", "/dashboard/account/two-factor/start", 303, 303, {}),
    Page("GET", "/dashboard/account/two-factor", 200, 200),
    Page("POST", "/dashboard/account/two-factor", 401, 401, {"code": "abcdef"}),
    Page("GET", "/dashboard/step-up", 200, 200),
    Page("POST", "/dashboard/step-up", 401, 401, {"code": "abcdef"}),
    Page("GET", "/dashboard/sign-in/code", 303, 303),
    Page("POST", "/dashboard/sign-in/code", 403, 403, {"code": "123456"}, anonymous=403),
    Page("GET", "/dashboard/sign-in/enrol", 303, 303),
    Page("POST", "/dashboard/sign-in/enrol", 403, 403, {"code": "123456"}, anonymous=403),
    Page("GET", "/dashboard/sign-in", 303, 303, anonymous=200),
    # without the sign-in page's own token (login CSRF); test_sign_in.py signs in properly
    Page("POST", "/dashboard/sign-in", 403, 403, {"email": "admin@x.example", "password": "x"}, anonymous=403),
    Page("POST", "/dashboard/sign-out", 303, 303, {}),  # last: it ends the sessions
]


async def _ids(world) -> dict[str, str]:
    invite = await Invite.create(patient_id=world.ids["patient_a"], code="TENANCY1", expires_at=datetime(2099, 1, 1, tzinfo=UTC))
    report = await SideEffectReport.create(
        clinic_id=world.ids["clinic_x"], patient_id=world.ids["patient_a"], injection_session_id=world.ids["injection_a"],
        idempotency_key=uuid.uuid4(), request_sha256="0" * 64, started_on=date(2026, 2, 2), needed_medical_care=False,
        max_severity=1, serious=False,
    )
    photos = {}
    for month in (0, 1):
        checkin = await CheckIn.create(patient_id=world.ids["patient_a"], month=month, due_on=date(2026, 1 + month, 15), views=["vertex"])
        photo = await Photo.create(
            patient_id=world.ids["patient_a"], checkin=checkin, view="vertex", idempotency_key=uuid.uuid4(),
            storage_token=uuid.uuid4().hex, status=PhotoStatus.READY, content_type="image/jpeg", sha256="0" * 64, size=1,
            captured_at=datetime(2026, 1 + month, 15, tzinfo=UTC), slot_issued_at=datetime(2026, 1 + month, 15, tzinfo=UTC),
        )
        photos[f"photo_a{month}"] = str(photo.id)
    ratings = await rating_ids(world.ids["patient_a"])
    member = await StaffUser.get(email="clinician@x.example")
    return {**{k: str(v) for k, v in world.ids.items()}, "member_x": str(member.id), "unknown_link": "not-a-link", "unknown_image": str(uuid.uuid4()), "invite_a": str(invite.id), "report_a": str(report.id), **photos, **ratings}


async def test_each_page_answers_each_caller_as_expected(world, browser):
    ids = await _ids(world)
    anonymous, staff_y, staff_x = await browser(), await browser("admin@y.example"), await browser("admin@x.example")
    seen, wanted = {}, {}
    for page in PAGES:
        path = page.path.format(**ids)
        answer = await anonymous.http.request(page.method, path, data=page.form)
        seen[(page.method, page.path, "anonymous")] = answer.status_code
        wanted[(page.method, page.path, "anonymous")] = page.anonymous
        if answer.status_code == 303:
            assert answer.headers["location"].startswith("/dashboard/sign-in"), path
        # clinic Y first: X's successful changes must not be what makes Y's answer a 404
        for who, staff, expected in (("y", staff_y, page.y_answer), ("x", staff_x, page.x_answer)):
            form = {k: v.format(who=who, **ids) for k, v in page.form.items()} if page.form is not None else None
            answer = await (staff.post(path, form) if page.method == "POST" else staff.get(path))
            seen[(page.method, page.path, who)] = answer.status_code
            wanted[(page.method, page.path, who)] = expected
            if answer.status_code == 404:
                assert "Not found" in answer.text and "Patient A" not in answer.text
    assert seen == wanted


async def test_clinic_y_sees_none_of_clinic_xs_records_in_lists_and_searches(world, browser):
    staff = await browser("admin@y.example")
    listing = await staff.get("/dashboard/patients?q=Patient")
    assert "Patient C" in listing.text
    assert "Patient A" not in listing.text and "Patient B" not in listing.text
    lots = await staff.get("/dashboard/lots?lot=LOT-A1")
    assert "No session used lot" in lots.text and "Patient A" not in lots.text
    audit = await staff.get("/dashboard/audit")
    assert "Patient A" not in audit.text and "Admin X" not in audit.text
    assert await InjectionSession.filter(patient_id=world.ids["patient_a"]).count() == 1


def test_every_dashboard_route_is_in_the_table(app):
    covered = {(p.method, re.sub(r"\{[^}]+\}", "{}", p.path.split("?")[0])) for p in PAGES}
    missing = [
        f"{method} {route.path}"
        for route in app.routes
        if route.path.startswith("/dashboard") and not route.path.startswith("/dashboard/static")
        for method in getattr(route, "methods", set())
        if method not in {"HEAD", "OPTIONS"} and (method, re.sub(r"\{[^}]+\}", "{}", route.path)) not in covered
    ]
    assert missing == []
