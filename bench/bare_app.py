"""The reference for bench/timeline.py: a bare Litestar app (no middleware, no database) that
answers GET /timeline with the same Timeline the real endpoint built, serialised on each request,
and GET /ok with a tiny JSON object."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
from litestar import Litestar, get

from shared.contract.checkins import Timeline


def create_app() -> Litestar:
    payload = msgspec.json.decode(Path(os.environ["FOLLICLE_BENCH_PAYLOAD"]).read_bytes(), type=Timeline)

    @get("/timeline", sync_to_thread=False)
    def timeline() -> Timeline:
        return payload

    @get("/ok", sync_to_thread=False)
    def ok() -> dict[str, bool]:
        return {"ok": True}

    @get("/health", sync_to_thread=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(route_handlers=[timeline, ok, health])
