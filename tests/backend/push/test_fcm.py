"""FCM HTTP v1 against a loopback Google: OAuth with a signed assertion, the send format, error mapping."""

from __future__ import annotations

import asyncio
import email.utils
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from backend.push.fcm import FcmProvider
from backend.push.google_auth import ServiceAccount
from backend.push.message import PushMessage, PushPlatform
from backend.push.outcome import DeliveryStatus
from shared.schedule import ReminderKind
from tests.backend.push.credentials import service_account_key
from tests.backend.push.google_loopback import Answer, fcm_error
from tests.backend.push.health_words import health_words_in

DEVICE = "fGx1-Zk:APA91bH_loopback_registration_token_0123456789abcdefghijklmnopqrstuvwxyz"


def reminder(kind: ReminderKind = ReminderKind.INJECTION_UPCOMING, device: str = DEVICE) -> PushMessage:
    return PushMessage(
        device_token=device,
        platform=PushPlatform.ANDROID,
        kind=kind,
        reminder_id=uuid.uuid4(),
        session_id=uuid.uuid4() if kind == ReminderKind.INJECTION_UPCOMING else None,
        checkin_month=3 if kind == ReminderKind.CHECKIN_DUE else None,
    )


async def test_a_reminder_is_delivered_in_fcm_v1_format(fcm: FcmProvider, google) -> None:
    loopback, _ = google
    message = reminder()
    outcome = await fcm.send(message)
    assert outcome.status == DeliveryStatus.DELIVERED
    assert outcome.provider_message_id == "projects/follicle-test/messages/1"
    assert loopback.problems == []
    sent = loopback.send_requests[0]["body"]["message"]
    assert sent["token"] == DEVICE
    assert sent["data"] == {"reminder_id": message.reminder_id, "session_id": message.session_id}
    assert sent["android"]["priority"] == "high" and sent["android"]["ttl"] == "43200s"
    assert sent["apns"]["headers"]["apns-priority"] == "10"
    assert loopback.send_requests[0]["headers"]["authorization"] == "Bearer ya29.loopback-1"


@pytest.mark.parametrize("kind", list(ReminderKind))
async def test_what_google_receives_says_nothing_about_health(fcm: FcmProvider, google, kind: ReminderKind) -> None:
    loopback, _ = google
    assert (await fcm.send(reminder(kind))).status == DeliveryStatus.DELIVERED
    raw = loopback.send_requests[0]["raw"]
    assert health_words_in(raw) == []
    assert set(loopback.send_requests[0]["body"]["message"]["data"]) <= {"reminder_id", "session_id", "checkin_month"}


async def test_one_access_token_serves_many_sends_until_shortly_before_it_expires(fcm: FcmProvider, google, clock) -> None:
    loopback, _ = google
    for _ in range(3):
        assert (await fcm.send(reminder())).status == DeliveryStatus.DELIVERED
    assert len(loopback.oauth_requests) == 1
    clock.advance(3000)  # 50 minutes: still well inside the hour
    await fcm.send(reminder())
    assert len(loopback.oauth_requests) == 1
    clock.advance(400)  # within five minutes of expiry: renew before it dies
    assert (await fcm.send(reminder())).status == DeliveryStatus.DELIVERED
    assert len(loopback.oauth_requests) == 2
    assert loopback.problems == []


async def test_concurrent_sends_share_a_single_token_fetch(fcm: FcmProvider, google) -> None:
    loopback, _ = google
    outcomes = await asyncio.gather(*(fcm.send(reminder()) for _ in range(8)))
    assert {o.status for o in outcomes} == {DeliveryStatus.DELIVERED}
    assert len(loopback.oauth_requests) == 1


async def test_a_rejected_access_token_is_renewed_once_and_the_send_retried(fcm: FcmProvider, google) -> None:
    loopback, _ = google
    await fcm.send(reminder())
    loopback.revoke_access_tokens()
    outcome = await fcm.send(reminder())
    assert outcome.status == DeliveryStatus.DELIVERED
    assert len(loopback.oauth_requests) == 2
    assert len(loopback.send_requests) == 2  # the loopback counts only the sends it accepted


async def test_a_second_401_fails_instead_of_looping(fcm: FcmProvider, google) -> None:
    loopback, _ = google
    loopback.token_lifetime = 0  # every token the loopback issues is already dead
    outcome = await fcm.send(reminder())
    assert outcome.status == DeliveryStatus.FAILED
    assert "401" in outcome.detail
    assert len(loopback.oauth_requests) == 2


