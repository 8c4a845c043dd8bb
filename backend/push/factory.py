"""Choose a push provider per platform from the settings: outbox only unless FCM or APNs is configured."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from backend.push.apns import APNS_ENDPOINT, ApnsProvider
from backend.push.apns_auth import ApnsProviderTokens
from backend.push.fcm import FCM_ENDPOINT, FcmProvider
from backend.push.google_auth import ServiceAccount
from backend.push.message import PushPlatform
from backend.push.outbox_only import OutboxOnlyProvider
from backend.push.provider import Clock, PushProvider
from shared.errors import InvalidInput

KNOWN_PROVIDERS = frozenset({"outbox", "fcm", "apns"})


def build_push_providers(
    settings: Mapping[str, Any] | object,
    *,
    http: httpx.AsyncClient | None = None,
    apns_http: httpx.AsyncClient | None = None,
    clock: Clock = time.time,
) -> dict[PushPlatform, PushProvider]:
    """A provider for each platform, from settings given as a mapping or an object with attributes.

    `push_providers` lists "outbox", "fcm" (Android) and/or "apns" (iOS), comma-separated; a
    platform without its provider gets the outbox. FCM reads `fcm_service_account_file` and
    `fcm_endpoint` and sends with `http`; APNs reads `apns_key_file`, `apns_key_id`,
    `apns_team_id`, `apns_topic`, `apns_endpoint` and sends with `apns_http`, which must be an
    `httpx.AsyncClient(http2=True)`. The caller owns both clients and closes them.
    Raises InvalidInput naming every missing or unknown setting.
    """
    names = {n.strip().lower() for n in str(_setting(settings, "push_providers") or "outbox").split(",") if n.strip()}
    unknown = names - KNOWN_PROVIDERS
    if unknown:
        raise InvalidInput(f"unknown push providers: {', '.join(sorted(unknown))}")
    outbox = OutboxOnlyProvider()
    providers: dict[PushPlatform, PushProvider] = {PushPlatform.ANDROID: outbox, PushPlatform.IOS: outbox}
    if "fcm" in names:
        _require(settings, "fcm_service_account_file")
        if http is None:
            raise InvalidInput("FCM push needs an httpx.AsyncClient (http)")
        providers[PushPlatform.ANDROID] = FcmProvider(
            ServiceAccount.from_file(_setting(settings, "fcm_service_account_file")),
            http,
            endpoint=_setting(settings, "fcm_endpoint") or FCM_ENDPOINT,
            clock=clock,
        )
    if "apns" in names:
        _require(settings, "apns_key_file", "apns_key_id", "apns_team_id", "apns_topic")
        if apns_http is None:
            raise InvalidInput("APNs push needs an HTTP/2 httpx.AsyncClient (apns_http)")
        tokens = ApnsProviderTokens.from_file(
            _setting(settings, "apns_key_file"),
            key_id=_setting(settings, "apns_key_id"),
            team_id=_setting(settings, "apns_team_id"),
            clock=clock,
        )
        providers[PushPlatform.IOS] = ApnsProvider(
            tokens,
            apns_http,
            topic=_setting(settings, "apns_topic"),
            endpoint=_setting(settings, "apns_endpoint") or APNS_ENDPOINT,
            clock=clock,
        )
    return providers


def _setting(settings: Mapping[str, Any] | object, name: str) -> Any:
    if isinstance(settings, Mapping):
        return settings.get(name)
    return getattr(settings, name, None)


def _require(settings: Mapping[str, Any] | object, *names: str) -> None:
    missing = [name for name in names if not _setting(settings, name)]
    if missing:
        raise InvalidInput(f"push settings missing: {', '.join(missing)}")
