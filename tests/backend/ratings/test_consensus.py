"""The consensus table follows every score, change and undo, in the same transaction."""

from __future__ import annotations

from backend.ratings.consensus import consensus_for_patient
from backend.ratings.models import RatingConsensus, RatingPair, RatingTask
from tests.backend.ratings.api import create_round, new_sitting, queue, score


async def _given_for(task_token: str, follow_up_score: int) -> int:
    """What the rater must press for the stored (follow-up vs baseline) score to be `follow_up_score`."""
    task = await RatingTask.get(token=task_token)
    return follow_up_score if task.baseline_left else -follow_up_score


async def _score_pair(client, world, who, round_id, pair_id, value, **extra):
    task = await RatingTask.filter(pair_id=pair_id, rater__staff__email=who, repeat=False).first()
    press = None if value is None else await _given_for(task.token, value)
    return await score(client, world, {"admin@x.example": "staff_x", "clinician@x.example": "clinician_x"}[who], round_id, task.token, press, **extra)


async def test_consensus_is_the_median_of_current_scores_and_goes_when_none_counts(client, world):
    rnd = await create_round(client, world, views=["frontal"], retest_fraction=0)
    pair = await RatingPair.filter(round_id=rnd["id"], patient_id=world.ids["patient_a"]).get()
    key = {"round_id": rnd["id"], "patient_id": world.ids["patient_a"], "view": "frontal", "month": 3}

    assert (await _score_pair(client, world, "admin@x.example", rnd["id"], pair.id, 2)).status_code == 200
    row = await RatingConsensus.get(**key)
    assert (row.score, row.raters, row.clinic_id) == (2.0, 1, world.ids["clinic_x"])

    # two raters: the median of 2 and 1 is a half
    assert (await _score_pair(client, world, "clinician@x.example", rnd["id"], pair.id, 1)).status_code == 200
    row = await RatingConsensus.get(**key)
    assert (row.score, row.raters) == (1.5, 2)

    # a change needs a reason; with one, the new score counts and the old one is kept
    refused = await _score_pair(client, world, "clinician@x.example", rnd["id"], pair.id, -1)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "change_reason_required"
    changed = await _score_pair(client, world, "clinician@x.example", rnd["id"], pair.id, -1, reason="Looked again at the parting.")
    assert changed.status_code == 200, changed.text
    row = await RatingConsensus.get(**key)
    assert (row.score, row.raters) == (0.5, 2)

    # "cannot rate" does not count
    changed = await _score_pair(client, world, "admin@x.example", rnd["id"], pair.id, None, cannot_rate="blurred", reason="Blurred.")
    assert changed.status_code == 200, changed.text
    row = await RatingConsensus.get(**key)
    assert (row.score, row.raters) == (-1.0, 1)

    changed = await _score_pair(client, world, "clinician@x.example", rnd["id"], pair.id, None, cannot_rate="lighting", reason="Dark.")
    assert changed.status_code == 200
    assert not await RatingConsensus.filter(**key).exists()


async def test_undo_withdraws_the_last_score_of_the_sitting_and_the_consensus_follows(client, world):
    rnd = await create_round(client, world, views=["frontal"], retest_fraction=0)
    sitting = new_sitting()
    first = await queue(client, world, "staff_x", rnd["id"], sitting)
    assert first["done"] == 0 and first["can_undo"] is False
    token = first["pair"]["token"]
    answer = await score(client, world, "staff_x", rnd["id"], token, 3, sitting=sitting, seconds_taken=4.2)
    assert answer.status_code == 200
    after = answer.json()
    assert after["done"] == 1 and after["can_undo"] is True and after["pair"]["token"] != token
    assert await RatingConsensus.filter(round_id=rnd["id"]).count() == 1

    # another sitting cannot undo it
    other = await client.post(f"/ratings/rounds/{rnd['id']}/undo", json={"sitting": new_sitting()}, headers=world.headers("staff_x"))
    assert other.status_code == 409 and other.json()["error"]["code"] == "nothing_to_undo"

    undone = await client.post(f"/ratings/rounds/{rnd['id']}/undo", json={"sitting": sitting}, headers=world.headers("staff_x"))
    assert undone.status_code == 200, undone.text
    back = undone.json()
    assert back["done"] == 0 and back["pair"]["token"] == token and back["can_undo"] is False
    assert await RatingConsensus.filter(round_id=rnd["id"]).count() == 0


async def test_consensus_for_patient_takes_the_newest_round_for_each_view_and_month(client, world):
    older = await create_round(client, world, views=["frontal", "vertex"], retest_fraction=0)
    newer = await create_round(client, world, views=["frontal"], retest_fraction=0, name="Second look")
    for rnd, value in ((older, 1), (newer, 3)):
        for pair in await RatingPair.filter(round_id=rnd["id"], patient_id=world.ids["patient_a"]):
            assert (await _score_pair(client, world, "admin@x.example", rnd["id"], pair.id, value)).status_code == 200
        assert (await client.post(f"/ratings/rounds/{rnd['id']}/close", headers=world.headers("staff_x"))).status_code == 200
    scores = await consensus_for_patient(world.ids["patient_a"])
    assert [(s.view, s.month, s.score, s.raters, s.round_name) for s in scores] == [
        ("frontal", 3, 3.0, 1, "Second look"),
        ("vertex", 3, 1.0, 1, "Month 3 frontal"),
    ]
    answer = await client.get(f"/patients/{world.ids['patient_a']}/consensus", headers=world.headers("clinician_x"))
    assert answer.status_code == 200
    assert [s["score"] for s in answer.json()] == [3.0, 1.0]
