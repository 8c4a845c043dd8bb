"""What the rater's two requests cost the database, and what holds when two requests race: the
queue is one statement and a score a few in one transaction on both databases, two raters scoring
one pair at once both count in the consensus, and one rater's double submission of one pair stores
one score."""

from __future__ import annotations

import asyncio

import pytest

from backend.audit.models import AuditEvent
from backend.db import QueryCounter
from backend.ratings.models import RatingConsensus, RatingPair, RatingRater, RatingScore, RatingTask
from tests.backend.ratings.api import create_round, new_sitting, queue, score
from tests.conftest import PG_URL


async def test_the_queue_is_one_statement_and_a_score_a_few_in_one_transaction(client, world):
    rnd = await create_round(client, world, retest_fraction=0)
    sitting = new_sitting()
    with QueryCounter() as asked:
        first = await queue(client, world, "clinician_x", rnd["id"], sitting)
    rating = [s for s in asked.statements if "rating_" in s]
    assert len(rating) == 1, rating  # (the sign-in check of the token is the auth feature's)
    with QueryCounter() as scored:
        answer = await score(client, world, "clinician_x", rnd["id"], first["pair"]["token"], 2, sitting=sitting)
    assert answer.status_code == 200
    after = answer.json()
    assert (after["done"], after["can_undo"], after["pair"]["token"]) == (1, True, first["preload"]["token"])
    # the score's own work; the outcome facts of the patient are then worked out again in the same
    # transaction (backend.outcomes.facts), so the outcomes page counts the new consensus at once
    facts = [s for s in scored.statements if "outcome_" in s]
    rating = [s for s in scored.statements if "rating_" in s and s not in facts]
    assert facts, "the patient's outcome facts were not refreshed"
    assert 1 < len(rating) <= 10, rating  # the same path on both databases
    stored = await RatingScore.get(task__token=first["pair"]["token"])
    event = await AuditEvent.get(action="rating.score", subject_id=str(stored.id))
    assert event.detail["score"] == stored.score and event.detail["repeat"] is False
    assert event.patient_id == (await RatingPair.get(id=stored.pair_id)).patient_id  # type: ignore[attr-defined]


@pytest.mark.skipif(not PG_URL, reason="requests racing on their own connections need PostgreSQL")
async def test_two_raters_scoring_one_pair_at_once_both_count_and_a_double_submission_stores_one(client, world):
    rnd = await create_round(client, world, views=["frontal"], retest_fraction=0)
    pair = await RatingPair.get(round_id=rnd["id"], patient_id=world.ids["patient_a"])
    tasks = {t.rater.staff.email: t for t in await RatingTask.filter(pair_id=pair.id).select_related("rater__staff")}
    admin, clinician = tasks["admin@x.example"], tasks["clinician@x.example"]

    def pressing(task: RatingTask, stored: int) -> int:
        return stored if task.baseline_left else -stored

    # both raters press at the same moment: each request has its own connection and transaction
    answers = await asyncio.gather(
        score(client, world, "staff_x", rnd["id"], admin.token, pressing(admin, 2)),
        score(client, world, "clinician_x", rnd["id"], clinician.token, pressing(clinician, 1)),
    )
    assert [a.status_code for a in answers] == [200, 200]
    agreed = await RatingConsensus.get(round_id=rnd["id"], patient_id=world.ids["patient_a"])
    assert (agreed.score, agreed.raters, agreed.moderately_increased, agreed.slightly_increased) == (1.5, 2, 1, 1)

    # the same presentation sent twice at once (a double key press on two tabs): one score
    other = await RatingTask.get(pair__patient_id=world.ids["patient_b"], rater_id=admin.rater_id)  # type: ignore[attr-defined]
    answers = await asyncio.gather(*(score(client, world, "staff_x", rnd["id"], other.token, v) for v in (1, -1)))
    assert sorted(a.status_code for a in answers) == [200, 400]
    (refused,) = [a for a in answers if a.status_code == 400]
    assert refused.json()["error"]["code"] == "change_reason_required"
    (kept,) = await RatingScore.filter(task_id=other.id, current=True)
    seat = await RatingRater.get(id=admin.rater_id)  # type: ignore[attr-defined]
    assert seat.tasks_done == 2
    agreed = await RatingConsensus.get(round_id=rnd["id"], patient_id=world.ids["patient_b"])
    assert (agreed.raters, agreed.score) == (1, float(kept.score))
