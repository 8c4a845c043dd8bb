"""Every outcome figure recomputed straight from the raw rows, patient by patient, with scipy,
statsmodels and lifelines called here on the patients' own values. Independent of
backend/outcomes (no import from it): the tests compare the two."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import scipy.stats
from lifelines import KaplanMeierFitter
from statsmodels.stats.proportion import proportion_confint

from backend.checkins.models import CheckIn
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from backend.ratings.models import RatingConsensus, RatingRound
from backend.reports.models import QuestionnaireAnswer, QuestionnaireResponse, SideEffectReport, SideEffectSymptom
from shared.schedule import checkin_due_on


@dataclass
class Raw:
    patients: dict[uuid.UUID, Patient]
    sessions: list[InjectionSession]
    reports: list[SideEffectReport]
    symptoms: list[SideEffectSymptom]
    checkins: list[CheckIn]
    consensus: dict[uuid.UUID, dict[int, float]]  # patient -> month -> median over views (newest round)
    views_rated: dict[uuid.UUID, dict[int, int]]
    answers: dict[uuid.UUID, dict[int, dict[str, int]]]


async def load(clinic_id: uuid.UUID, keep=lambda p: True) -> Raw:
    patients = {
        p.id: p for p in await Patient.filter(clinic_id=clinic_id, consent_research=True) if keep(p)
    }
    ids = list(patients)
    rounds = {r.id: r.created_at for r in await RatingRound.filter(clinic_id=clinic_id)}
    newest: dict[tuple[uuid.UUID, str, int], RatingConsensus] = {}
    for row in await RatingConsensus.filter(patient_id__in=ids):
        key = (row.patient_id, row.view, row.month)  # type: ignore[attr-defined]
        if key not in newest or rounds[row.round_id] > rounds[newest[key].round_id]:  # type: ignore[attr-defined]
            newest[key] = row
    per_view: dict[uuid.UUID, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for (pid, _, month), row in newest.items():
        per_view[pid][month].append(row.score)
    consensus = {pid: {m: float(np.median(v)) for m, v in months.items()} for pid, months in per_view.items()}
    views = {pid: {m: len(v) for m, v in months.items()} for pid, months in per_view.items()}
    answers: dict[uuid.UUID, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    responses = {r.id: r for r in await QuestionnaireResponse.filter(patient_id__in=ids)}
    for a in await QuestionnaireAnswer.filter(response_id__in=list(responses)):
        r = responses[a.response_id]  # type: ignore[attr-defined]
        answers[r.patient_id][r.occasion_month][a.question] = a.value  # type: ignore[attr-defined]
    reports = await SideEffectReport.filter(patient_id__in=ids)
    return Raw(
        patients=patients,
        sessions=await InjectionSession.filter(patient_id__in=ids, status="done"),
        reports=reports,
        symptoms=await SideEffectSymptom.filter(report_id__in=[r.id for r in reports]),
        checkins=await CheckIn.filter(patient_id__in=ids),
        consensus=consensus,
        views_rated=views,
        answers=answers,
    )


def arm_of(raw: Raw, pid: uuid.UUID) -> str:
    return str(raw.patients[pid].treatment)


def mean_ci(values: list[float]) -> tuple[int, float, float | None, float | None]:
    n = len(values)
    mean = float(np.mean(values))
    if n < 2:
        return n, mean, None, None
    low, high = scipy.stats.t.interval(0.95, n - 1, loc=mean, scale=scipy.stats.sem(values))
    return n, mean, float(low), float(high)


def wilson(events: int, n: int) -> tuple[float, float, float]:
    low, high = proportion_confint(events, n, alpha=0.05, method="wilson")
    return events / n, float(low), float(high)


def exact(events: int, n: int) -> tuple[float, float, float]:
    ci = scipy.stats.binomtest(events, n).proportion_ci(confidence_level=0.95, method="exact")
    return events / n, float(ci.low), float(ci.high)


def efficacy(raw: Raw, arm: str, month: int) -> list[float]:
    return [m[month] for pid, m in raw.consensus.items() if arm_of(raw, pid) == arm and month in m]


def _given_day(session: InjectionSession) -> date:
    return (session.performed_at or session.scheduled_at).date()


def dose(raw: Raw, arm: str) -> dict[int, list[float]]:
    counts: dict[uuid.UUID, int] = defaultdict(int)
    for s in raw.sessions:
        p = raw.patients[s.patient_id]  # type: ignore[attr-defined]
        if (_given_day(s) - p.baseline_date).days <= 183:
            counts[p.id] += 1
    out: dict[int, list[float]] = defaultdict(list)
    for pid, months in raw.consensus.items():
        if arm_of(raw, pid) == arm and 6 in months:
            out[min(counts[pid], 5)].append(months[6])
    return out


def kaplan_meier(raw: Raw, arm: str) -> KaplanMeierFitter:
    durations, events = [], []
    for pid, months in raw.consensus.items():
        follow = {m: v for m, v in months.items() if m > 0}
        if arm_of(raw, pid) != arm or not follow:
            continue
        improved = [m for m, v in follow.items() if v >= 1]
        durations.append(min(improved) if improved else max(follow))
        events.append(1 if improved else 0)
    return KaplanMeierFitter(alpha=0.05).fit(durations, events)


def harm(raw: Raw, sessions: list[InjectionSession]) -> dict[str, int]:
    by_session = defaultdict(list)
    for r in raw.reports:
        by_session[r.injection_session_id].append(r)  # type: ignore[attr-defined]
    counts = {"sessions": len(sessions), "any": 0, "moderate": 0, "serious": 0, "late": 0}
    for s in sessions:
        found = by_session.get(s.id, [])
        felt = [r for r in found if r.max_severity >= 1 or r.needed_medical_care]
        counts["any"] += bool(felt)
        counts["moderate"] += any(r.max_severity >= 2 or r.serious for r in found)
        counts["serious"] += any(r.serious for r in found)
        counts["late"] += any((r.started_on - _given_day(s)).days > 30 for r in felt)
    return counts


def arm_sessions(raw: Raw, arm: str) -> list[InjectionSession]:
    return [s for s in raw.sessions if arm_of(raw, s.patient_id) == arm]  # type: ignore[attr-defined]


def months_due(baseline: date, today: date) -> int:
    """Check-in months whose window has closed (due date + 7 days on or before today), baseline included."""
    months = 0
    while checkin_due_on(baseline, months) + timedelta(days=7) <= today:
        months += 1
    return months


def follow_up(raw: Raw, arm: str, today: date) -> tuple[int, int, int, int]:
    """(check-ins due, done, patients who could drop out, dropped out)."""
    due_total = done_total = could = dropped = 0
    complete = defaultdict(set)
    for c in raw.checkins:
        if c.status == "complete":
            complete[c.patient_id].add(c.month)  # type: ignore[attr-defined]
    for pid, p in raw.patients.items():
        if str(p.treatment) != arm:
            continue
        due = months_due(p.baseline_date, today)
        done = {m for m in complete[pid] if m < due}
        due_total += due
        done_total += len(done)
        if due >= 3:
            could += 1
            dropped += (due - 1) not in done and (due - 2) not in done
    return due_total, done_total, could, dropped


def symptom_sessions(raw: Raw, arm: str) -> dict[str, list[tuple[int, int, uuid.UUID]]]:
    """symptom -> [(onset days, reported-for days, patient)] per session it was felt after."""
    reports = {r.id: r for r in raw.reports}
    sessions = {s.id: s for s in arm_sessions(raw, arm)}
    felt: dict[tuple[uuid.UUID, str], list[SideEffectReport]] = defaultdict(list)
    for sy in raw.symptoms:
        report = reports[sy.report_id]  # type: ignore[attr-defined]
        if sy.severity >= 1 and report.injection_session_id in sessions:  # type: ignore[attr-defined]
            felt[(report.injection_session_id, sy.symptom)].append(report)  # type: ignore[attr-defined]
    out: dict[str, list[tuple[int, int, uuid.UUID]]] = defaultdict(list)
    for (session_id, symptom), found in felt.items():
        start = min(r.started_on for r in found)
        onset = (start - _given_day(sessions[session_id])).days
        lasted = max(0, (max(r.submitted_at.date() for r in found) - start).days)
        out[symptom].append((onset, lasted, sessions[session_id].patient_id))  # type: ignore[attr-defined]
    return out


def questionnaire(raw: Raw, arm: str, month: int) -> tuple[list[int], list[int]]:
    change, growth = [], []
    for pid, by_month in raw.answers.items():
        if arm_of(raw, pid) != arm or month not in by_month:
            continue
        now = by_month[month]
        if "appearance" in now and "appearance" in by_month.get(0, {}):
            change.append(now["appearance"] - by_month[0]["appearance"])
        if "growth" in now:
            growth.append(now["growth"])
    return change, growth
