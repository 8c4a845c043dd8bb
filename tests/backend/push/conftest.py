"""Loopback FCM/OAuth and APNs servers, fresh keys, and a clock the tests can move."""

from __future__ import annotations

import ssl
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from backend.push.apns import ApnsProvider
from backend.push.apns_auth import ApnsProviderTokens
from backend.push.fcm import FcmProvider
from backend.push.google_auth import ServiceAccount
from tests.backend.push.apns_loopback import ApnsLoopback
from tests.backend.push.credentials import apns_signing_key, loopback_certificate, service_account_key
from tests.backend.push.google_loopback import GoogleLoopback

APNS_KEY_ID = "ABC123DEFG"
APNS_TEAM_ID = "DEF123GHIJ"
APNS_TOPIC = "clinic.follicle.app"


class MovableClock:
    """Seconds since the epoch, starting at the real time, moved forward only by the test."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def google(clock: MovableClock) -> Iterator[tuple[GoogleLoopback, dict[str, str]]]:
    """A running Google loopback and the service-account key it trusts."""
    info, public_key = service_account_key()
    loopback = GoogleLoopback(
        public_key,
        client_email=info["client_email"],
        key_id=info["private_key_id"],
        project_id=info["project_id"],
        clock=clock,
    )
    # the key file names the token endpoint, as Google's downloaded keys do
    info["token_uri"] = loopback.token_uri
    loopback.start()
    yield loopback, info
    loopback.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


@pytest.fixture
def fcm(google: tuple[GoogleLoopback, dict[str, str]], http: httpx.AsyncClient, clock: MovableClock) -> FcmProvider:
    loopback, info = google
    return FcmProvider(ServiceAccount.from_json(info), http, endpoint=loopback.url, clock=clock)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return loopback_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def apns_key() -> tuple[str, object]:
    return apns_signing_key()


@pytest.fixture
async def apns_server(
    apns_key: tuple[str, object], tls_files: tuple[Path, Path], clock: MovableClock
) -> AsyncIterator[ApnsLoopback]:
    _, public_key = apns_key
    cert_file, key_file = tls_files
    loopback = ApnsLoopback(
        public_key,  # type: ignore[arg-type]
        key_id=APNS_KEY_ID,
        team_id=APNS_TEAM_ID,
        topic=APNS_TOPIC,
        cert_file=cert_file,
        key_file=key_file,
        clock=clock,
    )
    await loopback.start()
    yield loopback
    await loopback.stop()


@pytest.fixture
async def apns_http(tls_files: tuple[Path, Path]) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP/2 client that trusts only the loopback's certificate, as production trusts Apple's CA."""
    trust = ssl.create_default_context(cafile=str(tls_files[0]))
    async with httpx.AsyncClient(http2=True, verify=trust, timeout=5) as client:
        yield client


@pytest.fixture
def apns_tokens(apns_key: tuple[str, object], clock: MovableClock) -> ApnsProviderTokens:
    private_pem, _ = apns_key
    return ApnsProviderTokens(key_id=APNS_KEY_ID, team_id=APNS_TEAM_ID, private_key_pem=private_pem, clock=clock)


@pytest.fixture
def apns(
    apns_tokens: ApnsProviderTokens, apns_http: httpx.AsyncClient, apns_server: ApnsLoopback, clock: MovableClock
) -> ApnsProvider:
    return ApnsProvider(apns_tokens, apns_http, topic=APNS_TOPIC, endpoint=apns_server.url, clock=clock)
