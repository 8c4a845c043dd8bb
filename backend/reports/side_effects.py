"""Side-effect reports: the patient sends them after an injection, the clinic lists, filters,
annotates and acknowledges them. A serious report alerts the clinic and is never deleted."""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import UTC, datetime, timedelta

import msgspec
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Case, Q, RawSQL, When
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.injections.models import InjectionSession
from backend.patients import service as patients
from backend.patients.changes import ProgressRecorded, tell
from backend.patients.models import Patient
from backend.patients.schedule import patient_schedule
from backend.reports import due
from backend.reports.models import ReportAnnotation, SideEffectReport, SideEffectSymptom
from shared import report_schedule
from shared.clock import local_today
from shared.contract.injections import SessionStatus
from shared.contract.patients import Treatment
from shared.contract.reports import (
    MySideEffectReport,
    ReportAnnotationCreate,
    ReportAnnotationOut,
    SideEffectReportCreate,
    SideEffectReportOut,
    SideEffectReportPage,
    SymptomSeverity,
)
from shared.errors import Conflict, ErrorCode, InvalidInput, NotFound
from shared.symptoms import SYMPTOM_IDS, check_symptoms, is_serious

log = logging.getLogger(__name__)

# a phone a timezone ahead of the patient's record may send "tomorrow" as the start day
START_DAY_SLACK = timedelta(days=1)

# `await hook(report, now)` for each serious report, inside the report's transaction (the records
# feature writes its alert emails to the outbox here), without this module importing it
SERIOUS_REPORT_HOOKS: list = []


# --- what callers see ------------------------------------------------------------------------


def _symptoms(rows: list[SideEffectSymptom]) -> list[SymptomSeverity]:
    order = {s: i for i, s in enumerate(SYMPTOM_IDS)}
    return [
        SymptomSeverity(symptom=r.symptom, severity=r.severity)
        for r in sorted(rows, key=lambda r: order.get(r.symptom, len(order)))
    ]


def _injected_at(session: InjectionSession) -> datetime:
    return session.performed_at or session.scheduled_at


def _mine(report: SideEffectReport, session: InjectionSession, symptoms: list[SideEffectSymptom]) -> MySideEffectReport:
    return MySideEffectReport(
        id=report.id,
        injection_session_id=session.id,
        injected_at=_injected_at(session),
        product=session.product,
        started_on=report.started_on,
        symptoms=_symptoms(symptoms),
        notes=report.notes,
        needed_medical_care=report.needed_medical_care,
        clinic_alerted=report.serious,
        seen_by_clinic=report.acknowledged_at is not None,
        submitted_at=report.submitted_at,
    )


def _for_staff(report: SideEffectReport) -> SideEffectReportOut:
    """The clinic's view; needs injection_session, patient and acknowledged_by selected and
    symptoms and annotations prefetched (see `_staff_query`)."""
    session: InjectionSession = report.injection_session
    patient: Patient = report.patient
    annotations = sorted(report.annotations, key=lambda a: (a.created_at, str(a.id)))
    return SideEffectReportOut(
        id=report.id,
        patient_id=patient.id,
        patient_name=patient.display_name,
        record_number=patient.record_number,
        injection_session_id=session.id,
        injected_at=_injected_at(session),
        treatment=Treatment(session.treatment),
        product=session.product,
        lot_number=session.lot_number,
        started_on=report.started_on,
        symptoms=_symptoms(list(report.symptoms)),
        max_severity=report.max_severity,
        notes=report.notes,
        needed_medical_care=report.needed_medical_care,
        serious=report.serious,
        submitted_at=report.submitted_at,
        acknowledged_at=report.acknowledged_at,
        acknowledged_by=report.acknowledged_by.name if report.acknowledged_by else None,
        annotations=[
            ReportAnnotationOut(id=a.id, author_name=a.author_name, text=a.text, created_at=a.created_at)
            for a in annotations
        ],
    )


