"""The clinic dashboard in a real browser: what a clinician does between patients.

Screenshots land in tests/artifacts/dashboard/ (see docs/dashboard.md for what each shows)."""

from __future__ import annotations

import os
import re

import pytest

from tests.e2e.conftest import CHROMIUM, SKIP_REASON, shot, sign_in
from tests.e2e.seed import ADMIN_X, ADMIN_Y, FRONT_DESK_X, X_LOT

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(SKIP_REASON, allow_module_level=True)  # one plain line in the summary; CI fails instead

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser


def test_sign_in_find_a_patient_add_one_and_print_an_invite(page, live_server):
    page.goto("/dashboard/patients")
    expect(page).to_have_url(re.compile(r"/dashboard/sign-in\?next=/dashboard/patients$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "01-sign-in")

    sign_in(page, ADMIN_X)
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    rows = page.locator("table.patients tbody tr")
    expect(rows).to_have_count(8)
    expect(page.get_by_text("Baseline due")).to_be_visible()  # Hannah Weiss, baseline yesterday
    shot(page, "02-patient-list")

    # search as you type: htmx swaps the table, the address follows
    page.get_by_label("Search").fill("okafor")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Grace Okafor")
    expect(page).to_have_url(re.compile(r"q=okafor"))
    page.get_by_label("Search").fill("")
    page.get_by_label("Show").select_option("checkin_overdue")
    expect(page.locator("#result-count")).to_contain_text("Showing 1–")
    for state in page.locator("table.patients tbody tr td:nth-child(3) .chip").all_inner_texts():
        assert "overdue" in state
    page.get_by_label("Show").select_option("all")

    page.get_by_role("link", name="Add patient").click()
    page.get_by_label("Name").fill("Noor Haddad")
    page.get_by_label("Record number (EHR/MRN)").fill("NS-2001")
    page.get_by_label("Treatment", exact=True).select_option("exosomes")
    page.get_by_label("Planned sessions").fill("3")
    page.get_by_label("Every (days)").fill("28")
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("heading", name="Noor Haddad")).to_be_visible()
    expect(page.get_by_text("Exosomes, 3 sessions every 28 days")).to_be_visible()

    page.get_by_role("button", name="Create invite").click()
    expect(page.get_by_role("heading", name="Your Follicle app invite")).to_be_visible()
    code = page.locator(".invite-code").inner_text()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}.[2-9A-HJKMNP-Z]{4}", code), code
    expect(page.locator(".qr svg")).to_be_visible()
    shot(page, "03-invite")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    shot(page, "04-invite-print")
    page.emulate_media(media="screen")


def test_record_a_session_with_a_lot_then_find_it_by_lot_search(page, live_server):
    sign_in(page, ADMIN_X)
    page.get_by_role("link", name="Tom Becker").click()
    expect(page.get_by_role("heading", name="Tom Becker")).to_be_visible()
    form = page.locator("form[action$='/injections']")
    form.get_by_label("Date and time").fill("2026-11-20T10:30")
    form.get_by_label("Status").select_option("done")
    form.get_by_label("Product").fill("ExoCell 5B")
    form.get_by_label("Lot number").fill("LOT-E2E-77")
    form.get_by_label("Volume (ml)").fill("4.5")
    form.get_by_label("Vertex").check()
    form.get_by_label("Crown").check()
    form.get_by_label("Notes").fill("Well tolerated.")
    expect(form.get_by_label("on", exact=True)).to_have_value("2026-12-20T10:30")  # the plan's interval after
    form.get_by_role("button", name="Save session").click()

    sessions = page.locator("#sessions table tbody")
    expect(sessions).to_contain_text("LOT-E2E-77")
    expect(sessions).to_contain_text("4.5 ml")
    expect(sessions).to_contain_text("Vertex, Crown")
    expect(sessions).to_contain_text("20 Dec 2026")  # the next session, scheduled with it
    expect(page.locator(".timeline .injection-mark").filter(has_text="20 Nov 2026")).to_be_visible()
    shot(page, "05-patient-sessions")

    sessions.get_by_role("row").filter(has_text="LOT-E2E-77").get_by_role("link", name=re.compile("Edit")).click()
    expect(page.get_by_role("heading", name="Edit session")).to_be_visible()
    page.get_by_label("Volume (ml)").fill("5")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#sessions table tbody")).to_contain_text("5 ml")

    page.get_by_role("link", name="Lot search").click()
    page.get_by_label("Lot number").fill("lot-e2e-77")
    page.get_by_role("button", name="Find").click()
    result = page.locator("table tbody tr")
    expect(result).to_have_count(1)
    expect(result.first).to_contain_text("Tom Becker")
    expect(result.first).to_contain_text("NS-1051")
    page.get_by_label("Lot number").fill(X_LOT)
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#lot-count")).to_contain_text("patients")
    # Alex Morgan's report after this lot, counted beside the patients, links to the inbox by lot
    expect(page.locator("#lot-reports")).to_contain_text("1 side-effect report after this lot")
    expect(page.locator("#lot-reports").get_by_role("link")).to_have_attribute("href", f"/dashboard/side-effects?lot={X_LOT}")
    shot(page, "06-lot-search")


