"""The outcomes page in a real browser: open it, apply a filter, read a figure; at laptop and
tablet width and as printed. Screenshots land in tests/artifacts/dashboard/."""

from __future__ import annotations

import os
import re

import pytest

from tests.e2e.conftest import CHROMIUM, SKIP_REASON, shot, sign_in
from tests.e2e.seed import ADMIN_RESEARCH

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(SKIP_REASON, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser


def _count(page) -> int:
    return int(page.locator("#outcome-count strong").inner_text())


def test_open_outcomes_filter_by_arm_and_sex_and_read_a_figure(page, live_server):
    # the first outcomes page of a process loads scipy, statsmodels, lifelines and matplotlib
    page.set_default_timeout(60_000)
    sign_in(page, ADMIN_RESEARCH)
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()
    assert _count(page) == 200
    expect(page.locator("#observational-note")).to_contain_text("not a randomized trial")
    expect(page.locator("figure.chart img")).to_have_count(4)
    shot(page, "20-outcomes")

    page.get_by_label("Arm", exact=True).select_option("exosomes")
    page.get_by_label("Sex", exact=True).select_option("male")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"arm=exosomes.*sex=male"))
    narrowed = _count(page)
    assert 0 < narrowed < 80
    expect(page.locator("#table-arms tbody tr")).to_have_count(1)
    month6 = page.locator('#table-efficacy tr[data-arm="exosomes"][data-month="6"]')
    figure = month6.locator(".figure").first.inner_text()
    assert re.fullmatch(r"[+-]\d\.\d\d", figure), figure
    assert float(figure) > 0  # the demo's exosome arm improves
    expect(month6.locator(".n").first).to_contain_text("n=")
    expect(page.locator("#table-lots")).to_contain_text("EXO-2502-B")
    expect(page.locator('#table-lots tr[data-lot="EXO-2502-B"] .chip')).to_contain_text("Higher moderate-or-worse rate")
    shot(page, "21-outcomes-filtered")

    page.set_viewport_size({"width": 768, "height": 1024})
    expect(page.locator("figure.chart img").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, f"the page scrolls sideways at tablet width ({width}px)"
    shot(page, "22-outcomes-tablet")
    page.emulate_media(media="print")
    expect(page.locator(".outcome-filters")).to_be_hidden()
    shot(page, "23-outcomes-print")
    page.emulate_media(media="screen")


def test_a_backwards_date_range_is_refused_on_the_page(page, live_server):
    page.set_default_timeout(60_000)
    sign_in(page, ADMIN_RESEARCH)
    page.goto("/dashboard/outcomes?baseline_from=2026-06-01&baseline_to=2026-01-01")
    expect(page.locator("#filter-problem")).to_contain_text("ends before it starts")
    shot(page, "24-outcomes-bad-filter")
