"""Patients of one clinic: add, find, change, delete. Every query is scoped to the clinic."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.clinics.models import Clinic
from backend.patients.models import Patient
from backend.patients.changes import ScheduleChanged, tell
from shared.clock import local_today
from shared.contract.patients import (
    Consent,
    HairLossProfile,
    PatientCreate,
    PatientOut,
    PatientPage,
    PatientSelf,
    PatientUpdate,
    ReminderPreferences,
    TreatmentPlan,
)
from shared.errors import Conflict, ErrorCode, InvalidInput, NotFound
from shared.hair_loss import Sex, SeverityGrade, check_birth_year, check_grade


log = logging.getLogger(__name__)

# changing any of these moves the patient's reminders
SCHEDULE_FIELDS = {"baseline_date", "timezone", "check_in_time", "quiet_hours_start", "quiet_hours_end"}


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{name!r} is not a known timezone (use a name like Europe/London).") from None
    return name


def patient_out(patient: Patient) -> PatientOut:
    return PatientOut(
        id=patient.id,
        clinic_id=patient.clinic_id,  # type: ignore[attr-defined]
        display_name=patient.display_name,
        record_number=patient.record_number,
        plan=_plan(patient),
        baseline_date=patient.baseline_date,
        timezone=patient.timezone,
        reminders=_reminders(patient),
        consent=Consent(care=patient.consent_care, research=patient.consent_research),
        profile=_profile(patient),
        enrolled=patient.enrolled_at is not None,
        created_at=patient.created_at,
    )


def _plan(patient: Patient) -> TreatmentPlan:
    return TreatmentPlan(
        treatment=patient.treatment, planned_sessions=patient.planned_sessions, interval_days=patient.interval_days
    )


def _profile(patient: Patient) -> HairLossProfile:
    grade = None
    if patient.grade_scale is not None and patient.grade is not None:
        grade = SeverityGrade(scale=patient.grade_scale, grade=patient.grade)
    return HairLossProfile(
        sex=Sex(patient.sex), birth_year=patient.birth_year, diagnosis=patient.diagnosis, baseline_grade=grade
    )


def _profile_fields(profile: HairLossProfile) -> dict[str, object]:
    """The profile's columns, checked: a birth year not in the future, a grade that exists on its scale."""
    grade = profile.baseline_grade
    if grade is not None:
        grade = check_grade(grade.scale, grade.grade)
    if profile.birth_year is not None:
        check_birth_year(profile.birth_year, datetime.now(UTC).year)
    return {
        "sex": profile.sex,
        "birth_year": profile.birth_year,
        "diagnosis": profile.diagnosis,
        "grade_scale": grade.scale if grade else None,
        "grade": grade.grade if grade else None,
    }


def _reminders(patient: Patient) -> ReminderPreferences:
    return ReminderPreferences(
        check_in_time=patient.check_in_time,
        quiet_hours_start=patient.quiet_hours_start,
        quiet_hours_end=patient.quiet_hours_end,
        push_enabled=patient.push_enabled,
    )


def _fields(data: PatientCreate | PatientUpdate) -> dict[str, object]:
    """Model fields for the parts of a create/update message that were sent."""
    values: dict[str, object] = {}
    for name in ("display_name", "record_number", "baseline_date"):
        if getattr(data, name) is not None:
            values[name] = getattr(data, name)
    if data.timezone is not None:
        values["timezone"] = check_timezone(data.timezone)
    if data.plan is not None:
        values.update(
            treatment=data.plan.treatment,
            planned_sessions=data.plan.planned_sessions,
            interval_days=data.plan.interval_days,
        )
    if data.reminders is not None:
        values.update(
            check_in_time=data.reminders.check_in_time,
            quiet_hours_start=data.reminders.quiet_hours_start,
            quiet_hours_end=data.reminders.quiet_hours_end,
            push_enabled=data.reminders.push_enabled,
        )
    if data.consent is not None:
        values.update(consent_care=data.consent.care, consent_research=data.consent.research)
    if data.profile is not None:
        values.update(_profile_fields(data.profile))
    return values


async def _ensure_record_number_free(clinic_id: uuid.UUID, record_number: str, *, except_id=None) -> None:
    query = Patient.filter(clinic_id=clinic_id, record_number=record_number)
    if except_id is not None:
        query = query.exclude(id=except_id)
    if await query.exists():
        raise Conflict(
            f"Record number {record_number} is already used by another patient of this clinic.",
            code=ErrorCode.RECORD_NUMBER_TAKEN,
        )


async def get_for_staff(principal: StaffPrincipal, patient_id: uuid.UUID) -> Patient:
    """The patient if they belong to the caller's clinic; NotFound otherwise (no existence leak)."""
    patient = await Patient.filter(id=patient_id, clinic_id=principal.clinic_id).first()
    if patient is None:
        raise NotFound("No such patient in your clinic.")
    return patient


