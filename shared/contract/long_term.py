"""The long term: safety check-ins (the "anything new?" question of each monthly check-in and the
photo-less check-ins after a course), why a patient stopped, the clinic's course setting and the
durability figures. Rules and labels live in `shared.long_term`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from shared.contract.base import LongText, Request, Response, ScaleValue, published
from shared.contract.outcomes import Share
from shared.contract.patients import Treatment
from shared.contract.reports import SymptomSeverity
from shared.long_term import COURSE_GAP_MONTHS_RANGE, AfterGap, SafetyOccasion, StopReason

Occasion = Annotated[str, msgspec.Meta(min_length=1, max_length=16), published(enum=[o.value for o in SafetyOccasion])]
ReasonId = Annotated[str, msgspec.Meta(min_length=1, max_length=40), published(enum=[r.value for r in StopReason])]
GapMonths = Annotated[
    ScaleValue, msgspec.Meta(description="A session at least this many months after the previous one starts a new course."),
    published(minimum=COURSE_GAP_MONTHS_RANGE[0], maximum=COURSE_GAP_MONTHS_RANGE[1]),
]
AfterGapId = Annotated[str, msgspec.Meta(min_length=1, max_length=16), published(enum=[a.value for a in AfterGap])]
MonthNumber = Annotated[int, msgspec.Meta(ge=0, le=1000)]


class SafetyQuestion(Response, kw_only=True):
    """A safety question open for the patient now."""

    occasion: SafetyOccasion
    month: int  # the check-in month, or the months since the course's last session
    course_ends_on: date | None = None
    opens_on: date
    closes_on: date
    needs_photos: bool  # false: a safety check-in after a course asks no photos
    question: str


class StopQuestion(Response, kw_only=True):
    """Asked after a missed check-in: why the patient stopped, one tap."""

    missed_month: int
    question: str
    reasons: dict[str, str]  # reason id: label


class MySafetyQuestions(Response, kw_only=True):
    questions: list[SafetyQuestion]
    stop_question: StopQuestion | None = None


class SafetyAnswerCreate(Request, kw_only=True):
    """The patient's answer; `symptoms` only when `anything_new` (severity 0-3 each)."""

    idempotency_key: uuid.UUID
    occasion: Occasion
    month: MonthNumber
    course_ends_on: date | None = None
    anything_new: bool
    symptoms: Annotated[list[SymptomSeverity], msgspec.Meta(max_length=20)] = []
    started_on: date | None = None
    notes: LongText = ""
    saw_doctor: bool = False


class LinkedSession(Response, kw_only=True):
    injection_session_id: uuid.UUID | None
    product: str
    lot_number: str | None = None  # the clinic's view only
    days_since: int


class SafetyAnswerOut(Response, kw_only=True):
    id: uuid.UUID
    occasion: SafetyOccasion
    month: int
    course_ends_on: date | None
    anything_new: bool
    saw_doctor: bool
    side_effect_report_id: uuid.UUID | None
    serious: bool
    clinic_alerted: bool
    answered_at: datetime
    sessions: list[LinkedSession]


class StopReasonCreate(Request, kw_only=True):
    reason: ReasonId
    note: LongText = ""


class StopReasonOut(Response, kw_only=True):
    id: uuid.UUID
    patient_id: uuid.UUID
    reason: StopReason
    label: str
    note: str
    source: str  # patient or staff
    recorded_by: str | None
    recorded_at: datetime


class PatientLongTerm(Response, kw_only=True):
    """A patient's long-term record as the clinic sees it."""

    patient_id: uuid.UUID
    stop_reason: StopReasonOut | None
    stop_reasons: list[StopReasonOut]
    safety_answers: list[SafetyAnswerOut]


class CourseSettingIn(Request, kw_only=True):
    gap_months: GapMonths
    after_gap: AfterGapId = AfterGap.NEW_COURSE.value


class CourseSettingOut(Response, kw_only=True):
    gap_months: int
    after_gap: AfterGap
    rule: str


class DurabilityPoint(Response, kw_only=True):
    """The consensus at `months_after` a course's last session against its value at the course's end."""

    months_after: int
    suppressed: bool
    courses: int | None = None
    at_end: float | None = None  # mean consensus at the course's end
    later: float | None = None  # mean consensus months_after later
    change: float | None = None  # mean change, later less at the end
    low: float | None = None
    high: float | None = None
    still_improved: Share | None = None  # of courses improved (+1 or better) at the end


class LossCurvePoint(Response, kw_only=True):
    month: float
    kept: float  # Kaplan-Meier share still improved
    low: float | None = None
    high: float | None = None
    at_risk: int


class LossOfEffect(Response, kw_only=True):
    suppressed: bool
    courses: int | None = None
    lost: int | None = None
    median_months: float | None = None
    curve: list[LossCurvePoint] = []


class IncidenceRate(Response, kw_only=True):
    """Late harm: events per 100 patient-months of follow-up after a course, exact Poisson interval."""

    suppressed: bool
    patients: int | None = None
    events: int | None = None
    patient_months: float | None = None
    per_100: float | None = None
    low: float | None = None
    high: float | None = None


class ProductLateHarm(Response, kw_only=True):
    product: str
    any_late: IncidenceRate
    serious_late: IncidenceRate


class StopReasonCount(Response, kw_only=True):
    reason: StopReason
    label: str
    share: Share  # of the arm's patients with a recorded reason


class ArmDurability(Response, kw_only=True):
    arm: Treatment
    label: str
    suppressed: bool
    patients: int | None = None
    courses_ended: int | None = None
    durability: list[DurabilityPoint] = []
    loss_of_effect: LossOfEffect
    late_harm: IncidenceRate
    serious_late_harm: IncidenceRate
    dropped_out: Share  # the drop-out bound of the outcomes page, same definition
    stop_reasons: list[StopReasonCount] = []
    stop_reasons_recorded: int | None = None


class DurabilityOut(Response, kw_only=True):
    patients: int
    setting: CourseSettingOut
    arms: list[ArmDurability]
    products: list[ProductLateHarm]
    definitions: dict[str, str]
    note: str
    too_few: str | None = None  # set when the filtered population is under the clinic's minimum: nothing else is shown
