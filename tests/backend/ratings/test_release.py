"""An open round's consensus reaches no one who rates in it and nowhere else (timeline, PDF, FHIR,
outcomes, API) until it is closed or an admin publishes it; until then an earlier round's figures
stay. Wherever a consensus shows it says whether it is final, its round, raters and agreement."""

from __future__ import annotations

import time

from backend.audit.models import AuditEvent
from backend.outcomes.models import OutcomePatient
from backend.photos.models import Photo
from backend.ratings.models import RatingRound, RatingScore, RatingTask
from backend.ratings.tokens import sign_image_link
from tests.backend.ratings.api import close_round, create_round, new_sitting, publish_round, queue, score
from tests.backend.dashboard.conftest import browser  # noqa: F401  (the fixture)
from tests.backend.records.pdf_tools import pdf_text

PATIENT = "patient_a"


async def _rate(client, world, round_id: str, who: str, email: str, value: int) -> None:
    for task in await RatingTask.filter(round_id=round_id, rater__staff__email=email, done=False):
        press = value if task.baseline_left else -value
        assert (await score(client, world, who, round_id, task.token, press)).status_code == 200


async def _seen_by(client, world, who: str) -> dict:
    """What `who` can read of patient A's consensus: the API route, the timeline, FHIR and the PDF."""
    patient = world.ids[PATIENT]
    api = (await client.get(f"/patients/{patient}/consensus", headers=world.headers(who))).json()
    timeline = (await client.get(f"/patients/{patient}/timeline", headers=world.headers(who))).json()["consensus"]
    bundle = (await client.get(f"/patients/{patient}/fhir", headers=world.headers(who))).json()
    observations = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    pdf = await client.get(f"/patients/{patient}/report.pdf", headers=world.headers(who))
    assert pdf.status_code == 200
    return {
        "api": sorted((c["view"], c["score"], c["final"], c["round_name"]) for c in api),
        "timeline": sorted((c["view"], c["score"], c["final"], c["round_name"]) for c in timeline),
        "fhir": sorted((o["bodySite"]["coding"][1]["code"], o["valueQuantity"]["value"], o["status"]) for o in observations),
        "pdf": " ".join(pdf_text(pdf.content).split()),
    }


