"""Staff accounts and two-factor sign-in in Chromium, against a server of their own (with a real
SMTP server on loopback, so the invite arrives as an email): an admin invites a clinician who sets
a password, enrols TOTP (codes computed here from the secret the page shows, for the clock the
server reads) and signs in with a code; a recovery code works once; an admin requires two-factor
and a member without it is led to enrol; a deactivated clinician's open session ends at once.
Each test has a clinic of its own. Screenshots land in tests/artifacts/dashboard/."""

from __future__ import annotations

import asyncio
import os
import re
import time
from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, SKIP_REASON, _require_chromium, shot

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(SKIP_REASON, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from backend.app import create_app  # noqa: E402
from backend.auth.service import create_clinic_with_admin  # noqa: E402
from backend.clinics.models import StaffUser  # noqa: E402
from backend.app import connect  # noqa: E402
from backend.db import close_database  # noqa: E402
from backend.security.passwords import hash_password  # noqa: E402
from backend.settings import Settings  # noqa: E402
from backend.staff import totp  # noqa: E402
from shared.contract.auth import StaffRole  # noqa: E402
from tests.backend.records.smtp_server import LoopbackSmtp  # noqa: E402
from tests.conftest import FAST_PASSWORDS  # noqa: E402
from tests.servers import fresh_database, loopback_listener, serving  # noqa: E402

pytestmark = pytest.mark.browser
PASSWORD = "clinic-password-2026"
CLINICS = {  # clinic: (admin email, the clinician it starts with)
    "Invite Clinic": ("admin@invite.example", None),
    "Strict Clinic": ("admin@strict.example", "nadia@strict.example"),
    "Leaving Clinic": ("admin@leaving.example", "leo@leaving.example"),
}


def code_now(secret: str, steps_ahead: int = 0) -> str:
    """The code for the step the server is in (the same clock, in this process), or the next."""
    return totp.code_at(secret, totp.step_at(datetime.now(UTC)) + steps_ahead)


async def _seed(database_url: str) -> None:
    await connect(database_url)
    try:
        for clinic_name, (admin, clinician) in CLINICS.items():
            clinic, _ = await create_clinic_with_admin(clinic_name, admin, f"Admin of {clinic_name}", PASSWORD)
            if clinician:
                await StaffUser.create(
                    clinic=clinic, email=clinician, name=f"Dr {clinician.split('@')[0].title()}", role=StaffRole.CLINICIAN,
                    password_hash=hash_password(PASSWORD),
                )
    finally:
        await close_database()


@pytest.fixture(scope="module")
def staff_server(migrated_template: str, tmp_path_factory):
    _require_chromium()

    folder = tmp_path_factory.mktemp("e2e-staff")
    database_url = fresh_database(migrated_template, folder)
    asyncio.run(_seed(database_url))
    smtp = LoopbackSmtp().start()
    listener, url = loopback_listener()
    settings = Settings(
        database_url=database_url, public_url=url, secret_key="e2e-staff-secret", local_store_path=str(folder / "objects"),
        smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none", email_sweep_seconds=1, **FAST_PASSWORDS,
    )
    try:
        with serving(create_app(settings), listener):
            yield url, smtp
    finally:
        smtp.stop()


@pytest.fixture(scope="module")
def chromium_browser(staff_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium_browser, staff_server):
    """`new_page()`: a fresh browser profile (its own cookies), laptop-sized, with no page errors."""
    url, _ = staff_server
    contexts, errors = [], []

    def open_page():
        context = chromium_browser.new_context(base_url=url, viewport={"width": 1280, "height": 860})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and r.request.resource_type != "document" else None)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == [], errors


