"""Durability: does the effect last after a course's last session, what appears months later, and
why patients stop, per arm, from the patients' histories (queries.py). Pure functions over those
histories; `disclosure.disclose` decides what of the result may be shown.

Definitions (also on the page):
- courses as the clinic sets them (shared.long_term); a course has ended once its gap has passed
  with no session, or a new course began;
- the consensus "at" a day is that of the rated check-in nearest to it, within NEAR_DAYS days,
  before the course's follow-up ended;
- lost effect: a course improved (+1 or better) at its end whose consensus at a later rated
  check-in is under +1; the months from the course's last session to that check-in (Kaplan-Meier,
  censored at the last rated check-in still improved);
- late harm: side effects (mild or worse, or medical care) that started more than LATE_AFTER_DAYS
  after a course's last session, per 100 patient-months from then to the end of its follow-up
  (the next course, the patient's last contact, or today), exact Poisson interval;
- the drop-out bound is the outcomes page's: of patients with 3 or more check-ins due, those who
  missed the last two; stop reasons are each patient's newest.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from backend.longterm import statistics
from backend.longterm.queries import History
from backend.longterm.settings import Setting
from backend.outcomes import statistics as outcome_statistics
from backend.outcomes.sql import IMPROVED_AT, LATE_AFTER_DAYS
from shared import long_term as rules
from shared.contract.long_term import (
    ArmDurability,
    DurabilityPoint,
    IncidenceRate,
    LossCurvePoint,
    LossOfEffect,
    ProductLateHarm,
    StopReasonCount,
)
from shared.contract.outcomes import Share
from shared.contract.patients import Treatment
from shared.schedule import checkin_due_on

HORIZONS = rules.SAFETY_MONTHS_AFTER_COURSE  # 3, 6 and 12 months after a course's last session
CURVE_MONTHS = (3, 6, 9, 12, 18, 24)  # where the loss curve is read
NEAR_DAYS = 45
WINDOW_CLOSES_DAYS = 7

DEFINITIONS = {
    "course": "",  # filled with the clinic's rule
    "at_end": (
        f"The consensus at a course's end is that of the rated check-in nearest to its last session (within {NEAR_DAYS} "
        f"days); 3, 6 and 12 months after it, that of the rated check-in nearest to that day (within {NEAR_DAYS} days), "
        "while no new course has begun. Change = later less at the end, mean with its 95% t interval."
    ),
    "lost": (
        "Lost: a course improved (+1 or better) at its end whose consensus at a later rated check-in is under +1. "
        "Months from the course's last session to that check-in, Kaplan-Meier with 95% intervals, censored at the last "
        "rated check-in that was still improved."
    ),
    "late_harm": (
        f"Late harm: side effects (mild or worse, or medical care) that started more than {LATE_AFTER_DAYS} days after a "
        f"course's last session, per 100 patient-months from then to the end of the course's follow-up (a new course, the "
        "patient's last contact, or today), with the exact Poisson 95% interval. Serious: severe, or medical care."
    ),
    "drop_out": (
        "Dropped out: of patients with 3 or more check-ins due, those who missed the last two (as on the outcomes page). "
        "Stop reasons: each patient's newest, from their one-tap answer after a missed check-in or from the clinic."
    ),
}


@dataclass(frozen=True)
class EndedCourse:
    patient: str
    arm: str
    product: str
    course: rules.Course
    follow_until: date  # the end of its follow-up


@functools.lru_cache(maxsize=65536)
def _due(baseline_on: date, month: int) -> date:
    return checkin_due_on(baseline_on, month)


def _rated(history: History) -> list[tuple[date, float]]:
    """The rated check-ins' due days and consensus, oldest first (worked out once per history)."""
    if history.rated is None:
        history.rated = sorted((_due(history.baseline_on, m), v) for m, v in history.consensus.items())
    return history.rated


