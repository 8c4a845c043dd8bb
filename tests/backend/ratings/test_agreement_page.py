"""The agreement page when the scores leave a figure with nothing to estimate from: it says why
("not enough variation") instead of a NaN or "too few pairs", and nothing divides by zero."""

from __future__ import annotations

import re
import warnings

from backend.ratings.models import RatingPair, RatingTask
from tests.backend.dashboard.conftest import browser  # noqa: F401  (the fixture)
from tests.backend.ratings.api import create_round, new_sitting, score
from tests.backend.ratings.photos import research_patient

RATER_HEADERS = {"admin@x.example": "staff_x", "clinician@x.example": "clinician_x"}


async def _everyone_scores(client, world, round_id: str, intended) -> None:
    """Both raters score every pair `intended(pair)` (follow-up against baseline), through the API."""
    sitting = new_sitting()
    for task in await RatingTask.filter(round_id=round_id).select_related("rater__staff", "pair"):
        stored = intended(task.pair)
        press = stored if task.baseline_left else -stored
        answer = await score(client, world, RATER_HEADERS[task.rater.staff.email], round_id, task.token, press, sitting=sitting)
        assert answer.status_code == 200, answer.text


def _cell(page: str, view: str, column: str) -> str:
    row = re.search(rf'<tr data-view="{view}">(.*?)</tr>', page, re.S)
    assert row, f"no row for {view}"
    cell = re.search(rf'<td class="{column}">(.*?)</td>', row.group(1), re.S)
    return re.sub(r"<[^>]+>", "", cell.group(1)).strip()


async def test_no_variation_is_said_on_the_agreement_page_without_a_runtime_warning(client, world, browser):  # noqa: F811
    for i in range(4):  # 6 patients x 2 views: 12 pairs, past the "too few pairs" minimum
        await research_patient(world.ids["clinic_x"], f"More {i}", f"X-10{i}", views=("frontal", "vertex"))
    agreed = await create_round(client, world, retest_fraction=0, name="Everyone agrees")
    patients = sorted({p.patient_id for p in await RatingPair.filter(round_id=agreed["id"])}, key=str)
    values = lambda pair: (patients.index(pair.patient_id) * 2 + (pair.view == "vertex")) % 7 - 3  # noqa: E731
    await _everyone_scores(client, world, agreed["id"], values)
    flat = await create_round(client, world, retest_fraction=0, name="All unchanged")
    await _everyone_scores(client, world, flat["id"], lambda pair: 0)

    admin = await browser("admin@x.example")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        agreed_page = await admin.get(f"/dashboard/ratings/{agreed['id']}/agreement")
        flat_page = await admin.get(f"/dashboard/ratings/{flat['id']}/agreement")
        flat_api = await client.get(f"/ratings/rounds/{flat['id']}/agreement", headers=world.headers("staff_x"))
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []
    assert agreed_page.status_code == flat_page.status_code == flat_api.status_code == 200

    # exact agreement over varied scores: the figures are 1; an interval that collapsed to one point
    # is not printed as an interval, and the ICC's cannot be had at all
    assert _cell(agreed_page.text, "all", "alpha") == "1.000 (no interval: every resample gave the same figure)"
    assert _cell(agreed_page.text, "all", "icc") == "1.000 (not enough variation for an interval)"
    # every score "no change": nothing to agree or disagree about
    for column in ("alpha", "icc"):
        assert _cell(flat_page.text, "all", column) == "not enough variation"
    assert "nan" not in flat_page.text.lower().replace("nanoseconds", "")
    assert "not enough variation" in re.search(r'id="agreement-kappas".*?</table>', flat_page.text, re.S).group(0)
    overall = flat_api.json()["overall"]
    assert overall["icc"]["value"] is None and overall["icc"]["note"] == "not enough variation"


async def test_agreement_from_fewer_pairs_than_the_minimum_says_too_few_pairs(client, world):
    from shared.rating_labels import MIN_AGREEMENT_PAIRS

    rnd = await create_round(client, world, retest_fraction=0, name="Four pairs")  # patients A and B, 2 views
    await _everyone_scores(client, world, rnd["id"], lambda pair: 1 if pair.view == "frontal" else 2)
    answer = (await client.get(f"/ratings/rounds/{rnd['id']}/agreement", headers=world.headers("staff_x"))).json()
    assert answer["overall"]["pairs"] == 4 < MIN_AGREEMENT_PAIRS
    for figure in (answer["overall"]["alpha"], answer["overall"]["icc"], answer["kappas"][0]["kappa"]):
        assert figure["value"] is None and figure["low"] is None and figure["note"] == "too few pairs"