def _staff_query(query: QuerySet[SideEffectReport]) -> QuerySet[SideEffectReport]:
    # three queries for any page: the reports with their session and patient, then symptoms, then notes
    return query.select_related("injection_session", "patient", "acknowledged_by").prefetch_related(
        "symptoms", "annotations"
    )


# --- the patient -----------------------------------------------------------------------------


def _fingerprint(data: SideEffectReportCreate) -> str:
    """The report's content, independent of the order the symptoms were listed in."""
    content = msgspec.structs.replace(
        data,
        idempotency_key=uuid.UUID(int=0),
        symptoms=sorted(data.symptoms, key=lambda s: (s.symptom, s.severity)),
    )
    return hashlib.sha256(msgspec.json.encode(content)).hexdigest()


async def _replay(principal: PatientPrincipal, key: uuid.UUID, fingerprint: str) -> MySideEffectReport | None:
    """The stored report for a repeated idempotency key; IDEMPOTENCY_CONFLICT if its content differs."""
    report = await SideEffectReport.filter(patient_id=principal.patient_id, idempotency_key=key).first()
    if report is None:
        return None
    if report.request_sha256 != fingerprint:
        raise Conflict(
            "A different report was already sent with this idempotency key.", code=ErrorCode.IDEMPOTENCY_CONFLICT
        )
    await report.fetch_related("injection_session", "symptoms")
    return _mine(report, report.injection_session, list(report.symptoms))


def _check_dates(data: SideEffectReportCreate, session: InjectionSession, patient: Patient, now: datetime) -> None:
    schedule = patient_schedule(patient, fallback=True)
    if session.status == SessionStatus.CANCELLED or _injected_at(session) > now:
        raise Conflict(
            "That injection has not been given, so there is nothing to report on yet.",
            code=ErrorCode.INJECTION_NOT_GIVEN,
        )
    injection_day = _injected_at(session).astimezone(schedule.zone).date()
    if data.started_on < injection_day:
        raise InvalidInput(
            "The side effects cannot have started before the injection.",
            details={"field": "started_on", "injection_day": injection_day.isoformat()},
        )
    if data.started_on > local_today(schedule.timezone, now) + START_DAY_SLACK:
        raise InvalidInput("The start day cannot be in the future.", details={"field": "started_on"})


async def submit(
    principal: PatientPrincipal, data: SideEffectReportCreate, now: datetime | None = None
) -> tuple[MySideEffectReport, bool]:
    """Store the patient's report (True) or give back the one stored under its idempotency key (False).

    NotFound for an injection session that is not the patient's, whoever's it is.
    """
    now = now or datetime.now(UTC)
    fingerprint = _fingerprint(data)
    stored = await _replay(principal, data.idempotency_key, fingerprint)
    if stored is not None:
        return stored, False
    checked = check_symptoms((s.symptom, s.severity) for s in data.symptoms)
    session = await InjectionSession.filter(id=data.injection_session_id, patient_id=principal.patient_id).first()
    if session is None:
        raise NotFound("You have no injection session with this id.", details={"field": "injection_session_id"})
    patient = await Patient.get(id=principal.patient_id)
    _check_dates(data, session, patient, now)
    max_severity = max(checked.values(), default=0)
    serious = is_serious(checked.values(), data.needed_medical_care)
    try:
        async with in_transaction():
            report = await SideEffectReport.create(
                clinic_id=principal.clinic_id,
                patient_id=principal.patient_id,
                injection_session=session,
                idempotency_key=data.idempotency_key,
                request_sha256=fingerprint,
                started_on=data.started_on,
                notes=data.notes,
                needed_medical_care=data.needed_medical_care,
                max_severity=int(max_severity),
                serious=serious,
                submitted_at=now,
            )
            symptoms = [
                SideEffectSymptom(report=report, symptom=symptom.value, severity=int(severity))
                for symptom, severity in checked.items()
            ]
            await SideEffectSymptom.bulk_create(symptoms)
            await tell(ProgressRecorded(principal.patient_id, "side_effect"))
            detail = {
                "injection_session_id": str(session.id),
                "lot_number": session.lot_number,
                "max_severity": int(max_severity),
                "needed_medical_care": data.needed_medical_care,
                "serious": serious,
            }
            await audit.record(
                principal, "side_effect.create", "side_effect_report", report.id,
                patient_id=principal.patient_id, detail=detail,
            )
            if serious:
                # the event staff are notified of; the unacknowledged report is the dashboard's alert
                await audit.record(
                    None, "side_effect.serious", "side_effect_report", report.id,
                    clinic_id=principal.clinic_id, patient_id=principal.patient_id, detail=detail,
                )
                for hook in SERIOUS_REPORT_HOOKS:
                    await hook(report, now)
            schedule = patient_schedule(patient, fallback=True)
            await due.mark_answered(
                principal.patient_id,
                report_schedule.check_ins_answered(
                    schedule, due.session_info(session), local_today(schedule.timezone, now)
                ),
            )
    except IntegrityError:
        # the same key sent twice at once: the other request stored it
        stored = await _replay(principal, data.idempotency_key, fingerprint)
        if stored is None:
            raise
        return stored, False
    if serious:
        log.warning("serious side-effect report %s for clinic %s", report.id, principal.clinic_id)
    return _mine(report, session, symptoms), True


