"""Firebase Cloud Messaging, HTTP v1 API (the legacy API is gone), for Android devices."""

from __future__ import annotations

import time
from typing import Any

import httpx

from backend.push.google_auth import (
    CredentialsRejected,
    GoogleAccessTokens,
    ServiceAccount,
    TokenServiceUnavailable,
)
from backend.push.message import PushMessage, PushPlatform
from backend.push.outcome import PushOutcome, parse_retry_after
from backend.push.provider import Clock
from backend.push.response_json import json_object

FCM_ENDPOINT = "https://fcm.googleapis.com"
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"


def fcm_request_body(message: PushMessage, *, now: float) -> dict[str, Any]:
    """The v1 `messages:send` body: generic notification, string-only data, per-platform delivery hints.

    The reminder id is the collapse key and notification tag, so a reminder sent twice (a worker
    died between the send and recording it) replaces itself on the phone instead of showing twice.
    """
    ttl = int(message.time_to_live.total_seconds())
    return {
        "message": {
            "token": message.device_token,
            "notification": {"title": message.title, "body": message.body},
            "data": message.data,
            "android": {
                "priority": "high",
                "ttl": f"{ttl}s",
                "collapse_key": message.reminder_id,
                "notification": {"sound": "default", "tag": message.reminder_id},
            },
            "apns": {
                "headers": {
                    "apns-priority": "10",
                    "apns-expiration": str(int(now) + ttl),
                    "apns-collapse-id": message.reminder_id,
                },
                "payload": {"aps": {"sound": "default"}},
            },
            "webpush": {"headers": {"TTL": str(ttl), "Urgency": "high"}},
        }
    }


class FcmProvider:
    """Sends through FCM HTTP v1 with service-account OAuth; maps FCM's errors to outcomes."""

    name = "fcm"

    def __init__(
        self,
        account: ServiceAccount,
        http: httpx.AsyncClient,
        *,
        endpoint: str = FCM_ENDPOINT,
        token_uri: str | None = None,
        clock: Clock = time.time,
    ) -> None:
        self._http = http
        self._clock = clock
        self._url = f"{endpoint.rstrip('/')}/v1/projects/{account.project_id}/messages:send"
        self._tokens = GoogleAccessTokens(account, http, token_uri=token_uri, clock=clock)

    async def send(self, message: PushMessage) -> PushOutcome:
        """Send once; on 401 fetch a fresh access token and send once more."""
        if message.platform != PushPlatform.ANDROID:
            return PushOutcome.failed(f"fcm sends to android devices, not {message.platform}")
        try:
            access_token = await self._tokens.get()
            response = await self._post(message, access_token)
            if response.status_code == 401:
                self._tokens.forget(access_token)
                response = await self._post(message, await self._tokens.get())
        except CredentialsRejected as exc:
            return PushOutcome.failed(f"fcm: {exc}")
        except TokenServiceUnavailable as exc:
            return PushOutcome.retry_later(f"fcm: {exc}", exc.retry_after)
        except httpx.TransportError as exc:
            return PushOutcome.retry_later(f"fcm unreachable: {exc!r}")
        return fcm_outcome(response)

    async def _post(self, message: PushMessage, access_token: str) -> httpx.Response:
        return await self._http.post(
            self._url,
            json=fcm_request_body(message, now=self._clock()),
            headers={"authorization": f"Bearer {access_token}"},
        )


def fcm_outcome(response: httpx.Response) -> PushOutcome:
    """Map an FCM v1 answer to an outcome, as FCM's error-code table prescribes."""
    status = response.status_code
    if status == 200:
        return PushOutcome.delivered(json_object(response).get("name"))
    error = json_object(response).get("error")
    error = error if isinstance(error, dict) else {}
    error_status = error.get("status", "")
    fcm_code, violated_fields = _error_details(error)
    detail = f"fcm {status} {fcm_code or error_status}: {error.get('message', '')}".rstrip(": ")
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if status == 404 or fcm_code == "UNREGISTERED":
        return PushOutcome.token_invalid(detail)
    if fcm_code == "SENDER_ID_MISMATCH":
        return PushOutcome.token_invalid(detail)
    if status == 400 or fcm_code == "INVALID_ARGUMENT":
        # FCM names the offending field when our payload is at fault; otherwise it is the token
        if violated_fields and not any("token" in field for field in violated_fields):
            return PushOutcome.failed(detail)
        return PushOutcome.token_invalid(detail)
    if status == 429 or status >= 500:
        return PushOutcome.retry_later(detail, retry_after)
    return PushOutcome.failed(detail)


def _error_details(error: dict[str, Any]) -> tuple[str | None, list[str]]:
    fcm_code: str | None = None
    fields: list[str] = []
    for item in error.get("details") or []:
        if not isinstance(item, dict):
            continue
        if item.get("@type") == FCM_ERROR_TYPE:
            fcm_code = item.get("errorCode")
        elif item.get("@type") == BAD_REQUEST_TYPE:
            fields += [v.get("field", "") for v in item.get("fieldViolations") or [] if isinstance(v, dict)]
    return fcm_code, fields

