"""The demo's planted long-term patterns show up in the API and on the durability page: the PRP
effect fades after the course while the exosome effect holds, and ExoCell 5B gives late reactions."""

from __future__ import annotations

import re
from datetime import date

import pytest

from backend.audit.models import AuditEvent
from backend.clinics.models import Clinic
from backend.longterm.demo import ARMS, seed_longterm_cohort

TODAY = date(2026, 6, 15)


@pytest.mark.today("2026-06-15")
async def test_the_planted_fading_and_late_reaction_show_up_in_the_api_and_on_the_page(client, world, browser):
    clinic = await Clinic.get(id=world.ids["clinic_x"])
    assert await seed_longterm_cohort(clinic, today=TODAY) == sum(spec[0] for spec in ARMS.values())
    assert await seed_longterm_cohort(clinic, today=TODAY) == 0  # once only

    got = await client.get("/outcomes/durability", headers=world.headers("staff_x"))
    assert got.status_code == 200, got.text
    result = got.json()
    arms = {a["arm"]: a for a in result["arms"]}
    prp, exo = arms["prp"], arms["exosomes"]
    prp12 = next(p for p in prp["durability"] if p["months_after"] == 12)
    exo12 = next(p for p in exo["durability"] if p["months_after"] == 12)
    assert not prp12["suppressed"] and not exo12["suppressed"]
    # fading: PRP loses more than a point a year on; exosomes hold within a few tenths
    assert prp12["change"] < -1.0 and prp12["high"] < 0
    assert exo12["change"] > -0.5
    assert prp12["still_improved"]["share"] < 0.4 < exo12["still_improved"]["share"]
    assert prp["loss_of_effect"]["median_months"] is not None and prp["loss_of_effect"]["median_months"] < 9
    # exosome courses rarely lose it: fewer than 5 (hidden by disclosure control) or far fewer than PRP's
    assert exo["loss_of_effect"]["suppressed"] or exo["loss_of_effect"]["lost"] < prp["loss_of_effect"]["lost"] / 3
    assert prp["loss_of_effect"]["lost"] >= 20
    # the late reaction: ExoCell 5B's late rate is several times the PRP kit's, beyond chance
    products = {p["product"]: p for p in result["products"]}
    exocell, kit = products["ExoCell 5B"]["any_late"], products["Regen PRP kit"]["any_late"]
    assert exocell["per_100"] > 2.5 * kit["per_100"] and exocell["low"] > kit["per_100"]
    # stop reasons reach the figures: PRP patients who stop saw no change
    reasons = {c["reason"]: c["share"] for c in prp["stop_reasons"]}
    assert prp["stop_reasons_recorded"] >= 5 and not reasons["no_visible_change"]["suppressed"]
    assert reasons["no_visible_change"]["events"] >= 5
    assert await AuditEvent.filter(action="outcomes.durability.view").count() == 1

    staff = await browser("clinician@x.example")
    page = await staff.get("/dashboard/outcomes/durability")
    assert page.status_code == 200
    row = re.search(r'<tr id="durability-prp-12">.*?</tr>', page.text, re.S).group(0)
    assert f'{prp12["change"]:+.2f}' in row
    assert re.search(r'<tr data-product="ExoCell 5B">.*?' + re.escape(f'{exocell["per_100"]:.1f}'), page.text, re.S)
    assert "Lost: a course improved (+1 or better)" in page.text and "not a randomized trial" in page.text
    outcomes = await staff.get("/dashboard/outcomes")
    assert 'href="/dashboard/outcomes/durability"' in outcomes.text


async def test_a_small_filtered_population_answers_only_too_few(client, world):
    got = await client.get("/outcomes/durability", headers=world.headers("staff_x"))
    assert got.status_code == 200 and got.json()["too_few"] == "Too few patients for this filter" and got.json()["arms"] == []
