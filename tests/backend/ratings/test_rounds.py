"""Setting rounds up, who may do what, and bad input: a 4xx with a stable code and nothing stored."""

from __future__ import annotations

import io
import uuid

from PIL import Image

from backend.audit.models import AuditEvent
from backend.patients.models import Patient
from backend.ratings.models import RatingPair, RatingRater, RatingRound, RatingScore, RatingTask
from tests.backend.ratings.api import create_round, new_sitting, queue, score, staff_id
from tests.backend.ratings.photos import research_patient


async def _nothing_stored() -> None:
    assert await RatingRound.all().count() == 0
    assert await RatingPair.all().count() == 0
    assert await RatingTask.all().count() == 0


async def test_a_round_draws_pairs_of_ready_photos_of_consented_patients_with_shuffled_queues(client, world):
    no_consent = await research_patient(world.ids["clinic_x"], "Not Consented", "X-900", months=(0, 3))
    await Patient.filter(id=no_consent.id).update(consent_research=False)
    partial = await research_patient(world.ids["clinic_x"], "Baseline Only", "X-901", months=(0,))
    for i in range(10):
        await research_patient(world.ids["clinic_x"], f"Extra {i}", f"X-9{i:02d}x", months=(0, 3), views=("frontal", "vertex"))
    rnd = await create_round(client, world, views=["frontal", "vertex"])
    pairs = await RatingPair.filter(round_id=rnd["id"])
    patients = {p.patient_id for p in pairs}
    assert world.ids["patient_a"] in patients and no_consent.id not in patients and partial.id not in patients
    assert rnd["pairs"] == len(pairs) == 24  # 12 patients x 2 views, month 3 against month 0
    assert rnd["retest_pairs"] == 2  # about 10%
    assert {(r["done"], r["total"]) for r in rnd["raters"]} == {(0, 26)}

    seats = await RatingRater.filter(round_id=rnd["id"])
    orders = []
    for seat in seats:
        tasks = await RatingTask.filter(rater_id=seat.id).order_by("position")
        orders.append([t.pair_id for t in tasks if not t.repeat])
        assert sorted(orders[-1]) == sorted(p.id for p in pairs)  # every pair once
        for repeat in (t for t in tasks if t.repeat):
            original = next(t for t in tasks if t.pair_id == repeat.pair_id and not t.repeat)
            assert repeat.position > original.position  # later
            assert repeat.baseline_left != original.baseline_left  # and the other way round
        assert 0 < sum(t.baseline_left for t in tasks) < len(tasks)  # sides vary
    assert orders[0] != orders[1]  # shuffled per rater
    assert len({t.token for t in await RatingTask.filter(round_id=rnd["id"])}) == 52


async def test_bad_rounds_are_refused_with_a_stable_code_and_store_nothing(client, world):
    admin = world.headers("staff_x")
    clinician = await staff_id("clinician@x.example")
    cases = [
        ({"name": "None", "months": [12], "rater_ids": [clinician]}, 400, "no_eligible_pairs"),
        ({"name": "Desk", "months": [3], "rater_ids": [await staff_id("desk@x.example")]}, 400, "rater_not_eligible"),
        ({"name": "Y", "months": [3], "rater_ids": [await staff_id("admin@y.example")]}, 400, "rater_not_eligible"),
        ({"name": "View", "months": [3], "views": ["ear"], "rater_ids": [clinician]}, 400, "view_not_in_protocol"),
        ({"name": "Zero", "months": [0], "rater_ids": [clinician]}, 400, "validation_failed"),
        ({"name": "Who", "months": [3], "rater_ids": [clinician], "patient_ids": [str(world.ids["patient_c"])]}, 404, "not_found"),
        ({"name": "", "months": [3], "rater_ids": [clinician]}, 400, "validation_failed"),
        ({"name": "Extra", "months": [3], "rater_ids": [clinician], "blinded": False}, 400, "unknown_field"),
    ]
    for body, status, code in cases:
        answer = await client.post("/ratings/rounds", json=body, headers=admin)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), body
    # a patient without research consent, added by hand
    await Patient.filter(id=world.ids["patient_b"]).update(consent_research=False)
    answer = await client.post(
        "/ratings/rounds", json={"name": "By hand", "months": [3], "rater_ids": [clinician], "patient_ids": [str(world.ids["patient_b"])]},
        headers=admin,
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "no_research_consent")
    assert answer.json()["error"]["details"]["patients"] == [str(world.ids["patient_b"])]
    # only admins set rounds up
    answer = await client.post("/ratings/rounds", json={"name": "Mine", "months": [3], "rater_ids": [clinician]}, headers=world.headers("clinician_x"))
    assert answer.status_code == 403
    await _nothing_stored()


