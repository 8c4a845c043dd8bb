"""The demo clinic's research cohort shows what was planted: exosomes ahead of the other arms, and
exosome lot EXO-2502-B flagged by the lot signal."""

from __future__ import annotations

import pytest

from backend.clinics.models import Clinic
from backend.outcomes.demo import ARMS, WORSE_LOT, seed_outcomes_cohort
from backend.patients.models import Patient


@pytest.mark.today("2026-06-15")  # the cohort is seeded relative to today; the date sweep moves it
async def test_the_planted_arm_difference_and_worse_lot_show_up(client, world):
    clinic = await Clinic.get(id=world.ids["clinic_x"])
    assert await seed_outcomes_cohort(clinic) == sum(n for n, *_ in ARMS.values())
    assert await seed_outcomes_cohort(clinic) == 0  # once only
    body = (await client.get("/outcomes", headers=world.headers("clinician_x"))).json()
    assert body["patients"] == 200
    arms = {a["arm"]: a for a in body["arms"]}
    exo, prp, micro = arms["exosomes"], arms["prp"], arms["microneedling"]
    for month in (1, 2):  # months 6 and 12
        assert exo["efficacy"][month]["consensus"]["mean"] > prp["efficacy"][month]["consensus"]["mean"]
        assert exo["efficacy"][month]["consensus"]["mean"] > micro["efficacy"][month]["consensus"]["mean"]
    # beyond chance at month 12: the intervals do not overlap
    assert exo["efficacy"][2]["consensus"]["low"] > micro["efficacy"][2]["consensus"]["high"]
    # exosomes improve sooner: half the arm within follow-up, earlier than microneedling, whose median
    # may lie beyond its follow-up ("not reached", None: later than any month observed)
    exo_median, micro_median = (arm["time_to_improvement"]["median_months"] for arm in (exo, micro))
    assert exo_median is not None
    assert micro_median is None or exo_median < micro_median
    doses = {d["sessions"]: d["consensus"] for d in exo["dose_response"] if not d["consensus"]["suppressed"]}
    assert doses[max(doses)]["mean"] > doses[min(doses)]["mean"]  # more sessions, more response
    assert [(s["lot_number"], s["kind"]) for s in body["lot_signals"]] == [(WORSE_LOT, "moderate_or_worse")]
    assert all(not a["suppressed"] for a in body["arms"])
    # the demo's own patients (no research consent) do not count
    assert await Patient.filter(clinic=clinic, consent_research=False).count() == 2


@pytest.mark.today("2026-06-15")
async def test_the_demo_cohorts_outcome_figures_equal_a_recomputation_from_its_rounds_scores(client, world, app):
    """Every consensus of the cohort comes from a real closed round over photos in the store: the
    outcomes page's month 3/6/12 means equal the raters' scores recomputed here (median of the
    raters per pair, median over views per patient and month, mean per arm)."""
    import numpy as np

    from backend.outcomes.demo import ROUND_NAME, VIEWS
    from backend.photos.keys import rendition_key
    from backend.photos.models import Photo
    from backend.ratings.models import RatingPair, RatingRound, RatingScore

    clinic = await Clinic.get(id=world.ids["clinic_x"])
    await seed_outcomes_cohort(clinic, store=app.state.store)
    rnd = await RatingRound.get(clinic_id=clinic.id, name=ROUND_NAME)
    assert rnd.status == "closed" and rnd.agreement_pairs > 100 and rnd.agreement_alpha is not None
    pairs = await RatingPair.filter(round_id=rnd.id).select_related("followup_photo", "baseline_photo", "patient")
    assert len(pairs) > 1000
    for pair in pairs[:: len(pairs) // 20]:  # photos a newcomer can open: ready, in the store
        for photo in (pair.baseline_photo, pair.followup_photo):
            assert photo.status == "ready"
            assert await app.state.store.read(rendition_key(photo.storage_token, "preview"), max_bytes=10**6) is not None
    assert await Photo.filter(patient__record_number__startswith="RC-").count() >= len(pairs)

    by_pair: dict = {}
    for pair_id, value in await RatingScore.filter(pair__round_id=rnd.id, current=True, repeat=False).values_list("pair_id", "score"):
        by_pair.setdefault(pair_id, []).append(value)
    assert {len(v) for v in by_pair.values()} == {2}  # two raters scored every pair
    months: dict = {}
    for pair in pairs:
        months.setdefault((pair.patient.treatment, pair.patient_id, pair.month), []).append(float(np.median(by_pair[pair.id])))
    body = (await client.get("/outcomes", headers=world.headers("clinician_x"))).json()
    for arm in body["arms"]:
        for cell in arm["efficacy"]:
            values = [float(np.median(v)) for (a, _, m), v in months.items() if a == arm["arm"] and m == cell["month"]]
            assert len(values) <= len(VIEWS) * 200
            assert cell["consensus"]["n"] == len(values)
            assert cell["consensus"]["mean"] == pytest.approx(float(np.mean(values)), abs=1e-9)
