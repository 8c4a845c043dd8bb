"""Delivering due reminders through FCM and APNs (loopback servers): once, on time, never in quiet hours,
retried with growing waits, and every attempt on record for the clinic."""

from __future__ import annotations

from datetime import timedelta

from backend.reminders.delivery import DeliveryPolicy, claim_due, deliver_claim, deliver_due
from backend.reminders.models import DeliveryAttempt
from shared.schedule import ReminderKind
from tests.backend.push.apns_loopback import ApnsAnswer
from tests.backend.push.google_loopback import fcm_error
from tests.backend.push.health_words import health_words_in
from tests.backend.reminders.conftest import ANDROID_TOKEN, IOS_TOKEN, add_reminder
from tests.backend.reminders.outbox import OUTBOX_ONLY, local_time, parse

POLICY = DeliveryPolicy()
UNREGISTERED = fcm_error(404, "NOT_FOUND", "Requested entity was not found.", error_code="UNREGISTERED")
FCM_BUSY = fcm_error(503, "UNAVAILABLE", "The service is currently unavailable.")


def at(moment):
    return lambda: moment


async def reminder_history(client, world, phones, **params) -> dict:
    answer = await client.get(
        f"/patients/{phones.patient_id}/reminders", params=params, headers=world.headers("staff_x")
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_due_reminder_reaches_each_phone_once_with_generic_words_and_ids_only(
    client, world, two_phones, push_providers, google, apns_server
):
    loopback, _ = google
    due = local_time(3, 12)
    reminder = await add_reminder(two_phones.patient_id, due)
    early = await deliver_due(push_providers, clock=at(due - timedelta(seconds=1)))
    assert early.claimed == 0 and not loopback.send_requests and not apns_server.requests

    report = await deliver_due(push_providers, clock=at(due + timedelta(seconds=1)))
    assert (report.claimed, report.sent) == (1, 1)
    again = await deliver_due(push_providers, clock=at(due + timedelta(minutes=5)))
    assert again.claimed == 0

    assert len(loopback.send_requests) == 1 and len(apns_server.requests) == 1
    android, ios = loopback.send_requests[0]["body"]["message"], apns_server.requests[0]["body"]
    assert android["token"] == ANDROID_TOKEN and android["data"] == {"reminder_id": str(reminder.id), "checkin_month": "3"}
    assert {k for k in ios if k != "aps"} == {"reminder_id", "checkin_month"}
    assert android["android"]["collapse_key"] == str(reminder.id)
    assert apns_server.requests[0]["headers"]["apns-collapse-id"] == str(reminder.id)
    for raw in (loopback.send_requests[0]["raw"], apns_server.requests[0]["raw"]):
        assert health_words_in(raw) == [] and "Patient P" not in raw.decode() and "X-777" not in raw.decode()

    [item] = (await reminder_history(client, world, two_phones))["items"]
    assert item["state"] == "sent" and parse(item["sent_at"]) == due + timedelta(seconds=1)
    assert sorted((a["provider"], a["outcome"]) for a in item["delivery_attempts"]) == [
        ("apns", "delivered"),
        ("fcm", "delivered"),
    ]


async def test_an_unregistered_token_disables_that_phone_while_the_other_phone_still_gets_it(
    client, world, two_phones, push_providers, google, apns_server
):
    loopback, _ = google
    loopback.answer_next(ANDROID_TOKEN, UNREGISTERED)
    first, second = local_time(2, 12), local_time(3, 12)
    await add_reminder(two_phones.patient_id, first)
    await add_reminder(two_phones.patient_id, second)

    await deliver_due(push_providers, clock=at(first + timedelta(seconds=1)))
    devices = (await client.get(f"/patients/{two_phones.patient_id}/devices", headers=world.headers("staff_x"))).json()
    registered = {d["platform"]: d["push_registered"] for d in devices}
    assert registered == {"android": False, "ios": True}

    await deliver_due(push_providers, clock=at(second + timedelta(seconds=1)))
    assert len(loopback.send_requests) == 1, "the disabled phone is not tried again"
    assert len(apns_server.requests) == 2
    assert (await reminder_history(client, world, two_phones))["counts"]["sent"] == 2


async def test_a_temporary_failure_is_retried_with_doubling_waits_until_the_last_try_then_dead(
    client, world, two_phones, push_providers, google, apns_server
):
    loopback, _ = google
    for _ in range(POLICY.max_attempts):
        loopback.answer_next(ANDROID_TOKEN, FCM_BUSY)
        apns_server.answer_next(IOS_TOKEN, ApnsAnswer(503, "ServiceUnavailable"))
    reminder = await add_reminder(two_phones.patient_id, local_time(2, 12))
    now, waits = reminder.due_at, []
    for _ in range(POLICY.max_attempts):
        await deliver_due(push_providers, clock=at(now))
        await reminder.refresh_from_db()
        if reminder.state != "pending":
            break
        waits.append(reminder.next_attempt_at - now)
        early = await deliver_due(push_providers, clock=at(reminder.next_attempt_at - timedelta(seconds=1)))
        assert early.claimed == 0
        now = reminder.next_attempt_at
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    assert reminder.state == "dead" and "503" in reminder.last_error
    assert len(loopback.send_requests) == len(apns_server.requests) == POLICY.max_attempts
    [item] = (await reminder_history(client, world, two_phones, state="dead"))["items"]
    assert len(item["delivery_attempts"]) == 2 * POLICY.max_attempts
    assert {a["outcome"] for a in item["delivery_attempts"]} == {"retry_later"}
    assert item["next_attempt_at"] is None


async def test_a_retry_goes_only_to_the_phone_still_waiting(two_phones, push_providers, google, apns_server):
    loopback, _ = google
    loopback.answer_next(ANDROID_TOKEN, UNREGISTERED)
    apns_server.answer_next(IOS_TOKEN, ApnsAnswer(429, "TooManyRequests", {"retry-after": "300"}))
    reminder = await add_reminder(two_phones.patient_id, local_time(2, 12))
    await deliver_due(push_providers, clock=at(reminder.due_at))
    await reminder.refresh_from_db()
    assert reminder.state == "pending"
    assert reminder.next_attempt_at - reminder.due_at == timedelta(minutes=5), "APNs asked for 300 s"
    await deliver_due(push_providers, clock=at(reminder.next_attempt_at))
    await reminder.refresh_from_db()
    assert reminder.state == "sent"
    assert len(loopback.send_requests) == 1 and len(apns_server.requests) == 2


async def test_every_phone_refusing_for_good_leaves_the_reminder_failed_with_the_reasons(
    client, world, two_phones, push_providers, google, apns_server
):
    loopback, _ = google
    loopback.answer_next(ANDROID_TOKEN, UNREGISTERED)
    apns_server.answer_next(IOS_TOKEN, ApnsAnswer(410, "Unregistered"))
    reminder = await add_reminder(two_phones.patient_id, local_time(2, 12))
    await add_reminder(two_phones.patient_id, local_time(9, 12))
    await deliver_due(push_providers, clock=at(reminder.due_at))
    listed = await reminder_history(client, world, two_phones)
    assert listed["counts"]["failed"] == 1 and listed["counts"]["pending"] == 1
    [failed] = (await reminder_history(client, world, two_phones, state="failed"))["items"]
    assert {a["outcome"] for a in failed["delivery_attempts"]} == {"token_invalid"}
    assert "UNREGISTERED" in failed["last_error"] and "Unregistered" in failed["last_error"]


async def test_a_late_worker_waits_for_the_end_of_quiet_hours_instead_of_waking_anyone(
    two_phones, push_providers, google, apns_server
):
    loopback, _ = google
    reminder = await add_reminder(two_phones.patient_id, local_time(2, 20, 30))
    report = await deliver_due(push_providers, clock=at(local_time(2, 21, 30)))
    await reminder.refresh_from_db()
    assert report.deferred == 1 and reminder.state == "pending" and reminder.attempts == 0
    assert reminder.next_attempt_at == local_time(3, 8)
    assert not loopback.send_requests and not apns_server.requests
    await deliver_due(push_providers, clock=at(local_time(3, 8)))
    await reminder.refresh_from_db()
    assert reminder.state == "sent" and len(apns_server.requests) == 1


async def test_an_appointment_reminder_too_late_to_help_is_never_sent(two_phones, push_providers, google, apns_server):
    loopback, _ = google
    reminder = await add_reminder(two_phones.patient_id, local_time(2, 12), ReminderKind.INJECTION_UPCOMING)
    await deliver_due(push_providers, clock=at(reminder.due_at + timedelta(hours=2)))
    await reminder.refresh_from_db()
    assert reminder.state == "dead" and reminder.last_error.startswith("too late")
    assert not loopback.send_requests and not apns_server.requests
    assert await DeliveryAttempt.filter(reminder_id=reminder.id).count() == 0


async def test_a_worker_that_lost_its_lease_writes_nothing_over_the_new_owner(two_phones):
    reminder = await add_reminder(two_phones.patient_id, local_time(2, 12))
    slow = await claim_due(reminder.due_at, policy=POLICY, worker="slow")
    later = reminder.due_at + POLICY.lease + timedelta(seconds=1)
    fast = await claim_due(later, policy=POLICY, worker="fast")
    assert [r.id for r in fast.reminders] == [reminder.id]
    assert (await deliver_claim(fast, OUTBOX_ONLY, clock=at(later))).sent == 1
    stale = await deliver_claim(slow, OUTBOX_ONLY, clock=at(later))
    assert stale.lost == 1 and stale.sent == 0
    attempts = await DeliveryAttempt.filter(reminder_id=reminder.id).values_list("outcome", flat=True)
    # two phones, one delivery each: the stale worker's outbox "delivery" left no record
    assert attempts == ["delivered_to_outbox"] * 2
    await reminder.refresh_from_db()
    assert reminder.state == "sent" and reminder.attempts == 2


async def test_a_killed_workers_batch_comes_back_when_its_lease_ends(two_phones):
    reminder = await add_reminder(two_phones.patient_id, local_time(2, 12))
    killed = await claim_due(reminder.due_at, policy=POLICY, worker="killed")
    assert len(killed.reminders) == 1  # ...and its process dies before sending
    during_lease = await deliver_due(OUTBOX_ONLY, clock=at(reminder.due_at + timedelta(minutes=1)))
    assert during_lease.claimed == 0
    after = await deliver_due(OUTBOX_ONLY, clock=at(reminder.due_at + POLICY.lease))
    assert after.sent == 1
    assert await DeliveryAttempt.filter(reminder_id=reminder.id).count() == 2  # one per phone, once


async def test_a_patient_who_turned_push_off_gets_reminders_only_through_the_apps_schedule(
    client, world, two_phones, push_providers, google, apns_server
):
    loopback, _ = google
    from backend.patients.models import Patient

    await Patient.filter(id=two_phones.patient_id).update(push_enabled=False)
    reminder = await add_reminder(two_phones.patient_id, local_time(2, 12))
    await deliver_due(push_providers, clock=at(reminder.due_at))
    assert not loopback.send_requests and not apns_server.requests
    [item] = (await reminder_history(client, world, two_phones))["items"]
    assert item["state"] == "sent"
    assert [(a["provider"], a["outcome"], a["device_id"]) for a in item["delivery_attempts"]] == [
        ("outbox", "delivered_to_outbox", None)
    ]
