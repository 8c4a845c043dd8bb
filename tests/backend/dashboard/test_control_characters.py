"""Dashboard forms refuse control characters with an error page naming the code, and store nothing."""

from __future__ import annotations

from backend.patients.models import Patient
from tests.backend.dashboard.conftest import hidden
from tests.backend.dashboard.test_pages import PATIENT


async def test_a_patient_form_with_a_nul_in_the_name_is_refused(world, browser):
    staff = await browser("admin@x.example")
    answer = await staff.post("/dashboard/patients", {**PATIENT, "display_name": "Noor\u0000Haddad"})
    assert answer.status_code == 400
    assert "control_character" in answer.text and "Text must not contain control characters" in answer.text
    assert not await Patient.filter(record_number=PATIENT["record_number"]).exists()


async def test_sign_in_refuses_a_nul_in_the_email(world, browser):
    staff = await browser()
    page = await staff.get("/dashboard/sign-in")
    token = hidden(page.text, "csrf_token")
    answer = await staff.post("/dashboard/sign-in", {"csrf_token": token, "email": "admin\u0000@x.example", "password": "x"}, csrf=False)
    assert answer.status_code == 400
    assert "control_character" in answer.text


async def test_a_nul_in_a_dashboard_address_gets_an_error_page(world, browser):
    staff = await browser("admin@x.example")
    answer = await staff.get("/dashboard/patients?q=a%00b")
    assert answer.status_code == 400
    assert "control_character" in answer.text
