"""A dashboard session ends after `dashboard_idle_minutes` without a request, and stays ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.auth.models import StaffSession


async def _idle_for(minutes: float) -> None:
    await StaffSession.filter(kind="cookie").update(last_seen_at=datetime.now(UTC) - timedelta(minutes=minutes))


async def test_a_session_idle_past_the_limit_is_sent_to_sign_in_with_a_reason(world, browser, settings):
    staff = await browser("admin@x.example")
    await _idle_for(settings.dashboard_idle_minutes + 1)
    answer = await staff.get("/dashboard/patients")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/dashboard/sign-in?expired=1")
    page = await staff.get(answer.headers["location"])
    assert f"signed out after {settings.dashboard_idle_minutes} minutes without activity" in page.text
    session = await StaffSession.get(kind="cookie")
    assert session.revoked_at is not None


async def test_an_expired_session_does_not_come_back_with_activity(world, browser, settings):
    staff = await browser("admin@x.example")
    await _idle_for(settings.dashboard_idle_minutes + 1)
    await staff.get("/dashboard/patients")
    await _idle_for(0)  # even if its clock were fresh again, a revoked session stays revoked
    assert (await staff.get("/dashboard/patients")).status_code == 303


async def test_activity_within_the_limit_keeps_the_session_and_resets_the_clock(world, browser, settings):
    staff = await browser("admin@x.example")
    await _idle_for(settings.dashboard_idle_minutes - 1)
    assert (await staff.get("/dashboard/patients")).status_code == 200
    session = await StaffSession.get(kind="cookie")
    assert datetime.now(UTC) - session.last_seen_at < timedelta(minutes=1)


async def test_a_form_posted_after_expiry_changes_nothing_and_asks_to_sign_in(world, browser, settings):
    staff = await browser("admin@x.example")
    await _idle_for(settings.dashboard_idle_minutes + 5)
    answer = await staff.post(
        f"/dashboard/patients/{world.ids['patient_a']}/injections",
        {"scheduled_at": "2026-06-01T10:00", "status": "scheduled", "treatment": "prp"},
    )
    assert answer.status_code == 303
    assert "expired=1" in answer.headers["location"]


async def test_htmx_after_expiry_is_redirected_by_header(world, browser, settings):
    staff = await browser("admin@x.example")
    await _idle_for(settings.dashboard_idle_minutes + 1)
    answer = await staff.get("/dashboard/patients?q=A", headers={"HX-Request": "true", "HX-Target": "patient-table"})
    assert answer.status_code == 401
    assert answer.headers["HX-Redirect"] == "/dashboard/sign-in?expired=1"


async def test_the_page_tells_the_browser_when_to_leave(world, browser, settings):
    # the browser leaves the page (patient data off screen) once the server's limit has passed
    staff = await browser("admin@x.example")
    page = await staff.get("/dashboard/patients")
    assert f'data-idle-seconds="{settings.dashboard_idle_minutes * 60}"' in page.text
