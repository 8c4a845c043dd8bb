"""APNs over real HTTP/2 + TLS against a loopback look-alike: request format, provider tokens, reasons."""

from __future__ import annotations

import secrets
import uuid

import pytest

from backend.push.apns import ApnsProvider
from backend.push.apns_auth import ApnsProviderTokens
from backend.push.message import PushMessage, PushPlatform
from backend.push.outcome import DeliveryStatus
from shared.schedule import ReminderKind
from tests.backend.push.apns_loopback import ApnsAnswer, ApnsLoopback
from tests.backend.push.conftest import APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC
from tests.backend.push.credentials import apns_signing_key
from tests.backend.push.health_words import health_words_in

DEVICE = secrets.token_hex(32)


def reminder(kind: ReminderKind = ReminderKind.CHECKIN_DUE, device: str = DEVICE) -> PushMessage:
    return PushMessage(
        device_token=device,
        platform=PushPlatform.IOS,
        kind=kind,
        reminder_id=uuid.uuid4(),
        session_id=uuid.uuid4() if kind == ReminderKind.SIDE_EFFECT_QUESTION else None,
        checkin_month=2 if kind == ReminderKind.CHECKIN_DUE else None,
    )


async def test_a_reminder_is_delivered_over_http2(apns: ApnsProvider, apns_server: ApnsLoopback, clock) -> None:
    message = reminder()
    outcome = await apns.send(message)
    assert outcome.status == DeliveryStatus.DELIVERED
    assert outcome.provider_message_id
    assert apns_server.problems == []
    assert apns_server.negotiated_protocols == ["h2"]
    request = apns_server.requests[0]
    assert request["headers"][":path"] == f"/3/device/{DEVICE}"
    assert request["headers"]["apns-topic"] == APNS_TOPIC
    assert request["headers"]["apns-push-type"] == "alert"
    assert request["headers"]["apns-priority"] == "10"
    assert int(request["headers"]["apns-expiration"]) == int(clock() + 12 * 3600)
    assert request["body"] == {
        "aps": {"alert": {"title": message.title, "body": message.body}, "sound": "default"},
        "reminder_id": message.reminder_id,
        "checkin_month": "2",
    }


@pytest.mark.parametrize("kind", list(ReminderKind))
async def test_what_apple_receives_says_nothing_about_health(
    apns: ApnsProvider, apns_server: ApnsLoopback, kind: ReminderKind
) -> None:
    assert (await apns.send(reminder(kind))).status == DeliveryStatus.DELIVERED
    assert health_words_in(apns_server.requests[0]["raw"]) == []


async def test_many_sends_share_one_connection_and_one_provider_token(
    apns: ApnsProvider, apns_server: ApnsLoopback, clock
) -> None:
    for _ in range(4):
        assert (await apns.send(reminder())).status == DeliveryStatus.DELIVERED
        clock.advance(10 * 60)
    assert len(set(apns_server.provider_tokens_seen())) == 1
    assert apns_server.negotiated_protocols == ["h2"]


async def test_the_provider_token_is_renewed_after_50_minutes(apns: ApnsProvider, apns_server: ApnsLoopback, clock) -> None:
    await apns.send(reminder())
    clock.advance(49 * 60)
    await apns.send(reminder())
    clock.advance(2 * 60)
    await apns.send(reminder())
    first, second, third = apns_server.provider_tokens_seen()
    assert first == second != third
    assert apns_server.problems == []


@pytest.mark.parametrize(
    "answer",
    [ApnsAnswer(410, "Unregistered"), ApnsAnswer(400, "BadDeviceToken"), ApnsAnswer(400, "DeviceTokenNotForTopic")],
    ids=["unregistered", "bad-device-token", "not-for-topic"],
)
async def test_a_dead_token_disables_the_device(apns: ApnsProvider, apns_server: ApnsLoopback, answer: ApnsAnswer) -> None:
    apns_server.answer_next(DEVICE, answer)
    outcome = await apns.send(reminder())
    assert outcome.status == DeliveryStatus.TOKEN_INVALID
    assert outcome.disables_device
    assert answer.reason in outcome.detail


@pytest.mark.parametrize(
    "answer",
    [
        ApnsAnswer(429, "TooManyRequests"),
        ApnsAnswer(500, "InternalServerError"),
        ApnsAnswer(503, "ServiceUnavailable", {"retry-after": "30"}),
    ],
    ids=["too-many-requests", "internal-error", "unavailable"],
)
async def test_apple_being_busy_or_broken_is_retried_later(
    apns: ApnsProvider, apns_server: ApnsLoopback, answer: ApnsAnswer
) -> None:
    apns_server.answer_next(DEVICE, answer)
    outcome = await apns.send(reminder())
    assert outcome.status == DeliveryStatus.RETRY_LATER
    assert outcome.retry_after == (30 if answer.headers else None)
    assert len(apns_server.requests) == 1


async def test_an_expired_provider_token_is_renewed_and_the_send_retried_once(
    apns: ApnsProvider, apns_server: ApnsLoopback, clock
) -> None:
    await apns.send(reminder())
    clock.advance(21 * 60)
    apns_server.tokens_expire_before = clock() - 1
    outcome = await apns.send(reminder())
    assert outcome.status == DeliveryStatus.DELIVERED
    first, second = apns_server.provider_tokens_seen()
    assert first != second


async def test_a_provider_token_is_never_renewed_within_20_minutes(
    apns: ApnsProvider, apns_server: ApnsLoopback, clock
) -> None:
    await apns.send(reminder())
    clock.advance(5 * 60)
    apns_server.tokens_expire_before = clock() - 1
    outcome = await apns.send(reminder())
    assert outcome.status == DeliveryStatus.RETRY_LATER
    assert outcome.retry_after == pytest.approx(15 * 60, abs=1)
    assert len(set(apns_server.provider_tokens_seen())) == 1


async def test_a_token_signed_with_the_wrong_key_fails(apns_server: ApnsLoopback, apns_http, clock) -> None:
    wrong_pem, _ = apns_signing_key()
    tokens = ApnsProviderTokens(key_id=APNS_KEY_ID, team_id=APNS_TEAM_ID, private_key_pem=wrong_pem, clock=clock)
    provider = ApnsProvider(tokens, apns_http, topic=APNS_TOPIC, endpoint=apns_server.url, clock=clock)
    outcome = await provider.send(reminder())
    assert outcome.status == DeliveryStatus.FAILED
    assert "InvalidProviderToken" in outcome.detail


async def test_an_unreachable_apns_is_retried_later(apns_tokens: ApnsProviderTokens, apns_http, clock) -> None:
    provider = ApnsProvider(apns_tokens, apns_http, topic=APNS_TOPIC, endpoint="https://127.0.0.1:9", clock=clock)
    outcome = await provider.send(reminder())
    assert outcome.status == DeliveryStatus.RETRY_LATER
