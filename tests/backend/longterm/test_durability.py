"""The durability figures against a hand computation on a small cohort: three PRP patients, four
courses (one patient has two), worked out on paper in the comments below."""

from __future__ import annotations

from datetime import date

import pytest
from scipy.stats import chi2

from backend.longterm import durability
from backend.longterm.queries import History
from backend.longterm.settings import Setting
from backend.outcomes.service import TREATMENT_LABELS
from shared.long_term import AfterGap, courses

TODAY = date(2027, 6, 1)
BASE = date(2026, 1, 1)
SETTING = Setting(3, AfterGap.NEW_COURSE)
DAYS_PER_MONTH = 365.2425 / 12


def _cohort() -> dict[str, History]:
    p1 = History(arm="prp", baseline_on=BASE, stop_reason="no_visible_change")
    p1.sessions = [(date(2026, 1, 8), "Kit"), (date(2026, 2, 8), "Kit"), (date(2026, 3, 8), "Kit")]
    p1.consensus = {2: 2.0, 5: 1.0, 8: 0.5, 14: 0.0}
    p1.reports = [(date(2026, 3, 20), False), (date(2026, 7, 1), False)]  # early (12 days), then late
    p1.completed = {14}
    p1.contacts = [date(2026, 3, 20), date(2026, 7, 1), date(2027, 3, 1)]
    p2 = History(arm="prp", baseline_on=BASE, stop_reason="cost")
    p2.sessions = [(date(2026, 1, 10), "Kit"), (date(2026, 2, 10), "Kit")]
    p2.consensus = {1: 1.5, 4: 1.5, 7: 1.0, 13: 1.0}
    p2.reports = [(date(2026, 12, 1), True)]
    p2.completed = {13}
    p2.contacts = [date(2026, 12, 1), date(2027, 2, 1)]
    p3 = History(arm="prp", baseline_on=BASE)
    p3.sessions = [(date(2026, 1, 5), "Kit"), (date(2026, 2, 5), "Kit"), (date(2026, 9, 5), "Kit"), (date(2026, 10, 5), "Kit")]
    p3.consensus = {1: 0.5, 4: 0.0, 7: 0.0, 9: 1.0, 12: 1.0, 15: 0.5}
    p3.completed = {15}
    p3.contacts = [date(2027, 4, 1)]
    return {"p1": p1, "p2": p2, "p3": p3}


def test_courses_follow_the_clinics_gap_and_maintenance_rule():
    days = [date(2026, 1, 5), date(2026, 2, 5), date(2026, 9, 5), date(2026, 10, 5)]
    first, second = courses(days, 3)
    assert (first.last_on, first.followed_until, second.first_on, second.followed_until) == (
        date(2026, 2, 5), date(2026, 9, 5), date(2026, 9, 5), None)
    assert len(courses(days, 8)) == 1  # a 7-month gap is within an 8-month rule
    [only] = courses(days, 3, AfterGap.MAINTENANCE)
    assert (only.sessions, only.followed_until) == (2, date(2026, 9, 5))


def test_durability_equals_the_hand_computation():
    [arm] = durability.arms(_cohort(), SETTING, TODAY, TREATMENT_LABELS)
    assert (arm.patients, arm.courses_ended) == (3, 4)
    three, six, twelve = arm.durability
    # +3 months: P1 2.0 -> 1.0, P2 1.5 -> 1.5, P3 course 1 0.5 -> 0.0, P3 course 2 1.0 -> 1.0
    assert (three.courses, three.at_end, three.later, three.change) == (4, pytest.approx(1.25), pytest.approx(0.875), pytest.approx(-0.375))
    # +6: P1 -> 0.5, P2 -> 1.0, P3c1 -> 0.0, P3c2 -> 0.5
    assert (six.courses, six.change) == (4, pytest.approx(-0.75))
    # +12: P1 -> 0.0, P2 -> 1.0; P3c1's month-12 check-in is after its second course began, P3c2 not yet due
    assert (twelve.courses, twelve.change) == (2, pytest.approx(-1.25))
    # t interval of the +6 changes (-1.5, -0.5, -0.5, -0.5), by hand: mean +- t(0.975, 3) * sd / sqrt(4)
    from scipy.stats import t
    sd = ((0.75 ** 2 + 3 * 0.25 ** 2) / 3) ** 0.5
    assert six.low == pytest.approx(-0.75 - t.ppf(0.975, 3) * sd / 2)
    # still improved of those improved at the end (P1, P2, P3c2): all three at +3, only P2 at +6
    assert (three.still_improved.events, three.still_improved.n) == (3, 3)
    assert (six.still_improved.events, six.still_improved.n) == (1, 3)