async def list_own(principal: PatientPrincipal) -> list[MySideEffectReport]:
    reports = (
        await SideEffectReport.filter(patient_id=principal.patient_id)
        .order_by("-submitted_at", "-id")
        .select_related("injection_session")
        .prefetch_related("symptoms")
    )
    return [_mine(r, r.injection_session, list(r.symptoms)) for r in reports]


# --- the clinic ------------------------------------------------------------------------------


async def _get_for_staff(principal: StaffPrincipal, report_id: uuid.UUID) -> SideEffectReport:
    report = await _staff_query(SideEffectReport.filter(id=report_id, clinic_id=principal.clinic_id)).first()
    if report is None:
        raise NotFound("No such side-effect report in your clinic.")
    return report


async def view(principal: StaffPrincipal, report_id: uuid.UUID) -> SideEffectReportOut:
    """One report for staff of the patient's clinic; the read is audited (side_effect.view)."""
    report = _for_staff(await _get_for_staff(principal, report_id))
    await audit.read(
        principal, "side_effect.view", patient_id=report.patient_id, subject=("side_effect_report", report.id),
        detail={"serious": report.serious},
    )
    return report


async def reports_of(principal: StaffPrincipal, patient_id: uuid.UUID) -> list[SideEffectReportOut]:
    """A patient's reports, newest first, not audited: for pages that audit their own read."""
    patient = await patients.get_for_staff(principal, patient_id)
    reports = await _staff_query(SideEffectReport.filter(patient_id=patient.id).order_by("-submitted_at", "-id"))
    return [_for_staff(r) for r in reports]


async def list_for_patient(principal: StaffPrincipal, patient_id: uuid.UUID) -> list[SideEffectReportOut]:
    """A patient's reports; the read is audited (side_effects.list, filtered to the patient)."""
    reports = await reports_of(principal, patient_id)
    await audit.read(principal, "side_effects.list", patient_id=patient_id, detail={"reports": len(reports)})
    return reports


