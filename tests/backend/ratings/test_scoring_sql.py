"""What the rater's two requests cost the database, and what holds when two requests race: a
first score on PostgreSQL is one statement, the queue one statement on both databases, two raters
scoring one pair at once both count in the consensus, and one rater's double submission of one
pair stores one score."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from backend.audit.models import AuditEvent
from backend.db import QueryCounter
from backend.ratings.models import RatingConsensus, RatingPair, RatingRater, RatingScore, RatingTask
from backend.ratings.scoring import FIRST_SCORE
from tests.backend.ratings.api import create_round, new_sitting, queue, score
from tests.conftest import PG_URL


async def test_a_first_score_is_one_statement_on_postgresql_and_the_queue_one_on_both(client, world):
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
    if PG_URL:
        assert len(rating) == 1, rating
    else:  # a few statements in one transaction: SQLite runs in the process, a round trip is free
        assert 1 < len(rating) <= 10, rating
    stored = await RatingScore.get(task__token=first["pair"]["token"])
    event = await AuditEvent.get(action="rating.score", subject_id=str(stored.id))
    assert event.detail["score"] == stored.score and event.detail["repeat"] is False
    assert event.patient_id == (await RatingPair.get(id=stored.pair_id)).patient_id  # type: ignore[attr-defined]


def _params(token: str, round_id: str, staff_id: uuid.UUID, clinic_id: uuid.UUID, given: int) -> list[object]:
    return [token, uuid.UUID(round_id), staff_id, clinic_id, given, None, 3.0, uuid.uuid4(), uuid.uuid4(),
            uuid.uuid4(), datetime.now(UTC), "staff"]


@pytest.mark.skipif(not PG_URL, reason="two connections racing need PostgreSQL")
async def test_two_raters_scoring_one_pair_at_once_both_count_and_a_double_submission_stores_one(client, world, database_url):
    import asyncpg

    rnd = await create_round(client, world, views=["frontal"], retest_fraction=0)
    pair = await RatingPair.get(round_id=rnd["id"], patient_id=world.ids["patient_a"])
    tasks = {t.rater.staff.email: t for t in await RatingTask.filter(pair_id=pair.id).select_related("rater__staff")}
    admin, clinician = tasks["admin@x.example"], tasks["clinician@x.example"]
    clinic = world.ids["clinic_x"]

    def pressing(task: RatingTask, stored: int) -> int:
        return stored if task.baseline_left else -stored

    url = database_url.replace("postgres://", "postgresql://", 1)
    one, two, watch = await asyncpg.connect(url), await asyncpg.connect(url), await asyncpg.connect(url)

    async def waits_on_a_lock(racing: asyncio.Task) -> None:
        """Until the second statement is held by the first one's uncommitted rows (at most ~30 s)."""
        for _ in range(300):
            state = await watch.fetchval("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1", two.get_server_pid())
            if state == "Lock":
                return
            assert not racing.done(), "the second statement did not wait for the first"
            await asyncio.sleep(0.1)
        raise AssertionError("the second statement never reached the first one's rows")
    try:
        # the admin's score is stored but not committed when the clinician's arrives
        first = one.transaction()
        await first.start()
        await one.fetch(FIRST_SCORE, *_params(admin.token, rnd["id"], admin.rater.staff.id, clinic, pressing(admin, 2)))
        racing = asyncio.create_task(
            two.fetch(FIRST_SCORE, *_params(clinician.token, rnd["id"], clinician.rater.staff.id, clinic, pressing(clinician, 1)))
        )
        await waits_on_a_lock(racing)  # on the consensus row the first one inserted
        await first.commit()
        (row,) = await racing
        assert row["tasks_done"] == 1
        agreed = await RatingConsensus.get(round_id=rnd["id"], patient_id=world.ids["patient_a"])
        assert (agreed.score, agreed.raters, agreed.moderately_increased, agreed.slightly_increased) == (1.5, 2, 1, 1)

        # the same presentation sent twice at once (a double key press on two tabs): one score
        other = await RatingTask.get(pair__patient_id=world.ids["patient_b"], rater_id=admin.rater_id)  # type: ignore[attr-defined]
        first = one.transaction()
        await first.start()
        await one.fetch(FIRST_SCORE, *_params(other.token, rnd["id"], admin.rater.staff.id, clinic, 1))
        racing = asyncio.create_task(two.fetch(FIRST_SCORE, *_params(other.token, rnd["id"], admin.rater.staff.id, clinic, -1)))
        await waits_on_a_lock(racing)  # on the one-current-score-per-task index
        await first.commit()
        with pytest.raises(asyncpg.UniqueViolationError):
            await racing
    finally:
        for conn in (one, two, watch):
            await conn.close()
    assert await RatingScore.filter(task_id=other.id, current=True).count() == 1
    seat = await RatingRater.get(id=admin.rater_id)  # type: ignore[attr-defined]
    assert seat.tasks_done == 2
    agreed = await RatingConsensus.get(round_id=rnd["id"], patient_id=world.ids["patient_b"])
    assert (agreed.raters, agreed.score) == (1, 1.0 if other.baseline_left else -1.0)
