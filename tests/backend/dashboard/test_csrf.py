"""Every unsafe dashboard request carries the session's CSRF token, or it changes nothing."""

from __future__ import annotations

import re

from backend.auth.models import StaffSession
from backend.patients.models import Patient

NEW_PATIENT = {
    "display_name": "Forged Person",
    "record_number": "F-1",
    "baseline_date": "2026-03-01",
    "timezone": "Europe/London",
    "treatment": "prp",
    "planned_sessions": "3",
    "interval_days": "30",
}


async def test_a_form_without_the_token_is_refused_and_nothing_is_stored(world, browser):
    staff = await browser("admin@x.example")
    answer = await staff.post("/dashboard/patients", NEW_PATIENT, csrf=False)
    assert answer.status_code == 403
    assert "csrf_failed" in answer.text
    assert not await Patient.filter(record_number="F-1").exists()


async def test_a_wrong_token_is_refused(world, browser):
    staff = await browser("admin@x.example")
    answer = await staff.http.post("/dashboard/patients", data={**NEW_PATIENT, "csrf_token": staff.csrf[:-2] + "zz"})
    assert answer.status_code == 403
    assert not await Patient.filter(record_number="F-1").exists()


async def test_another_sessions_token_does_not_fit(world, browser):
    mine = await browser("admin@x.example")
    other = await browser("clinician@x.example")
    answer = await mine.http.post("/dashboard/patients", data={**NEW_PATIENT, "csrf_token": other.csrf})
    assert answer.status_code == 403
    assert not await Patient.filter(record_number="F-1").exists()


async def test_the_right_token_in_the_form_or_the_htmx_header_is_accepted(world, browser):
    staff = await browser("admin@x.example")
    answer = await staff.post("/dashboard/patients", NEW_PATIENT)
    assert answer.status_code == 303
    by_header = await staff.http.post(
        "/dashboard/patients", data={**NEW_PATIENT, "record_number": "F-2"}, headers={"X-CSRF-Token": staff.csrf}
    )
    assert by_header.status_code == 303
    assert await Patient.filter(record_number__in=["F-1", "F-2"]).count() == 2


async def test_sign_out_without_the_token_leaves_the_session_open(world, browser):
    # otherwise any site could sign clinic staff out mid-consultation
    staff = await browser("admin@x.example")
    assert (await staff.post("/dashboard/sign-out", csrf=False)).status_code == 403
    assert (await staff.get("/dashboard/patients")).status_code == 200
    assert await StaffSession.filter(kind="cookie", revoked_at=None).exists()


async def test_each_sign_in_gets_its_own_token(world, browser):
    first = await browser("admin@x.example")
    second = await browser("admin@x.example")
    assert first.csrf and second.csrf and first.csrf != second.csrf


async def test_every_unsafe_dashboard_route_checks_the_token(app, world, browser):
    # a new form handler cannot forget the check: the guard sits on the whole /dashboard router
    staff = await browser("admin@x.example")
    unsafe = [
        (route.path, method)
        for route in app.routes
        if route.path.startswith("/dashboard")
        for method in getattr(route, "methods", set())
        if method not in {"GET", "HEAD", "OPTIONS"}
    ]
    assert len(unsafe) >= 6
    for path, method in unsafe:
        # the token is checked before the record is even looked up: any id will do
        concrete = re.sub(r"\{[^}]+:uuid\}", str(world.ids["patient_a"]), path)
        answer = await staff.http.request(method, concrete, data={"display_name": "x"})
        assert answer.status_code == 403, f"{method} {path} answered {answer.status_code} without a CSRF token"
