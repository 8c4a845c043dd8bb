"""What the home screen says about check-ins and injections."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from mobile.services.home_summary import MonthState, describe_checkin, describe_injection, summarise
from shared.contract.injections import PatientInjectionOut, SessionStatus
from shared.contract.patients import Treatment

BASELINE = date(2026, 1, 15)


def _session(when: datetime, status=SessionStatus.SCHEDULED) -> PatientInjectionOut:
    return PatientInjectionOut(id=uuid.uuid4(), status=status, scheduled_at=when, treatment=Treatment.EXOSOMES, product="ExoCell 5B")


def test_an_open_window_lets_the_patient_start_and_says_how_long_is_left():
    now = datetime(2026, 3, 16, 9, tzinfo=UTC)
    summary = summarise(baseline_on=BASELINE, today=now.date(), completed_months={0}, injections=[], now=now)
    assert summary.next_checkin.window.month == 2 and summary.next_checkin.can_start
    assert [(t.month, t.state) for t in summary.months] == [(0, MonthState.DONE), (1, MonthState.MISSED), (2, MonthState.OPEN)]
    title, detail = describe_checkin(summary.next_checkin, now.date())
    assert title == "Month 2 photos were due Sun 15 Mar"
    # one date, the window's last day, rather than a count the patient reads against the due date
    assert detail == "You can take them now, until Sun 22 Mar."
    assert "left" not in detail


def test_the_last_day_of_a_window_says_so():
    today = date(2026, 3, 22)
    summary = summarise(baseline_on=BASELINE, today=today, completed_months={0}, injections=[], now=datetime(2026, 3, 22, 9, tzinfo=UTC))
    assert describe_checkin(summary.next_checkin, today)[1] == "You can take them now, today is the last day."


def test_a_patient_enrolled_after_the_baseline_is_asked_for_the_baseline_first_and_missed_nothing():
    baseline, enrolled = date(2026, 9, 27), date(2026, 12, 7)
    now = datetime(2026, 12, 7, 10, tzinfo=UTC)
    summary = summarise(baseline_on=baseline, today=enrolled, completed_months=set(), injections=[], now=now, enrolled_on=enrolled)
    # months 1 and 2 closed before the patient joined: not theirs to miss, so not shown
    assert [(t.month, t.state) for t in summary.months] == [(0, MonthState.OPEN)]
    assert summary.next_checkin.window.month == 0 and summary.next_checkin.can_start
    title, detail = describe_checkin(summary.next_checkin, enrolled)
    assert title == "Baseline photos: take them now" and "compared with these" in detail
    # once taken, the baseline is done and the next month waits for its window
    taken = summarise(baseline_on=baseline, today=enrolled, completed_months={0}, injections=[], now=now, enrolled_on=enrolled)
    assert [(t.month, t.state) for t in taken.months] == [(0, MonthState.DONE)]
    assert taken.next_checkin.window.month == 3 and not taken.next_checkin.can_start
    assert describe_checkin(taken.next_checkin, enrolled) == ("Month 3 photos due Sun 27 Dec", "You can take them from Thu 24 Dec, in 17 days.")


def test_a_missing_baseline_comes_before_an_open_month_and_later_gaps_still_read_missed():
    today = date(2026, 3, 16)
    summary = summarise(
        baseline_on=BASELINE, today=today, completed_months=set(), injections=[], now=datetime(2026, 3, 16, 9, tzinfo=UTC),
        enrolled_on=date(2026, 1, 10),
    )
    assert [(t.month, t.state) for t in summary.months] == [(0, MonthState.OPEN), (1, MonthState.MISSED), (2, MonthState.OPEN)]
    assert summary.next_checkin.window.month == 0


def test_a_done_month_points_to_the_next_one_not_yet_open():
    now = datetime(2026, 2, 16, 9, tzinfo=UTC)
    summary = summarise(baseline_on=BASELINE, today=now.date(), completed_months={0, 1}, injections=[], now=now)
    assert not summary.next_checkin.can_start and summary.next_checkin.window.month == 2
    title, detail = describe_checkin(summary.next_checkin, now.date())
    assert title == "Month 2 photos due Sun 15 Mar" and "from Thu 12 Mar" in detail


def test_the_next_injection_is_the_soonest_still_ahead():
    now = datetime(2026, 2, 16, 9, tzinfo=UTC)
    past = _session(now - timedelta(days=3), SessionStatus.DONE)
    soon = _session(now + timedelta(days=1, hours=1))
    later = _session(now + timedelta(days=30))
    summary = summarise(baseline_on=BASELINE, today=now.date(), completed_months=set(), injections=[later, past, soon], now=now)
    assert summary.next_injection == soon
    title, detail = describe_injection(soon, "Europe/London", now)
    assert title == "Next injection tomorrow" and detail == "Tue 17 Feb at 10:00 - ExoCell 5B"


def test_the_first_check_in_is_called_the_baseline():
    now = datetime(2026, 1, 15, 9, tzinfo=UTC)
    summary = summarise(baseline_on=BASELINE, today=now.date(), completed_months=set(), injections=[], now=now)
    title, _ = describe_checkin(summary.next_checkin, now.date())
    assert title.startswith("Baseline photos") and "Month 0" not in title
    assert [t.label for t in summary.months] == ["Baseline"]
