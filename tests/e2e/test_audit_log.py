"""The audit log in a real browser: an admin opens a patient, then finds that read in the audit
log by staff member and day, and downloads the filtered CSV. Screenshots land in tests/artifacts/dashboard/."""

from __future__ import annotations

import csv
import io
import os
import re

import pytest

from shared.clock import local_today

from tests.e2e.conftest import CHROMIUM, SKIP_REASON, shot, sign_in
from tests.e2e.seed import ADMIN_X

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(SKIP_REASON, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser


def test_a_patient_read_is_found_in_the_audit_log_and_exported(page, live_server):
    sign_in(page, ADMIN_X)
    page.get_by_role("link", name="Grace Okafor").click()
    expect(page.get_by_role("heading", name="Grace Okafor")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    page.get_by_label("Staff member").select_option(label="Dr Maya Rivera")
    page.get_by_label("Action").fill("patient.view")
    today = local_today("Europe/London").isoformat()  # the clinic's day, as the server counts it
    page.get_by_label("From").fill(today)
    page.get_by_label("To").fill(today)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"action=patient.view"))
    rows = page.locator("table.audit tbody tr")
    expect(rows.first).to_contain_text("Grace Okafor")
    expect(rows.first).to_contain_text("patient.view")
    expect(rows.first).to_contain_text("127.0.0.1")
    shot(page, "40-audit-log-filtered")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    body = open(download_info.value.path(), encoding="utf-8").read()
    exported = list(csv.DictReader(io.StringIO(body)))
    assert exported and {r["action"] for r in exported} == {"patient.view"}
    assert "NS-1060" in {r["patient_record_number"] for r in exported}
