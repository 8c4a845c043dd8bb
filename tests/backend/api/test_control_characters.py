"""NUL and other control characters are refused with 400 `control_character` wherever text comes in
(JSON bodies, query strings, path parameters, dashboard forms), before anything is stored, on SQLite
and PostgreSQL alike. Tab, line feed and carriage return stay allowed in text."""

from __future__ import annotations

import msgspec
import pytest

from backend.audit.models import AuditEvent
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from shared.contract.patients import PatientCreate
from shared.contract.reports import QuestionnaireSubmit
from tests.backend.reports.bodies import questionnaire_body, side_effect_body
from tests.backend.test_route_matrix import INJECTION_BODY, PATIENT_BODY
from tests.backend.world import PASSWORD

NUL = "\u0000"


def refused(answer) -> None:
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "control_character", answer.text


@pytest.mark.parametrize("text", ["a\u0000b", "\u0007bell", "esc\u001b[31m", "del\u007f", "c1\u0085"])
async def test_sign_in_refuses_control_characters_in_the_email_without_signing_in(client, world, text):
    refused(await client.post("/auth/sign-in", json={"email": f"admin{text}@x.example", "password": PASSWORD}))


async def test_enrolment_refuses_a_nul_in_the_invite_code(client, world):
    refused(await client.post("/enrol", json={"code": f"ABCD{NUL}EFGH"}))


async def test_a_new_patient_with_a_nul_in_the_name_is_refused_and_nothing_is_stored(client, world):
    before = await Patient.all().count()
    refused(await client.post("/patients", json={**PATIENT_BODY, "display_name": f"Eve{NUL}"}, headers=world.headers("staff_x")))
    assert await Patient.all().count() == before


async def test_nested_text_and_dictionary_keys_are_checked(client, world):
    body = side_effect_body(world.ids["injection_a"], symptoms=[{"symptom": f"pain{NUL}", "severity": 1}])
    refused(await client.post("/me/side-effects", json=body, headers=world.headers("patient_a")))
    answers = questionnaire_body()
    answers["answers"] = {f"q{NUL}": 1}
    refused(await client.post("/me/questionnaires", json=answers, headers=world.headers("patient_a")))


async def test_free_text_keeps_tabs_and_line_breaks(client, world):
    body = {**INJECTION_BODY, "notes": "Line one\nline two\r\n\tindented"}
    answer = await client.post(f"/patients/{world.ids['patient_a']}/injections", json=body, headers=world.headers("staff_x"))
    assert answer.status_code == 201, answer.text
    assert (await InjectionSession.get(id=answer.json()["id"])).notes == "Line one\nline two\r\n\tindented"


@pytest.mark.parametrize(
    "path",
    ["/patients?q=a%00b", "/audit?action=x%00", "/side-effects?lot=L%00", "/lots/LOT%00A/injections", "/patients?q=%1b"],
)
async def test_query_strings_and_path_parameters_refuse_control_characters(client, world, path):
    refused(await client.get(path, headers=world.headers("staff_x")))


async def test_a_control_character_in_any_query_parameter_is_refused_even_an_unknown_one(client, world):
    refused(await client.get("/me/schedule?whatever=%00", headers=world.headers("patient_a")))


async def test_nothing_is_audited_for_a_refused_request(client, world):
    before = await AuditEvent.all().count()
    refused(await client.get(f"/patients/{world.ids['patient_a']}/timeline?x=%7f", headers=world.headers("staff_x")))
    assert await AuditEvent.all().count() == before


def test_the_contract_refuses_control_characters_wherever_a_request_carries_text():
    with pytest.raises(msgspec.ValidationError, match="control character"):
        msgspec.convert({**PATIENT_BODY, "display_name": f"Eve{NUL}"}, PatientCreate)
    with pytest.raises(msgspec.ValidationError, match="control character"):
        msgspec.convert({"idempotency_key": "6f1c2b8e-3a5d-4f6e-8a9b-0c1d2e3f4a5b", "version": 1, "answers": {f"q{NUL}": 1}}, QuestionnaireSubmit)
