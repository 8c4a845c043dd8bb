"""A push message cannot carry health information: generic texts by kind, ids only, tokens checked."""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from datetime import timedelta

import pytest

from backend.push.message import GENERIC_BODIES, PushMessage, PushPlatform, validate_device_token
from backend.push.outcome import parse_retry_after
from shared.errors import InvalidInput
from shared.schedule import ReminderKind
from tests.backend.push.health_words import health_words_in

IOS_DEVICE = secrets.token_hex(32)


def test_every_reminder_kind_has_generic_words_only() -> None:
    assert set(GENERIC_BODIES) == set(ReminderKind)
    for kind in ReminderKind:
        message = PushMessage(device_token=IOS_DEVICE, platform="ios", kind=kind, reminder_id=uuid.uuid4())
        assert health_words_in(f"{message.title} {message.body}") == [], kind
    assert len(set(GENERIC_BODIES.values())) == len(ReminderKind)


def test_there_is_no_way_to_put_free_text_in_a_message() -> None:
    fields = {f.name for f in dataclasses.fields(PushMessage)}
    assert "title" not in fields and "body" not in fields
    with pytest.raises(TypeError):
        PushMessage(device_token=IOS_DEVICE, platform="ios", kind="checkin_due", reminder_id=1, body="PRP tomorrow")  # type: ignore[call-arg]


@pytest.mark.parametrize("bad_id", ["injection-7", "pain", "1 2", "", -3, 1.5, True])
def test_ids_must_be_uuids_or_numbers(bad_id: object) -> None:
    with pytest.raises(InvalidInput):
        PushMessage(device_token=IOS_DEVICE, platform="ios", kind="checkin_due", reminder_id=bad_id)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        PushMessage(device_token=IOS_DEVICE, platform="ios", kind="checkin_due", reminder_id=1, session_id=bad_id)  # type: ignore[arg-type]


def test_data_holds_string_ids_only() -> None:
    session = uuid.uuid4()
    message = PushMessage(
        device_token=IOS_DEVICE,
        platform=PushPlatform.IOS,
        kind=ReminderKind.INJECTION_UPCOMING,
        reminder_id=42,  # type: ignore[arg-type]
        session_id=str(session).upper(),
        checkin_month=None,
    )
    assert message.data == {"reminder_id": "42", "session_id": str(session)}
    assert all(isinstance(v, str) for v in message.data.values())


@pytest.mark.parametrize(
    ("platform", "token"),
    [
        ("ios", "../../3/device/abc"),
        ("ios", "zz" * 32),
        ("ios", "ab" * 8),
        ("android", "short"),
        ("android", "token with spaces and/slashes " * 2),
        ("android", 'x"}' * 10),
    ],
)
def test_tokens_that_could_not_come_from_the_platform_are_refused(platform: str, token: str) -> None:
    with pytest.raises(InvalidInput):
        validate_device_token(platform, token)


def test_an_ios_token_is_canonical_lower_case_hex() -> None:
    token = secrets.token_hex(32)
    assert validate_device_token("ios", token.upper()) == token
    spaced = " ".join(token[i : i + 8] for i in range(0, 64, 8))
    assert validate_device_token(PushPlatform.IOS, spaced) == token


def test_time_to_live_stays_within_what_the_services_keep() -> None:
    with pytest.raises(InvalidInput):
        PushMessage(device_token=IOS_DEVICE, platform="ios", kind="checkin_due", reminder_id=1, time_to_live=timedelta(days=40))


def test_retry_after_reads_seconds_and_dates() -> None:
    assert parse_retry_after("17") == 17
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date already past means now