def password_step(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/dashboard/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in(page, email: str) -> None:
    password_step(page, email)
    page.wait_for_url("**/dashboard/patients**")


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/dashboard/sign-in**")


def finish_enrolment(page, button: str, screenshot: str | None = None) -> tuple[str, list[str]]:
    secret = page.locator("#totp-secret").get_attribute("data-secret")
    assert secret and re.fullmatch(r"[A-Z2-7]{32}", secret)
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    if screenshot:
        shot(page, screenshot)
    page.get_by_label("Code", exact=True).fill(code_now(secret))
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    return secret, codes


def wait_for_email(smtp: LoopbackSmtp, recipient: str) -> str:
    deadline = time.monotonic() + 30  # a guard against a hang, not a timing assertion
    while time.monotonic() < deadline:
        for mail in smtp.mailbox.received:
            if recipient in mail.envelope_to:
                found = re.search(r"https?://\S+/dashboard/staff-links/\S+", mail.body)
                assert found, mail.body
                return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no invite email reached {recipient}")


def test_an_invited_clinician_sets_a_password_enrols_and_signs_in_with_a_code(new_page, staff_server):
    _, smtp = staff_server
    admin = new_page()
    sign_in(admin, "admin@invite.example")
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    admin.get_by_label("Name").fill("Dr Ana Costa")
    admin.get_by_label("Email").fill("ana@invite.example")
    admin.get_by_label("Role", exact=True).select_option("clinician")
    admin.get_by_role("button", name="Send invite").click()
    expect(admin.get_by_role("status")).to_contain_text("Invite sent")
    row = admin.locator('tr[data-email="ana@invite.example"]')
    expect(row).to_contain_text("Invited")
    expect(row).to_contain_text("Never")
    shot(admin, "50-staff-page")

    link = wait_for_email(smtp, "ana@invite.example")
    ana = new_page()
    ana.goto(link)
    expect(ana.get_by_role("heading", name="Welcome to Follicle")).to_be_visible()
    ana.get_by_label("New password", exact=True).fill("ana-long-password-1")
    ana.get_by_label("New password again").fill("ana-long-password-1")
    ana.get_by_role("button", name="Set password").click()
    expect(ana.get_by_role("status")).to_contain_text("Your password is set")
    ana.get_by_label("Email").fill("ana@invite.example")
    ana.get_by_label("Password").fill("ana-long-password-1")
    ana.get_by_role("button", name="Sign in").click()
    ana.wait_for_url("**/dashboard/patients**")
    # the link worked once
    again = new_page()
    again.goto(link)
    expect(again.get_by_text("already used")).to_be_visible()

    ana.get_by_role("link", name="Dr Ana Costa").click()
    ana.get_by_role("button", name="Set up two-factor sign-in").click()
    secret, codes = finish_enrolment(ana, "Turn on two-factor sign-in", screenshot="51-totp-enrolment")
    shot(ana, "52-recovery-codes")
    ana.get_by_role("link", name="I have saved them: continue").click()
    sign_out(ana)

    password_step(ana, "ana@invite.example", "ana-long-password-1")
    ana.wait_for_url("**/dashboard/sign-in/code**")
    ana.get_by_label("Code", exact=True).fill("000000" if code_now(secret, 1) != "000000" else "111111")
    ana.get_by_role("button", name="Sign in").click()
    expect(ana.get_by_role("alert")).to_contain_text("not right")
    ana.get_by_label("Code", exact=True).fill(code_now(secret, 1))
    ana.get_by_role("button", name="Sign in").click()
    ana.wait_for_url("**/dashboard/patients**")
    sign_out(ana)

    # a recovery code works once
    password_step(ana, "ana@invite.example", "ana-long-password-1")
    ana.get_by_label("Code", exact=True).fill(codes[0])
    ana.get_by_role("button", name="Sign in").click()
    ana.wait_for_url("**/dashboard/patients**")
    sign_out(ana)
    password_step(ana, "ana@invite.example", "ana-long-password-1")
    ana.get_by_label("Code", exact=True).fill(codes[0])
    ana.get_by_role("button", name="Sign in").click()
    expect(ana.get_by_role("alert")).to_contain_text("already used")
    assert "/dashboard/sign-in/code" in ana.url

    admin.reload()
    row = admin.locator('tr[data-email="ana@invite.example"]')
    expect(row).to_contain_text("Active")
    expect(row.locator("td").nth(3)).to_contain_text("On")


def test_an_admin_requires_two_factor_and_a_member_without_it_is_led_to_enrol(new_page):
    admin = new_page()
    sign_in(admin, "admin@strict.example")
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    admin.get_by_role("button", name="Require two-factor for the clinic").click()
    expect(admin.get_by_role("alert")).to_contain_text("your own account first")
    admin.get_by_role("link", name="Admin of Strict Clinic").click()
    admin.get_by_role("button", name="Set up two-factor sign-in").click()
    finish_enrolment(admin, "Turn on two-factor sign-in")
    admin.goto("/dashboard/staff")
    admin.get_by_role("button", name="Require two-factor for the clinic").click()
    expect(admin.get_by_role("status")).to_contain_text("now required")

    nadia = new_page()
    password_step(nadia, "nadia@strict.example")
    nadia.wait_for_url("**/dashboard/sign-in/enrol**")
    expect(nadia.get_by_text("Your clinic requires a code")).to_be_visible()
    shot(nadia, "53-required-enrolment")
    finish_enrolment(nadia, "Turn on and sign in")
    nadia.get_by_role("link", name="I have saved them: continue").click()
    nadia.wait_for_url("**/dashboard/patients**")


def test_a_deactivated_clinicians_open_session_ends_at_once(new_page):
    leo = new_page()
    sign_in(leo, "leo@leaving.example")
    admin = new_page()
    sign_in(admin, "admin@leaving.example")
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    admin.get_by_role("button", name="Deactivate Dr Leo").click()
    expect(admin.get_by_role("status")).to_contain_text("Deactivated")
    expect(admin.locator('tr[data-email="leo@leaving.example"]')).to_contain_text("Deactivated")

    leo.get_by_role("navigation", name="Main").get_by_role("link", name="Lot search").click()
    leo.wait_for_url("**/dashboard/sign-in**")
    expect(leo.get_by_role("heading", name="Sign in")).to_be_visible()
    password_step(leo, "leo@leaving.example")
    expect(leo.get_by_role("alert")).to_contain_text("do not match")
