"""One patient's history, read once for every record that leaves Follicle (the progress report PDF,
the FHIR bundle, the MedWatch summary, the patient's ZIP): a fixed number of queries whatever the
length of the history, and plain values afterwards, so rendering can run in a thread."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from backend.checkins.models import CheckIn
from backend.checkins.protocol import protocol_of_views
from backend.photos.models import Photo
from backend.clinics.models import Clinic
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from backend.ratings.consensus import consensus_for_patient
from shared.rating_labels import consensus_label
from backend.reports.models import QuestionnaireResponse, SideEffectReport
from shared.contract.checkins import PhotoStatus
from shared.contract.injections import SessionStatus
from shared.errors import NotFound
from shared.symptoms import SYMPTOM_IDS
from shared.views import VIEWS, ViewId


@dataclass(frozen=True, slots=True)
class PhotoRecord:
    id: uuid.UUID
    view: str
    month: int
    captured_at: datetime
    storage_token: str
    width: int | None
    height: int | None
    stored_size: int | None
    stored_sha256: str
    stored_sha1: str


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: uuid.UUID
    status: SessionStatus
    scheduled_at: datetime
    performed_at: datetime | None
    treatment: str
    product: str
    lot_number: str
    volume_ml: float | None
    areas: tuple[str, ...]

    @property
    def given_at(self) -> datetime:
        return self.performed_at or self.scheduled_at


@dataclass(frozen=True, slots=True)
class SideEffectRecord:
    id: uuid.UUID
    session_id: uuid.UUID
    started_on: date
    submitted_at: datetime
    symptoms: tuple[tuple[str, int], ...]  # (symptom id, severity 0-3), in the shared order
    max_severity: int
    needed_medical_care: bool
    serious: bool
    notes: str
    acknowledged_at: datetime | None


@dataclass(frozen=True, slots=True)
class QuestionnaireRecord:
    id: uuid.UUID
    version: int
    occasion_month: int
    answered_at: datetime
    answers: dict[str, int]


@dataclass(frozen=True, slots=True)
class ConsensusRecord:
    """A blinded rating round's consensus (median) for one view and month, on the -3..+3 scale."""

    view: str
    month: int
    score: float
    raters: int
    round_name: str
    final: bool = True  # False: the round is published but still open (provisional)
    agreement: float | None = None  # the panel's Krippendorff's alpha
    agreement_pairs: int = 0
    followup_taken_at: datetime | None = None  # when the rated follow-up photo was taken

    @property
    def label(self) -> str:
        """'Final, Spring panel, median of 2 raters, agreement alpha 0.72 (tentative, 40 pairs)'."""
        return consensus_label(
            final=self.final, round_name=self.round_name, raters=self.raters, agreement=self.agreement,
            agreement_pairs=self.agreement_pairs,
        )


@dataclass
class PatientHistory:
    clinic_id: uuid.UUID
    clinic_name: str
    clinic_timezone: str
    patient_id: uuid.UUID
    display_name: str
    record_number: str
    sex: str  # as recorded by the clinic: female, male, other or unknown
    birth_year: int | None
    treatment: str
    planned_sessions: int
    interval_days: int
    baseline_date: date
    timezone: str
    created_at: datetime
    views: list[str]  # the clinic's protocol, in capture order, then any other view photographed
    photos: list[PhotoRecord]  # ready photos, by month then view
    sessions: list[SessionRecord]  # not cancelled, by time
    side_effects: list[SideEffectRecord]  # by submission
    questionnaires: list[QuestionnaireRecord]  # by occasion
    consensus: list[ConsensusRecord] = field(default_factory=list)
    read_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def photos_of(self, view: str) -> list[PhotoRecord]:
        """Ready photos of one view, one per month (the latest taken that month), by month."""
        by_month: dict[int, PhotoRecord] = {}
        for photo in self.photos:
            if photo.view == view:
                held = by_month.get(photo.month)
                if held is None or photo.captured_at > held.captured_at:
                    by_month[photo.month] = photo
        return [by_month[m] for m in sorted(by_month)]

    def session(self, session_id: uuid.UUID) -> SessionRecord | None:
        return next((s for s in self.sessions if s.id == session_id), None)

    @property
    def sessions_given(self) -> list[SessionRecord]:
        return [s for s in self.sessions if s.status == SessionStatus.DONE]

    def view_label(self, view: str) -> str:
        return VIEWS[ViewId(view)].label if view in VIEWS else view


