"""The phone registers its push token and pulls its schedule; the clinic reads what was sent."""

from __future__ import annotations

import uuid
from datetime import timedelta

from backend.enrolment.models import Device
from backend.reminders.delivery import deliver_due
from shared.schedule import IOS_LOCAL_NOTIFICATION_LIMIT
from tests.backend.reminders.outbox import OUTBOX_ONLY, history, local_day, local_time, my_schedule, parse
from tests.backend.world import enrol

FCM_TOKEN = "cH4nG3d-t0k3n:APA91bE_a_fresh_registration_token_after_reinstall_0123456789"


async def _devices(client, world, patient: str = "patient_a") -> list[dict]:
    answer = await client.get(f"/patients/{world.ids[patient]}/devices", headers=world.headers("staff_x"))
    return answer.json()


async def test_a_phone_registers_its_push_token_and_the_clinic_sees_it_registered(client, world):
    assert [d["push_registered"] for d in await _devices(client, world)] == [False]
    answer = await client.put(
        "/me/device/push-token", json={"platform": "android", "push_token": FCM_TOKEN}, headers=world.headers("patient_a")
    )
    assert answer.status_code == 200 and answer.json()["push_registered"] is True
    assert [d["push_registered"] for d in await _devices(client, world)] == [True]


async def test_an_iphone_token_is_stored_in_canonical_form(client, world):
    spaced = " ".join(["AB12CD34"] * 8)
    answer = await client.put(
        "/me/device/push-token", json={"platform": "ios", "push_token": spaced}, headers=world.headers("patient_a")
    )
    assert answer.status_code == 200 and answer.json()["platform"] == "ios"
    device = await Device.get(id=answer.json()["device_id"])
    assert device.push_token == "ab12cd34" * 8 and device.platform == "ios"


async def test_tokens_that_cannot_be_push_tokens_are_refused_and_nothing_is_stored(client, world):
    headers = world.headers("patient_a")
    for body in (
        {"platform": "ios", "push_token": "not-hex"},
        {"platform": "android", "push_token": "../../v1/projects/x"},
        {"platform": "android", "push_token": ""},
        {"platform": "android", "push_token": "a" * 600},
        {"platform": "desktop", "push_token": FCM_TOKEN},
        {"platform": "android", "push_token": FCM_TOKEN, "extra": 1},
    ):
        answer = await client.put("/me/device/push-token", json=body, headers=headers)
        assert answer.status_code == 400, body
        assert answer.json()["error"]["code"] in {"validation_failed", "unknown_field"}
    assert await Device.filter(push_token__isnull=False).count() == 0


async def test_a_token_moved_to_a_new_enrolment_is_taken_off_the_old_one(client, world):
    from backend.patients.models import Patient

    body = {"platform": "android", "push_token": FCM_TOKEN}
    await client.put("/me/device/push-token", json=body, headers=world.headers("patient_a"))
    # the same phone enrolled again (say, after a reinstall) registers the same token
    second = await enrol(await Patient.get(id=world.ids["patient_a"]))
    await client.put("/me/device/push-token", json=body, headers={"Authorization": f"Bearer {second}"})
    assert await Device.filter(push_token=FCM_TOKEN).count() == 1
    assert sorted(d["push_registered"] for d in await _devices(client, world)) == [False, True]


async def test_the_schedule_is_a_rolling_window_of_the_soonest_reminders(client, world):
    staff = world.headers("staff_x")
    # enough sessions that the plan holds more than an iPhone keeps
    for day in range(1, 45, 2):
        await client.post(
            f"/patients/{world.ids['patient_a']}/injections",
            json={"scheduled_at": local_time(day, 12).isoformat(), "treatment": "exosomes"},
            headers=staff,
        )
    planned = (await history(client, world, state="pending"))["total"]
    assert planned > IOS_LOCAL_NOTIFICATION_LIMIT
    window = (await my_schedule(client, world))["reminders"]
    assert len(window) == IOS_LOCAL_NOTIFICATION_LIMIT
    due = [parse(r["due_at"]) for r in window]
    assert due == sorted(due)
    later = [parse(r["due_at"]) for r in (await history(client, world, state="pending"))["items"]]
    assert max(due) <= sorted(later)[IOS_LOCAL_NOTIFICATION_LIMIT]
    assert len((await my_schedule(client, world, limit=5))["reminders"]) == 5
    too_many = await client.get("/me/schedule", params={"limit": 65}, headers=world.headers("patient_a"))
    assert too_many.status_code == 400


async def test_the_schedule_carries_the_questions_waiting_and_a_report_answers_them(client, world):
    given = await client.post(
        f"/patients/{world.ids['patient_a']}/injections",
        json={"scheduled_at": local_time(-2, 9).isoformat(), "status": "done", "treatment": "prp"},
        headers=world.headers("clinician_x"),
    )
    session_id = given.json()["id"]
    headers = world.headers("patient_a")
    waiting = (await my_schedule(client, world))["due_questions"]
    assert [(q["kind"], q["days_after_injection"]) for q in waiting if q["session_id"] == session_id] == [
        ("side_effect_question", 1)
    ]
    assert waiting == (await client.get("/me/questions-due", headers=headers)).json()

    report = {
        "idempotency_key": str(uuid.uuid4()),
        "injection_session_id": session_id,
        "started_on": str(local_day(-1)),
        "symptoms": [{"symptom": "redness", "severity": 1}],
        "needed_medical_care": False,
    }
    assert (await client.post("/me/side-effects", json=report, headers=headers)).status_code == 201
    schedule = await my_schedule(client, world)
    assert [q for q in schedule["due_questions"] if q["session_id"] == session_id] == []
    week_later = [r for r in schedule["reminders"] if r["session_id"] == session_id]
    assert [r["kind"] for r in week_later] == ["side_effect_question"], "the question a week on is still to come"


async def test_the_clinic_sees_each_reminders_state_and_attempts_and_can_filter_by_state(client, world):
    first = (await my_schedule(client, world))["reminders"][0]
    due = parse(first["due_at"])
    await deliver_due(OUTBOX_ONLY, clock=lambda: due + timedelta(seconds=2))
    listed = await history(client, world)
    assert listed["counts"]["sent"] >= 1 and listed["counts"]["pending"] >= 1
    assert listed["total"] == sum(listed["counts"].values())
    [sent] = [r for r in listed["items"] if r["id"] == first["id"]]
    assert sent["state"] == "sent" and sent["delivery_attempts"][0]["outcome"] == "delivered_to_outbox"
    only_sent = await history(client, world, state="sent")
    assert {r["state"] for r in only_sent["items"]} == {"sent"}
    bad = await client.get(
        f"/patients/{world.ids['patient_a']}/reminders", params={"state": "lost"}, headers=world.headers("staff_x")
    )
    assert bad.status_code == 400
    assert (await my_schedule(client, world))["reminders"][0]["id"] != first["id"]