@pytest.mark.parametrize(
    "answer",
    [
        fcm_error(404, "NOT_FOUND", "Requested entity was not found.", error_code="UNREGISTERED"),
        fcm_error(400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token", error_code="INVALID_ARGUMENT"),
        fcm_error(403, "PERMISSION_DENIED", "SenderId mismatch", error_code="SENDER_ID_MISMATCH"),
    ],
    ids=["unregistered", "invalid-token", "sender-mismatch"],
)
async def test_a_dead_token_disables_the_device(fcm: FcmProvider, google, answer: Answer) -> None:
    loopback, _ = google
    loopback.answer_next(DEVICE, answer)
    outcome = await fcm.send(reminder())
    assert outcome.status == DeliveryStatus.TOKEN_INVALID
    assert outcome.disables_device and outcome.is_final


async def test_a_payload_fcm_refuses_fails_without_blaming_the_device(fcm: FcmProvider, google) -> None:
    loopback, _ = google
    loopback.answer_next(
        DEVICE,
        fcm_error(400, "INVALID_ARGUMENT", "Invalid value at 'message.data[0].value'", field_violations=["message.data[0].value"]),
    )
    outcome = await fcm.send(reminder())
    assert outcome.status == DeliveryStatus.FAILED
    assert not outcome.disables_device


async def test_quota_exceeded_honours_retry_after_seconds(fcm: FcmProvider, google) -> None:
    loopback, _ = google
    loopback.answer_next(
        DEVICE, fcm_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", error_code="QUOTA_EXCEEDED", headers={"Retry-After": "17"})
    )
    outcome = await fcm.send(reminder())
    assert outcome.status == DeliveryStatus.RETRY_LATER
    assert outcome.retry_after == 17
    assert not outcome.is_final
    assert len(loopback.send_requests) == 1  # the provider leaves the waiting to the outbox


async def test_unavailable_honours_retry_after_as_a_date(fcm: FcmProvider, google) -> None:
    loopback, _ = google
    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    loopback.answer_next(
        DEVICE, fcm_error(503, "UNAVAILABLE", "The service is currently unavailable.", error_code="UNAVAILABLE", headers={"Retry-After": later})
    )
    outcome = await fcm.send(reminder())
    assert outcome.status == DeliveryStatus.RETRY_LATER
    assert outcome.retry_after is not None and 110 <= outcome.retry_after <= 120


async def test_an_internal_error_is_retried_later(fcm: FcmProvider, google) -> None:
    loopback, _ = google
    loopback.answer_next(DEVICE, fcm_error(500, "INTERNAL", "Internal error encountered.", error_code="INTERNAL"))
    outcome = await fcm.send(reminder())
    assert outcome.status == DeliveryStatus.RETRY_LATER and outcome.retry_after is None


async def test_a_service_account_google_does_not_know_fails_before_any_send(google, http, clock) -> None:
    loopback, info = google
    stranger, _ = service_account_key()
    stranger["token_uri"] = info["token_uri"]
    provider = FcmProvider(ServiceAccount.from_json(stranger), http, endpoint=loopback.url, clock=clock)
    outcome = await provider.send(reminder())
    assert outcome.status == DeliveryStatus.FAILED
    assert "invalid_grant" in outcome.detail
    assert loopback.rejected_assertions and loopback.send_requests == []


async def test_an_unreachable_fcm_is_retried_later(google, http, clock) -> None:
    _, info = google
    provider = FcmProvider(ServiceAccount.from_json(info), http, endpoint="http://127.0.0.1:9", clock=clock)
    outcome = await provider.send(reminder())
    assert outcome.status == DeliveryStatus.RETRY_LATER
    assert "unreachable" in outcome.detail


async def test_a_busy_token_endpoint_is_retried_later(google, fcm: FcmProvider) -> None:
    loopback, _ = google
    loopback.oauth_answers.append(Answer(503, {"error": "backend_error"}, {"Retry-After": "5"}))
    outcome = await fcm.send(reminder())
    assert outcome.status == DeliveryStatus.RETRY_LATER and outcome.retry_after == 5
    assert (await fcm.send(reminder())).status == DeliveryStatus.DELIVERED

