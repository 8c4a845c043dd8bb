"""A patient's timeline: months across, views down, injection sessions on the same axis.

At most three SQL statements whatever the history: the patient with every photo and its check-in
(one joined query, which is also the tenancy check), the injection sessions, and for staff the
audit event. Download links are signed without I/O (see backend/storage/sigv4.py).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.checkins import keys
from backend.checkins.months import local_today, month_of
from backend.checkins.output import quality, rejection
from backend.checkins.service import PhotoContext, protocol_of_views
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from shared.contract.checkins import (
    CheckInStatus,
    PhotoStatus,
    Timeline,
    TimelineInjection,
    TimelineMonth,
    TimelinePhoto,
    TimelineView,
)
from shared.contract.injections import SessionStatus
from shared.errors import NotFound
from shared.schedule import checkin_due_on
from shared.views import VIEWS, ViewId

MAX_MONTHS = 240
_PHOTO_FIELDS = (
    "id", "baseline_date", "timezone", "clinic__protocol_views",
    "photos__id", "photos__view", "photos__status", "photos__storage_token", "photos__captured_at",
    "photos__width", "photos__height", "photos__metrics", "photos__rejection_code", "photos__rejection_message",
    "photos__checkin__id", "photos__checkin__month", "photos__checkin__due_on", "photos__checkin__status",
    "photos__checkin__completed_at",
)
_INJECTION_FIELDS = ("id", "status", "scheduled_at", "performed_at", "treatment", "product", "lot_number")
# which photo a cell shows when a view was photographed more than once in a month
_RANK = {PhotoStatus.READY: 0, PhotoStatus.UPLOADED: 1, PhotoStatus.PENDING: 2, PhotoStatus.REJECTED: 3}
_RENDITIONS = ("thumb", "preview", "full")


async def for_patient(principal: PatientPrincipal, ctx: PhotoContext) -> Timeline:
    rows = await Patient.filter(id=principal.patient_id).values(*_PHOTO_FIELDS)
    return await _build(rows, ctx, staff=False)


async def for_staff(principal: StaffPrincipal, patient_id: uuid.UUID, ctx: PhotoContext) -> Timeline:
    rows = await Patient.filter(id=patient_id, clinic_id=principal.clinic_id).values(*_PHOTO_FIELDS)
    if not rows:
        raise NotFound("No such patient in your clinic.")
    timeline = await _build(rows, ctx, staff=True)
    shown = [str(p.id) for m in timeline.months for p in m.photos if p.status == PhotoStatus.READY]
    await audit.record(
        principal, "photo.view", "patient", patient_id, patient_id=patient_id,
        detail={"via": "timeline", "photos": shown},
    )
    return timeline


async def _build(rows: list[dict[str, Any]], ctx: PhotoContext, *, staff: bool) -> Timeline:
    first = rows[0]
    patient_id: uuid.UUID = first["id"]
    baseline: date = first["baseline_date"]
    sessions = (
        await InjectionSession.filter(patient_id=patient_id)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("scheduled_at")
        .values(*_INJECTION_FIELDS)
    )
    today = local_today(first["timezone"])

    # the photo each (month, view) cell shows
    best: dict[tuple[int, str], dict[str, Any]] = {}
    checkins: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row["photos__id"] is None:
            continue
        month = row["photos__checkin__month"]
        checkins.setdefault(month, row)
        cell = (month, row["photos__view"])
        held = best.get(cell)
        if held is None or _better(row, held):
            best[cell] = row

    ready = [row for row in best.values() if row["photos__status"] == PhotoStatus.READY]
    ttl = ctx.settings.download_url_ttl_seconds
    urls = await ctx.store.download_urls(
        [keys.rendition_key(row["photos__storage_token"], name) for row in ready for name in _RENDITIONS],
        expires_in=ttl,
    )
    links = {row["photos__id"]: urls[i * 3 : i * 3 + 3] for i, row in enumerate(ready)}

    views = protocol_of_views(first["clinic__protocol_views"])
    views += sorted({view for _, view in best} - set(views))
    last = min(MAX_MONTHS, max([month_of(baseline, today), 0, *checkins]))
    months = []
    for month in range(last + 1):
        checkin = checkins.get(month)
        photos = [_photo(best[(month, view)], links) for view in views if (month, view) in best]
        months.append(
            TimelineMonth(
                month=month,
                due_on=checkin["photos__checkin__due_on"] if checkin else checkin_due_on(baseline, month),
                checkin_id=checkin["photos__checkin__id"] if checkin else None,
                status=CheckInStatus(checkin["photos__checkin__status"]) if checkin else None,
                completed_at=checkin["photos__checkin__completed_at"] if checkin else None,
                photos=photos,
            )
        )
    return Timeline(
        patient_id=patient_id,
        baseline_date=baseline,
        views=[TimelineView(id=v, label=VIEWS[ViewId(v)].label if v in VIEWS else v) for v in views],
        months=months,
        injections=[_injection(s, baseline, first["timezone"], staff) for s in sessions],
        urls_expire_at=ctx.store.urls_expire_at(ttl),
    )


def _better(row: dict[str, Any], held: dict[str, Any]) -> bool:
    mine, theirs = _RANK[PhotoStatus(row["photos__status"])], _RANK[PhotoStatus(held["photos__status"])]
    if mine != theirs:
        return mine < theirs
    return row["photos__captured_at"] > held["photos__captured_at"]


def _photo(row: dict[str, Any], links: dict[uuid.UUID, list[str]]) -> TimelinePhoto:
    thumb, preview, full = links.get(row["photos__id"]) or (None, None, None)
    return TimelinePhoto(
        id=row["photos__id"],
        view=row["photos__view"],
        status=PhotoStatus(row["photos__status"]),
        captured_at=row["photos__captured_at"],
        width=row["photos__width"],
        height=row["photos__height"],
        metrics=quality(row["photos__metrics"]),
        rejection=rejection(row["photos__rejection_code"], row["photos__rejection_message"]),
        thumbnail_url=thumb,
        preview_url=preview,
        full_url=full,
    )


def _injection(session: dict[str, Any], baseline: date, timezone: str, staff: bool) -> TimelineInjection:
    from zoneinfo import ZoneInfo

    when = session["performed_at"] or session["scheduled_at"]
    try:
        day = when.astimezone(ZoneInfo(timezone)).date()
    except (KeyError, ValueError):
        day = when.date()
    return TimelineInjection(
        id=session["id"],
        status=SessionStatus(session["status"]),
        scheduled_at=session["scheduled_at"],
        performed_at=session["performed_at"],
        month=month_of(baseline, day),
        treatment=session["treatment"],
        product=session["product"],
        lot_number=session["lot_number"] if staff else None,
    )
