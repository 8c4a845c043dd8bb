"""APNs provider tokens: ES256 JWTs signed with the team's .p8 key.

Apple rejects a token older than an hour and answers TooManyProviderTokenUpdates when a
provider renews more often than every 20 minutes, so one token is reused for 50 minutes and
a renewal forced by ExpiredProviderToken is refused while the current token is younger than 20.
"""

from __future__ import annotations

import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from backend.push.provider import Clock
from shared.errors import InvalidInput

TOKEN_LIFETIME = 50 * 60
MIN_RENEWAL_INTERVAL = 20 * 60


class ApnsProviderTokens:
    """The current provider token for one signing key, renewed on schedule."""

    def __init__(
        self,
        *,
        key_id: str,
        team_id: str,
        private_key_pem: str,
        clock: Clock = time.time,
    ) -> None:
        key = load_pem_private_key(private_key_pem.encode(), password=None)
        if not isinstance(key, EllipticCurvePrivateKey) or not isinstance(key.curve, SECP256R1):
            raise InvalidInput("the APNs signing key is not a P-256 (.p8) key")
        if not key_id or not team_id:
            raise InvalidInput("APNs needs both the key id and the team id")
        self._key = key
        self._key_id = key_id
        self._team_id = team_id
        self._clock = clock
        self._token: str | None = None
        self._issued_at = 0.0

    @classmethod
    def from_file(cls, path: str | Path, *, key_id: str, team_id: str, clock: Clock = time.time) -> ApnsProviderTokens:
        return cls(key_id=key_id, team_id=team_id, private_key_pem=Path(path).read_text(), clock=clock)

    def current(self) -> str:
        """The token to send now: the cached one until it is 50 minutes old."""
        if self._token is None or self._clock() - self._issued_at >= TOKEN_LIFETIME:
            self._issue()
        assert self._token is not None
        return self._token

    def renew_after_rejection(self, rejected: str) -> bool:
        """After APNs called `rejected` expired: True when a different token is now current.

        False while the current token is younger than 20 minutes (renewing sooner is refused).
        """
        if rejected != self._token:
            return True
        if self.seconds_until_renewable() > 0:
            return False
        self._issue()
        return True

    def seconds_until_renewable(self) -> float:
        return max(0.0, self._issued_at + MIN_RENEWAL_INTERVAL - self._clock())

    def _issue(self) -> None:
        issued_at = self._clock()
        self._token = jwt.encode(
            {"iss": self._team_id, "iat": int(issued_at)},
            self._key,
            algorithm="ES256",
            headers={"kid": self._key_id},
        )
        self._issued_at = issued_at
