"""The outcome facts follow every kind of change they depend on, in the change's transaction:
after each change made the way staff and patients make it (the API, or the service the photo
pipeline calls), the clinic's outcomes show it at once, and the facts are exactly what working
them out again from the raw rows gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from backend.checkins import service as checkins
from backend.checkins.models import CheckIn
from backend.outcomes import facts
from backend.outcomes.models import OutcomeLot, OutcomePatient, OutcomeSymptom
from backend.patients.models import Patient
from backend.ratings.models import RatingPair, RatingTask
from shared import questionnaire as hgq
from tests.backend.outcomes.cohort import build
from tests.backend.ratings.api import create_round, score, staff_id
from tests.backend.ratings.photos import ready_photos
from tests.backend.reports.bodies import WORLD_ZONE, questionnaire_body, side_effect_body
from tests.backend.world import World, build_world


@pytest.fixture
async def world(client) -> World:
    """Clinic X with the outcome tests' cohort (26 exosomes patients, 22 PRP, ...) and patient A,
    research-consented, in the exosomes arm, with ready baseline and month-3 frontal photos."""
    world = await build_world()
    await build(world.ids["clinic_x"])
    answer = await client.patch(
        f"/patients/{world.ids['patient_a']}",
        json={"consent": {"care": True, "research": True}},
        headers=world.headers("staff_x"),
    )
    assert answer.status_code == 200, answer.text
    await ready_photos(world.ids["patient_a"], (0, 3), ("frontal",))
    await facts.rebuild(world.ids["clinic_x"])  # the world's rows were written around the services
    return world


async def _snapshot(clinic_id) -> dict[str, list[tuple]]:
    patients = Patient.filter(clinic_id=clinic_id).values_list("id", flat=True)
    ids = list(await patients)
    out = {}
    for model in (OutcomePatient, OutcomeLot, OutcomeSymptom):
        fields = [f for f in model._meta.db_fields if f != "id"]
        rows = await model.filter(patient_id__in=ids).values_list(*fields)
        out[model.__name__] = sorted(rows, key=repr)
    return out


async def assert_facts_current(clinic_id) -> None:
    """The facts kept along the way equal the facts worked out again from scratch."""
    kept = await _snapshot(clinic_id)
    await facts.rebuild(clinic_id)
    assert kept == await _snapshot(clinic_id)


async def _exosomes(client, world) -> dict:
    answer = await client.get("/outcomes", headers=world.headers("clinician_x"))
    assert answer.status_code == 200, answer.text
    return next(a for a in answer.json()["arms"] if a["arm"] == "exosomes")


async def _a(world) -> OutcomePatient:
    return await OutcomePatient.get(patient_id=world.ids["patient_a"])


async def test_a_recorded_session_counts_at_once_in_sessions_and_its_lot(client, world):
    before = await _exosomes(client, world)
    body = {
        "scheduled_at": (datetime.now(UTC) - timedelta(days=3)).isoformat(), "status": "done",
        "treatment": "exosomes", "product": "ExoCell 5B", "lot_number": " lot-new ", "areas": ["vertex"],
    }
    answer = await client.post(f"/patients/{world.ids['patient_a']}/injections", json=body, headers=world.headers("clinician_x"))
    assert answer.status_code == 201, answer.text
    after = await _exosomes(client, world)
    assert after["sessions_given"] == before["sessions_given"] + 1
    assert after["patients_treated"] == before["patients_treated"] + 1  # A had no done session before
    await assert_facts_current(world.ids["clinic_x"])
    lots = (await client.get("/outcomes", headers=world.headers("clinician_x"))).json()["lots"]
    assert [(lot["lot_number"], lot["harm"]["patients"]) for lot in lots if lot["lot_number"] == "LOT-NEW"] == [("LOT-NEW", None)]

    # the session marked missed afterwards no longer counts
    changed = await client.patch(f"/injections/{answer.json()['id']}", json={"status": "missed"}, headers=world.headers("clinician_x"))
    assert changed.status_code == 200, changed.text
    assert (await _exosomes(client, world))["sessions_given"] == before["sessions_given"]
    await assert_facts_current(world.ids["clinic_x"])


async def test_moving_the_baseline_moves_the_sessions_counted_up_to_month_6(client, world):
    # the world's session of A (1 Feb 2026), done: within 6 months of a 15 Jan baseline
    done = await client.patch(f"/injections/{world.ids['injection_a']}", json={"status": "done"}, headers=world.headers("clinician_x"))
    assert done.status_code == 200, done.text
    assert (await _a(world)).dose6 == 1 and (await _a(world)).sessions == 1
    moved = await client.patch(f"/patients/{world.ids['patient_a']}", json={"baseline_date": "2025-01-15"}, headers=world.headers("staff_x"))
    assert moved.status_code == 200, moved.text
    assert (await _a(world)).dose6 == 0 and (await _a(world)).sessions == 1
    await assert_facts_current(world.ids["clinic_x"])


async def test_a_side_effect_report_counts_at_once_against_its_session_and_lot(client, world):
    done = await client.patch(f"/injections/{world.ids['injection_a']}", json={"status": "done"}, headers=world.headers("clinician_x"))
    assert done.status_code == 200, done.text
    before = await _exosomes(client, world)
    sent = await client.post("/me/side-effects", json=side_effect_body(world.ids["injection_a"]), headers=world.headers("patient_a"))
    assert sent.status_code == 201, sent.text
    after = await _exosomes(client, world)
    assert after["harm"]["any"]["events"] == before["harm"]["any"]["events"] + 1
    assert after["harm"]["moderate_or_worse"]["events"] == before["harm"]["moderate_or_worse"]["events"] + 1  # redness 2
    lot = await OutcomeLot.get(patient_id=world.ids["patient_a"], lot_number="LOT-A1")
    assert (lot.sessions, lot.with_any, lot.with_moderate, lot.with_serious) == (1, 1, 1, 0)
    assert sorted(await OutcomeSymptom.filter(patient_id=world.ids["patient_a"]).values_list("symptom", flat=True)) == ["pain", "redness"]
    await assert_facts_current(world.ids["clinic_x"])


async def test_a_self_assessment_counts_at_once(client, world):
    today = datetime.now(WORLD_ZONE).date()
    baseline = next(today - timedelta(days=d) for d in range(160, 220) if hgq.occasion_for(today - timedelta(days=d), today) == 6)
    moved = await client.patch(f"/patients/{world.ids['patient_a']}", json={"baseline_date": baseline.isoformat()}, headers=world.headers("staff_x"))
    assert moved.status_code == 200, moved.text
    before = next(q for q in (await _exosomes(client, world))["questionnaire"] if q["month"] == 6)
    sent = await client.post("/me/questionnaires", json=questionnaire_body(2, baseline=baseline), headers=world.headers("patient_a"))
    assert sent.status_code == 201, sent.text
    assert sent.json()["occasion_month"] == 6 and (await _a(world)).growth6 == 2
    after = next(q for q in (await _exosomes(client, world))["questionnaire"] if q["month"] == 6)
    assert after["growth"]["n"] == before["growth"]["n"] + 1
    await assert_facts_current(world.ids["clinic_x"])


async def test_a_completed_check_in_counts_in_follow_up_at_once(client, world):
    checkin = await CheckIn.get(patient_id=world.ids["patient_a"], month=3)
    assert (await _a(world)).checkins == 0
    async with in_transaction():
        await checkins.complete_if_done(checkin.id)  # what processing does when the last photo is ready
    assert (await _a(world)).checkins == 1 << 3
    await assert_facts_current(world.ids["clinic_x"])


async def test_a_blinded_score_counts_in_the_month_3_consensus_once_its_round_is_closed(client, world):
    before = await _exosomes(client, world)
    month3 = next(m for m in before["efficacy"] if m["month"] == 3)
    rnd = await create_round(client, world, raters=("admin@x.example",), views=["frontal"], retest_fraction=0,
                             patient_ids=[str(world.ids["patient_a"])])
    pair = await RatingPair.get(round_id=rnd["id"], patient_id=world.ids["patient_a"])
    task = await RatingTask.get(pair_id=pair.id, rater__staff_id=await staff_id("admin@x.example"), repeat=False)
    answer = await score(client, world, "staff_x", rnd["id"], task.token, 2 if task.baseline_left else -2)
    assert answer.status_code == 200, answer.text
    assert (await _a(world)).c3 is None  # the round is open: its consensus counts nowhere yet
    assert next(m for m in (await _exosomes(client, world))["efficacy"] if m["month"] == 3) == month3
    closed = await client.post(f"/ratings/rounds/{rnd['id']}/close", headers=world.headers("staff_x"))
    assert closed.status_code == 200, closed.text
    assert ((await _a(world)).c3, (await _a(world)).km_month, (await _a(world)).km_improved) == (2.0, 3, 1)
    after = next(m for m in (await _exosomes(client, world))["efficacy"] if m["month"] == 3)
    assert after["consensus"]["n"] == month3["consensus"]["n"] + 1
    assert after["improved"]["events"] == month3["improved"]["events"] + 1
    await assert_facts_current(world.ids["clinic_x"])


async def test_withdrawn_consent_needs_no_fact_to_change_and_still_leaves_every_figure(client, world):
    before = await _exosomes(client, world)
    answer = await client.patch(
        f"/patients/{world.ids['patient_a']}", json={"consent": {"care": True, "research": False}}, headers=world.headers("staff_x")
    )
    assert answer.status_code == 200, answer.text
    assert (await _exosomes(client, world))["patients"] == before["patients"] - 1
    await assert_facts_current(world.ids["clinic_x"])


async def test_deleting_a_patient_takes_their_facts(client, world):
    await Patient.filter(id=world.ids["patient_a"]).delete()
    assert not await OutcomePatient.filter(patient_id=world.ids["patient_a"]).exists()
