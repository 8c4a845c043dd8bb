from __future__ import annotations

import json

from backend.audit.models import AuditEvent
from backend.patients.models import Patient

NEW_PATIENT = {
    "display_name": "Robin Ortiz",
    "record_number": "MRN-7781",
    "plan": {"treatment": "exosomes", "planned_sessions": 3, "interval_days": 28},
    "baseline_date": "2026-03-02",
    "timezone": "America/New_York",
}


async def test_staff_add_a_patient_and_find_them_by_name_or_record_number(client, world):
    headers = world.headers("desk_x")
    created = await client.post("/patients", json=NEW_PATIENT, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["record_number"] == "MRN-7781"
    assert body["plan"]["interval_days"] == 28
    assert body["reminders"]["quiet_hours_start"] == "21:00"
    assert body["consent"] == {"care": True, "research": False}
    for term in ("robin", "7781"):
        found = await client.get("/patients", params={"q": term}, headers=headers)
        assert [p["id"] for p in found.json()["items"]] == [body["id"]]
    assert await AuditEvent.filter(action="patient.create", subject_id=body["id"]).exists()


async def test_record_number_reused_in_one_clinic_is_refused_and_nothing_stored(client, world):
    headers = world.headers("staff_x")
    before = await Patient.all().count()
    reused = await client.post("/patients", json={**NEW_PATIENT, "record_number": "X-001"}, headers=headers)
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "record_number_taken"
    assert await Patient.all().count() == before


async def test_the_same_record_number_in_another_clinic_is_fine(client, world):
    answer = await client.post("/patients", json={**NEW_PATIENT, "record_number": "X-001"}, headers=world.headers("staff_y"))
    assert answer.status_code == 201


async def test_bad_input_gets_a_stable_code_and_stores_nothing(client, world):
    headers = world.headers("staff_x")
    before = await Patient.all().count()
    cases = {
        "unknown_field": json.dumps({**NEW_PATIENT, "is_vip": True}),
        "malformed_json": '{"display_name": "Robin", ',
        "validation_failed": json.dumps({**NEW_PATIENT, "display_name": "x" * 5000}),
    }
    wrong_types = json.dumps({**NEW_PATIENT, "plan": {"treatment": "exosomes", "planned_sessions": "three", "interval_days": 28}})
    empty_name = json.dumps({**NEW_PATIENT, "display_name": ""})
    bad_zone = json.dumps({**NEW_PATIENT, "timezone": "Mars/Olympus"})
    bad_treatment = json.dumps({**NEW_PATIENT, "plan": {"treatment": "snake oil", "planned_sessions": 3, "interval_days": 28}})
    for code, body in [*cases.items(), ("validation_failed", wrong_types), ("validation_failed", empty_name),
                       ("validation_failed", bad_zone), ("validation_failed", bad_treatment)]:
        answer = await client.post("/patients", content=body, headers={**headers, "Content-Type": "application/json"})
        assert answer.status_code == 400, (code, answer.text)
        assert answer.json()["error"]["code"] == code, body[:80]
        assert answer.json()["error"]["message"]
    assert await Patient.all().count() == before


async def test_an_oversized_body_is_refused(client, world):
    huge = json.dumps({**NEW_PATIENT, "display_name": "x" * 400_000})
    answer = await client.post("/patients", content=huge, headers={**world.headers("staff_x"), "Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"


async def test_update_changes_the_plan_and_record_number_conflicts_are_refused(client, world):
    headers = world.headers("clinician_x")
    patient_a = world.ids["patient_a"]
    changed = await client.patch(f"/patients/{patient_a}", json={"plan": {"treatment": "prp", "planned_sessions": 6, "interval_days": 14}}, headers=headers)
    assert changed.status_code == 200
    assert changed.json()["plan"] == {"treatment": "prp", "planned_sessions": 6, "interval_days": 14}
    clash = await client.patch(f"/patients/{patient_a}", json={"record_number": "X-002"}, headers=headers)
    assert clash.status_code == 409
    assert (await Patient.get(id=patient_a)).record_number == "X-001"


async def test_only_an_admin_deletes_a_patient_and_their_rows_go(client, world):
    patient_a = world.ids["patient_a"]
    assert (await client.delete(f"/patients/{patient_a}", headers=world.headers("clinician_x"))).status_code == 403
    assert (await client.delete(f"/patients/{patient_a}", headers=world.headers("staff_x"))).status_code == 204
    assert not await Patient.filter(id=patient_a).exists()
    from backend.enrolment.models import Device
    from backend.injections.models import InjectionSession

    assert not await Device.filter(patient_id=patient_a).exists()
    assert not await InjectionSession.filter(patient_id=patient_a).exists()
    gone = await client.get("/me", headers=world.headers("patient_a"))
    assert gone.status_code == 401


async def test_a_patient_sees_themself_without_the_record_number(client, world):
    me = await client.get("/me", headers=world.headers("patient_a"))
    assert me.status_code == 200
    assert me.json()["display_name"] == "Patient A"
    assert me.json()["clinic_name"] == "Clinic X"
    assert "record_number" not in me.json()
    assert me.json()["protocol_views"] == ["frontal", "vertex", "crown", "left_temple", "right_temple"]


async def test_a_patient_sets_their_own_quiet_hours(client, world):
    answer = await client.put(
        "/me/reminders",
        json={"reminders": {"check_in_time": "19:30", "quiet_hours_start": "22:00", "quiet_hours_end": "07:00", "push_enabled": False}},
        headers=world.headers("patient_a"),
    )
    assert answer.status_code == 200
    assert answer.json()["reminders"]["quiet_hours_end"] == "07:00"
    bad = await client.put("/me/reminders", json={"reminders": {"check_in_time": "25:00"}}, headers=world.headers("patient_a"))
    assert bad.status_code == 400
