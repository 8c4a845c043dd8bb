"""The durability page in a real browser: reached from the outcomes page, the planted fading and
late reaction readable, the course rule changed. Screenshots land in tests/artifacts/dashboard/."""

from __future__ import annotations

import os
import re

import pytest

from tests.e2e.conftest import ARTIFACTS, CHROMIUM, SKIP_REASON, shot, sign_in
from tests.e2e.seed import ADMIN_LONGTERM

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(SKIP_REASON, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser


def test_the_durability_section_shows_the_fading_arm_and_the_late_reaction(page, live_server):
    page.set_default_timeout(60_000)
    sign_in(page, ADMIN_LONGTERM)
    page.get_by_role("link", name="Outcomes").click()
    page.locator("#durability-link").click()
    expect(page.get_by_role("heading", name="Durability and the long term")).to_be_visible()
    prp12 = page.locator("#durability-prp-12 .change").inner_text()
    exo12 = page.locator("#durability-exosomes-12 .change").inner_text()
    assert float(prp12) < -1.0 < -0.5 < float(exo12), (prp12, exo12)
    expect(page.locator("#loss-prp")).to_contain_text("median")
    exocell = page.locator('#late-by-product tr[data-product="ExoCell 5B"] .figure').first.inner_text()
    kit = page.locator('#late-by-product tr[data-product="Regen PRP kit"] .figure').first.inner_text()
    assert float(exocell) > 2.5 * float(kit)
    expect(page.locator('#stop-prp li[data-reason="no_visible_change"]')).not_to_contain_text("too few")
    shot(page, "50-durability")
    page.locator("#arm-prp").screenshot(path=str(ARTIFACTS / "51-durability-prp.png"))

    page.get_by_label("New course after a gap of").fill("6")
    page.get_by_label("a session after the gap is").select_option("maintenance")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/dashboard/outcomes/durability$"))
    expect(page.locator("#course-rule")).to_contain_text("6 months or more after the previous one is maintenance")