def test_the_loss_curve_equals_the_product_limit_by_hand():
    durations, lost = durability.loss_times(durability.ended_courses(_cohort(), SETTING, TODAY), _cohort())
    # P1 lost at month 8 (2026-09-01, 177 days after 2026-03-08); P2 censored at month 13 (356 days after
    # 2026-02-10); P3's second course lost at month 15 (2027-04-01, 178 days after 2026-10-05)
    assert sorted(zip(durations, lost)) == [
        (pytest.approx(177 / DAYS_PER_MONTH), 1), (pytest.approx(178 / DAYS_PER_MONTH), 1), (pytest.approx(356 / DAYS_PER_MONTH), 0)
    ]
    [arm] = durability.arms(_cohort(), SETTING, TODAY, TREATMENT_LABELS)
    loss = arm.loss_of_effect
    assert (loss.courses, loss.lost) == (3, 2)
    # product limit: 3 at risk, one lost -> 2/3; 2 at risk, one lost -> 2/3 * 1/2 = 1/3; read at months 3, 6, 9
    # (month 12 is past the longest follow-up, 11.7 months)
    assert [(p.month, p.at_risk, pytest.approx(p.kept)) for p in loss.curve] == [
        (3, 3, pytest.approx(1.0)), (6, 1, pytest.approx(1 / 3)), (9, 1, pytest.approx(1 / 3))
    ]
    assert loss.median_months == pytest.approx(178 / DAYS_PER_MONTH)


def test_late_harm_equals_events_per_patient_month_with_the_exact_poisson_interval_by_hand():
    [arm] = durability.arms(_cohort(), SETTING, TODAY, TREATMENT_LABELS)
    # follow-up from 30 days after each course's last session to its end (new course, last contact, today):
    # P1 2026-04-07..2027-03-01 = 328 days; P2 2026-03-12..2027-02-01 = 326; P3c1 2026-03-07..2026-09-04 = 181;
    # P3c2 2026-11-04..2027-04-01 = 148. Late events: P1's of 2026-07-01, P2's serious one of 2026-12-01.
    months = (328 + 326 + 181 + 148) / DAYS_PER_MONTH
    late, serious = arm.late_harm, arm.serious_late_harm
    assert (late.events, late.patients, serious.events) == (2, 3, 1)
    assert late.patient_months == pytest.approx(round(months, 1))
    assert late.per_100 == pytest.approx(2 / months * 100)
    # Garwood's exact interval: chi2(alpha/2, 2k)/2 and chi2(1-alpha/2, 2k+2)/2 over the exposure
    assert late.low == pytest.approx(chi2.ppf(0.025, 4) / 2 / months * 100)
    assert late.high == pytest.approx(chi2.ppf(0.975, 6) / 2 / months * 100)
    assert serious.low == pytest.approx(chi2.ppf(0.025, 2) / 2 / months * 100)
    assert serious.high == pytest.approx(chi2.ppf(0.975, 4) / 2 / months * 100)


def test_stop_reasons_sit_beside_the_drop_out_bound():
    [arm] = durability.arms(_cohort(), SETTING, TODAY, TREATMENT_LABELS)
    # 17 check-ins due (months 0-16); P1 and P2 missed months 15 and 16, P3 completed month 15
    assert (arm.dropped_out.events, arm.dropped_out.n) == (2, 3)
    told = {c.reason.value: c.share.events for c in arm.stop_reasons}
    assert arm.stop_reasons_recorded == 2 and told["no_visible_change"] == 1 and told["cost"] == 1 and told["travel"] == 0


async def test_the_database_rows_give_the_same_figures_and_a_stop_reason_reaches_them(client, world):
    """The same cohort written as rows (sessions, one rated view a month, reports, check-ins), two stop
    reasons recorded by the clinic through the API: the clinic's figures before disclosure control are
    the hand-checked ones above."""
    from backend.longterm import service
    from backend.outcomes import facts, filters
    from tests.backend.longterm import rows

    clinic = world.ids["clinic_x"]
    round_ = await rows.rating_round(clinic)
    for name, history in _cohort().items():
        patient = await rows.research_patient(clinic, name.upper(), history.arm, history.baseline_on)
        sessions = {day: await rows.done_session(patient.id, clinic, day, product=product, lot="K-1", treatment="prp")
                    for day, product in history.sessions}
        for month, score in history.consensus.items():
            await rows.consensus(round_, patient, month, score)
        for month in history.completed:
            await rows.checkin(patient, month)
        for started, serious in history.reports:
            session = sessions[max(d for d in sessions if d <= started)]
            await rows.late_report(patient, session, started, serious=serious)
        if history.stop_reason:
            told = await client.post(f"/patients/{patient.id}/stop-reason", json={"reason": history.stop_reason},
                                     headers=world.headers("staff_x"))
            assert told.status_code == 201, told.text
    await facts.rebuild(clinic)
    result = await service.figures(clinic, filters.parse(), TODAY)
    [arm] = result.arms
    assert arm == durability.arms(_cohort(), SETTING, TODAY, TREATMENT_LABELS)[0]
    assert {c.reason.value: c.share.events for c in arm.stop_reasons if c.share.events} == {"no_visible_change": 1, "cost": 1}
    [product] = result.products
    assert (product.product, product.any_late.events, product.serious_late.events) == ("Kit", 2, 1)
