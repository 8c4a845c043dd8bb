"""The app under uvicorn in a thread of its own on a free loopback port, for the tests that need a
real server (the browser, schemathesis). One way to start and stop it: a stop waits for the
lifespan to finish (the ORM closed), so the next server of the process can open its own."""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from backend.db import is_postgres

START_SECONDS = 60  # a loaded CI machine starts an app in seconds; this is only the give-up point
STOP_SECONDS = 60


def fresh_database(migrated_template: str, folder: Path) -> str:
    """A migrated, empty database for one live server: the worker's PostgreSQL database emptied, or
    a copy of the SQLite template in `folder`."""
    if is_postgres(migrated_template):
        from tests.conftest import _truncate_postgres

        asyncio.run(_truncate_postgres(migrated_template))
        return migrated_template
    shutil.copyfile(migrated_template, folder / "follicle.sqlite3")
    return f"sqlite://{folder / 'follicle.sqlite3'}"


def loopback_listener() -> tuple[socket.socket, str]:
    """A bound socket on a free port of 127.0.0.1 and its URL (so settings can name it first)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}"


@contextmanager
def serving(app, listener: socket.socket | None = None) -> Iterator[str]:
    """Serve `app` until the block ends; yields its URL."""
    if listener is None:
        listener, url = loopback_listener()
    else:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    # open keep-alive connections (a browser's) get a few seconds, then the lifespan ends regardless
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            listener.close()
            raise RuntimeError("the app did not start (see its log above)")
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=STOP_SECONDS)
        listener.close()
        if thread.is_alive():
            raise RuntimeError(f"the app did not stop within {STOP_SECONDS} s")