def test_front_desk_schedules_but_cannot_record_what_was_injected(page, live_server):
    sign_in(page, FRONT_DESK_X)
    page.get_by_role("link", name="Priya Shah").click()
    form = page.locator("form[action$='/injections']")
    expect(form.get_by_label("Lot number")).to_have_count(0)
    expect(form.get_by_text("Only clinicians record what was injected")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log")).to_have_count(0)
    expect(page.get_by_role("button", name="Mark as seen")).to_have_count(0)


def test_a_staff_member_of_another_clinic_gets_nothing(page, live_server):
    sign_in(page, ADMIN_Y)
    rows = page.locator("table.patients tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Yara Quinn")
    for patient_id in live_server.seeded.x_patient_ids[:2]:
        answer = page.goto(f"/dashboard/patients/{patient_id}")
        assert answer is not None and answer.status == 404
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        answer = page.goto(f"/dashboard/patients/{patient_id}/edit")
        assert answer is not None and answer.status == 404
    shot(page, "07-other-clinic-not-found")
    page.goto(f"/dashboard/lots?lot={X_LOT}")
    expect(page.locator("#lot-count")).to_contain_text(f"No session used lot {X_LOT}")
    page.goto("/dashboard/patients?q=Alex")
    expect(page.get_by_text("No patients match.")).to_be_visible()


def test_the_audit_log_shows_what_staff_did(page, live_server):
    sign_in(page, ADMIN_X)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.locator("table.audit")).to_contain_text("staff.sign_in")
    shot(page, "09-audit-log")


def test_sign_out_leaves_nothing_open(page, live_server):
    sign_in(page, ADMIN_X)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto("/dashboard/patients")
    expect(page).to_have_url(re.compile(r"/dashboard/sign-in"))
    page.go_back()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_list_and_the_patient_page_fit_a_tablet_and_work_from_the_keyboard(page, live_server):
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, ADMIN_X)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "10-tablet-patient-list")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Add patient")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Search")).to_be_focused()
    page.keyboard.type("Alex")
    rows = page.locator("table.patients tbody tr")
    expect(rows).to_have_count(1)
    page.get_by_role("link", name="Alex Morgan").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Alex Morgan")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "11-tablet-patient-page")


def test_see_the_uploaded_photos_on_the_timeline_open_one_and_compare_two(page, live_server):
    sign_in(page, ADMIN_X)
    page.get_by_role("link", name=live_server.seeded.timeline_patient).click()
    timeline = page.locator("table.timeline")
    thumbs = timeline.locator("a.thumb img")
    expect(thumbs).to_have_count(25)  # five months of five views, uploaded by the phone
    for image in thumbs.all()[:3]:
        assert image.evaluate("img => img.complete && img.naturalWidth > 0"), "a thumbnail did not load"
    expect(timeline.locator(".injection-mark").first).to_be_visible()
    expect(timeline.locator(".side-effect-mark")).to_contain_text("Pain (moderate)")
    shot(page, "08-timeline")

    # click a photo: it opens large
    timeline.get_by_role("link", name=re.compile(r"Vertex \(top, parted\), baseline")).click()
    expect(page.get_by_role("heading", name="Vertex (top, parted) · baseline")).to_be_visible()
    large = page.locator("img.photo-large")
    expect(large).to_be_visible()
    assert large.evaluate("img => img.complete && img.naturalWidth >= 900")
    shot(page, "08b-photo-large", full_page=False)
    page.go_back()

    # pick the baseline and month 4 of the vertex view, then compare
    compare = page.get_by_role("button", name="Compare the two picked photos")
    expect(compare).to_be_disabled()
    page.get_by_label("compare Vertex (top, parted), baseline").check()
    page.get_by_label("compare Frontal hairline, month 4").check()
    expect(page.locator("#compare-status")).to_have_text("Pick two photos of the same view.")
    expect(compare).to_be_disabled()
    page.get_by_label("compare Frontal hairline, month 4").uncheck()
    page.get_by_label("compare Vertex (top, parted), month 4").check()
    expect(compare).to_be_enabled()
    compare.click()
    expect(page.get_by_role("heading", name="Vertex (top, parted): baseline and month 4")).to_be_visible()
    side = page.locator(".compare-side img")
    expect(side).to_have_count(2)
    shot(page, "12-compare")

    # the overlay: the later photo on top, revealed up to the slider
    slider = page.get_by_label("Month 4 shown")
    top = page.locator(".overlay-top")
    slider.fill("20")
    assert re.fullmatch(r"inset\(0(px)? 80% 0(px)? 0(px)?\)", top.evaluate("el => el.style.clipPath"))
    slider.focus()
    page.keyboard.press("End")  # the keyboard moves it too: all of month 4 shown
    expect(slider).to_have_value("100")
    assert re.fullmatch(r"inset\(0(px)? 0% 0(px)? 0(px)?\)", top.evaluate("el => el.style.clipPath"))
    slider.fill("50")
    page.locator(".overlay").scroll_into_view_if_needed()
    shot(page, "13-compare-overlay", full_page=False)

    # each look at the photos is in the audit log
    page.goto("/dashboard/audit?action=photo.view")
    rows = page.locator("table.audit tbody tr")
    expect(rows.first).to_contain_text("Dr Maya Rivera")
    assert rows.count() >= 3  # the large photo and the two compared
    # the patient page's timeline is one patient.view event naming the photos it showed
    page.goto("/dashboard/audit?action=patient.view")
    expect(page.locator("table.audit tbody tr").first).to_contain_text("photos")
