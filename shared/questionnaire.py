"""The patient's periodic self-assessment, defined once: seven global questions in the style of the
hair growth questionnaires used in hair-loss trials, each on a 7-point scale from -3 to +3, where
+3 is always the best answer.

Answers are stored with the version they were given under. A published version is never edited:
a change of wording or scale is a new entry in VERSIONS and a new QUESTIONNAIRE_VERSION, so old
answers keep the meaning they had (tests/shared/test_questionnaire.py pins version 1).

The self-assessment is due at baseline (month 0) and every 3 months after, on the check-in due
date of that month. Questions about change "since your first treatment" cannot be answered
before treatment, so at baseline only the questions marked `asked_at_baseline` are asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import msgspec

from shared.errors import ErrorCode, InvalidInput
from shared.schedule import SELF_ASSESSMENT_EVERY_MONTHS, checkin_due_on, checkin_window


class ScalePoint(msgspec.Struct, frozen=True, kw_only=True):
    value: int
    label: str


class Scale(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    points: tuple[ScalePoint, ...]

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(p.value for p in self.points)

    def label(self, value: int) -> str:
        for point in self.points:
            if point.value == value:
                return point.label
        return str(value)


class Question(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    wording: str  # what the patient reads
    label: str  # short name for the dashboard's tables and plots
    scale: Scale
    asked_at_baseline: bool = False


class Questionnaire(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    intro: str
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        for question in self.questions:
            if question.id == question_id:
                return question
        return None


def _seven(scale_id: str, *labels: str) -> Scale:
    """A 7-point scale from -3 (first label) to +3 (last label)."""
    assert len(labels) == 7
    return Scale(id=scale_id, points=tuple(ScalePoint(value=v, label=l) for v, l in zip(range(-3, 4), labels)))


SATISFACTION = _seven(
    "satisfaction",
    "very unhappy", "unhappy", "a little unhappy", "neither happy nor unhappy", "a little happy", "happy", "very happy",
)
AMOUNT = _seven(
    "amount",
    "a lot less hair", "less hair", "a little less hair", "about the same", "a little more hair", "more hair",
    "a lot more hair",
)
THIN_AREA = _seven(
    "thin_area",
    "a lot bigger", "bigger", "a little bigger", "about the same", "a little smaller", "smaller", "a lot smaller",
)
LOSS = _seven(
    "loss",
    "a lot more hair falls out", "more hair falls out", "a little more hair falls out", "about the same",
    "a little less hair falls out", "less hair falls out", "a lot less hair falls out",
)
HAIRLINE = _seven(
    "hairline",
    "gone back a lot", "gone back", "gone back a little", "not moved", "come forward a little", "come forward",
    "come forward a lot",
)

QUESTIONNAIRE_V1 = Questionnaire(
    version=1,
    intro=(
        "A few questions about how you see your hair. There are no right or wrong answers: "
        "say what you see, even if it is no change."
    ),
    questions=(
        Question(
            id="appearance",
            wording="How do you feel about the way your hair looks at the moment?",
            label="Satisfaction with appearance",
            scale=SATISFACTION,
            asked_at_baseline=True,
        ),
        Question(
            id="growth",
            wording="Compared with before your first treatment, how much hair do you have on your head now?",
            label="Hair growth",
            scale=AMOUNT,
        ),
        Question(
            id="growth_satisfaction",
            wording="How do you feel about how much your hair has grown since your first treatment?",
            label="Satisfaction with growth",
            scale=SATISFACTION,
        ),
        Question(
            id="thin_area",
            wording="Since your first treatment, how has the size of your thinnest or bald area changed?",
            label="Size of thin or bald area",
            scale=THIN_AREA,
        ),
        Question(
            id="loss_slowing",
            wording=(
                "Compared with before your first treatment, how much hair falls out on a normal day "
                "(on your pillow, in the shower, in your brush)?"
            ),
            label="Slowing of hair loss",
            scale=LOSS,
        ),
        Question(
            id="hairline",
            wording="Since your first treatment, how has the hairline at your forehead and temples moved?",
            label="Hairline",
            scale=HAIRLINE,
        ),
        Question(
            id="treatment_satisfaction",
            wording="All in all, how do you feel about the results of your treatment so far?",
            label="Satisfaction with treatment",
            scale=SATISFACTION,
        ),
    ),
)

# every version ever published, by number; never edit one, add the next
VERSIONS: dict[int, Questionnaire] = {1: QUESTIONNAIRE_V1}
QUESTIONNAIRE_VERSION = 1


def questionnaire(version: int) -> Questionnaire:
    """A published version; QUESTIONNAIRE_VERSION_UNKNOWN for any other number."""
    found = VERSIONS.get(version)
    if found is None:
        raise InvalidInput(
            f"Questionnaire version {version} is not known here.",
            code=ErrorCode.QUESTIONNAIRE_VERSION_UNKNOWN,
            details={"version": version, "known": sorted(VERSIONS)},
        )
    return found


def current() -> Questionnaire:
    return VERSIONS[QUESTIONNAIRE_VERSION]


def questions_asked(version: int, occasion_month: int) -> tuple[Question, ...]:
    """The questions of `version` asked at the self-assessment of `occasion_month` (0: baseline)."""
    questions = questionnaire(version).questions
    if occasion_month == 0:
        return tuple(q for q in questions if q.asked_at_baseline)
    return questions


def check_answers(version: int, occasion_month: int, answers: Mapping[str, int]) -> dict[str, int]:
    """The answers, checked against the questions and scales of `version` at that occasion.

    Refuses an unknown version (QUESTIONNAIRE_VERSION_UNKNOWN), a question that is not asked at
    this occasion (QUESTION_UNKNOWN), a value off the question's scale (ANSWER_OFF_SCALE) and a
    question left out (ANSWERS_INCOMPLETE).
    """
    asked = {q.id: q for q in questions_asked(version, occasion_month)}
    for question_id, value in answers.items():
        question = asked.get(question_id)
        if question is None:
            raise InvalidInput(
                f"{question_id[:40]!r} is not one of the questions asked this time.",
                code=ErrorCode.QUESTION_UNKNOWN,
                details={"question": question_id[:40], "asked": list(asked)},
            )
        if isinstance(value, bool) or value not in question.scale.values:
            raise InvalidInput(
                f"The answer to {question.label.lower()!r} must be one of {list(question.scale.values)}.",
                code=ErrorCode.ANSWER_OFF_SCALE,
                details={"question": question_id, "value": value, "allowed": list(question.scale.values)},
            )
    missing = [q for q in asked if q not in answers]
    if missing:
        raise InvalidInput(
            "Please answer every question.", code=ErrorCode.ANSWERS_INCOMPLETE, details={"missing": missing}
        )
    return {q: int(answers[q]) for q in asked}


def is_occasion(month: int) -> bool:
    return month >= 0 and month % SELF_ASSESSMENT_EVERY_MONTHS == 0


def occasion_opens_on(baseline_on: date, month: int) -> date:
    """The first day the self-assessment of `month` can be answered: when that month's photo window opens."""
    return checkin_window(baseline_on, month).opens_on


def occasion_for(baseline_on: date, today: date) -> int:
    """The self-assessment an answer given on local `today` counts for: the latest one that has
    opened, or the baseline one when none has (answers before treatment are baseline answers)."""
    month = 0
    while occasion_opens_on(baseline_on, month + SELF_ASSESSMENT_EVERY_MONTHS) <= today:
        month += SELF_ASSESSMENT_EVERY_MONTHS
    return month


def occasion_due_on(baseline_on: date, month: int) -> date:
    return checkin_due_on(baseline_on, month)
