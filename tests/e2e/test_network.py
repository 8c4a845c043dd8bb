"""The network in a real browser: two clinics' admins join the local registry from their Network
pages, the registry's public page shows the pooled forest plots (the viewing clinic's row marked),
and the lot bad at both clinics reaches both clinics' safety inboxes. Screenshots: docs/screenshots/."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backend.app import create_app
from backend.auth.service import create_clinic_with_admin
from backend.db import close_database, open_database
from backend.outcomes import facts
from backend.outcomes.demo import WORSE_LOT, seed_outcomes_cohort
from backend.registry.app import create_registry_app
from backend.registry.settings import RegistrySettings
from backend.settings import Settings
from tests.conftest import FAST_PASSWORDS
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, SKIP_REASON, _require_chromium
from tests.servers import fresh_database, loopback_listener, serving

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(SKIP_REASON, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "network-demo-password"
CLINICS = (("North Hair Clinic", "admin@north.example", 20261125), ("South Hair Clinic", "admin@south.example", 20261207))


@dataclass
class Network:
    clinic_url: str
    registry_url: str


async def _seed(database_url: str) -> None:
    await open_database(database_url)
    try:
        today = datetime.now(UTC).date()
        for name, email, seed in CLINICS:
            clinic, _ = await create_clinic_with_admin(name, email, "Admin", PASSWORD)
            await seed_outcomes_cohort(clinic, today=today, seed=seed)
            await facts.rebuild(clinic.id)
    finally:
        await close_database()


@pytest.fixture(scope="module")
def network(migrated_template: str, tmp_path_factory) -> Iterator[Network]:
    _require_chromium()
    folder = tmp_path_factory.mktemp("network")
    database_url = fresh_database(migrated_template, folder)
    asyncio.run(_seed(database_url))
    registry_listener, registry_url = loopback_listener()
    clinic_listener, clinic_url = loopback_listener()
    settings = Settings(
        database_url=database_url, public_url=clinic_url, secret_key="e2e-network-key",
        local_store_path=str(folder / "objects"), network_registry_url=registry_url, network_sweep_seconds=0,
        **FAST_PASSWORDS,
    )
    registry = create_registry_app(RegistrySettings(database_url=f"sqlite://{folder / 'registry.sqlite3'}"))
    with serving(registry, registry_listener), serving(create_app(settings), clinic_listener):
        yield Network(clinic_url=clinic_url, registry_url=registry_url)


@pytest.fixture(scope="module")
def chromium(network):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def signed_in(chromium, network: Network, email: str):
    context = chromium.new_context(base_url=network.clinic_url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(60_000)  # the first outcome aggregates and statistics of a process load scipy
    page = context.new_page()
    page.goto("/dashboard/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/patients**")
    return context, page


def test_two_clinics_join_pool_and_both_see_the_lot_flagged_across_them(chromium, network):
    north, north_page = signed_in(chromium, network, CLINICS[0][1])
    north_page.get_by_role("link", name="Network").click()
    north_page.get_by_label("Registry address").fill(network.registry_url)
    north_page.get_by_role("button", name="Join the network").click()
    expect(north_page.get_by_role("alert")).to_contain_text("Tick the box")  # opting in is deliberate
    north_page.get_by_label("I have read what leaves the clinic").check()
    north_page.get_by_role("button", name="Join the network").click()
    expect(north_page.get_by_role("status")).to_contain_text("This clinic is in the network")
    expect(north_page.locator('#network-outbox tr[data-state="sent"]')).to_have_count(1)
    shot(north_page, "network-01-joined")

    south, south_page = signed_in(chromium, network, CLINICS[1][1])
    south_page.get_by_role("link", name="Network").click()
    south_page.get_by_label("Registry address").fill(network.registry_url)
    south_page.get_by_label("I have read what leaves the clinic").check()
    south_page.get_by_role("button", name="Join the network").click()
    expect(south_page.locator('#network-outbox tr[data-state="sent"]')).to_have_count(1)

    # North publishes again now that South is in: its signals are fetched with it
    north_page.get_by_role("button", name="Publish now").click()
    expect(north_page.get_by_role("status")).to_contain_text("on its way")
    expect(north_page.locator('#network-outbox tr[data-state="sent"]')).to_have_count(2)

    for name, page in (("north", north_page), ("south", south_page)):
        page.goto("/dashboard/side-effects")
        signal = page.locator(f'#network-signals .network-signal[data-lot="{WORSE_LOT}"][data-kind="moderate_or_worse"]').first
        expect(signal).to_contain_text("across 2 clinics")
        expect(signal).to_contain_text("moderate or worse")
        shot(page, f"network-02-safety-inbox-{name}")
    # acknowledging it at North leaves South's untouched
    north_page.locator(f'#network-signals .network-signal[data-lot="{WORSE_LOT}"][data-kind="moderate_or_worse"]').first.get_by_role(
        "button", name="Acknowledge"
    ).click()
    expect(north_page.locator(f'#network-signals .network-signal[data-lot="{WORSE_LOT}"][data-kind="moderate_or_worse"]').first).to_have_attribute(
        "data-acknowledged", "yes"
    )
    south_page.reload()
    expect(south_page.locator(f'#network-signals .network-signal[data-lot="{WORSE_LOT}"][data-kind="moderate_or_worse"]').first).to_have_attribute(
        "data-acknowledged", "no"
    )

    # the registry's public page, as North's Network page links to it: its rows marked
    north_page.goto("/dashboard/network")
    registry_page_url = north_page.locator("#registry-link").get_attribute("href")
    assert registry_page_url and registry_page_url.startswith(network.registry_url) and "?clinic=" in registry_page_url
    north_page.goto(registry_page_url)
    expect(north_page.locator("#totals")).to_contain_text("2 clinics")
    # the consensus of 4 arms at months 6 and 12 (an improved share hidden at both clinics has no plot)
    expect(north_page.locator("#forest-plots figure img[alt*='Blinded consensus']")).to_have_count(8)
    expect(north_page.locator("#lot-signals")).to_contain_text(WORSE_LOT)
    expect(north_page.locator("#lot-signals")).to_contain_text("2 clinics")
    exo = north_page.locator("#pooled tr[data-figure='exosomes-consensus-12']")
    expect(exo).to_contain_text("Exosomes: Blinded consensus at month 12")
    assert re.search(r"\+\d\.\d\d", exo.inner_text())
    caption = north_page.locator("#forest-plots figcaption").first.inner_text()
    assert "2 clinics, pooled" in caption
    expect(north_page.locator(".you")).to_contain_text("Your clinic's rows")
    shot(north_page, "network-03-registry-forest-plots")
    north.close()
    south.close()