async def search(
    principal: StaffPrincipal,
    *,
    action: str = "side_effects.list",
    lot: str | None = None,
    treatment: Treatment | None = None,
    serious: bool | None = None,
    acknowledged: bool | None = None,
    min_severity: int | None = None,
    submitted_from: datetime | None = None,
    submitted_before: datetime | None = None,
    needs_review_first: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> SideEffectReportPage:
    """The clinic's reports, newest first: by product lot (exact, any case), treatment given,
    seriousness, whether staff have acknowledged them, the worst severity (at least) and when
    they were sent (from inclusive, before exclusive). `needs_review_first` puts serious reports
    nobody has acknowledged yet ahead of the rest."""
    query = SideEffectReport.filter(clinic_id=principal.clinic_id)
    if lot is not None and lot.strip():
        query = query.filter(injection_session__lot_number__iexact=lot.strip())
    if treatment is not None:
        query = query.filter(injection_session__treatment=treatment)
    if serious is not None:
        query = query.filter(serious=serious)
    if acknowledged is not None:
        query = query.filter(acknowledged_at__isnull=not acknowledged)
    if min_severity is not None:
        query = query.filter(max_severity__gte=min_severity)
    if submitted_from is not None:
        query = query.filter(submitted_at__gte=submitted_from)
    if submitted_before is not None:
        query = query.filter(submitted_at__lt=submitted_before)
    total = await query.count()
    order = ["-submitted_at", "-id"]
    if needs_review_first:
        query = query.annotate(
            needs_review=Case(When(Q(serious=True, acknowledged_at__isnull=True), then=RawSQL("1")), default=RawSQL("0"))
        )
        order = ["-needs_review", *order]
    reports = await _staff_query(query.order_by(*order).offset(offset).limit(limit))
    where = {
        "lot": lot, "treatment": treatment, "serious": serious, "acknowledged": acknowledged, "min_severity": min_severity,
        "submitted_from": submitted_from.isoformat() if submitted_from else None,
        "submitted_before": submitted_before.isoformat() if submitted_before else None,
    }
    # one event for the list, naming its filter: never one per report shown
    await audit.read(
        principal, action,
        detail={"filter": {k: v for k, v in where.items() if v is not None}, "offset": offset, "shown": len(reports), "total": total},
    )
    return SideEffectReportPage(items=[_for_staff(r) for r in reports], total=total, offset=offset, limit=limit)


async def alerts(principal: StaffPrincipal, *, offset: int = 0, limit: int = 50) -> SideEffectReportPage:
    """Serious reports no one in the clinic has acknowledged yet: the dashboard's alert list."""
    return await search(principal, action="side_effects.alerts", serious=True, acknowledged=False, offset=offset, limit=limit)


async def annotate(principal: StaffPrincipal, report_id: uuid.UUID, data: ReportAnnotationCreate) -> SideEffectReportOut:
    report = await _get_for_staff(principal, report_id)
    async with in_transaction():
        note = await ReportAnnotation.create(
            report=report, author_id=principal.staff_id, author_name=principal.name, text=data.text
        )
        await audit.record(
            principal, "side_effect.annotate", "side_effect_report", report.id,
            patient_id=report.patient.id, detail={"annotation_id": str(note.id), "serious": report.serious},
        )
    return await view(principal, report_id)


async def acknowledge(principal: StaffPrincipal, report_id: uuid.UUID, now: datetime | None = None) -> SideEffectReportOut:
    """Mark the report seen by the clinic (it leaves the alert list). Acknowledging again changes nothing."""
    report = await _get_for_staff(principal, report_id)
    async with in_transaction():
        changed = await SideEffectReport.filter(id=report.id, acknowledged_at__isnull=True).update(
            acknowledged_at=now or datetime.now(UTC), acknowledged_by_id=principal.staff_id
        )
        if changed:
            await audit.record(
                principal, "side_effect.acknowledge", "side_effect_report", report.id,
                patient_id=report.patient.id, detail={"serious": report.serious},
            )
    return await view(principal, report_id)


# --- when an admin deletes the patient ------------------------------------------------------


async def _before_patient_delete(patient: Patient, actor: object = None) -> None:
    """Deleting a patient erases their reports with them; keep a trace without health details,
    so a product lot's serious events are still counted after the patient is gone."""
    rows = await SideEffectReport.filter(patient_id=patient.id).values_list(
        "serious", "injection_session__lot_number"
    )
    if rows:
        await audit.record(
            None, "side_effect.erased_with_patient", "patient", patient.id,
            clinic_id=patient.clinic_id, patient_id=patient.id,  # type: ignore[attr-defined]
            detail={
                "reports": len(rows),
                "serious": sum(1 for serious, _ in rows if serious),
                "serious_lots": sorted({lot for serious, lot in rows if serious and lot}),
            },
        )


if _before_patient_delete not in patients.DELETE_HOOKS:
    patients.DELETE_HOOKS.append(_before_patient_delete)
