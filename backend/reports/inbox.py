"""The clinic's safety inbox: every side-effect report with the ones that need review first, the
unacknowledged counts every dashboard page shows, and report counts by lot and session.

Reading reports for staff goes through `reports_for_inbox` so the inbox has one place where a
read is made (and could be recorded)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.functions import Count

from backend.auth.principal import StaffPrincipal
from backend.reports import side_effects
from backend.reports.models import SideEffectReport
from shared.contract.patients import Treatment
from shared.contract.reports import SideEffectReportPage


@dataclass(frozen=True)
class UnacknowledgedCounts:
    """Reports no one in the clinic has acknowledged yet, and how many of them are serious."""

    total: int = 0
    serious: int = 0


async def unacknowledged_counts(clinic_id: uuid.UUID) -> UnacknowledgedCounts:
    """One grouped query on the (clinic, serious, acknowledged) index: it runs on every page."""
    rows = (
        await SideEffectReport.filter(clinic_id=clinic_id, acknowledged_at__isnull=True)
        .annotate(n=Count("id"))
        .group_by("serious")
        .values_list("serious", "n")
    )
    by_kind = {bool(serious): int(n) for serious, n in rows}
    return UnacknowledgedCounts(total=sum(by_kind.values()), serious=by_kind.get(True, 0))


@dataclass(frozen=True)
class InboxFilters:
    """What the inbox is narrowed to; None is 'any'. Days are the clinic's calendar days."""

    lot: str | None = None
    treatment: Treatment | None = None
    min_severity: int | None = None
    serious: bool | None = None
    acknowledged: bool | None = None
    reported_from: date | None = None
    reported_to: date | None = None  # inclusive


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone)


async def reports_for_inbox(
    principal: StaffPrincipal, filters: InboxFilters, *, timezone: str, offset: int, limit: int
) -> SideEffectReportPage:
    """The clinic's reports matching the filters: serious unacknowledged ones first, then newest."""
    zone = ZoneInfo(timezone)
    return await side_effects.search(
        principal,
        action="side_effects.inbox",  # one audit event for the page, naming its filter
        lot=filters.lot,
        treatment=filters.treatment,
        serious=filters.serious,
        acknowledged=filters.acknowledged,
        min_severity=filters.min_severity,
        submitted_from=_start_of(filters.reported_from, zone) if filters.reported_from else None,
        submitted_before=_start_of(filters.reported_to + timedelta(days=1), zone) if filters.reported_to else None,
        needs_review_first=True,
        offset=offset,
        limit=limit,
    )


@dataclass(frozen=True)
class ReportCounts:
    total: int = 0
    serious: int = 0

    def __add__(self, other: ReportCounts) -> ReportCounts:
        return ReportCounts(self.total + other.total, self.serious + other.serious)


async def counts_by_session(principal: StaffPrincipal, session_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ReportCounts]:
    """How many reports (and serious ones) followed each of these sessions of the clinic, in one query."""
    ids = list(set(session_ids))
    if not ids:
        return {}
    rows = (
        await SideEffectReport.filter(clinic_id=principal.clinic_id, injection_session_id__in=ids)
        .annotate(n=Count("id"))
        .group_by("injection_session_id", "serious")
        .values_list("injection_session_id", "serious", "n")
    )
    counts: dict[uuid.UUID, ReportCounts] = {}
    for session_id, serious, n in rows:
        key = session_id if isinstance(session_id, uuid.UUID) else uuid.UUID(str(session_id))
        counts[key] = counts.get(key, ReportCounts()) + ReportCounts(int(n), int(n) if serious else 0)
    return counts
