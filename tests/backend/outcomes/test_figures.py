"""Every figure of GET /outcomes recomputed from the raw rows (tests/backend/outcomes/reference.py,
scipy/statsmodels/lifelines on the patients' own values) and compared; the statement count shows
the work is set-based."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from backend.db import QueryCounter
from backend.patients.models import Patient
from tests.backend.outcomes import reference
from tests.backend.outcomes.cohort import build

APPROX = {"rel": 1e-9, "abs": 1e-9}


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-9)


HIDDEN = {"suppressed": True, "n": None, "mean": None, "low": None, "high": None}


def check_estimate(cell: dict, values: list[float]) -> None:
    """A figure from fewer than 5 patients is hidden; any other matches the recomputation, or is
    hidden whole (complementary suppression: tests/backend/disclosure checks it is needed)."""
    if len(values) < 5 or cell == HIDDEN:
        assert cell == HIDDEN
        return
    n, mean, low, high = reference.mean_ci(values)
    assert cell["n"] == n and not cell["suppressed"]
    assert close(cell["mean"], mean) and close(cell["low"], low) and close(cell["high"], high), (cell, values)


def check_share(cell: dict, events: int, n: int, patients: int, *, exact: bool) -> None:
    if patients < 5 or cell["suppressed"]:
        assert cell["suppressed"] is True and cell["share"] is None and cell["n"] is None
        return
    share, low, high = (reference.exact if exact else reference.wilson)(events, n)
    assert (cell["events"], cell["n"], cell["patients"]) == (events, n, patients)
    assert close(cell["share"], share) and close(cell["low"], low) and close(cell["high"], high), cell


@pytest.fixture
async def clinic(client, world):
    cohort = await build(world.ids["clinic_x"])
    return cohort


async def _outcomes(client, world, **params) -> dict:
    answer = await client.get("/outcomes", params=params, headers=world.headers("clinician_x"))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_every_figure_matches_a_recomputation_from_the_raw_rows(client, world, clinic):
    body = await _outcomes(client, world)
    raw = await reference.load(world.ids["clinic_x"])
    today = datetime.now(UTC).date()
    # the three-patient arm is hidden, so the total would give it away: it is hidden too
    assert len(raw.patients) == len(clinic.consenting)  # the world's A and B have no research consent
    assert body["patients"] is None
    arms = {a["arm"]: a for a in body["arms"]}
    assert sum(a["patients"] or 0 for a in arms.values()) == len(raw.patients) - 3
    assert set(arms) == {"exosomes", "prp", "microneedling"}
    for arm in ("exosomes", "prp"):
        figure = arms[arm]
        members = [p for p in raw.patients.values() if p.treatment == arm]
        sessions = reference.arm_sessions(raw, arm)
        treated = {s.patient_id for s in sessions}
        assert (figure["patients"], figure["sessions_given"], figure["patients_treated"]) == (len(members), len(sessions), len(treated))
        due, done, could, dropped = reference.follow_up(raw, arm, today)
        check_share(figure["follow_up_kept"], done, due, len(members), exact=False)
        check_share(figure["dropped_out"], dropped, could, could, exact=False)
        for cell in figure["efficacy"]:
            values = reference.efficacy(raw, arm, cell["month"])
            check_estimate(cell["consensus"], values)
            check_share(cell["improved"], sum(v >= 1 for v in values), len(values), len(values), exact=False)
        doses = reference.dose(raw, arm)
        assert [c["sessions"] for c in figure["dose_response"]] == ([0] if 0 in doses else []) + [1, 2, 3, 4, 5]
        for cell in figure["dose_response"]:
            values = doses.get(cell["sessions"], [])
            check_estimate(cell["consensus"], values)
            check_share(cell["improved"], sum(v >= 1 for v in values), len(values), len(values), exact=False)
        km = reference.kaplan_meier(raw, arm)
        curve = figure["time_to_improvement"]
        assert curve["n"] == int(km.event_table["at_risk"].iloc[0])
        improved = int(km.event_table["observed"].sum())
        if curve["improved"] is None:  # disclosure control hid the total: those after the curve stops would follow from it
            assert sum(step["improved"] for step in curve["curve"]) < improved
        else:
            assert curve["improved"] == improved
        median = km.median_survival_time_
        assert close(curve["median_months"], None if not np.isfinite(median) else float(median))
        ci = km.confidence_interval_survival_function_
        for point in curve["curve"]:
            assert close(point["share_improved"], 1 - float(km.survival_function_.loc[point["month"]].iloc[0]))
            assert close(point["low"], 1 - float(ci.loc[point["month"]].iloc[1]))
            assert close(point["high"], 1 - float(ci.loc[point["month"]].iloc[0]))
            assert point["at_risk"] == int(km.event_table.loc[point["month"], "at_risk"])
        counts = reference.harm(raw, sessions)
        harm = figure["harm"]
        assert (harm["sessions"], harm["patients"]) == (counts["sessions"], len(treated))
        for key, column in (("any", "any"), ("moderate_or_worse", "moderate"), ("serious", "serious"), ("late", "late")):
            check_share(harm[key], counts[column], counts["sessions"], len(treated), exact=True)
        felt = reference.symptom_sessions(raw, arm)
        assert {s["symptom"] for s in figure["symptoms"]} == set(felt)
        for summary in figure["symptoms"]:
            found = felt[summary["symptom"]]
            patients = len({pid for _, _, pid in found})
            if patients < 5:
                assert summary["suppressed"] and summary["onset_median_days"] is None
                continue
            check_share(summary["sessions"], len(found), len(sessions), len(treated), exact=True)
            assert summary["onset_median_days"] == float(np.median([o for o, _, _ in found]))
            assert summary["reported_median_days"] == float(np.median([d for _, d, _ in found]))
        for cell in figure["questionnaire"]:
            change, growth = reference.questionnaire(raw, arm, cell["month"])
            check_estimate(cell["satisfaction_change"], change)
            check_estimate(cell["growth"], growth)
        # the cohort is built so that each of these has numbers to compare, not only suppressed cells
        assert not figure["time_to_improvement"]["suppressed"] and not harm["suppressed"]
        assert any(not c["consensus"]["suppressed"] for c in figure["efficacy"])
        assert any(not c["consensus"]["suppressed"] for c in figure["dose_response"])
        assert any(not s["suppressed"] for s in figure["symptoms"])
        assert any(not c["growth"]["suppressed"] for c in figure["questionnaire"])
        grades = {}
        for p in members:
            key = f"{p.grade_scale}:{p.grade}" if p.grade_scale else "none"
            grades[key] = grades.get(key, 0) + 1
        for cell in figure["baseline_mix"]["grade"]:
            n = grades.get(cell["key"], 0)
            assert cell["patients"] in ((None,) if 0 < n < 5 else (n, None)), cell


async def test_an_arm_under_five_patients_shows_no_numbers(client, world, clinic):
    body = await _outcomes(client, world)
    small = next(a for a in body["arms"] if a["arm"] == "microneedling")
    assert small["suppressed"] and small["patients"] is None and small["sessions_given"] is None
    assert small["harm"]["suppressed"] and small["harm"]["any"]["share"] is None
    assert all(c["consensus"]["suppressed"] and c["consensus"]["mean"] is None for c in small["efficacy"])
    assert small["time_to_improvement"] == {"suppressed": True, "n": None, "improved": None, "median_months": None, "curve": []}


def matches(body: dict, expected: int) -> bool:
    """The count shown for a filter: too few under 10, hidden when a hidden arm would follow from it."""
    if expected < 10:
        return body["too_few_patients"] is True and body["patients"] is None and body["arms"] == []
    if body["patients"] is None:  # a hidden arm, or the patients left out by the filter, would follow from it
        return any(a["suppressed"] for a in body["arms"]) or bool(body["filters"])
    return body["patients"] == expected


async def test_filters_narrow_the_patients_counted(client, world, clinic):
    raw = await reference.load(world.ids["clinic_x"])
    females = [p for p in raw.patients.values() if p.sex == "female"]
    body = await _outcomes(client, world, sex="female")
    assert matches(body, len(females)) and body["filters"] == {"sex": "female"}
    body = await _outcomes(client, world, arm="prp", diagnosis="androgenetic_alopecia")
    assert [a["arm"] for a in body["arms"]] == ["prp"]
    assert matches(body, sum(1 for p in raw.patients.values() if p.treatment == "prp" and p.diagnosis == "androgenetic_alopecia"))
    some = next(p for p in raw.patients.values() if p.grade_scale == "norwood_hamilton")
    body = await _outcomes(client, world, grade=f"norwood_hamilton:{some.grade}")
    assert matches(body, sum(1 for p in raw.patients.values() if p.grade_scale == "norwood_hamilton" and p.grade == some.grade))
    baseline = sorted(p.baseline_date for p in raw.patients.values())[len(raw.patients) // 2]
    body = await _outcomes(client, world, baseline_from=baseline.isoformat())
    assert matches(body, sum(1 for p in raw.patients.values() if p.baseline_date >= baseline))
    body = await _outcomes(client, world, baseline_to=baseline.isoformat(), product="exocell 5b")
    given = {s.patient_id for s in raw.sessions if s.product == "ExoCell 5B"}
    assert matches(body, sum(1 for p in raw.patients.values() if p.baseline_date <= baseline and p.id in given))
    body = await _outcomes(client, world, age_band="40_49")
    assert matches(body, sum(
        1 for p in raw.patients.values() if p.birth_year and 40 <= p.baseline_date.year - p.birth_year <= 49
    ))
    body = await _outcomes(client, world, age_band="unknown")
    assert matches(body, sum(1 for p in raw.patients.values() if p.birth_year is None))
    # a filtered efficacy figure matches the recomputation over the same patients
    exo = await reference.load(world.ids["clinic_x"], keep=lambda p: p.sex in ("male",))
    body = await _outcomes(client, world, sex="male")
    for arm in body["arms"]:
        if not arm["suppressed"]:
            check_estimate(arm["efficacy"][1]["consensus"], reference.efficacy(exo, arm["arm"], 6))


async def test_outcomes_are_set_based_and_audited(client, world, clinic):
    from backend.audit.models import AuditEvent

    with QueryCounter() as queries:
        await _outcomes(client, world)
    outcome_statements = [s for s in queries.statements if "cohort AS" in s]
    assert len(outcome_statements) == 5
    assert await AuditEvent.filter(action="outcomes.view").count() == 1


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"arm": "leeches"}, "filter_value_unknown"),
        ({"sex": "f"}, "filter_value_unknown"),
        ({"diagnosis": "baldness"}, "filter_value_unknown"),
        ({"age_band": "20_29"}, "filter_value_unknown"),
        ({"grade": "ludwig:5"}, "grade_off_scale"),
        ({"grade": "norwood"}, "grade_off_scale"),
        ({"baseline_from": "2026-13-01"}, "filter_value_unknown"),
        ({"baseline_from": "2026-05-01", "baseline_to": "2026-04-01"}, "date_range_backwards"),
        ({"product": "x" * 300}, "validation_failed"),
    ],
)
async def test_bad_filters_are_refused_with_a_stable_code(client, world, params, code):
    answer = await client.get("/outcomes", params=params, headers=world.headers("clinician_x"))
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code


async def test_the_front_desk_and_patients_cannot_see_outcomes(client, world):
    assert (await client.get("/outcomes", headers=world.headers("desk_x"))).status_code == 403
    assert (await client.get("/outcomes", headers=world.headers("patient_a"))).status_code == 403


async def test_withdrawn_research_consent_leaves_every_figure(client, world, clinic):
    before = await _outcomes(client, world)
    leaving = clinic.by_arm["exosomes"][:4]
    for pid in leaving:
        answer = await client.patch(f"/patients/{pid}", json={"consent": {"care": True, "research": False}}, headers=world.headers("staff_x"))
        assert answer.status_code == 200
    after = await _outcomes(client, world)
    assert sum(a["patients"] or 0 for a in after["arms"]) == sum(a["patients"] or 0 for a in before["arms"]) - 4
    raw = await reference.load(world.ids["clinic_x"])
    assert not set(leaving) & set(raw.patients)
    exo = next(a for a in after["arms"] if a["arm"] == "exosomes")
    assert exo["patients"] == sum(1 for p in raw.patients.values() if p.treatment == "exosomes")
    check_estimate(exo["efficacy"][1]["consensus"], reference.efficacy(raw, "exosomes", 6))
    counts = reference.harm(raw, reference.arm_sessions(raw, "exosomes"))
    assert exo["harm"]["sessions"] == counts["sessions"]
    assert not await Patient.filter(id__in=leaving, consent_research=True).exists()