def value_near(rated: list[tuple[date, float]], day: date, before: date) -> tuple[date, float] | None:
    """The rated check-in nearest to `day` within NEAR_DAYS days, due before `before`."""
    near = [(abs((due - day).days), due, v) for due, v in rated if abs((due - day).days) <= NEAR_DAYS and due < before]
    if not near:
        return None
    _, due, value = min(near)
    return due, value


def last_contact(history: History) -> date | None:
    days = [*history.contacts, *(d for d, _ in history.sessions)]
    return max(days) if days else None


def ended_courses(histories: dict[str, History], setting: Setting, today: date) -> list[EndedCourse]:
    found = []
    for patient, history in histories.items():
        days = [d for d, _ in history.sessions if d <= today]
        products = dict(history.sessions)
        for course in rules.courses(days, setting.gap_months, setting.after_gap):
            if course.followed_until is None and not rules.gap_reached(course.last_on, today, setting.gap_months):
                continue  # still under way: the next session may belong to it
            until = course.followed_until or (today + timedelta(days=1))
            found.append(EndedCourse(patient, history.arm, products[course.last_on], course, min(until, today + timedelta(days=1))))
    return found


def durability_points(courses: Iterable[EndedCourse], histories: dict[str, History]) -> list[DurabilityPoint]:
    courses = list(courses)
    points = []
    for months in HORIZONS:
        ends, laters, patients = [], [], set()
        for c in courses:
            rated = _rated(histories[c.patient])
            end = value_near(rated, c.course.last_on, c.follow_until)
            later = value_near(rated, checkin_due_on(c.course.last_on, months), c.follow_until)
            if end is None or later is None or later[0] <= end[0]:
                continue
            ends.append(end[1])
            laters.append(later[1])
            patients.add(c.patient)
        change = outcome_statistics.mean_t_interval([b - a for a, b in zip(ends, laters)], [1] * len(ends))
        improved = [(a, b) for a, b in zip(ends, laters) if a >= IMPROVED_AT]
        kept = outcome_statistics.proportion_wilson(sum(1 for _, b in improved if b >= IMPROVED_AT), len(improved))
        points.append(DurabilityPoint(
            months_after=months, suppressed=False, courses=len(ends),
            at_end=sum(ends) / len(ends) if ends else None, later=sum(laters) / len(laters) if laters else None,
            change=change.mean, low=change.low, high=change.high,
            still_improved=Share(
                suppressed=False, n=kept.n, patients=kept.n, events=kept.events, share=kept.share, low=kept.low, high=kept.high
            ),
        ))
    return points


def loss_times(courses: Iterable[EndedCourse], histories: dict[str, History]) -> tuple[list[float], list[int]]:
    """(months from the course's last session, lost 1 / censored 0) of each course improved at its end."""
    durations, lost = [], []
    for c in courses:
        rated = _rated(histories[c.patient])
        end = value_near(rated, c.course.last_on, c.follow_until)
        if end is None or end[1] < IMPROVED_AT:
            continue
        later = [(due, v) for due, v in rated if end[0] < due < c.follow_until]
        if not later:
            continue
        drop = next(((due, v) for due, v in later if v < IMPROVED_AT), None)
        due = drop[0] if drop else later[-1][0]
        durations.append(rules.months_between(c.course.last_on, due))
        lost.append(1 if drop else 0)
    return durations, lost


def loss_of_effect(courses: Iterable[EndedCourse], histories: dict[str, History]) -> LossOfEffect:
    durations, lost = loss_times(courses, histories)
    curve = statistics.loss_kaplan_meier(durations, lost, CURVE_MONTHS)
    return LossOfEffect(
        suppressed=False, courses=curve.n, lost=curve.events, median_months=curve.median_months,
        curve=[LossCurvePoint(month=s.month, kept=s.kept, low=s.low, high=s.high, at_risk=s.at_risk) for s in curve.steps],
    )


