from __future__ import annotations

SESSION = {
    "scheduled_at": "2026-04-01T10:30:00+01:00",
    "status": "done",
    "treatment": "exosomes",
    "product": "ExoCell 5B",
    "lot_number": "EXO-2411-B",
    "volume_ml": 2.5,
    "areas": ["vertex", "crown"],
    "notes": "Tolerated well.",
}


async def test_a_clinician_records_a_session_with_its_lot_and_finds_it_by_lot(client, world):
    headers = world.headers("clinician_x")
    answer = await client.post(f"/patients/{world.ids['patient_a']}/injections", json=SESSION, headers=headers)
    assert answer.status_code == 201, answer.text
    recorded = answer.json()
    assert recorded["lot_number"] == "EXO-2411-B"
    assert recorded["scheduled_at"].startswith("2026-04-01T09:30:00")  # stored in UTC
    assert recorded["performed_at"] is not None
    found = await client.get("/lots/exo-2411-b/injections", headers=headers)
    assert [s["id"] for s in found.json()] == [recorded["id"]]
    elsewhere = await client.get("/lots/EXO-2411-B/injections", headers=world.headers("staff_y"))
    assert elsewhere.json() == []


async def test_front_desk_can_schedule_but_not_record_what_was_injected(client, world):
    headers = world.headers("desk_x")
    scheduled = await client.post(
        f"/patients/{world.ids['patient_a']}/injections",
        json={"scheduled_at": "2026-05-01T09:00:00Z", "treatment": "exosomes"},
        headers=headers,
    )
    assert scheduled.status_code == 201
    refused = await client.post(f"/patients/{world.ids['patient_a']}/injections", json=SESSION, headers=headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    done = await client.patch(f"/injections/{scheduled.json()['id']}", json={"status": "done"}, headers=headers)
    assert done.status_code == 403


async def test_times_without_a_timezone_and_bad_volumes_are_refused(client, world):
    headers = world.headers("clinician_x")
    naive = await client.post(f"/patients/{world.ids['patient_a']}/injections", json={**SESSION, "scheduled_at": "2026-04-01T10:30:00"}, headers=headers)
    assert naive.status_code == 400
    negative = await client.post(f"/patients/{world.ids['patient_a']}/injections", json={**SESSION, "volume_ml": -1}, headers=headers)
    assert negative.status_code == 400
    area = await client.post(f"/patients/{world.ids['patient_a']}/injections", json={**SESSION, "areas": ["left_foot"]}, headers=headers)
    assert area.status_code == 400
    listed = await client.get(f"/patients/{world.ids['patient_a']}/injections", headers=headers)
    assert len(listed.json()) == 1  # only the world's own session


async def test_a_patient_sees_their_sessions_without_clinical_notes(client, world):
    await client.post(f"/patients/{world.ids['patient_a']}/injections", json=SESSION, headers=world.headers("clinician_x"))
    mine = await client.get("/me/injections", headers=world.headers("patient_a"))
    assert mine.status_code == 200
    assert len(mine.json()) == 2
    assert all("notes" not in s and "lot_number" not in s for s in mine.json())
    theirs = await client.get("/me/injections", headers=world.headers("patient_b"))
    assert theirs.json() == []


async def test_rescheduling_and_cancelling_are_audited(client, world):
    from backend.audit.models import AuditEvent

    session_id = world.ids["injection_a"]
    moved = await client.patch(f"/injections/{session_id}", json={"scheduled_at": "2026-02-03T10:00:00Z"}, headers=world.headers("desk_x"))
    assert moved.status_code == 200
    cancelled = await client.patch(f"/injections/{session_id}", json={"status": "cancelled"}, headers=world.headers("desk_x"))
    assert cancelled.json()["status"] == "cancelled"
    assert await AuditEvent.filter(action="injection.update", subject_id=str(session_id)).count() == 2
    log = await client.get("/audit", params={"patient_id": str(world.ids["patient_a"])}, headers=world.headers("staff_x"))
    assert {e["action"] for e in log.json()["items"]} >= {"injection.update"}
    assert (await client.get("/audit", headers=world.headers("clinician_x"))).status_code == 403
