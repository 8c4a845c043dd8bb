"""Patient reports: side-effect check-ins after injections and the periodic self-assessment.

Symptom ids, severities, questions and answer scales are defined in `shared.symptoms` and
`shared.questionnaire`; these messages carry them as plain values, and the backend checks them
there, so an unknown symptom or an answer off its scale gets its own stable error code.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from shared import questionnaire as hgq
from shared.contract.base import LongText, Request, Response, ScaleValue, published
from shared.contract.patients import Treatment
from shared.schedule import ReminderKind
from shared.symptoms import Severity, Symptom

_QUESTIONS = sorted({q.id for version in hgq.VERSIONS.values() for q in version.questions})
_ANSWERS = sorted({v for version in hgq.VERSIONS.values() for q in version.questions for v in q.scale.values})

SymptomId = Annotated[
    str, msgspec.Meta(min_length=1, max_length=40, description="A symptom id from shared.symptoms."),
    published(enum=[s.value for s in Symptom]),
]
SeverityValue = Annotated[
    ScaleValue, msgspec.Meta(description="0 none, 1 mild, 2 moderate, 3 severe."),
    published(minimum=min(Severity), maximum=max(Severity)),
]
QuestionId = Annotated[str, msgspec.Meta(min_length=1, max_length=40), published(enum=_QUESTIONS)]
AnswerValue = Annotated[
    ScaleValue, msgspec.Meta(description="A point on the question's scale."),
    published(minimum=min(_ANSWERS), maximum=max(_ANSWERS)),
]
QuestionnaireVersion = Annotated[int, msgspec.Meta(ge=1, le=1000), published(enum=sorted(hgq.VERSIONS))]
AnnotationText = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class SymptomSeverity(Request, kw_only=True):
    symptom: SymptomId
    severity: SeverityValue


class SideEffectReportCreate(Request, kw_only=True):
    """A side-effect report from the patient's phone. `idempotency_key` is made on the phone when
    the patient presses send; a retry with the same key and body gets the stored report back."""

    idempotency_key: uuid.UUID
    injection_session_id: uuid.UUID
    started_on: date
    symptoms: Annotated[list[SymptomSeverity], msgspec.Meta(max_length=20)]
    notes: LongText = ""
    needed_medical_care: bool


class ReportAnnotationCreate(Request, kw_only=True):
    text: AnnotationText


class ReportAnnotationOut(Response, kw_only=True):
    id: uuid.UUID
    author_name: str
    text: str
    created_at: datetime


class SideEffectReportOut(Response, kw_only=True):
    """A report as the clinic sees it, with the injection it follows and the staff's notes."""

    id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    record_number: str
    injection_session_id: uuid.UUID
    injected_at: datetime
    treatment: Treatment
    product: str
    lot_number: str
    started_on: date
    symptoms: list[SymptomSeverity]
    max_severity: int
    notes: str
    needed_medical_care: bool
    serious: bool
    submitted_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    annotations: list[ReportAnnotationOut]


class SideEffectReportPage(Response, kw_only=True):
    items: list[SideEffectReportOut]
    total: int
    offset: int
    limit: int


class MySideEffectReport(Response, kw_only=True):
    """A report as the patient's phone sees it: no lot number, no staff notes."""

    id: uuid.UUID
    injection_session_id: uuid.UUID
    injected_at: datetime
    product: str
    started_on: date
    symptoms: list[SymptomSeverity]
    notes: str
    needed_medical_care: bool
    clinic_alerted: bool  # serious: the clinic was alerted straight away
    seen_by_clinic: bool
    submitted_at: datetime


class QuestionnaireSubmit(Request, kw_only=True):
    """The self-assessment answers, `{question id: value}` on that question's scale."""

    idempotency_key: uuid.UUID
    version: QuestionnaireVersion
    answers: Annotated[dict[QuestionId, AnswerValue], msgspec.Meta(max_length=20)]


class QuestionnaireAnswerOut(Response, kw_only=True):
    question: str
    value: int
    label: str  # the scale's word for the value, in the version answered


class QuestionnaireOut(Response, kw_only=True):
    id: uuid.UUID
    patient_id: uuid.UUID
    version: int
    occasion_month: int  # 0 at baseline, then 3, 6, 9...
    answered_at: datetime
    answers: list[QuestionnaireAnswerOut]


class DueQuestion(Response, kw_only=True):
    """A question waiting for the patient now: a side-effect check-in after an injection, or the
    self-assessment. `kind` and `dedupe_key` are those of the matching reminder in
    `shared.schedule.plan_reminders`, and `due_at` its time."""

    kind: ReminderKind
    dedupe_key: str
    due_on: date  # the patient's local due day (a self-assessment opens 3 days before)
    due_at: datetime
    session_id: uuid.UUID | None = None
    days_after_injection: int | None = None
    checkin_month: int | None = None
    questionnaire_version: int | None = None
    question_ids: list[str] = msgspec.field(default_factory=list)
