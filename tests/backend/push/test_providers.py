"""The outbox-only default and the factory that picks a provider per platform from the settings."""

from __future__ import annotations

import json
import secrets
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from backend.push.apns import ApnsProvider
from backend.push.factory import build_push_providers
from backend.push.fcm import FcmProvider
from backend.push.message import PushMessage, PushPlatform
from backend.push.outbox_only import OutboxOnlyProvider
from backend.push.outcome import DeliveryStatus
from backend.push.provider import PushProvider
from shared.errors import InvalidInput
from shared.schedule import ReminderKind
from tests.backend.push.conftest import APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC


def ios_reminder() -> PushMessage:
    return PushMessage(
        device_token=secrets.token_hex(32), platform="ios", kind=ReminderKind.CHECKIN_DUE, reminder_id=uuid.uuid4()
    )


async def test_the_outbox_provider_delivers_to_the_outbox_without_a_network() -> None:
    provider = OutboxOnlyProvider()
    outcome = await provider.send(ios_reminder())
    assert outcome.status == DeliveryStatus.DELIVERED_TO_OUTBOX
    assert outcome.is_final and not outcome.disables_device
    assert isinstance(provider, PushProvider)


def test_by_default_both_platforms_use_the_outbox() -> None:
    providers = build_push_providers({})
    assert set(providers) == {PushPlatform.ANDROID, PushPlatform.IOS}
    assert all(isinstance(p, OutboxOnlyProvider) for p in providers.values())


def test_missing_or_unknown_settings_are_named() -> None:
    with pytest.raises(InvalidInput, match="carrier-pigeon"):
        build_push_providers({"push_providers": "outbox,carrier-pigeon"})
    with pytest.raises(InvalidInput, match="apns_key_id, apns_team_id, apns_topic"):
        build_push_providers({"push_providers": "apns", "apns_key_file": "/k.p8"})
    with pytest.raises(InvalidInput, match="fcm_service_account_file"):
        build_push_providers(SimpleNamespace(push_providers="fcm", fcm_service_account_file=""))


async def test_configured_providers_reach_their_services(
    tmp_path: Path, google, apns_server, apns_key, http, apns_http, clock
) -> None:
    loopback, info = google
    account_file = tmp_path / "service-account.json"
    account_file.write_text(json.dumps(info))
    key_file = tmp_path / "AuthKey.p8"
    key_file.write_text(apns_key[0])
    settings = SimpleNamespace(
        push_providers="fcm, apns",
        fcm_service_account_file=str(account_file),
        fcm_endpoint=loopback.url,
        apns_key_file=str(key_file),
        apns_key_id=APNS_KEY_ID,
        apns_team_id=APNS_TEAM_ID,
        apns_topic=APNS_TOPIC,
        apns_endpoint=apns_server.url,
    )
    providers = build_push_providers(settings, http=http, apns_http=apns_http, clock=clock)
    assert isinstance(providers[PushPlatform.ANDROID], FcmProvider)
    assert isinstance(providers[PushPlatform.IOS], ApnsProvider)
    android = PushMessage(
        device_token="fcm-token_" + secrets.token_urlsafe(40), platform="android", kind="checkin_missed", reminder_id=7
    )
    assert (await providers[PushPlatform.ANDROID].send(android)).status == DeliveryStatus.DELIVERED
    assert (await providers[PushPlatform.IOS].send(ios_reminder())).status == DeliveryStatus.DELIVERED
    assert loopback.problems == [] and apns_server.problems == []


def test_a_configured_provider_needs_its_client(tmp_path: Path, apns_key) -> None:
    key_file = tmp_path / "AuthKey.p8"
    key_file.write_text(apns_key[0])
    settings = {
        "push_providers": "apns",
        "apns_key_file": str(key_file),
        "apns_key_id": APNS_KEY_ID,
        "apns_team_id": APNS_TEAM_ID,
        "apns_topic": APNS_TOPIC,
    }
    with pytest.raises(InvalidInput, match="HTTP/2"):
        build_push_providers(settings)


async def test_a_message_for_the_other_platform_is_refused_without_touching_the_network(fcm, apns, google, apns_server) -> None:
    loopback, _ = google
    android = PushMessage(device_token="fcm-token_" + secrets.token_urlsafe(40), platform="android", kind="checkin_due", reminder_id=1)
    assert (await apns.send(android)).status == DeliveryStatus.FAILED
    assert (await fcm.send(ios_reminder())).status == DeliveryStatus.FAILED
    assert apns_server.requests == [] and loopback.send_requests == [] and loopback.oauth_requests == []