async def test_bad_scores_are_refused_and_store_nothing(client, world):
    rnd = await create_round(client, world)
    other = await create_round(client, world, name="Other round")
    mine = (await queue(client, world, "staff_x", rnd["id"]))["pair"]["token"]
    theirs = (await queue(client, world, "clinician_x", rnd["id"]))["pair"]["token"]
    other_round = (await queue(client, world, "staff_x", other["id"]))["pair"]["token"]
    cases = [
        (mine, {"score": 4}, 400, "score_out_of_range"),
        (mine, {"score": -4}, 400, "score_out_of_range"),
        (mine, {}, 400, "validation_failed"),
        (mine, {"score": 1, "cannot_rate": "blurred"}, 400, "validation_failed"),
        (mine, {"cannot_rate": "too dark"}, 400, "validation_failed"),
        (mine, {"score": 1.5}, 400, "validation_failed"),
        (theirs, {"score": 1}, 404, "rating_token_unknown"),  # another rater's pair
        (other_round, {"score": 1}, 404, "rating_token_unknown"),  # another round's pair
        ("x" * 22, {"score": 1}, 404, "rating_token_unknown"),
    ]
    for token, body, status, code in cases:
        answer = await client.post(f"/ratings/rounds/{rnd['id']}/tasks/{token}/score", json=body, headers=world.headers("staff_x"))
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), body
    # front desk neither rates nor sees scores; clinic Y learns nothing
    for who, status in (("desk_x", 403), ("staff_y", 404)):
        assert (await score(client, world, who, rnd["id"], mine, 1)).status_code == status
        assert (await client.get(f"/ratings/rounds/{rnd['id']}/agreement", headers=world.headers(who))).status_code == status
        assert (await client.get(f"/patients/{world.ids['patient_a']}/consensus", headers=world.headers(who))).status_code in (403, 404)
    assert await RatingScore.all().count() == 0

    closed = await client.post(f"/ratings/rounds/{rnd['id']}/close", headers=world.headers("staff_x"))
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    answer = await score(client, world, "staff_x", rnd["id"], mine, 1)
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "round_closed")
    assert (await queue(client, world, "staff_x", rnd["id"]))["pair"] is None
    assert await RatingScore.all().count() == 0


async def test_a_rater_sees_results_only_after_their_queue_and_never_the_key(client, world):
    rnd = await create_round(client, world, retest_fraction=0)
    path = f"/ratings/rounds/{rnd['id']}"
    early = await client.get(f"{path}/agreement", headers=world.headers("clinician_x"))
    assert (early.status_code, early.json()["error"]["code"]) == (403, "results_after_queue")
    key = await client.get(f"{path}/key", headers=world.headers("staff_x"))  # the admin rates this round
    assert (key.status_code, key.json()["error"]["code"]) == (403, "key_blinded")
    assert (await client.get(f"{path}/key", headers=world.headers("clinician_x"))).status_code == 403

    sitting = new_sitting()
    answer = await queue(client, world, "clinician_x", rnd["id"], sitting)
    while answer["pair"] is not None:
        given = await score(client, world, "clinician_x", rnd["id"], answer["pair"]["token"], 1, sitting=sitting, seconds_taken=2.5)
        answer = given.json()
    assert answer["done"] == answer["total"] == 4
    results = await client.get(f"{path}/agreement", headers=world.headers("clinician_x"))
    assert results.status_code == 200, results.text
    assert results.json()["scores"] == 4
    scores = await RatingScore.filter(rater__staff__email="clinician@x.example")
    assert {s.seconds_taken for s in scores} == {2.5} and all(s.given_at for s in scores)
    assert await AuditEvent.filter(action="rating.score").count() == 4

    # once closed, the admin who rated may read the key; it names the patients
    await client.post(f"{path}/close", headers=world.headers("staff_x"))
    key = await client.get(f"{path}/key", headers=world.headers("staff_x"))
    assert key.status_code == 200
    assert {p["record_number"] for p in key.json()["pairs"]} == {"X-001", "X-002"}
    assert await AuditEvent.filter(action="rating.key.view").count() == 1
    assert (await client.get(f"{path}/key", headers=world.headers("staff_y"))).status_code == 404
    assert uuid.UUID(rnd["id"])


async def test_a_raters_image_link_serves_the_photo_and_audits_the_view_with_where_from(client, world, app):
    from backend.photos.keys import rendition_key
    from backend.photos.models import Photo
    from backend.ratings import presentation
    from backend.ratings.images import RENDITION
    from tests.fixtures.images import photo_jpeg

    rnd = await create_round(client, world, retest_fraction=0)
    jpeg = photo_jpeg(300, 400)
    for token in await Photo.all().values_list("storage_token", flat=True):  # the processed renditions
        await app.state.store.write(rendition_key(token, RENDITION), jpeg, content_type="image/jpeg")
    pair = (await queue(client, world, "clinician_x", rnd["id"], new_sitting()))["pair"]
    image = await client.get(pair["left_url"])  # no sign-in: the short-lived link is the credential
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    shown = Image.open(io.BytesIO(image.content))
    assert shown.size == presentation.CANVAS and len(image.content) == presentation.IMAGE_BYTES
    assert image.content != jpeg  # rendered for this presentation, not the stored file
    again = await client.get(pair["left_url"])
    assert again.status_code == 200 and again.content != image.content  # never the same bytes twice
    assert presentation.scan_of(again.content) != presentation.scan_of(image.content)  # the picture too
    event, _ = await AuditEvent.filter(action="photo.view")
    assert event.detail["via"] == "rating" and str(event.actor_id) == await staff_id("clinician@x.example")
    assert event.patient_id is not None and event.address  # who, which patient, from where