async def load(patient_id: uuid.UUID, *, clinic_id: uuid.UUID) -> PatientHistory:
    """Everything about one patient of `clinic_id`, blinded-rating consensus included; NotFound for
    a patient of any other clinic."""
    patient = await Patient.filter(id=patient_id, clinic_id=clinic_id).first()
    if patient is None:
        raise NotFound("No such patient in your clinic.")
    clinic = await Clinic.get(id=clinic_id)
    checkin_months = dict(await CheckIn.filter(patient_id=patient_id).values_list("id", "month"))
    photos = await Photo.filter(patient_id=patient_id, status=PhotoStatus.READY).order_by("captured_at")
    sessions = (
        await InjectionSession.filter(patient_id=patient_id)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("scheduled_at", "id")
    )
    reports = await SideEffectReport.filter(patient_id=patient_id).order_by("submitted_at", "id").prefetch_related("symptoms")
    responses = (
        await QuestionnaireResponse.filter(patient_id=patient_id)
        .order_by("occasion_month", "answered_at")
        .prefetch_related("answers")
    )
    photo_records = sorted(
        (
            PhotoRecord(
                id=p.id,
                view=p.view,
                month=checkin_months.get(p.checkin_id, 0),  # type: ignore[attr-defined]
                captured_at=p.captured_at,
                storage_token=p.storage_token,
                width=p.width,
                height=p.height,
                stored_size=p.stored_size,
                stored_sha256=p.stored_sha256,
                stored_sha1=p.stored_sha1,
            )
            for p in photos
        ),
        key=lambda p: (p.month, p.view, p.captured_at),
    )
    consensus = await consensus_for_patient(patient_id)
    views = protocol_of_views(clinic.protocol_views)
    views += sorted({p.view for p in photo_records} - set(views))
    order = {s: i for i, s in enumerate(SYMPTOM_IDS)}
    return PatientHistory(
        clinic_id=clinic.id,
        clinic_name=clinic.name,
        clinic_timezone=clinic.timezone,
        patient_id=patient.id,
        display_name=patient.display_name,
        record_number=patient.record_number,
        sex=str(patient.sex.value if hasattr(patient.sex, "value") else patient.sex),
        birth_year=patient.birth_year,
        treatment=str(patient.treatment.value if hasattr(patient.treatment, "value") else patient.treatment),
        planned_sessions=patient.planned_sessions,
        interval_days=patient.interval_days,
        baseline_date=patient.baseline_date,
        timezone=patient.timezone,
        created_at=patient.created_at,
        views=views,
        photos=photo_records,
        sessions=[
            SessionRecord(
                id=s.id,
                status=SessionStatus(s.status),
                scheduled_at=s.scheduled_at,
                performed_at=s.performed_at,
                treatment=str(s.treatment.value if hasattr(s.treatment, "value") else s.treatment),
                product=s.product,
                lot_number=s.lot_number,
                volume_ml=float(s.volume_ml) if s.volume_ml is not None else None,
                areas=tuple(s.areas or ()),
            )
            for s in sessions
        ],
        side_effects=[
            SideEffectRecord(
                id=r.id,
                session_id=r.injection_session_id,  # type: ignore[attr-defined]
                started_on=r.started_on,
                submitted_at=r.submitted_at,
                symptoms=tuple(
                    sorted(((s.symptom, s.severity) for s in r.symptoms), key=lambda item: order.get(item[0], len(order)))
                ),
                max_severity=r.max_severity,
                needed_medical_care=r.needed_medical_care,
                serious=r.serious,
                notes=r.notes,
                acknowledged_at=r.acknowledged_at,
            )
            for r in reports
        ],
        questionnaires=[
            QuestionnaireRecord(
                id=q.id,
                version=q.version,
                occasion_month=q.occasion_month,
                answered_at=q.answered_at,
                answers={a.question: a.value for a in q.answers},
            )
            for q in responses
        ],
        consensus=[
            ConsensusRecord(
                view=c.view, month=c.month, score=c.score, raters=c.raters, round_name=c.round_name, final=c.final,
                agreement=c.agreement, agreement_pairs=c.agreement_pairs, followup_taken_at=c.followup_taken_at,
            )
            for c in consensus
        ],
    )
