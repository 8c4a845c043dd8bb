"""The periodic self-assessment: the patient answers it at baseline and every 3 months, and the
clinic reads the answers. Each answer keeps the questionnaire version it was given in."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import msgspec
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.patients import service as patients
from backend.patients.changes import ProgressRecorded, tell
from backend.patients.models import Patient
from backend.patients.schedule import patient_schedule
from backend.reports import due
from backend.reports.models import QuestionnaireAnswer, QuestionnaireResponse
from shared import questionnaire as hgq
from shared import report_schedule
from shared.clock import local_today
from shared.contract.reports import QuestionnaireAnswerOut, QuestionnaireOut, QuestionnaireSubmit
from shared.errors import Conflict, ErrorCode


def _out(response: QuestionnaireResponse, answers: list[QuestionnaireAnswer]) -> QuestionnaireOut:
    """Answers in the order and with the words of the version they were given in."""
    definition = hgq.VERSIONS.get(response.version)
    order = {q.id: i for i, q in enumerate(definition.questions)} if definition else {}

    def label(answer: QuestionnaireAnswer) -> str:
        question = definition.question(answer.question) if definition else None
        return question.scale.label(answer.value) if question else str(answer.value)

    return QuestionnaireOut(
        id=response.id,
        patient_id=response.patient_id,  # type: ignore[attr-defined]
        version=response.version,
        occasion_month=response.occasion_month,
        answered_at=response.answered_at,
        answers=[
            QuestionnaireAnswerOut(question=a.question, value=a.value, label=label(a))
            for a in sorted(answers, key=lambda a: (order.get(a.question, len(order)), a.question))
        ],
    )


def _fingerprint(data: QuestionnaireSubmit) -> str:
    content = {"version": data.version, "answers": sorted(data.answers.items())}
    return hashlib.sha256(msgspec.json.encode(content)).hexdigest()


async def _replay(principal: PatientPrincipal, key: uuid.UUID, fingerprint: str) -> QuestionnaireOut | None:
    response = await QuestionnaireResponse.filter(patient_id=principal.patient_id, idempotency_key=key).first()
    if response is None:
        return None
    if response.request_sha256 != fingerprint:
        raise Conflict(
            "Different answers were already sent with this idempotency key.", code=ErrorCode.IDEMPOTENCY_CONFLICT
        )
    await response.fetch_related("answers")
    return _out(response, list(response.answers))


def _already_answered(month: int) -> Conflict:
    return Conflict(
        "You have already answered this self-assessment. The next one comes in a few weeks.",
        code=ErrorCode.QUESTIONNAIRE_ALREADY_ANSWERED,
        details={"occasion_month": month},
    )


async def submit(
    principal: PatientPrincipal, data: QuestionnaireSubmit, now: datetime | None = None
) -> tuple[QuestionnaireOut, bool]:
    """Store the answers for the self-assessment open now (True), or give back the ones stored
    under the same idempotency key (False). Nothing is stored when any answer is refused."""
    now = now or datetime.now(UTC)
    fingerprint = _fingerprint(data)
    stored = await _replay(principal, data.idempotency_key, fingerprint)
    if stored is not None:
        return stored, False
    patient = await Patient.get(id=principal.patient_id)
    schedule = patient_schedule(patient, fallback=True)
    month = hgq.occasion_for(patient.baseline_date, local_today(schedule.timezone, now))
    answers = hgq.check_answers(data.version, month, data.answers)
    if await QuestionnaireResponse.filter(patient_id=patient.id, occasion_month=month).exists():
        raise _already_answered(month)
    try:
        async with in_transaction():
            response = await QuestionnaireResponse.create(
                clinic_id=principal.clinic_id,
                patient_id=patient.id,
                idempotency_key=data.idempotency_key,
                request_sha256=fingerprint,
                version=data.version,
                occasion_month=month,
                answered_at=now,
            )
            rows = [QuestionnaireAnswer(response=response, question=q, value=v) for q, v in answers.items()]
            await QuestionnaireAnswer.bulk_create(rows)
            await tell(ProgressRecorded(patient.id, "self_assessment"))
            await audit.record(
                principal, "questionnaire.submit", "questionnaire_response", response.id,
                patient_id=patient.id, detail={"version": data.version, "occasion_month": month},
            )
            await due.mark_answered(patient.id, [report_schedule.self_assessment_key(month)])
    except IntegrityError:
        # sent twice at once (same key), or a second answer for the month raced the first
        stored = await _replay(principal, data.idempotency_key, fingerprint)
        if stored is None:
            raise _already_answered(month) from None
        return stored, False
    return _out(response, rows), True


async def _list(patient_id: uuid.UUID) -> list[QuestionnaireOut]:
    responses = (
        await QuestionnaireResponse.filter(patient_id=patient_id)
        .order_by("occasion_month", "answered_at")
        .prefetch_related("answers")
    )
    return [_out(r, list(r.answers)) for r in responses]


async def list_own(principal: PatientPrincipal) -> list[QuestionnaireOut]:
    return await _list(principal.patient_id)


async def list_for_patient(principal: StaffPrincipal, patient_id: uuid.UUID) -> list[QuestionnaireOut]:
    """A patient's answered questionnaires; the read is audited (questionnaire.list)."""
    patient = await patients.get_for_staff(principal, patient_id)
    answered = await _list(patient.id)
    await audit.read(principal, "questionnaire.list", patient_id=patient.id, detail={"responses": len(answered)})
    return answered
