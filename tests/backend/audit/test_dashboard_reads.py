"""The dashboard's pages that show health information are audited like the API: one event per
page, and a page whose event cannot be written is a 503 page that shows nothing of the patient."""

from __future__ import annotations

from backend.audit.models import AuditEvent
from backend.clinics.models import StaffUser
from tests.backend.audit.conftest import CLIENT, THROUGH_PROXY
from tests.backend.reports.bodies import store_report


async def _reads() -> list[AuditEvent]:
    return await AuditEvent.filter(actor_kind="staff").exclude(action__in=["staff.sign_out"]).order_by("id")


async def test_the_patient_page_is_one_event_naming_what_it_showed(world, browser):
    report = await store_report(world.ids["clinic_x"], world.ids["patient_a"], world.ids["injection_a"])
    staff = await browser("clinician@x.example")
    page = await staff.get(f"/dashboard/patients/{world.ids['patient_a']}", headers=THROUGH_PROXY)
    assert page.status_code == 200 and "Patient A" in page.text
    [event] = await _reads()
    assert event.action == "patient.view" and event.patient_id == world.ids["patient_a"]
    assert event.actor_id == (await StaffUser.get(email="clinician@x.example")).id
    assert event.address == CLIENT
    assert event.detail == {"via": "dashboard", "photos": [], "side_effects": [str(report.id)], "sessions": 1}


async def test_the_side_effect_report_page_is_audited_once(world, browser):
    report = await store_report(world.ids["clinic_x"], world.ids["patient_a"], world.ids["injection_a"])
    staff = await browser("clinician@x.example")
    answer = await staff.get(f"/dashboard/side-effects/{report.id}")
    assert answer.status_code == 200 and f'id="report-{report.id}"' in answer.text
    [event] = await _reads()
    assert (event.action, event.subject_type, event.subject_id) == ("side_effect.view", "side_effect_report", str(report.id))
    other = await browser("admin@y.example")
    assert (await other.get(f"/dashboard/side-effects/{report.id}")).status_code == 404
    assert len(await _reads()) == 1


async def test_the_session_form_and_lot_search_are_audited(world, browser):
    staff = await browser("clinician@x.example")
    assert (await staff.get(f"/dashboard/injections/{world.ids['injection_a']}/edit")).status_code == 200
    assert (await staff.get("/dashboard/lots?lot=LOT-A1")).status_code == 200
    assert [e.action for e in await _reads()] == ["injection.view", "injection.lot_search"]


async def test_a_patient_page_whose_event_cannot_be_written_is_a_503_page(world, browser, audit_switch):
    staff = await browser("clinician@x.example")
    await audit_switch.break_writes()
    page = await staff.get(f"/dashboard/patients/{world.ids['patient_a']}")
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "audit_unavailable" in page.text and "audit log cannot be written" in page.text
    assert "Patient A" not in page.text and "X-001" not in page.text and "LOT-A1" not in page.text
