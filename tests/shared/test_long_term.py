"""The long-term rules the app and the backend share: courses, safety check-in days, the stop question."""

from __future__ import annotations

from datetime import date

from shared.long_term import (
    AfterGap,
    after_course_check_ins,
    checkin_question,
    occasion_key,
    open_safety_check_ins,
    stop_question_month,
)


def test_after_course_check_ins_open_3_6_and_12_calendar_months_after_the_last_session_for_30_days():
    days = [date(2026, 1, 31), date(2026, 3, 1)]
    assert after_course_check_ins(days, 3, AfterGap.NEW_COURSE, date(2026, 5, 31)) == []
    [three] = after_course_check_ins(days, 3, AfterGap.NEW_COURSE, date(2026, 6, 1))
    assert (three.month, three.opens_on, three.closes_on) == (3, date(2026, 6, 1), date(2026, 6, 30))
    assert after_course_check_ins(days, 3, AfterGap.NEW_COURSE, date(2026, 7, 1)) == []
    [twelve] = after_course_check_ins(days, 3, AfterGap.NEW_COURSE, date(2027, 3, 1))
    assert twelve.key == occasion_key("after_course", 12, date(2026, 3, 1)) == "after_course:2026-03-01:12"
    # a session before the 6-month check-in: that one and the 12-month one never open for this course
    again = [*days, date(2026, 8, 20)]
    assert [q.course_ends_on for q in after_course_check_ins(again, 3, AfterGap.NEW_COURSE, date(2026, 9, 2))] == []
    assert after_course_check_ins(again, 3, AfterGap.NEW_COURSE, date(2026, 6, 5))[0].course_ends_on == date(2026, 3, 1)


def test_anything_new_is_asked_in_each_monthly_window_once_a_session_was_given():
    baseline = date(2026, 1, 15)
    assert checkin_question(baseline, [], date(2026, 3, 15)) is None
    assert checkin_question(baseline, [date(2026, 1, 20)], date(2026, 3, 1)) is None  # between windows
    asked = checkin_question(baseline, [date(2026, 1, 20)], date(2026, 3, 13))
    assert (asked.month, asked.opens_on, asked.closes_on) == (2, date(2026, 3, 12), date(2026, 3, 22))
    assert open_safety_check_ins(baseline, [date(2026, 1, 20)], {"checkin:2"}, 3, AfterGap.NEW_COURSE, date(2026, 3, 13)) == []


def test_the_stop_question_follows_the_last_missed_check_in_nudge():
    baseline = date(2026, 1, 15)
    assert stop_question_month(baseline, date(2026, 2, 21)) is None  # month 1's last nudge is 22 February
    assert stop_question_month(baseline, date(2026, 2, 22)) == 1
    assert stop_question_month(baseline, date(2026, 6, 15)) == 4
