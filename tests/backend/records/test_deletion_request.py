"""The patient's request to have their data deleted: one request however often asked, visible to
them and to staff, completed by the patient's deletion with who did it, all audited."""

from __future__ import annotations

from backend.audit.models import AuditEvent
from backend.records.models import DeletionRequest


async def test_asking_twice_makes_one_request(client, world):
    first = await client.post("/me/deletion-request", headers=world.headers("patient_a"))
    second = await client.post("/me/deletion-request", headers=world.headers("patient_a"))
    assert first.status_code == 201 and second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["clinic_name"] == "Clinic X"
    assert await DeletionRequest.filter(patient_id=world.ids["patient_a"]).count() == 1
    assert await AuditEvent.filter(action="deletion_request.create").count() == 1
    mine = (await client.get("/me/deletion-request", headers=world.headers("patient_a"))).json()
    assert mine["request"]["id"] == first.json()["id"]
    other = (await client.get("/me/deletion-request", headers=world.headers("patient_b"))).json()
    assert other == {"request": None}


async def test_the_admins_deletion_completes_it_and_says_who(client, world):
    await client.post("/me/deletion-request", headers=world.headers("patient_a"))
    deleted = await client.delete(f"/patients/{world.ids['patient_a']}", headers=world.headers("staff_x"))
    assert deleted.status_code == 204
    assert not await DeletionRequest.exists()
    (done,) = await AuditEvent.filter(action="deletion_request.complete")
    assert done.actor_kind == "staff" and done.patient_id == world.ids["patient_a"]
    # the phone is disconnected with the patient: it learns so on its next call
    after = await client.get("/me/deletion-request", headers=world.headers("patient_a"))
    assert after.status_code == 401 and after.json()["error"]["code"] == "token_revoked"


async def test_staff_cannot_ask_on_a_patients_behalf(client, world):
    answer = await client.post("/me/deletion-request", headers=world.headers("staff_x"))
    assert answer.status_code == 403
    assert not await DeletionRequest.exists()
