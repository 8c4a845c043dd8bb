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
