"""Every staff read of a patient's health information is in the audit log: who, what, which
patient, when and from where, one event per read; a list over many patients is one event naming
its filter; and when the event cannot be written the read fails (503 audit_unavailable), showing nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.audit.models import AuditEvent
from backend.clinics.models import StaffUser
from tests.backend.audit.conftest import CLIENT, THROUGH_PROXY
from tests.backend.reports.bodies import store_report

# (path, the action its event carries) for staff reads of patient A
PATIENT_READS = [
    ("/patients/{patient_a}", "patient.view"),
    ("/patients/{patient_a}/timeline", "photo.view"),
    ("/patients/{patient_a}/checkins", "checkin.list"),
    ("/patients/{patient_a}/injections", "injection.list"),
    ("/patients/{patient_a}/side-effects", "side_effects.list"),
    ("/side-effects/{report_a}", "side_effect.view"),
    ("/patients/{patient_a}/questionnaires", "questionnaire.list"),
    ("/patients/{patient_a}/reminders", "reminder.history"),
    ("/patients/{patient_a}/consensus", "rating.consensus.view"),
    ("/patients/{patient_a}/fhir", "record.fhir_export"),
    ("/side-effects/{report_a}/medwatch.pdf", "side_effect.medwatch_pdf"),
]


def _ids(world, report) -> dict[str, str]:
    return {"patient_a": str(world.ids["patient_a"]), "report_a": str(report.id)}


async def test_each_staff_read_writes_one_event_with_who_what_which_patient_when_and_where(client, world):
    report = await store_report(world.ids["clinic_x"], world.ids["patient_a"], world.ids["injection_a"])
    clinician = await StaffUser.get(email="clinician@x.example")
    headers = {**world.headers("clinician_x"), **THROUGH_PROXY}
    for path, action in PATIENT_READS:
        before, started = await AuditEvent.all().count(), datetime.now(UTC)
        answer = await client.get(path.format(**_ids(world, report)), headers=headers)
        assert answer.status_code == 200, (path, answer.text[:200])
        events = await AuditEvent.all().order_by("id").offset(before)
        assert [e.action for e in events] == [action], path
        event = events[0]
        assert (event.actor_kind, event.actor_id) == ("staff", clinician.id), path
        assert event.patient_id == world.ids["patient_a"], path
        assert event.clinic_id == world.ids["clinic_x"], path
        assert event.address == CLIENT, path
        assert started <= event.at <= datetime.now(UTC), path


async def test_the_audit_log_shows_the_read_with_its_address(client, world):
    await client.get(f"/patients/{world.ids['patient_a']}/questionnaires", headers={**world.headers("clinician_x"), **THROUGH_PROXY})
    page = (await client.get("/audit?action=questionnaire.list", headers=world.headers("staff_x"))).json()
    [event] = page["items"]
    assert event["patient_id"] == str(world.ids["patient_a"]) and event["address"] == CLIENT
    assert event["detail"] == {"responses": 0}


async def test_without_a_trusted_proxy_the_peer_is_recorded(client, world):
    # the request comes straight from 127.0.0.1 (the trusted proxy itself), naming no client
    await client.get(f"/patients/{world.ids['patient_a']}", headers=world.headers("clinician_x"))
    event = await AuditEvent.get(action="patient.view")
    assert event.address == "127.0.0.1"


async def test_a_list_over_many_patients_is_one_event_naming_its_filter(client, world):
    for patient in ("patient_a", "patient_a", "patient_b"):
        await store_report(world.ids["clinic_x"], world.ids[patient], world.ids["injection_a"])
    headers = world.headers("clinician_x")
    listed = await client.get("/side-effects?serious=true&lot=lot-a1", headers=headers)
    assert listed.status_code == 200 and listed.json()["total"] == 3
    [event] = await AuditEvent.filter(action="side_effects.list")
    assert event.patient_id is None and event.subject_type == "clinic"
    assert event.detail["filter"] == {"lot": "lot-a1", "serious": True}
    assert event.detail["shown"] == 3
    alerts = await client.get("/side-effects/alerts", headers=headers)
    assert alerts.status_code == 200 and alerts.json()["total"] == 3
    [alert_event] = await AuditEvent.filter(action="side_effects.alerts")
    assert alert_event.detail["filter"] == {"serious": True, "acknowledged": False}
    lots = await client.get("/lots/LOT-A1/injections", headers=headers)
    assert lots.status_code == 200
    [lot_event] = await AuditEvent.filter(action="injection.lot_search")
    assert lot_event.detail == {"lot": "LOT-A1", "sessions": 1, "patients": 1}
    listing = await client.get("/patients?q=Patient", headers=headers)
    assert listing.json()["total"] == 2
    [list_event] = await AuditEvent.filter(action="patient.list")
    assert list_event.detail["q"] == "Patient" and list_event.detail["shown"] == 2
    assert await AuditEvent.filter(action__in=["side_effect.view", "patient.view"]).count() == 0  # never one per row


async def test_another_clinics_staff_read_nothing_and_leave_no_read_event(client, world):
    report = await store_report(world.ids["clinic_x"], world.ids["patient_a"], world.ids["injection_a"])
    before = await AuditEvent.all().count()
    for path, _ in PATIENT_READS:
        answer = await client.get(path.format(**_ids(world, report)), headers=world.headers("staff_y"))
        assert answer.status_code == 404, path
    assert await AuditEvent.all().count() == before


@pytest.mark.parametrize(
    "path",
    ["/patients/{patient_a}", "/patients/{patient_a}/timeline", "/patients/{patient_a}/side-effects",
     "/side-effects?serious=true", "/patients/{patient_a}/reminders", "/patients/{patient_a}/report.pdf"],
)
async def test_when_the_audit_cannot_be_written_the_read_fails_with_503(client, world, audit_switch, path):
    report = await store_report(world.ids["clinic_x"], world.ids["patient_a"], world.ids["injection_a"])
    url = path.format(**_ids(world, report))
    await audit_switch.break_writes()
    answer = await client.get(url, headers=world.headers("staff_x"))
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["retry-after"] == "5"
    error = answer.json()["error"]
    assert error["code"] == "audit_unavailable"
    assert "audit log cannot be written" in error["message"]
    assert "Patient A" not in answer.text and "X-001" not in answer.text
    await audit_switch.mend()
    assert (await client.get(url, headers=world.headers("staff_x"))).status_code == 200
    assert await AuditEvent.filter(actor_kind="staff", clinic_id=world.ids["clinic_x"]).exclude(action="staff.sign_in").count() == 1


async def test_a_change_whose_event_cannot_be_written_is_not_made(client, world, audit_switch):
    await audit_switch.break_writes()
    answer = await client.patch(
        f"/patients/{world.ids['patient_a']}", json={"display_name": "Renamed"}, headers=world.headers("staff_x")
    )
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "audit_unavailable"
    await audit_switch.mend()
    shown = await client.get(f"/patients/{world.ids['patient_a']}", headers=world.headers("staff_x"))
    assert shown.json()["display_name"] == "Patient A"
