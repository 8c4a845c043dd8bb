"""What each dashboard page shows, gathered from the feature services.

Nothing here decides a rule: tenancy, roles and validation stay in the services called. This
module only puts their answers together for a page, and adds the names a page needs beside ids.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from backend.longterm import safety as long_term
from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.clinics import service as clinics
from backend.clinics.models import StaffUser
from backend.checkins import timeline as photo_timeline
from backend.dashboard.timeline import TimelineGrid, build_grid
from backend.enrolment import service as enrolment
from backend.injections import service as injections
from backend.patients import service as patients
from backend.patients import status
from backend.patients.models import Patient
from backend.records import alert_emails, deletion
from backend.photos import service as photo_service
from backend.photos.context import PhotoContext
from backend.reports import inbox, side_effects
from backend.audit_log import service as audit_trail
from backend.audit_log.filters import AuditFilter
from shared.contract.long_term import PatientLongTerm
from shared.contract.audit import AuditPage
from shared.contract.checkins import PhotoOut
from shared.contract.clinics import ClinicOut
from shared.contract.injections import InjectionCreate, InjectionOut, InjectionUpdate, SessionStatus
from shared.contract.patients import DeviceOut, InviteOut, PatientOut
from shared.contract.records import DeletionRequestOut
from shared.contract.reports import ReportAnnotationCreate, SideEffectReportOut, SideEffectReportPage
from shared.errors import ErrorCode, InvalidInput


@dataclass(frozen=True)
class ClinicClock:
    """The clinic and what 'now' and 'today' are there."""

    clinic: ClinicOut
    now: datetime

    @property
    def tz(self) -> str:
        return self.clinic.timezone

    @property
    def today(self) -> date:
        return self.now.astimezone(ZoneInfo(self.clinic.timezone)).date()


async def clinic_clock(principal: StaffPrincipal) -> ClinicClock:
    return ClinicClock(await clinics.get_clinic(principal), datetime.now(UTC))


@dataclass(frozen=True)
class PatientListPage:
    clock: ClinicClock
    listing: status.PatientStatusPage
    email_trouble: alert_emails.ClinicEmailTrouble | None = None


async def patient_list(
    principal: StaffPrincipal, *, text: str | None, show: status.ListFilter, sort: status.ListSort, page: int, per_page: int
) -> PatientListPage:
    clock = await clinic_clock(principal)
    listing = await status.patient_list(
        principal, today=clock.today, now=clock.now, text=text, show=show, sort=sort, page=page, per_page=per_page
    )
    return PatientListPage(clock, listing, await alert_emails.failed_for_clinic(principal.clinic_id))


@dataclass(frozen=True)
class PatientPage:
    clock: ClinicClock
    patient: PatientOut
    sessions: list[InjectionOut]
    invites: list[InviteOut]
    devices: list[DeviceOut]
    timeline: TimelineGrid
    side_effects: list[SideEffectReportOut]
    deletion_request: DeletionRequestOut | None = None
    report_emails: dict[uuid.UUID, list[alert_emails.EmailStatus]] = field(default_factory=dict)
    long_term: PatientLongTerm | None = None  # stop reasons and safety answers (backend/longterm)

    @property
    def open_invite(self) -> InviteOut | None:
        now = self.clock.now
        for invite in self.invites:
            if invite.used_at is None and invite.revoked_at is None and invite.expires_at > now:
                return invite
        return None

    @property
    def sessions_done(self) -> int:
        return sum(1 for s in self.sessions if s.status == SessionStatus.DONE)

    @property
    def next_session(self) -> InjectionOut | None:
        upcoming = [s for s in self.sessions if s.status == SessionStatus.SCHEDULED and s.scheduled_at >= self.clock.now]
        return min(upcoming, key=lambda s: s.scheduled_at, default=None)


async def patient_page(
    principal: StaffPrincipal, patient_id: uuid.UUID, public_url: str, photos: PhotoContext
) -> PatientPage:
    """Everything the patient page shows: the record, sessions, side-effect reports and photo
    timeline. The whole page is one read and one audit event (patient.view, via the dashboard,
    naming the photos and reports shown)."""
    patient = await patients.record_for_staff(principal, patient_id)
    clock = await clinic_clock(principal)
    sessions = await injections.sessions_of(principal, patient_id)
    reports = await side_effects.reports_of(principal, patient_id)
    shown_timeline, photo_ids = await photo_timeline.read_for_staff(principal, patient_id, photos)
    timeline = build_grid(shown_timeline, today=clock.today, side_effects=reports)
    await audit.read(
        principal, "patient.view", patient_id=patient_id,
        detail={"via": "dashboard", "photos": photo_ids, "side_effects": [str(r.id) for r in reports], "sessions": len(sessions)},
    )
    return PatientPage(
        clock=clock,
        patient=patient,
        sessions=sessions,
        invites=await enrolment.list_invites(principal, patient_id, public_url),
        devices=await enrolment.list_devices(principal, patient_id),
        timeline=timeline,
        side_effects=reports,
        deletion_request=await deletion.for_staff(principal, patient_id),
        report_emails=await alert_emails.for_reports(principal.clinic_id, [r.id for r in reports]),
        long_term=await long_term.long_term_of(principal, patient_id),
    )


@dataclass(frozen=True)
class PhotoPage:
    clock: ClinicClock
    patient: PatientOut
    photos: list[PhotoOut]  # one to show large, or two to compare (earlier month first)


async def photo_page(principal: StaffPrincipal, photo_ids: list[uuid.UUID], photos: PhotoContext) -> PhotoPage:
    """One photo shown large, or two of the same view to compare; each photo shown is audited."""
    if len(photo_ids) not in (1, 2) or len(set(photo_ids)) != len(photo_ids):
        raise InvalidInput("Pick two different photos to compare.")
    shown = [await photo_service.staff_photo(principal, photo_id, photos) for photo_id in photo_ids]
    if len({p.patient_id for p in shown}) != 1:
        raise InvalidInput("Both photos must be of the same patient.")
    if len({p.view for p in shown}) != 1:
        raise InvalidInput("Compare two photos of the same view.")
    shown.sort(key=lambda p: (p.checkin_month, p.captured_at))
    # the photos' own events record this read; the record gives the page its heading only
    return PhotoPage(await clinic_clock(principal), await patients.record_for_staff(principal, shown[0].patient_id), shown)


async def record_session(
    principal: StaffPrincipal, patient_id: uuid.UUID, session: InjectionCreate, follow_up: InjectionCreate | None
) -> InjectionOut:
    """Record a session and, when asked, schedule the next one (which drives the reminders)."""
    recorded = await injections.create(principal, patient_id, session)
    if follow_up is not None:
        await injections.create(principal, patient_id, follow_up)
    return recorded


async def update_session(principal: StaffPrincipal, session_id: uuid.UUID, change: InjectionUpdate) -> InjectionOut:
    return await injections.update(principal, session_id, change)


async def session_for_edit(principal: StaffPrincipal, session_id: uuid.UUID) -> tuple[InjectionOut, PatientOut]:
    """A session and its patient, not audited (the change that follows is)."""
    session = injections.injection_out(await injections.get_for_staff(principal, session_id))
    return session, await patients.record_for_staff(principal, session.patient_id)


async def session_form(principal: StaffPrincipal, session_id: uuid.UUID) -> tuple[InjectionOut, PatientOut]:
    """A session shown in its form; the read is audited (injection.view)."""
    session, patient = await session_for_edit(principal, session_id)
    await audit.read(principal, "injection.view", patient_id=patient.id, subject=("injection_session", session.id))
    return session, patient


@dataclass(frozen=True)
class LotHit:
    session: InjectionOut
    patient_name: str
    record_number: str
    reports: inbox.ReportCounts = inbox.ReportCounts()  # side-effect reports after this session


async def lot_search(principal: StaffPrincipal, lot_number: str) -> tuple[ClinicClock, list[LotHit]]:
    """Every session of the clinic that used the lot, with who received it and what they reported."""
    clock = await clinic_clock(principal)
    sessions = await injections.find_by_lot(principal, lot_number)
    people = await _patient_names(principal, {s.patient_id for s in sessions})
    reports = await inbox.counts_by_session(principal, (s.id for s in sessions))
    hits = [
        LotHit(s, *people.get(s.patient_id, ("(deleted patient)", "")), reports.get(s.id, inbox.ReportCounts()))
        for s in sessions
    ]
    return clock, hits


async def _patient_names(principal: StaffPrincipal, ids: set[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    if not ids:
        return {}
    rows = await Patient.filter(clinic_id=principal.clinic_id, id__in=list(ids)).values_list(
        "id", "display_name", "record_number"
    )
    return {row[0]: (row[1], row[2]) for row in rows}


async def patient_for_record(principal: StaffPrincipal, record_number: str) -> uuid.UUID:
    """The clinic's patient with this record number (any case), for the audit log's filter."""
    typed = record_number.strip()
    found = await Patient.filter(clinic_id=principal.clinic_id, record_number__iexact=typed).values_list("id", flat=True)
    if not found:
        raise InvalidInput(
            f"No patient of this clinic has the record number {typed}.",
            code=ErrorCode.FILTER_VALUE_UNKNOWN,
            details={"field": "record", "value": typed[:40]},
        )
    return found[0]


@dataclass(frozen=True)
class AuditLogPage:
    clock: ClinicClock
    events: AuditPage
    staff_names: dict[uuid.UUID, str]
    patient_names: dict[uuid.UUID, tuple[str, str]]
    staff_members: list[tuple[uuid.UUID, str]] = field(default_factory=list)  # the "who" filter's choices


async def audit_log(principal: StaffPrincipal, where: AuditFilter, *, clock: ClinicClock, offset: int, limit: int) -> AuditLogPage:
    events = await audit_trail.list_events(principal.clinic_id, where, offset=offset, limit=limit)
    members = await StaffUser.filter(clinic_id=principal.clinic_id).order_by("name", "id").values_list("id", "name")
    names = {row[0]: row[1] for row in members}
    ids = {e.patient_id for e in events.items if e.patient_id} | ({where.patient_id} if where.patient_id else set())
    patient_names = await _patient_names(principal, ids)
    return AuditLogPage(clock, events, names, patient_names, [(row[0], row[1]) for row in members])


@dataclass(frozen=True)
class SideEffectInbox:
    clock: ClinicClock
    reports: SideEffectReportPage
    page: int
    per_page: int
    network_signals: list = field(default_factory=list)  # lots the network flagged that the clinic used

    @property
    def pages(self) -> int:
        return max(1, -(-self.reports.total // self.per_page))


async def side_effect_inbox(
    principal: StaffPrincipal, filters: inbox.InboxFilters, *, page: int, per_page: int
) -> SideEffectInbox:
    """The clinic's side-effect reports for the inbox page, serious unacknowledged ones first."""
    clock = await clinic_clock(principal)
    reports = await inbox.reports_for_inbox(
        principal, filters, timezone=clock.tz, offset=(page - 1) * per_page, limit=per_page
    )
    from backend.network.service import signals_for

    return SideEffectInbox(clock, reports, page, per_page, await signals_for(principal.clinic_id))


@dataclass(frozen=True)
class SideEffectReportView:
    """One report as the patient page shows it (same fields, so the same template draws it)."""

    clock: ClinicClock
    side_effects: list[SideEffectReportOut]
    report_emails: dict[uuid.UUID, list[alert_emails.EmailStatus]]

    @property
    def report(self) -> SideEffectReportOut:
        return self.side_effects[0]


async def side_effect_report(principal: StaffPrincipal, report_id: uuid.UUID) -> SideEffectReportView:
    report = await side_effects.view(principal, report_id)
    emails = await alert_emails.for_reports(principal.clinic_id, [report.id])
    return SideEffectReportView(await clinic_clock(principal), [report], emails)


async def acknowledge_report(principal: StaffPrincipal, report_id: uuid.UUID) -> SideEffectReportOut:
    return await side_effects.acknowledge(principal, report_id)


async def annotate_report(principal: StaffPrincipal, report_id: uuid.UUID, note: ReportAnnotationCreate) -> SideEffectReportOut:
    return await side_effects.annotate(principal, report_id, note)