def late_exposure(course: EndedCourse, history: History, today: date) -> tuple[float, int, int]:
    """(patient-months, late events, serious late events) after one ended course."""
    start = course.course.last_on + timedelta(days=LATE_AFTER_DAYS)
    contact = last_contact(history) or start
    stop = min(course.follow_until - timedelta(days=1), contact, today)
    if stop <= start:
        return 0.0, 0, 0
    late = [(d, serious) for d, serious in history.reports if start < d <= stop]
    return rules.months_between(start, stop), len(late), sum(1 for _, s in late if s)


def incidence(courses: Iterable[EndedCourse], histories: dict[str, History], today: date) -> tuple[IncidenceRate, IncidenceRate]:
    months = events = serious = 0.0
    patients = set()
    for c in courses:
        exposure, late, grave = late_exposure(c, histories[c.patient], today)
        if exposure > 0:
            patients.add(c.patient)
        months += exposure
        events += late
        serious += grave
    return _rate(int(events), months, len(patients)), _rate(int(serious), months, len(patients))


def _rate(events: int, months: float, patients: int) -> IncidenceRate:
    rate = statistics.poisson_rate_exact(events, months / 100)
    return IncidenceRate(
        suppressed=False, patients=patients, events=events, patient_months=round(months, 1),
        per_100=rate.rate, low=rate.low, high=rate.high,
    )


def months_due(baseline_on: date, today: date) -> int:
    """Check-ins whose window has closed, the baseline included (the outcomes page's count)."""
    month = 0
    while _due(baseline_on, month) + timedelta(days=WINDOW_CLOSES_DAYS) < today:
        month += 1
    return month


def dropped_out(histories: Iterable[History], today: date) -> Share:
    could = dropped = 0
    for h in histories:
        due = months_due(h.baseline_on, today)
        if due >= 3:
            could += 1
            dropped += int(due - 1 not in h.completed and due - 2 not in h.completed)
    result = outcome_statistics.proportion_wilson(dropped, could)
    return Share(suppressed=False, n=could, patients=could, events=dropped, share=result.share, low=result.low, high=result.high)


def stop_reasons(histories: Iterable[History]) -> tuple[list[StopReasonCount], int]:
    counts = Counter(h.stop_reason for h in histories if h.stop_reason)
    told = sum(counts.values())
    cells = []
    for reason in rules.StopReason:
        result = outcome_statistics.proportion_wilson(counts.get(reason.value, 0), told)
        cells.append(StopReasonCount(
            reason=reason, label=rules.STOP_REASON_LABELS[reason],
            share=Share(suppressed=False, n=told, patients=told, events=result.events, share=result.share,
                        low=result.low, high=result.high),
        ))
    return cells, told


def arms(histories: dict[str, History], setting: Setting, today: date, labels: dict[Treatment, str]) -> list[ArmDurability]:
    by_arm: dict[str, list[str]] = defaultdict(list)
    for patient, history in histories.items():
        by_arm[history.arm].append(patient)
    courses = ended_courses(histories, setting, today)
    result = []
    for arm in Treatment:
        members = by_arm.get(arm.value, [])
        if not members:
            continue
        mine = [c for c in courses if c.arm == arm.value]
        late, serious = incidence(mine, histories, today)
        reasons, told = stop_reasons(histories[p] for p in members)
        result.append(ArmDurability(
            arm=arm, label=labels[arm], suppressed=False, patients=len(members), courses_ended=len(mine),
            durability=durability_points(mine, histories), loss_of_effect=loss_of_effect(mine, histories),
            late_harm=late, serious_late_harm=serious, dropped_out=dropped_out((histories[p] for p in members), today),
            stop_reasons=reasons, stop_reasons_recorded=told,
        ))
    return result


def products(histories: dict[str, History], setting: Setting, today: date) -> list[ProductLateHarm]:
    by_product: dict[str, list[EndedCourse]] = defaultdict(list)
    for course in ended_courses(histories, setting, today):
        by_product[course.product].append(course)
    found = []
    for product in sorted(by_product, key=str.lower):
        late, serious = incidence(by_product[product], histories, today)
        found.append(ProductLateHarm(product=product, any_late=late, serious_late=serious))
    return found
