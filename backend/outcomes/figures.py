"""From the SQL aggregates to the figures of the outcomes page. Figures come out whole here (only an
empty cell has no numbers); which of them may be shown is decided by the disclosure layer over
the whole answer (backend/outcomes/disclosure.py), never cell by cell."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from backend.outcomes import sql, statistics
from shared.contract.outcomes import (
    MIN_PATIENTS,
    BaselineMix,
    DoseCell,
    Estimate,
    HarmRates,
    MixCell,
    MonthEfficacy,
    QuestionnaireChange,
    Share,
    SurvivalPoint,
    SymptomSummary,
    TimeToImprovement,
)
from shared.hair_loss import AGE_BAND_LABELS, DIAGNOSIS_LABELS, SEX_LABELS, AgeBand, all_grades
from shared.symptoms import SYMPTOMS


def too_few(patients: int | None) -> bool:
    """Nothing to compute from (the disclosure layer hides the small ones)."""
    return patients is None or patients <= 0


def estimate(values: list[float], counts: list[int]) -> Estimate:
    result = statistics.mean_t_interval(values, counts)
    if too_few(result.n):
        return Estimate(suppressed=True)
    return Estimate(suppressed=False, n=result.n, mean=result.mean, low=result.low, high=result.high)


def share(events: int, n: int, patients: int, *, exact: bool) -> Share:
    if too_few(patients):
        return Share(suppressed=True)
    result = statistics.proportion_exact(events, n) if exact else statistics.proportion_wilson(events, n)
    return Share(
        suppressed=False, n=n, patients=patients, events=events, share=result.share, low=result.low, high=result.high
    )


def improved_share(values: list[float], counts: list[int]) -> Share:
    n = sum(counts)
    events = sum(c for v, c in zip(values, counts) if v >= sql.IMPROVED_AT)
    return share(events, n, n, exact=False)


def _distribution(rows: Iterable[dict[str, Any]]) -> tuple[list[float], list[int]]:
    values, counts = [], []
    for row in rows:
        values.append(float(row["value"]))
        counts.append(int(row["patients"]))
    return values, counts


def efficacy(rows: list[dict[str, Any]]) -> list[MonthEfficacy]:
    by_month: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_month[int(row["a"])].append(row)
    out = []
    for month in sql.EFFICACY_MONTHS:
        values, counts = _distribution(by_month.get(month, []))
        out.append(MonthEfficacy(month=month, consensus=estimate(values, counts), improved=improved_share(values, counts)))
    return out


def dose_response(rows: list[dict[str, Any]]) -> list[DoseCell]:
    by_bucket: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_bucket[int(row["a"])].append(row)
    out = []
    for bucket in range(0, sql.SESSION_BUCKET_TOP + 1):
        if bucket == 0 and bucket not in by_bucket:
            continue  # "no session by month 6" only when someone is in it
        values, counts = _distribution(by_bucket.get(bucket, []))
        label = "none" if bucket == 0 else f"{bucket}+" if bucket == sql.SESSION_BUCKET_TOP else str(bucket)
        out.append(
            DoseCell(sessions=bucket, label=label, consensus=estimate(values, counts), improved=improved_share(values, counts))
        )
    return out


def time_to_improvement(rows: list[dict[str, Any]]) -> TimeToImprovement:
    durations = [int(r["a"]) for r in rows]
    events = [int(r["b"]) for r in rows]
    counts = [int(r["patients"]) for r in rows]
    if too_few(sum(counts)):
        return TimeToImprovement(suppressed=True)
    result = statistics.kaplan_meier(durations, events, counts)
    return TimeToImprovement(
        suppressed=False, n=result.n, improved=result.events, median_months=result.median_months,
        curve=[
            SurvivalPoint(
                month=s.month, at_risk=s.at_risk, improved=s.improved, censored=s.censored,
                share_improved=s.share_improved, low=s.low, high=s.high,
            )
            for s in result.steps
        ],
    )


def harm(rows: list[dict[str, Any]], patients: int) -> HarmRates:
    """Rates per session from harm rows (summed); `patients` are those behind the sessions."""
    sessions = sum(int(r["sessions"]) for r in rows)
    if too_few(patients):
        blank = Share(suppressed=True)
        return HarmRates(suppressed=True, any=blank, moderate_or_worse=blank, serious=blank, late=blank)

    columns = ("with_any", "with_moderate", "with_serious", "with_late")
    intervals = statistics.proportions_exact([sum(int(r[c]) for r in rows) for c in columns], sessions)
    any_, moderate, serious, late = (
        Share(suppressed=False, n=i.n, patients=patients, events=i.events, share=i.share, low=i.low, high=i.high)
        for i in intervals
    )
    return HarmRates(
        suppressed=False, sessions=sessions, patients=patients, any=any_, moderate_or_worse=moderate,
        serious=serious, late=late,
    )


def symptoms(
    rows: list[dict[str, Any]], sessions: int, patients_treated: int, threshold: int = MIN_PATIENTS
) -> list[SymptomSummary]:
    """The symptoms felt after the arm's sessions, most common first; a symptom felt by fewer
    than `threshold` patients is listed without numbers (the count relates to nothing else shown,
    so primary suppression is all it needs)."""
    timing: dict[str, list[dict[str, Any]]] = defaultdict(list)
    totals: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["kind"] == "total":
            totals[row["symptom"]] = row
        else:
            timing[row["symptom"]].append(row)
    labels = {s.id.value: s.label for s in SYMPTOMS}
    out = []
    for symptom, total in totals.items():
        felt, felt_by = int(total["sessions"]), int(total["patients"])
        label = labels.get(symptom, symptom)
        if patients_treated < threshold or felt_by < threshold:
            out.append(SymptomSummary(symptom=symptom, label=label, suppressed=True, sessions=Share(suppressed=True)))
            continue
        found = timing[symptom]
        weights = [int(r["sessions"]) for r in found]
        out.append(
            SymptomSummary(
                symptom=symptom, label=label, suppressed=False,
                sessions=share(felt, sessions, patients_treated, exact=True),
                onset_median_days=statistics.weighted_median([float(r["onset_days"]) for r in found], weights),
                reported_median_days=statistics.weighted_median([float(r["reported_days"]) for r in found], weights),
            )
        )
    out.sort(key=lambda s: (s.suppressed, -(s.sessions.events or 0), s.label))
    return out


def questionnaire(rows: list[dict[str, Any]]) -> list[QuestionnaireChange]:
    grouped: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[(int(row["month"]), row["question"])].append(row)
    out = []
    for month in sql.QUESTIONNAIRE_MONTHS:
        satisfaction = _distribution(grouped.get((month, sql.SATISFACTION_QUESTION), []))
        growth = _distribution(grouped.get((month, sql.GROWTH_QUESTION), []))
        out.append(
            QuestionnaireChange(month=month, satisfaction_change=estimate(*satisfaction), growth=estimate(*growth))
        )
    return out


def _cells(counts: dict[str, int], labels: dict[str, str]) -> list[MixCell]:
    out = []
    for key, label in labels.items():
        n = counts.get(key, 0)
        out.append(MixCell(key=key, label=label, patients=n, suppressed=False))
    return out


def _grade_key(row: dict[str, Any]) -> str:
    if row["grade_scale"] and row["grade"] is not None:
        return f"{row['grade_scale']}:{int(row['grade'])}"
    return "none"


def baseline_mix(rows: list[dict[str, Any]]) -> BaselineMix:
    tallies: dict[str, dict[str, int]] = {"grade": defaultdict(int), "age": defaultdict(int), "sex": defaultdict(int), "diagnosis": defaultdict(int)}
    for row in rows:
        n = int(row["patients"])
        tallies["grade"][_grade_key(row)] += n
        tallies["age"][row["age_band"]] += n
        tallies["sex"][row["sex"]] += n
        tallies["diagnosis"][row["diagnosis"] or "none"] += n
    grade_labels = {g.key: g.label for g in all_grades()} | {"none": "Not graded"}
    return BaselineMix(
        grade=_cells(tallies["grade"], grade_labels),
        age_band=_cells(tallies["age"], {b.value: AGE_BAND_LABELS[b] for b in AgeBand}),
        sex=_cells(tallies["sex"], {s.value: label for s, label in SEX_LABELS.items()}),
        diagnosis=_cells(tallies["diagnosis"], {d.value: label for d, label in DIAGNOSIS_LABELS.items()} | {"none": "Not recorded"}),
    )
