"""A patient's check-ins as the patient and their clinic read them, and the moment a check-in
is complete (every view of its protocol has a ready photo)."""

from __future__ import annotations

import uuid

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.checkins.models import CheckIn
from backend.checkins.output import checkin_out
from backend.checkins.protocol import protocol_of
from backend.patients import service as patients
from backend.patients.changes import CheckInCompleted, tell
from backend.patients.models import Patient
from backend.photos.models import Photo
from shared.clock import local_today, utcnow
from shared.contract.checkins import CheckInOut, CheckInStatus, MyCheckIns, PhotoStatus
from shared.schedule import checkin_month_for


async def _checkins_of(patient_id: uuid.UUID) -> list[CheckInOut]:
    checkins = await CheckIn.filter(patient_id=patient_id).order_by("month")
    photos = await Photo.filter(patient_id=patient_id)
    by_checkin: dict[uuid.UUID, list[Photo]] = {}
    for photo in photos:
        by_checkin.setdefault(photo.checkin_id, []).append(photo)  # type: ignore[attr-defined]
    return [checkin_out(c, by_checkin.get(c.id, [])) for c in checkins]


async def my_checkins(principal: PatientPrincipal) -> MyCheckIns:
    patient = await Patient.get(id=principal.patient_id).select_related("clinic")
    items = await _checkins_of(patient.id)
    return MyCheckIns(
        baseline_date=patient.baseline_date,
        protocol_views=protocol_of(patient.clinic),
        current_month=checkin_month_for(patient.baseline_date, local_today(patient.timezone)),
        completed_months=[c.month for c in items if c.status == CheckInStatus.COMPLETE],
        items=items,
    )


async def patient_checkins(principal: StaffPrincipal, patient_id: uuid.UUID) -> list[CheckInOut]:
    """A patient's check-ins for staff; the read is audited (checkin.list)."""
    patient = await patients.get_for_staff(principal, patient_id)
    checkins = await _checkins_of(patient.id)
    await audit.read(principal, "checkin.list", patient_id=patient.id, detail={"checkins": len(checkins)})
    return checkins


async def complete_if_done(checkin_id: uuid.UUID) -> None:
    """Inside the transaction that made a photo ready: when every view of its check-in has a
    ready photo, the check-in is complete (once) and the month's reminders stop."""
    checkin = await CheckIn.get(id=checkin_id)
    if checkin.status == CheckInStatus.COMPLETE:
        return
    ready = set(
        await Photo.filter(checkin_id=checkin.id, status=PhotoStatus.READY).values_list("view", flat=True)
    )
    if not set(checkin.views) <= ready:
        return
    now = utcnow()
    if await CheckIn.filter(id=checkin.id, status=CheckInStatus.OPEN).update(
        status=CheckInStatus.COMPLETE, completed_at=now
    ):
        await tell(CheckInCompleted(checkin.patient_id, checkin.month, now))  # type: ignore[attr-defined]
