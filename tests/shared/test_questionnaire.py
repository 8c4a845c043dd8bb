"""The self-assessment: seven questions on 7-point scales, versioned so old answers keep their meaning."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import questionnaire as hgq
from shared.errors import ErrorCode, InvalidInput
from shared.schedule import checkin_due_on

# sha256 of version 1 as published. If this test fails, a published version was edited:
# put it back and add version 2 to VERSIONS instead, so answers already given keep their meaning.
V1_SHA256 = "162a50f2c27f48b61c2903770ea66a7a8f11292d2d09cc5247d84b47d9bc880d"


def test_version_one_is_never_edited():
    assert hashlib.sha256(msgspec.json.encode(hgq.VERSIONS[1])).hexdigest() == V1_SHA256


def test_the_current_version_is_published():
    assert hgq.current() is hgq.VERSIONS[hgq.QUESTIONNAIRE_VERSION]
    assert all(v.version == n for n, v in hgq.VERSIONS.items())


def test_seven_questions_each_on_a_seven_point_scale_where_plus_three_is_best():
    questions = hgq.QUESTIONNAIRE_V1.questions
    assert len(questions) == 7
    assert len({q.id for q in questions}) == 7
    for question in questions:
        assert question.scale.values == (-3, -2, -1, 0, 1, 2, 3)
        labels = [p.label for p in question.scale.points]
        assert len(set(labels)) == 7 and all(labels)
        assert question.wording.endswith("?")
    growth = hgq.QUESTIONNAIRE_V1.question("growth")
    assert growth is not None and growth.scale.label(3) == "a lot more hair" and growth.scale.label(-3) == "a lot less hair"


def test_at_baseline_only_questions_that_need_no_treatment_are_asked():
    baseline = hgq.questions_asked(1, 0)
    assert [q.id for q in baseline] == ["appearance"]
    assert all("since your first treatment" not in q.wording for q in baseline)
    assert len(hgq.questions_asked(1, 3)) == 7


def test_complete_answers_on_the_scale_are_accepted():
    answers = {q.id: 2 for q in hgq.QUESTIONNAIRE_V1.questions}
    assert hgq.check_answers(1, 6, answers) == answers


@pytest.mark.parametrize(
    ("version", "month", "answers", "code"),
    [
        (1, 3, {"appearance": 4}, ErrorCode.ANSWER_OFF_SCALE),
        (1, 0, {"appearance": -4}, ErrorCode.ANSWER_OFF_SCALE),
        (1, 0, {"appearance": True}, ErrorCode.ANSWER_OFF_SCALE),
        (1, 0, {"appearance": 1, "growth": 1}, ErrorCode.QUESTION_UNKNOWN),
        (1, 3, {"mood": 1}, ErrorCode.QUESTION_UNKNOWN),
        (1, 3, {"appearance": 1}, ErrorCode.ANSWERS_INCOMPLETE),
        (1, 0, {}, ErrorCode.ANSWERS_INCOMPLETE),
        (99, 0, {"appearance": 1}, ErrorCode.QUESTIONNAIRE_VERSION_UNKNOWN),
    ],
)
def test_answers_off_the_scale_or_incomplete_are_refused(version, month, answers, code):
    with pytest.raises(InvalidInput) as refused:
        hgq.check_answers(version, month, answers)
    assert refused.value.code == code


def test_occasions_are_baseline_and_every_three_months_opening_with_the_photo_window():
    baseline = date(2026, 1, 31)
    assert hgq.occasion_for(baseline, date(2025, 12, 1)) == 0  # before treatment: the baseline answers
    assert hgq.occasion_due_on(baseline, 3) == date(2026, 4, 30)
    assert hgq.occasion_for(baseline, date(2026, 4, 26)) == 0
    assert hgq.occasion_for(baseline, date(2026, 4, 27)) == 3  # 3 days before the due date
    assert hgq.occasion_for(baseline, date(2026, 7, 27)) == 3
    assert hgq.occasion_for(baseline, date(2026, 7, 28)) == 6


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=0, max_value=2000))
def test_the_occasion_is_the_latest_one_opened(baseline: date, days_later: int):
    today = baseline + timedelta(days=days_later)
    month = hgq.occasion_for(baseline, today)
    assert hgq.is_occasion(month)
    assert hgq.occasion_opens_on(baseline, month) <= today or month == 0
    assert hgq.occasion_opens_on(baseline, month + 3) > today
    assert hgq.occasion_due_on(baseline, month) == checkin_due_on(baseline, month)
