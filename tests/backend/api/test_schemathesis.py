"""Schemathesis against the real app served on loopback, signed in as clinic X's admin and as patient A's
phone: no server errors, and every answer's status, content type, headers and body as the schema says.

Bounded (a few examples per operation, no shrinking) and deterministic (fixed seed), so it runs in
`make test` on a small machine. Signing out (staff or phone) is left out: it would end the very tokens
the other operations are called with; tests/backend/test_auth.py and test_enrolment.py cover both.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from litestar.routes import HTTPRoute
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend.app import create_app
from backend.app import connect
from backend.db import close_database, is_postgres
from backend.settings import Settings
from tests.backend.world import build_world
from tests.conftest import FAST_PASSWORDS, _truncate_postgres
from tests.servers import fresh_database, serving

# generated cases per operation and mode; FOLLICLE_SCHEMATHESIS_EXAMPLES raises it for a longer hunt
EXAMPLES_PER_OPERATION = int(os.environ.get("FOLLICLE_SCHEMATHESIS_EXAMPLES", "8"))
SIGN_OUTS = ["SignOut", "SignOutDevice"]
SEED = 20261125
CHECK_NAMES = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]
CHECKS = {
    "not_a_server_error": not_a_server_error,
    "status_code_conformance": status_code_conformance,
    "content_type_conformance": content_type_conformance,
    "response_headers_conformance": response_headers_conformance,
    "response_schema_conformance": response_schema_conformance,
}
# the clinic X admin for staff operations, patient A's phone for the patient's own
TOKEN_FOR_SCHEME = {"staffBearer": "staff_x", "deviceBearer": "patient_a"}


async def _seed(url: str) -> dict[str, str]:
    await connect(url)
    try:
        world = await build_world()
    finally:
        await close_database()
    return world.tokens


@pytest.fixture(scope="module")
def live_api(migrated_template: str, tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("schemathesis")
    url = fresh_database(migrated_template, folder)
    tokens = asyncio.run(_seed(url))
    settings = Settings(
        database_url=url,
        secret_key="schemathesis-" + uuid.uuid4().hex,
        public_url="http://127.0.0.1",
        local_store_path=str(Path(folder) / "objects"),
        **FAST_PASSWORDS,
    )
    with serving(create_app(settings)) as base_url:
        yield base_url, tokens
    if is_postgres(migrated_template):
        asyncio.run(_truncate_postgres(migrated_template))


def operation_ids() -> list[str]:
    """Every operation the schema publishes, read from the routes (cheap: no schema is built)."""
    app = create_app(Settings(database_url="sqlite://:memory:", secret_key="collect", public_url="http://127.0.0.1"))
    return sorted(
        handler.operation_id
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if handler.resolve_include_in_schema() and handler.operation_id not in SIGN_OUTS
    )


@pytest.fixture(scope="module")
def api_schema(live_api):
    base_url, _ = live_api
    config = schemathesis.Config.from_dict({"seed": SEED, "generation": {"deterministic": True, "database": "none"}})
    return schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json", config=config)


@pytest.mark.parametrize("operation_id", operation_ids())
def test_the_api_answers_as_its_schema_says(api_schema, live_api, operation_id: str) -> None:
    """Valid requests, then (where the operation takes any input) invalid ones."""
    base_url, tokens = live_api
    operation = api_schema.find_operation_by_id(operation_id)
    headers = {}
    for requirement in operation.definition.raw.get("security") or []:
        for scheme in requirement:
            headers["Authorization"] = f"Bearer {tokens[TOKEN_FOR_SCHEME[scheme]]}"
    checks = [CHECKS[name] for name in CHECK_NAMES]
    takes_input = bool(operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody"))
    for mode in [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if takes_input else [GenerationMode.POSITIVE]:
        fuzz(operation, mode, base_url, headers, checks)


def fuzz(operation, mode: GenerationMode, base_url: str, headers: dict[str, str], checks: list) -> None:

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def answers_as_documented(case) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=checks)

    try:
        answers_as_documented()
    except Unsatisfiable:
        # only a free-form path text (a link token) to vary: nothing in it can be made invalid
        if mode is not GenerationMode.NEGATIVE:
            raise