async def test_an_open_round_reaches_no_rater_and_nowhere_else_until_published_or_closed(client, world, browser):  # noqa: F811
    first = await create_round(client, world, retest_fraction=0, name="Spring panel")
    await _rate(client, world, first["id"], "staff_x", "admin@x.example", 1)
    await _rate(client, world, first["id"], "clinician_x", "clinician@x.example", 1)
    await close_round(client, world, first["id"])
    spring = [("frontal", 1.0, True, "Spring panel"), ("vertex", 1.0, True, "Spring panel")]
    assert (await OutcomePatient.get(patient_id=world.ids[PATIENT])).c3 == 1.0

    second = await create_round(client, world, retest_fraction=0, name="Autumn panel")
    await _rate(client, world, second["id"], "staff_x", "admin@x.example", 3)  # the admin is done; the clinician has 0
    for who in ("clinician_x", "staff_x"):  # a rater who has scored nothing, and one who is done
        seen = await _seen_by(client, world, who)
        assert seen["api"] == spring and seen["timeline"] == spring  # the earlier round's figures stay
        assert seen["fhir"] == [("frontal", 1.0, "final"), ("vertex", 1.0, "final")]
        assert "against baseline: +3" not in seen["pdf"] and "Autumn panel" not in seen["pdf"] and "Final, Spring panel" in seen["pdf"]
    assert (await OutcomePatient.get(patient_id=world.ids[PATIENT])).c3 == 1.0  # outcomes: not counted either
    for who in ("clinician_x", "staff_x"):  # asking for the open round's consensus by name
        asked = await client.get(f"/patients/{world.ids[PATIENT]}/consensus", params={"round_id": second["id"]}, headers=world.headers(who))
        assert asked.status_code == 403 and asked.json()["error"]["code"] == "consensus_blinded"
    key = await client.get(f"/ratings/rounds/{second['id']}/key", headers=world.headers("staff_x"))
    assert key.status_code == 403 and key.json()["error"]["code"] == "key_blinded"
    blinded = await client.get(f"/ratings/rounds/{second['id']}/agreement", headers=world.headers("clinician_x"))
    assert blinded.status_code == 403 and blinded.json()["error"]["code"] == "results_after_queue"

    # publishing waits for every queue: nobody still rating may read the others' figures
    early = await publish_round(client, world, second["id"])
    assert early.status_code == 409 and early.json()["error"]["code"] == "raters_still_rating"
    assert (await RatingRound.get(id=second["id"])).published_at is None
    await _rate(client, world, second["id"], "clinician_x", "clinician@x.example", 3)
    published = await publish_round(client, world, second["id"])
    assert published.status_code == 200 and published.json()["published_at"] is not None
    autumn = [("frontal", 3.0, False, "Autumn panel"), ("vertex", 3.0, False, "Autumn panel")]
    seen = await _seen_by(client, world, "clinician_x")
    assert seen["api"] == autumn and seen["timeline"] == autumn
    asked = await client.get(f"/patients/{world.ids[PATIENT]}/consensus", params={"round_id": first["id"]}, headers=world.headers("clinician_x"))
    assert [(c["score"], c["final"]) for c in asked.json()] == [(1.0, True), (1.0, True)]  # the earlier round, by name
    assert seen["fhir"] == [("frontal", 3.0, "preliminary"), ("vertex", 3.0, "preliminary")]
    assert "Provisional, Autumn panel (round still open), median of 2 raters, agreement: too few pairs (4)" in seen["pdf"]
    assert (await OutcomePatient.get(patient_id=world.ids[PATIENT])).c3 == 3.0
    page = (await (await browser("clinician@x.example")).get(f"/dashboard/patients/{world.ids[PATIENT]}")).text
    assert page.count('data-final="false"') == 3  # two cells and the legend line: provisional
    assert "Provisional</span> Autumn panel (round still open), median of 2 raters, agreement: too few pairs (4)" in page
    again = await publish_round(client, world, second["id"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "round_published"

    await close_round(client, world, second["id"])
    seen = await _seen_by(client, world, "clinician_x")
    assert seen["api"] == [(v, 3.0, True, "Autumn panel") for v in ("frontal", "vertex")]
    assert seen["fhir"] == [("frontal", 3.0, "final"), ("vertex", 3.0, "final")]
    assert "Final, Autumn panel, median of 2 raters" in seen["pdf"] and "Provisional" not in seen["pdf"]
    closed = await publish_round(client, world, second["id"])
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "round_closed"
    assert await AuditEvent.filter(action="rating.round.publish").count() == 1


async def test_fhir_dates_a_consensus_by_the_follow_up_photo_it_rates(client, world):
    rnd = await create_round(client, world, retest_fraction=0, views=["frontal"])
    await _rate(client, world, rnd["id"], "staff_x", "admin@x.example", 2)
    await _rate(client, world, rnd["id"], "clinician_x", "clinician@x.example", 2)
    await close_round(client, world, rnd["id"])
    bundle = (await client.get(f"/patients/{world.ids[PATIENT]}/fhir", headers=world.headers("staff_x"))).json()
    (rated,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    followup = await Photo.get(patient_id=world.ids[PATIENT], view="frontal", checkin__month=3)
    assert rated["effectiveDateTime"].startswith(followup.captured_at.date().isoformat())
    assert rated["effectiveDateTime"][:4] == "2026" and rated["status"] == "final"


async def test_bad_release_and_blinding_requests_get_a_stable_code_and_change_nothing(client, world, app):
    rnd = await create_round(client, world, retest_fraction=0)
    nothing = await publish_round(client, world, rnd["id"])  # no scores at all
    assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "nothing_to_publish"
    assert (await RatingRound.get(id=rnd["id"])).published_at is None
    desk = await client.post(f"/ratings/rounds/{rnd['id']}/publish", headers=world.headers("clinician_x"))
    assert desk.status_code == 403  # only an admin publishes
    other_clinic = await client.post(f"/ratings/rounds/{rnd['id']}/publish", headers=world.headers("staff_y"))
    assert other_clinic.status_code == 404

    # a rater using another rater's token
    theirs = await RatingTask.filter(round_id=rnd["id"], rater__staff__email="admin@x.example").first()
    stolen = await score(client, world, "clinician_x", rnd["id"], theirs.token, 1)
    assert stolen.status_code == 404 and stolen.json()["error"]["code"] == "rating_token_unknown"
    assert await RatingScore.all().count() == 0

    # an image link after expiry, and one tampered with
    pair = (await queue(client, world, "clinician_x", rnd["id"], new_sitting()))["pair"]
    secret = app.state.settings.secret_key
    expired = sign_image_link(secret, pair["token"], "left", int(time.time()) - 1)
    answer = await client.get(f"/ratings/images/{expired}")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "upload_url_invalid"
    link = pair["left_url"].rsplit("/", 1)[1]
    tampered = link[:-3] + ("AAA" if link[-3:] != "AAA" else "BBB")
    answer = await client.get(f"/ratings/images/{tampered}")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "upload_url_invalid"
    assert await AuditEvent.filter(action="photo.view").count() == 0  # nothing was shown
