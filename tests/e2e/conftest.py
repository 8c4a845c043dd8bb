"""Browser tests: a real uvicorn server on loopback and Debian's Chromium driven by Playwright.

Skipped, with a plain reason, where /usr/bin/chromium is missing (never `playwright install`);
on CI (CI=true) a missing Chromium is a failure, since `.ci/run` installs it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend.app import create_app
from backend.app import connect
from backend.db import close_database
from backend.settings import Settings
from tests.conftest import FAST_PASSWORDS
from tests.servers import fresh_database, loopback_listener, serving
from tests.e2e import phone
from tests.e2e import seed as seeding

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "dashboard"
SKIP_REASON = f"Chromium not found at {CHROMIUM}: dashboard browser tests skipped"


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"Chromium not found at {CHROMIUM} on CI: .ci/run should have installed it")
    pytest.skip(SKIP_REASON)


@dataclass
class LiveServer:
    url: str
    seeded: seeding.Seeded
    database_url: str = ""


@pytest.fixture(scope="module")
def live_server(migrated_template: str, tmp_path_factory) -> Iterator[LiveServer]:
    """The whole app on 127.0.0.1 in a thread of its own (its lifespan runs in that thread's loop)."""
    _require_chromium()

    folder = tmp_path_factory.mktemp("e2e")
    database_url = fresh_database(migrated_template, folder)
    listener, url = loopback_listener()
    settings = Settings(
        database_url=database_url, public_url=url, secret_key="e2e-secret-key", local_store_path=str(folder / "objects"),
        **FAST_PASSWORDS,
    )
    seeded = asyncio.run(_seed(database_url))
    with serving(create_app(settings), listener):
        # the timeline patient's phone uploads months of check-ins through the real protocol
        device_token = phone.enrol(url, seeding.PHONE_INVITE)
        seeded.photo_ids = phone.upload_check_ins(url, device_token, seeded.timeline_baseline, seeding.PHOTO_MONTHS)
        yield LiveServer(url=url, seeded=seeded, database_url=database_url)


async def _seed(database_url: str) -> seeding.Seeded:
    await connect(database_url)
    try:
        return await seeding.seed()
    finally:
        await close_database()


@pytest.fixture(scope="module")
def chromium(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser profile per test (no cookies carried over), laptop-sized."""
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # a page answering 404 on purpose is fine; a missing stylesheet, script or image is not
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "Failed to load resource" not in msg.text else None)
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and r.request.resource_type != "document" else None,
    )
    yield page
    context.close()
    assert errors == [], f"the page reported errors: {errors}"


def shot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under tests/artifacts/dashboard/ (look at them after a run)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in(page, email: str, password: str = seeding.PASSWORD) -> None:
    page.goto("/dashboard/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/patients**")
