"""Every integer a caller sends is bounded: out of range is 400 `validation_failed`, never 500 or 503."""

from __future__ import annotations

import pytest

from tests.backend.test_route_matrix import PATIENT_BODY

HUGE = 10**30


@pytest.mark.parametrize(
    "path",
    [
        f"/audit?offset={2**63}",
        "/audit?offset=1000000001",
        f"/audit?limit={HUGE}",
        f"/patients?offset={HUGE}",
        f"/side-effects?offset={2**63}",
        f"/side-effects/alerts?limit={-1}",
    ],
)
async def test_list_offsets_and_limits_out_of_range_are_refused(client, world, path):
    answer = await client.get(path, headers=world.headers("staff_x"))
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "validation_failed"


async def test_the_largest_allowed_offset_answers_an_empty_page(client, world):
    answer = await client.get("/audit?offset=1000000", headers=world.headers("staff_x"))
    assert answer.status_code == 200
    assert answer.json()["items"] == []


@pytest.mark.parametrize(
    ("path", "who", "body"),
    [
        ("/patients", "staff_x", {**PATIENT_BODY, "plan": {"treatment": "prp", "planned_sessions": HUGE, "interval_days": 30}}),
        ("/me/questionnaires", "patient_a", {"idempotency_key": "6f1c2b8e-3a5d-4f6e-8a9b-0c1d2e3f4a5b", "version": 2**63, "answers": {"q": 1}}),
        ("/me/photos/slots", "patient_a", {"view": "frontal", "sha256": "0" * 64, "size": 2**63, "content_type": "image/jpeg",
                                            "idempotency_key": "6f1c2b8e-3a5d-4f6e-8a9b-0c1d2e3f4a5b", "captured_at": "2026-01-01T00:00:00Z", "checkin_month": 0}),
    ],
)
async def test_integers_in_bodies_out_of_range_are_refused(client, world, path, who, body):
    answer = await client.post(path, json=body, headers=world.headers(who))
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "validation_failed"


async def test_severity_and_answers_off_their_scale_are_refused_by_the_contract(client, world):
    from tests.backend.reports.bodies import side_effect_body

    body = side_effect_body(world.ids["injection_a"], symptoms=[{"symptom": "pain", "severity": 2**40}])
    answer = await client.post("/me/side-effects", json=body, headers=world.headers("patient_a"))
    assert answer.status_code == 400, answer.text
