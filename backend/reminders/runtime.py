"""What a process needs to deliver reminders: push providers with their HTTP clients, and a name."""

from __future__ import annotations

import os
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

import httpx

from backend.push import PushPlatform, PushProvider, build_push_providers
from backend.settings import Settings

PUSH_TIMEOUT_SECONDS = 10


def worker_name() -> str:
    """Names the claimer in the outbox (host and process), for whoever reads a stuck row."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


@cache
def _trust() -> ssl.SSLContext:
    """httpx's default certificate trust, loaded once a process (each load reads the CA bundle)."""
    return httpx.create_ssl_context()


@asynccontextmanager
async def push_providers(settings: Settings) -> AsyncIterator[dict[PushPlatform, PushProvider]]:
    """The providers the settings choose, with their HTTP clients open for as long as the block runs
    (APNs speaks only HTTP/2). Raises InvalidInput naming any missing FCM/APNs setting."""
    async with (
        httpx.AsyncClient(timeout=PUSH_TIMEOUT_SECONDS, verify=_trust()) as http,
        httpx.AsyncClient(http2=True, timeout=PUSH_TIMEOUT_SECONDS, verify=_trust()) as apns_http,
    ):
        yield build_push_providers(settings, http=http, apns_http=apns_http)
