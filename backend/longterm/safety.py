"""Safety check-ins and why patients stop: what the patient is asked now, their answers, and the
clinic's record of them. The rules are pure and live in `shared.long_term`.

Something new felt becomes a side-effect report on the patient's most recent session, written by
`backend.reports.side_effects.submit` in the answer's transaction: the safety inbox, the serious
alerts (audit event and alert emails), the lot figures and the outcome facts see it as they see
every report.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime

import msgspec
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.checkins.models import CheckIn
from backend.injections.models import InjectionSession
from backend.longterm import settings as course_settings
from backend.longterm.models import SafetyAnswer, SafetyAnswerSession, StopReasonRecord
from backend.patients import service as patients
from backend.patients.changes import QuestionsAnswered, tell
from backend.patients.models import Patient
from backend.reports import side_effects
from backend.reports.models import SideEffectReport
from shared import long_term as rules
from shared.clock import local_today
from shared.contract.checkins import CheckInStatus
from shared.contract.injections import SessionStatus
from shared.contract.long_term import (
    LinkedSession,
    MySafetyQuestions,
    PatientLongTerm,
    SafetyAnswerCreate,
    SafetyAnswerOut,
    SafetyQuestion,
    StopQuestion,
    StopReasonCreate,
    StopReasonOut,
)
from shared.contract.reports import SideEffectReportCreate
from shared.errors import Conflict, ErrorCode, InvalidInput
from shared.schedule import checkin_window
from shared.symptoms import check_symptoms, is_serious

_REPORT_KEYS = uuid.UUID("5f2b7c1e-1d0c-4c43-9a43-6e0b9a4d2a71")  # uuid5 namespace: answer key -> report key


def _day(session: InjectionSession, zone: str) -> date:
    return local_today(zone, session.performed_at or session.scheduled_at)


async def _done_sessions(patient_id: uuid.UUID, now: datetime) -> list[InjectionSession]:
    sessions = await InjectionSession.filter(patient_id=patient_id, status=SessionStatus.DONE).order_by("scheduled_at")
    return [s for s in sessions if (s.performed_at or s.scheduled_at) <= now]


async def _open(patient: Patient, now: datetime) -> tuple[list[rules.OpenSafetyCheckIn], list[InjectionSession]]:
    setting = await course_settings.of_clinic(patient.clinic_id)  # type: ignore[attr-defined]
    sessions = await _done_sessions(patient.id, now)
    days = [_day(s, patient.timezone) for s in sessions]
    answered = set(await SafetyAnswer.filter(patient_id=patient.id).values_list("occasion_key", flat=True))
    today = local_today(patient.timezone, now)
    found = rules.open_safety_check_ins(patient.baseline_date, days, answered, setting.gap_months, setting.after_gap, today)
    return found, sessions


def _question(q: rules.OpenSafetyCheckIn) -> SafetyQuestion:
    after_course = q.occasion == rules.SafetyOccasion.AFTER_COURSE
    return SafetyQuestion(
        occasion=q.occasion, month=q.month, course_ends_on=q.course_ends_on, opens_on=q.opens_on, closes_on=q.closes_on,
        needs_photos=not after_course,
        question=(rules.SAFETY_CHECK_IN_INTRO.format(months=q.month) + " " if after_course else "") + rules.ANYTHING_NEW_QUESTION,
    )


async def _stop_question(patient: Patient, today: date) -> StopQuestion | None:
    """After the newest check-in whose last nudge has gone was missed, unless a reason came since it was due."""
    month = rules.stop_question_month(patient.baseline_date, today)
    if month is None:
        return None
    due_on = checkin_window(patient.baseline_date, month).opens_on
    done = await CheckIn.filter(patient_id=patient.id, month=month, status=CheckInStatus.COMPLETE).exists()
    told = await StopReasonRecord.filter(
        patient_id=patient.id, recorded_at__gte=datetime.combine(due_on, datetime.min.time(), UTC)
    ).exists()
    if done or told:
        return None
    return StopQuestion(
        missed_month=month, question=rules.STOP_QUESTION,
        reasons={r.value: rules.STOP_REASON_LABELS[r] for r in rules.StopReason},
    )


async def my_questions(principal: PatientPrincipal, now: datetime | None = None) -> MySafetyQuestions:
    """The safety questions open for the patient now, and the stop question after a missed check-in."""
    now = now or datetime.now(UTC)
    patient = await Patient.get(id=principal.patient_id)
    found, _ = await _open(patient, now)
    return MySafetyQuestions(
        questions=[_question(q) for q in found],
        stop_question=await _stop_question(patient, local_today(patient.timezone, now)),
    )


def _fingerprint(data: SafetyAnswerCreate) -> str:
    content = msgspec.structs.replace(
        data, idempotency_key=uuid.UUID(int=0), symptoms=sorted(data.symptoms, key=lambda s: (s.symptom, s.severity))
    )
    return hashlib.sha256(msgspec.json.encode(content)).hexdigest()


async def _answer_out(answer: SafetyAnswer, *, staff: bool) -> SafetyAnswerOut:
    links = await SafetyAnswerSession.filter(answer_id=answer.id).order_by("days_since", "id")
    report = await SideEffectReport.filter(id=answer.side_effect_report_id).first() if answer.side_effect_report_id else None  # type: ignore[attr-defined]
    return _out(answer, links, report, staff=staff)


def _out(answer: SafetyAnswer, links: list[SafetyAnswerSession], report: SideEffectReport | None, *, staff: bool) -> SafetyAnswerOut:
    return SafetyAnswerOut(
        id=answer.id, occasion=rules.SafetyOccasion(answer.occasion), month=answer.month,
        course_ends_on=answer.course_ends_on, anything_new=answer.anything_new, saw_doctor=answer.saw_doctor,
        side_effect_report_id=report.id if report else None, serious=bool(report and report.serious),
        clinic_alerted=bool(report and report.serious), answered_at=answer.answered_at,
        sessions=[
            LinkedSession(
                injection_session_id=link.injection_session_id,  # type: ignore[attr-defined]
                product=link.product, lot_number=link.lot_number if staff else None, days_since=link.days_since,
            )
            for link in links
        ],
    )


def _check(data: SafetyAnswerCreate) -> None:
    check_symptoms((s.symptom, s.severity) for s in data.symptoms)
    if not data.anything_new and (data.symptoms or data.saw_doctor or data.started_on):
        raise InvalidInput(
            "Nothing new was answered, so there can be no symptoms, start day or doctor's visit with it.",
            details={"field": "anything_new"},
        )
    if data.occasion not in rules.SafetyOccasion._value2member_map_:
        raise InvalidInput(f"{data.occasion!r} is not a safety check-in.", details={"field": "occasion"})


async def answer(
    principal: PatientPrincipal, data: SafetyAnswerCreate, now: datetime | None = None
) -> tuple[SafetyAnswerOut, bool]:
    """Store the patient's answer (True) or give back the one stored under its idempotency key (False).

    SAFETY_CHECK_IN_NOT_OPEN when the occasion is not open now or was answered already."""
    now = now or datetime.now(UTC)
    fingerprint = _fingerprint(data)
    stored = await SafetyAnswer.filter(patient_id=principal.patient_id, idempotency_key=data.idempotency_key).first()
    if stored is not None:
        if stored.request_sha256 != fingerprint:
            raise Conflict("A different answer was already sent with this idempotency key.", code=ErrorCode.IDEMPOTENCY_CONFLICT)
        return await _answer_out(stored, staff=False), False
    _check(data)
    patient = await Patient.get(id=principal.patient_id)
    found, sessions = await _open(patient, now)
    wanted = rules.occasion_key(data.occasion, data.month, data.course_ends_on) if (
        data.occasion == rules.SafetyOccasion.CHECKIN or data.course_ends_on is not None
    ) else None
    if wanted is None or wanted not in {q.key for q in found}:
        raise Conflict(
            "This safety check-in is not open: it has closed, is not due yet, or was answered already.",
            code=ErrorCode.SAFETY_CHECK_IN_NOT_OPEN,
            details={"open": [q.key for q in found]},
        )
    today = local_today(patient.timezone, now)
    recent = [s for s in sessions if (today - _day(s, patient.timezone)).days <= rules.LINK_SESSIONS_DAYS]
    try:
        async with in_transaction():
            report = None
            if data.anything_new:
                report, _ = await _report(principal, data, sessions[-1], today, now)
            row = await SafetyAnswer.create(
                clinic_id=principal.clinic_id, patient_id=principal.patient_id, idempotency_key=data.idempotency_key,
                request_sha256=fingerprint, occasion=data.occasion, month=data.month,
                course_ends_on=data.course_ends_on if data.occasion == rules.SafetyOccasion.AFTER_COURSE else None,
                occasion_key=wanted, anything_new=data.anything_new, saw_doctor=data.saw_doctor,
                side_effect_report_id=report.id if report else None, answered_at=now,
            )
            links = [
                SafetyAnswerSession(
                    answer=row, injection_session_id=s.id, product=s.product, lot_number=s.lot_number,
                    days_since=(today - _day(s, patient.timezone)).days,
                )
                for s in reversed(recent)
            ]
            await SafetyAnswerSession.bulk_create(links)
            if data.occasion == rules.SafetyOccasion.AFTER_COURSE:
                await tell(QuestionsAnswered(principal.patient_id, (rules.safety_reminder_key(wanted),)))
            await audit.record(
                principal, "safety_answer.create", "safety_answer", row.id, patient_id=principal.patient_id,
                detail={"occasion": wanted, "anything_new": data.anything_new, "serious": bool(report and report.serious)},
            )
    except IntegrityError:
        again = await SafetyAnswer.filter(patient_id=principal.patient_id, idempotency_key=data.idempotency_key).first()
        if again is None:
            raise Conflict("This safety check-in was answered already.", code=ErrorCode.SAFETY_CHECK_IN_NOT_OPEN) from None
        return await _answer_out(again, staff=False), False
    return _out(row, links, report, staff=False), True


async def _report(principal, data: SafetyAnswerCreate, latest: InjectionSession, today: date, now: datetime):
    """The side-effect report of a "yes, something new" answer, on the most recent session."""
    report_data = SideEffectReportCreate(
        idempotency_key=uuid.uuid5(_REPORT_KEYS, str(data.idempotency_key)),
        injection_session_id=latest.id,
        started_on=data.started_on or today,
        symptoms=data.symptoms,
        notes=data.notes,
        needed_medical_care=data.saw_doctor,
    )
    await side_effects.submit(principal, report_data, now)
    report = await SideEffectReport.get(patient_id=principal.patient_id, idempotency_key=report_data.idempotency_key)
    return report, is_serious([s.severity for s in data.symptoms], data.saw_doctor)


# --- why patients stop -----------------------------------------------------------------------


def _reason(value: str) -> rules.StopReason:
    if value not in rules.StopReason._value2member_map_:
        raise InvalidInput(
            f"{value[:40]!r} is not one of the reasons we ask about.", code=ErrorCode.STOP_REASON_UNKNOWN,
            details={"reason": value[:40], "allowed": [r.value for r in rules.StopReason]},
        )
    return rules.StopReason(value)


def _reason_out(row: StopReasonRecord, staff_name: str | None) -> StopReasonOut:
    reason = rules.StopReason(row.reason)
    return StopReasonOut(
        id=row.id, patient_id=row.patient_id, reason=reason, label=rules.STOP_REASON_LABELS[reason],  # type: ignore[attr-defined]
        note=row.note, source=row.source, recorded_by=staff_name, recorded_at=row.recorded_at,
    )


async def tell_stop_reason(principal: PatientPrincipal, data: StopReasonCreate, now: datetime | None = None) -> StopReasonOut:
    """The patient's one-tap answer to "why did you stop?"."""
    reason = _reason(data.reason)
    async with in_transaction():
        row = await StopReasonRecord.create(
            clinic_id=principal.clinic_id, patient_id=principal.patient_id, reason=reason.value, note=data.note,
            source="patient", recorded_at=now or datetime.now(UTC),
        )
        await audit.record(principal, "stop_reason.create", "stop_reason", row.id, patient_id=principal.patient_id,
                           detail={"reason": reason.value, "source": "patient"})
    return _reason_out(row, None)


