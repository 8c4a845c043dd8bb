"""Apple Push Notification service over HTTP/2 with token-based (.p8) authentication, for iOS devices."""

from __future__ import annotations

import time
from typing import Any

import httpx

from backend.push.apns_auth import ApnsProviderTokens
from backend.push.message import PushMessage, PushPlatform
from backend.push.outcome import PushOutcome, parse_retry_after
from backend.push.provider import Clock
from backend.push.response_json import json_object

APNS_ENDPOINT = "https://api.push.apple.com"
APNS_SANDBOX_ENDPOINT = "https://api.sandbox.push.apple.com"
DEAD_TOKEN_REASONS = frozenset({"BadDeviceToken", "DeviceTokenNotForTopic", "Unregistered", "ExpiredToken"})


def apns_payload(message: PushMessage) -> dict[str, Any]:
    """The notification JSON: a generic alert with the default sound, then the ids beside `aps`."""
    return {
        "aps": {"alert": {"title": message.title, "body": message.body}, "sound": "default"},
        **message.data,
    }


class ApnsProvider:
    """Sends alerts to one app (the topic) through APNs; the injected client must speak HTTP/2."""

    name = "apns"

    def __init__(
        self,
        tokens: ApnsProviderTokens,
        http: httpx.AsyncClient,
        *,
        topic: str,
        endpoint: str = APNS_ENDPOINT,
        clock: Clock = time.time,
    ) -> None:
        self._tokens = tokens
        self._http = http
        self._topic = topic
        self._endpoint = endpoint.rstrip("/")
        self._clock = clock

    async def send(self, message: PushMessage) -> PushOutcome:
        """Send once; on ExpiredProviderToken renew the token (if allowed) and send once more."""
        if message.platform != PushPlatform.IOS:
            return PushOutcome.failed(f"apns sends to ios devices, not {message.platform}")
        try:
            provider_token = self._tokens.current()
            response = await self._post(message, provider_token)
            if _reason(response) == "ExpiredProviderToken":
                if not self._tokens.renew_after_rejection(provider_token):
                    return PushOutcome.retry_later(
                        "apns 403 ExpiredProviderToken: too soon to renew the provider token",
                        self._tokens.seconds_until_renewable(),
                    )
                response = await self._post(message, self._tokens.current())
        except httpx.TransportError as exc:
            return PushOutcome.retry_later(f"apns unreachable: {exc!r}")
        return apns_outcome(response)

    async def _post(self, message: PushMessage, provider_token: str) -> httpx.Response:
        expires = int(self._clock() + message.time_to_live.total_seconds())
        return await self._http.post(
            f"{self._endpoint}/3/device/{message.device_token}",
            json=apns_payload(message),
            headers={
                "authorization": f"bearer {provider_token}",
                "apns-topic": self._topic,
                "apns-push-type": "alert",
                "apns-priority": "10",
                "apns-expiration": str(expires),
                # a reminder sent twice (a worker died before recording it) shows once on the phone
                "apns-collapse-id": message.reminder_id,
            },
        )


def apns_outcome(response: httpx.Response) -> PushOutcome:
    """Map an APNs answer to an outcome, as Apple's status and reason table prescribes."""
    status = response.status_code
    if status == 200:
        return PushOutcome.delivered(response.headers.get("apns-id"))
    reason = _reason(response) or "unknown"
    detail = f"apns {status} {reason}"
    if reason in DEAD_TOKEN_REASONS or status == 410:
        return PushOutcome.token_invalid(detail)
    if status == 429 or status >= 500:
        return PushOutcome.retry_later(detail, parse_retry_after(response.headers.get("retry-after")))
    return PushOutcome.failed(detail)


def _reason(response: httpx.Response) -> str | None:
    if response.status_code == 200:
        return None
    reason = json_object(response).get("reason")
    return reason if isinstance(reason, str) else None