async def create(principal: StaffPrincipal, data: PatientCreate) -> PatientOut:
    await _ensure_record_number_free(principal.clinic_id, data.record_number)
    async with in_transaction():
        patient = await Patient.create(clinic_id=principal.clinic_id, **_fields(data))
        await audit.record(principal, "patient.create", "patient", patient.id, patient_id=patient.id)
    return patient_out(patient)


async def update(principal: StaffPrincipal, patient_id: uuid.UUID, data: PatientUpdate) -> PatientOut:
    patient = await get_for_staff(principal, patient_id)
    values = _fields(data)
    if "record_number" in values:
        await _ensure_record_number_free(principal.clinic_id, str(values["record_number"]), except_id=patient.id)
    async with in_transaction():
        await patient.update_from_dict(values).save()
        await audit.record(
            principal, "patient.update", "patient", patient.id, patient_id=patient.id, detail={"fields": sorted(values)}
        )
        if values.keys() & SCHEDULE_FIELDS:
            await tell(ScheduleChanged(patient.id, check_preferences=True))
    return patient_out(patient)


async def record_for_staff(principal: StaffPrincipal, patient_id: uuid.UUID) -> PatientOut:
    """The patient's record, not audited: for pages that audit their own read (one event per read)."""
    return patient_out(await get_for_staff(principal, patient_id))


async def view(principal: StaffPrincipal, patient_id: uuid.UUID) -> PatientOut:
    """The patient's record for staff of their clinic; the read is audited (patient.view)."""
    patient = await record_for_staff(principal, patient_id)
    await audit.read(principal, "patient.view", patient_id=patient_id)
    return patient


async def search(
    principal: StaffPrincipal, *, text: str | None, offset: int, limit: int
) -> PatientPage:
    query = Patient.filter(clinic_id=principal.clinic_id)
    if text:
        query = query.filter(Q(display_name__icontains=text) | Q(record_number__icontains=text))
    total = await query.count()
    patients = await query.order_by("display_name", "id").offset(offset).limit(limit)
    await audit.read(
        principal, "patient.list", detail={"q": text or "", "offset": offset, "shown": len(patients), "total": total}
    )
    return PatientPage(items=[patient_out(p) for p in patients], total=total, offset=offset, limit=limit)


async def self_view(principal: PatientPrincipal) -> PatientSelf:
    patient = await Patient.get(id=principal.patient_id).select_related("clinic")
    clinic: Clinic = patient.clinic
    return PatientSelf(
        id=patient.id,
        display_name=patient.display_name,
        clinic_name=clinic.name,
        plan=_plan(patient),
        baseline_date=patient.baseline_date,
        timezone=patient.timezone,
        reminders=_reminders(patient),
        protocol_views=list(clinic.protocol_views),
        enrolled_on=local_today(patient.timezone, patient.enrolled_at) if patient.enrolled_at else None,
    )


async def update_own_reminders(principal: PatientPrincipal, reminders: ReminderPreferences) -> PatientSelf:
    async with in_transaction():
        await Patient.filter(id=principal.patient_id).update(
            check_in_time=reminders.check_in_time,
            quiet_hours_start=reminders.quiet_hours_start,
            quiet_hours_end=reminders.quiet_hours_end,
            push_enabled=reminders.push_enabled,
        )
        await audit.record(principal, "patient.reminders", "patient", principal.patient_id, patient_id=principal.patient_id)
        await tell(ScheduleChanged(principal.patient_id, check_preferences=True))
    return await self_view(principal)


# Hooks run inside the delete transaction before the rows go, as `hook(patient, actor)` (the staff
# member deleting). A hook that keeps things
# outside the database (photos in the store) returns an `async (store) -> None` that removes
# them once the transaction has committed (never before: a rollback would leave rows without
# their objects); whatever that misses, the photo sweep removes later.
DELETE_HOOKS: list = []


async def delete(principal: StaffPrincipal, patient_id: uuid.UUID, *, store: object = None) -> None:
    patient = await get_for_staff(principal, patient_id)
    after_commit = []
    async with in_transaction():
        for hook in DELETE_HOOKS:
            follow_up = await hook(patient, principal)
            if follow_up is not None:
                after_commit.append(follow_up)
        await patient.delete()
        await audit.record(
            principal, "patient.delete", "patient", patient_id, patient_id=patient_id,
            detail={"record_number": patient.record_number},
        )
    for follow_up in after_commit:
        try:
            await follow_up(store)
        except Exception:  # noqa: BLE001 - the rows are gone; the sweep removes what is left
            log.warning("patient %s deleted; some of their objects stay until the next sweep", patient_id, exc_info=True)
