"""The consensus on the timeline: joined into the photo query (still at most 3 statements), for
admins and clinicians, never for front desk, and for the patient only when the clinic shares it."""

from __future__ import annotations

from backend.db import QueryCounter
from backend.ratings.models import RatingTask
from tests.backend.ratings.api import close_round, create_round, score


async def _rate_everything(client, world, round_id: str, follow_up_score: int) -> None:
    for who, email in (("staff_x", "admin@x.example"), ("clinician_x", "clinician@x.example")):
        for task in await RatingTask.filter(round_id=round_id, rater__staff__email=email):
            press = follow_up_score if task.baseline_left else -follow_up_score
            assert (await score(client, world, who, round_id, task.token, press)).status_code == 200


async def test_staff_timeline_shows_the_consensus_in_three_statements(client, world):
    rnd = await create_round(client, world, retest_fraction=0)
    await _rate_everything(client, world, rnd["id"], 2)
    await close_round(client, world, rnd["id"])
    path = f"/patients/{world.ids['patient_a']}/timeline"
    with QueryCounter() as counter:
        answer = await client.get(path, headers=world.headers("clinician_x"))
    assert answer.status_code == 200
    timeline_statements = [s for s in counter.statements if "staff_session" not in s and "audit_event" not in s]
    assert len(timeline_statements) <= 2, timeline_statements  # photos (with consensus), injections; + the audit insert
    assert [(c["view"], c["month"], c["score"], c["raters"]) for c in answer.json()["consensus"]] == [
        ("frontal", 3, 2.0, 2),
        ("vertex", 3, 2.0, 2),
    ]
    desk = await client.get(path, headers=world.headers("desk_x"))
    assert desk.status_code == 200 and desk.json()["consensus"] == []


async def test_the_patient_sees_the_consensus_only_when_the_clinic_shares_it(client, world):
    rnd = await create_round(client, world, retest_fraction=0)
    await _rate_everything(client, world, rnd["id"], 1)
    await close_round(client, world, rnd["id"])
    mine = await client.get("/me/timeline", headers=world.headers("patient_a"))
    assert mine.status_code == 200 and mine.json()["consensus"] == []
    shared = await client.patch("/clinic", json={"share_consensus_with_patients": True}, headers=world.headers("staff_x"))
    assert shared.status_code == 200 and shared.json()["share_consensus_with_patients"] is True
    mine = await client.get("/me/timeline", headers=world.headers("patient_a"))
    assert [(c["view"], c["score"]) for c in mine.json()["consensus"]] == [("frontal", 1.0), ("vertex", 1.0)]
    # a newer round's consensus replaces the older one on the timeline
    newer = await create_round(client, world, retest_fraction=0, views=["frontal"], name="Second look")
    await _rate_everything(client, world, newer["id"], 3)
    mine = await client.get("/me/timeline", headers=world.headers("patient_a"))  # open: the older round stays
    assert [(c["view"], c["score"], c["round_name"]) for c in mine.json()["consensus"]] == [
        ("frontal", 1.0, "Month 3 frontal"),
        ("vertex", 1.0, "Month 3 frontal"),
    ]
    await close_round(client, world, newer["id"])
    mine = await client.get("/me/timeline", headers=world.headers("patient_a"))
    assert [(c["view"], c["score"], c["round_name"]) for c in mine.json()["consensus"]] == [
        ("frontal", 3.0, "Second look"),
        ("vertex", 1.0, "Month 3 frontal"),
    ]