async def record_stop_reason(
    principal: StaffPrincipal, patient_id: uuid.UUID, data: StopReasonCreate, now: datetime | None = None
) -> StopReasonOut:
    """A staff member records why the patient stopped (NotFound for another clinic's patient)."""
    reason = _reason(data.reason)
    patient = await patients.get_for_staff(principal, patient_id)
    async with in_transaction():
        row = await StopReasonRecord.create(
            clinic_id=principal.clinic_id, patient_id=patient.id, reason=reason.value, note=data.note,
            source="staff", recorded_by_id=principal.staff_id, recorded_at=now or datetime.now(UTC),
        )
        await audit.record(principal, "stop_reason.create", "stop_reason", row.id, patient_id=patient.id,
                           detail={"reason": reason.value, "source": "staff"})
    return _reason_out(row, principal.name)


async def long_term_of(principal: StaffPrincipal, patient_id: uuid.UUID) -> PatientLongTerm:
    """The patient's stop reasons and safety answers for the clinic, unaudited (callers audit)."""
    patient = await patients.get_for_staff(principal, patient_id)
    reasons = await StopReasonRecord.filter(patient_id=patient.id).order_by("-recorded_at", "-id").select_related("recorded_by")
    answers = await SafetyAnswer.filter(patient_id=patient.id).order_by("-answered_at", "-id")
    links: dict[uuid.UUID, list[SafetyAnswerSession]] = {a.id: [] for a in answers}
    for link in await SafetyAnswerSession.filter(answer_id__in=list(links)).order_by("days_since", "id"):
        links[link.answer_id].append(link)  # type: ignore[attr-defined]
    report_ids = [a.side_effect_report_id for a in answers if a.side_effect_report_id]  # type: ignore[attr-defined]
    reports = {r.id: r for r in await SideEffectReport.filter(id__in=report_ids)} if report_ids else {}
    out = [_reason_out(r, r.recorded_by.name if r.recorded_by else None) for r in reasons]
    return PatientLongTerm(
        patient_id=patient.id, stop_reason=out[0] if out else None, stop_reasons=out,
        safety_answers=[
            _out(a, links[a.id], reports.get(a.side_effect_report_id), staff=True)  # type: ignore[attr-defined]
            for a in answers
        ],
    )


async def view_long_term(principal: StaffPrincipal, patient_id: uuid.UUID) -> PatientLongTerm:
    """`long_term_of`, audited as a read of the patient's health information."""
    result = await long_term_of(principal, patient_id)
    await audit.read(principal, "long_term.view", patient_id=patient_id)
    return result


