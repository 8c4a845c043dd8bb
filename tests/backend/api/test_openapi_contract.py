"""The published schema is a contract a client can build on: how to authenticate, who may call each
operation, every error it answers in the real envelope, closed request messages, the values fields
accept. The walk over every operation fails for a route added later without these."""

from __future__ import annotations

import ast
import uuid
from pathlib import Path

import pytest
from litestar import Litestar, get
from litestar.openapi import OpenAPIConfig
from litestar.params import FromPath

from backend.openapi import STATUS_BY_CODE, publish_contract, undeclared_operations
from backend.auth.guards import staff_only
from backend.errors import STATUS_BY_ERROR
from shared import errors
from shared.errors import ErrorCode
from shared.questionnaire import VERSIONS
from shared.symptoms import Severity, Symptom
from shared.views import ViewId

METHODS = ("get", "put", "post", "delete", "patch")
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def schema(client) -> dict:
    answer = await client.get("/schema/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def documented_codes(operation: dict, status: int) -> set[str]:
    body = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    assert body["required"] == ["error"]
    error = body["properties"]["error"]
    assert set(error["required"]) == {"code", "message", "details"}
    return set(error["properties"]["code"]["enum"])


# --- the walk: every operation, now and added later ---------------------------------------------


def contract_problems(schema: dict, app) -> list[str]:
    """What a client could not rely on, operation by operation."""
    problems = []
    for name, operation in operations(schema):
        own = operation.get("description", "").split("**Who may call:**")[0].strip()
        if not own:
            problems.append(f"{name}: no description (write a docstring)")
        if "**Who may call:**" not in operation.get("description", ""):
            problems.append(f"{name}: does not say who may call it")
        if "security" not in operation:
            problems.append(f"{name}: no security (a guard, or public=True)")
        statuses = {int(s) for s in operation["responses"]}
        if not any(200 <= s < 400 for s in statuses):
            problems.append(f"{name}: no success answer")
        expected = {400, 503}
        if operation.get("security"):
            expected |= {401, 403}
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            expected.add(404)
        if "requestBody" in operation:
            expected.add(413)
        if missing := expected - statuses:
            problems.append(f"{name}: errors {sorted(missing)} not documented")
        for status in statuses:
            if status >= 400 and "$ref" not in str(operation["responses"][str(status)]):
                codes = documented_codes(operation, status)
                if unknown := codes - {c.value for c in ErrorCode}:
                    problems.append(f"{name}: {status} lists codes that do not exist: {unknown}")
                if wrong := {c for c in codes if STATUS_BY_CODE[ErrorCode(c)] != status}:
                    problems.append(f"{name}: {status} lists codes of another status: {wrong}")
    problems += [f"{name}: no guard and not public=True" for name in undeclared_operations(app.openapi_schema, app.routes)]
    return problems


async def test_every_operation_says_who_may_call_it_what_it_does_and_every_error(schema, app):
    assert contract_problems(schema, app) == []


def test_a_route_added_without_a_guard_or_a_docstring_is_named():
    @get("/things/{thing_id:uuid}", operation_id="GetThing", sync_to_thread=False)
    def get_thing(thing_id: FromPath[uuid.UUID]) -> dict[str, str]:
        return {}

    @get("/guarded", operation_id="GetGuarded", guards=[staff_only], sync_to_thread=False)
    def guarded() -> dict[str, str]:
        """Something for staff."""
        return {}

    app = Litestar([get_thing, guarded], openapi_config=OpenAPIConfig(title="t", version="1", use_handler_docstrings=True))
    publish_contract(app)
    problems = contract_problems(app.openapi_schema.to_schema(), app)
    assert problems == [
        "GET /things/{thing_id}: no description (write a docstring)",
        "GET /things/{thing_id}: no guard and not public=True",
    ]
    guarded_op = app.openapi_schema.to_schema()["paths"]["/guarded"]["get"]
    assert guarded_op["security"] == [{"staffBearer": []}]
    assert set(guarded_op["responses"]) == {"200", "400", "401", "403", "503"}


def test_every_raise_site_answers_the_status_the_schema_gives_its_code():
    """The schema says which status carries which code; a service raising it with another class would
    answer a status the schema does not list."""
    classes = {cls.__name__: status for cls, status in STATUS_BY_ERROR.items()}
    classes.update(StoreUnavailable=503, ControlCharacterError=400, SignInRequired=401)
    defaults = {name: getattr(errors, name, None) for name in classes}
    mismatches = []
    for file in sorted([*ROOT.glob("backend/**/*.py"), *ROOT.glob("shared/**/*.py")]):
        if "dashboard" in file.parts:  # pages answer HTML, not the API's schema
            continue
        for node in ast.walk(ast.parse(file.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name not in classes:
                continue
            code_arg = next((k.value for k in node.keywords if k.arg == "code"), None)
            if isinstance(code_arg, ast.Attribute) and ast.unparse(code_arg.value) == "ErrorCode":
                code = ErrorCode[code_arg.attr]
            elif code_arg is None and defaults.get(name) is not None:
                code = defaults[name].default_code
            else:
                continue  # a code chosen at run time: its callers' declarations cover it
            if STATUS_BY_CODE[code] != classes[name]:
                mismatches.append(f"{file.relative_to(ROOT)}:{node.lineno} {name}({code}) answers {classes[name]}")
    assert mismatches == []


# --- what a client reads first: how to sign in ----------------------------------------------------


async def test_the_schema_says_how_to_authenticate_and_which_credential_each_operation_takes(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["staffBearer"] == schemes["staffBearer"] | {"type": "http", "scheme": "bearer"}
    assert schemes["deviceBearer"] == schemes["deviceBearer"] | {"type": "http", "scheme": "bearer"}
    assert schemes["dashboardCookie"] == schemes["dashboardCookie"] | {"type": "apiKey", "in": "cookie", "name": "follicle_session"}
    paths = schema["paths"]
    assert paths["/patients"]["get"]["security"] == [{"staffBearer": []}]
    assert paths["/me/timeline"]["get"]["security"] == [{"deviceBearer": []}]
    for public in (paths["/auth/sign-in"]["post"], paths["/enrol"]["post"], paths["/health"]["get"]):
        assert public["security"] == []
    assert "admins only" in paths["/patients/{patient_id}"]["delete"]["description"]
    assert "any role" in paths["/patients/{patient_id}"]["get"]["description"]


# --- errors: the statuses and the envelope the API really answers --------------------------------


async def test_a_real_error_answer_matches_what_the_schema_documents_for_it(schema, client, world):
    operation = schema["paths"]["/patients/{patient_id}"]["get"]
    answer = await client.get(f"/patients/{uuid.uuid4()}", headers=world.headers("staff_x"))
    assert answer.status_code == 404
    assert set(answer.json()) == {"error"}
    assert answer.json()["error"]["code"] in documented_codes(operation, 404)
    assert set(answer.json()["error"]) == {"code", "message", "details"}
    refused = await client.get("/patients", headers={"Authorization": "Bearer fst_not-a-real-token"})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] in documented_codes(schema["paths"]["/patients"]["get"], 401)
    forbidden = await client.get("/patients", headers=world.headers("patient_a"))
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] in documented_codes(schema["paths"]["/patients"]["get"], 403)


async def test_service_codes_are_documented_on_the_operation_that_answers_them(schema):
    enrol = schema["paths"]["/enrol"]["post"]
    assert {"invite_expired", "invite_used", "invite_revoked"} <= documented_codes(enrol, 410)
    assert documented_codes(enrol, 429) == {"rate_limited"}
    assert "Retry-After" in enrol["responses"]["429"]["headers"]
    create = schema["paths"]["/patients"]["post"]
    assert documented_codes(create, 409) == {"record_number_taken"}
    assert {"unknown_field", "malformed_json", "control_character", "validation_failed"} <= documented_codes(create, 400)
    sign_in = schema["paths"]["/auth/sign-in"]["post"]
    assert documented_codes(sign_in, 401) == {
        "invalid_credentials", "second_factor_required", "second_factor_invalid", "recovery_code_used"
    }
    assert documented_codes(sign_in, 403) >= {"two_factor_enrolment_required"}
    # the step-up guard publishes its own code on the exports it guards
    assert "step_up_required" in documented_codes(schema["paths"]["/exports/cohort.csv"]["get"], 403)
    audit = schema["paths"]["/audit"]["get"]
    assert {"filter_value_unknown", "date_range_backwards"} <= documented_codes(audit, 400)


async def test_the_fhir_bundle_is_documented_as_the_json_object_it_answers(schema):
    answer = schema["paths"]["/patients/{patient_id}/fhir"]["get"]["responses"]["200"]["content"]
    assert {media: body["schema"]["type"] for media, body in answer.items()} == {"application/fhir+json": "object"}


# --- the request messages say what they accept ------------------------------------------------------


async def test_request_messages_refuse_unknown_fields_in_the_schema_as_the_api_does(schema, client):
    components = schema["components"]["schemas"]
    assert components["SignIn"]["additionalProperties"] is False
    assert components["PatientCreate"]["additionalProperties"] is False
    answer = await client.post("/auth/sign-in", json={"email": "a@b.example", "password": "x", "remember": True})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "unknown_field"


async def test_symptoms_severities_answers_and_views_are_enumerated_in_the_schema(schema):
    components = schema["components"]["schemas"]
    symptom = components["SymptomSeverity"]["properties"]
    assert set(symptom["symptom"]["enum"]) == {s.value for s in Symptom}
    assert (symptom["severity"]["minimum"], symptom["severity"]["maximum"]) == (min(Severity), max(Severity))
    answers = components["QuestionnaireSubmit"]["properties"]["answers"]
    scale = {v for version in VERSIONS.values() for q in version.questions for v in q.scale.values}
    assert (answers["additionalProperties"]["minimum"], answers["additionalProperties"]["maximum"]) == (min(scale), max(scale))
    questions = {q.id for version in VERSIONS.values() for q in version.questions}
    assert set(answers["propertyNames"]["enum"]) == questions
    assert components["QuestionnaireSubmit"]["properties"]["version"]["enum"] == sorted(VERSIONS)
    assert set(components["UploadSlotRequest"]["properties"]["view"]["enum"]) == {v.value for v in ViewId}


# --- the cases seen in issue 14 ---------------------------------------------------------------------


async def test_creating_an_invite_needs_no_body_and_the_schema_says_so(schema, client, world):
    assert schema["paths"]["/patients/{patient_id}/invites"]["post"]["requestBody"]["required"] is False
    answer = await client.post(f"/patients/{world.ids['patient_a']}/invites", headers=world.headers("staff_x"))
    assert answer.status_code == 201, answer.text


async def test_a_method_the_address_does_not_have_answers_405_with_allow(client, world):
    answer = await client.put("/patients", headers=world.headers("staff_x"), json={})
    assert answer.status_code == 405
    assert answer.json()["error"]["code"] == "method_not_allowed"
    assert {m.strip() for m in answer.headers["Allow"].split(",")} >= {"GET", "POST"}
    assert "PUT" not in answer.headers["Allow"]


async def test_a_bad_push_token_is_named_by_the_field_the_phone_sent(client, world):
    answer = await client.put(
        "/me/device/push-token", headers=world.headers("patient_a"), json={"platform": "ios", "push_token": "not-hex"}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["details"]["field"] == "push_token"
