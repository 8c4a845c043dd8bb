"""OAuth2 access tokens for FCM HTTP v1 from a Google service account (the JWT-bearer grant).

The service account's private key signs a short RS256 assertion; Google's token endpoint
trades it for an access token valid about an hour. The token is cached and reused until
shortly before it expires, and fetched once however many sends wait for it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from backend.push.outcome import parse_retry_after
from backend.push.provider import Clock
from backend.push.response_json import json_object
from shared.errors import InvalidInput

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = 3600
# renew this long before expiry so a token never dies between fetch and use
REFRESH_MARGIN = 300.0


class CredentialsRejected(Exception):
    """Google refused the service account (wrong key, disabled account): retrying will not help."""


class TokenServiceUnavailable(Exception):
    """The token endpoint could not answer now; try again later."""

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass(frozen=True, kw_only=True)
class ServiceAccount:
    """The fields of a Google service-account JSON key that FCM needs."""

    project_id: str
    client_email: str
    private_key_id: str
    private_key_pem: str = field(repr=False)
    token_uri: str = "https://oauth2.googleapis.com/token"

    @classmethod
    def from_json(cls, raw: str | bytes | Mapping[str, Any]) -> ServiceAccount:
        """Parse a service-account key; InvalidInput names what is missing or wrong."""
        info = json.loads(raw) if isinstance(raw, str | bytes) else raw
        if info.get("type") != "service_account":
            raise InvalidInput("the FCM credentials are not a service-account key")
        missing = [k for k in ("project_id", "client_email", "private_key_id", "private_key") if not info.get(k)]
        if missing:
            raise InvalidInput(f"the service-account key lacks {', '.join(missing)}")
        return cls(
            project_id=info["project_id"],
            client_email=info["client_email"],
            private_key_id=info["private_key_id"],
            private_key_pem=info["private_key"],
            token_uri=info.get("token_uri") or cls.token_uri,
        )

    @classmethod
    def from_file(cls, path: str | Path) -> ServiceAccount:
        return cls.from_json(Path(path).read_text())


class GoogleAccessTokens:
    """Access tokens for one service account, fetched on demand and cached until near expiry."""

    def __init__(
        self,
        account: ServiceAccount,
        http: httpx.AsyncClient,
        *,
        token_uri: str | None = None,
        clock: Clock = time.time,
        refresh_margin: float = REFRESH_MARGIN,
    ) -> None:
        key = load_pem_private_key(account.private_key_pem.encode(), password=None)
        if not isinstance(key, RSAPrivateKey):
            raise InvalidInput("the service-account private key is not an RSA key")
        self._account = account
        self._key = key
        self._http = http
        self._token_uri = token_uri or account.token_uri
        self._clock = clock
        self._refresh_margin = refresh_margin
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        """A valid access token, from cache when it has more than the margin left.

        Raises CredentialsRejected or TokenServiceUnavailable.
        """
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at - self._refresh_margin:
                self._token, self._expires_at = await self._fetch()
            return self._token

    def forget(self, token: str) -> None:
        """Drop `token` from the cache because a service rejected it (a no-op if already replaced)."""
        if self._token == token:
            self._token = None

    async def _fetch(self) -> tuple[str, float]:
        issued_at = int(self._clock())
        assertion = jwt.encode(
            {
                "iss": self._account.client_email,
                "scope": FCM_SCOPE,
                "aud": self._token_uri,
                "iat": issued_at,
                "exp": issued_at + ASSERTION_LIFETIME,
            },
            self._key,
            algorithm="RS256",
            headers={"kid": self._account.private_key_id},
        )
        try:
            response = await self._http.post(
                self._token_uri, data={"grant_type": JWT_BEARER_GRANT, "assertion": assertion}
            )
        except httpx.TransportError as exc:
            raise TokenServiceUnavailable(f"oauth token endpoint unreachable: {exc!r}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise TokenServiceUnavailable(
                f"oauth token endpoint answered {response.status_code}",
                parse_retry_after(response.headers.get("retry-after")),
            )
        body = json_object(response)
        if response.status_code != 200 or not body.get("access_token"):
            reason = body.get("error", "unknown_error")
            description = body.get("error_description", "")
            raise CredentialsRejected(f"oauth token request rejected ({response.status_code} {reason}: {description})")
        return body["access_token"], issued_at + float(body.get("expires_in", ASSERTION_LIFETIME))

