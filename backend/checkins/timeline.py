"""A patient's timeline: months across, views down, injection sessions on the same axis.

One SQL statement builds a timeline whatever the history: the patient (which is also the tenancy
check) with every photo, its check-in, the blinded raters' consensus for its view and month (which
reaches a patient only when their clinic shares it, and never front desk) and the injection
sessions; for staff, one more writes the
audit event. Download links are signed without I/O (see backend/storage/sigv4.py). The API's
timelines come from a per-process cache (timeline_cache.py) keyed by the patient's timeline
version (versions.py), the signing minute and the local date, so a cached answer costs one
indexed version check and links are never older than a minute.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.checkins.months import month_of
from backend.checkins.protocol import protocol_of_views
from backend.checkins.coverage_cells import coverage_cells
from backend.db import connection
from backend.photos import keys
from backend.photos.context import PhotoContext
from backend.checkins.timeline_cache import CachedTimeline, TimelineCache
from backend.photos.output import rejection
from backend.ratings.released import final_sql, released_sql
from backend.storage.sigv4 import GetUrlSigner
from shared.clock import local_today
from shared.contract.checkins import (
    CheckInStatus,
    PhotoStatus,
    Timeline,
    TimelineInjection,
    TimelineMonth,
    TimelinePhoto,
    TimelineView,
)
from shared.contract.auth import StaffRole
from shared.contract.injections import SessionStatus
from shared.contract.patients import Treatment
from shared.contract.ratings import ConsensusScore
from shared.errors import NotFound
from shared.quality import QualityReport
from shared.schedule import checkin_due_on
from shared.views import VIEWS, ViewId

MAX_MONTHS = 240
_PLACEHOLDER = re.compile(r":(pid|cid)\b")
# which photo a cell shows when a view was photographed more than once in a month
_RANK = {PhotoStatus.READY: 0, PhotoStatus.UPLOADED: 1, PhotoStatus.PENDING: 2, PhotoStatus.REJECTED: 3}
# enum members by stored value: a dict lookup, where calling the enum costs microseconds a row
_PHOTO_STATUS = {member.value: member for member in PhotoStatus}
_CHECKIN_STATUS = {member.value: member for member in CheckInStatus}
_SESSION_STATUS = {member.value: member for member in SessionStatus}
_TREATMENT = {member.value: member for member in Treatment}
_RENDITIONS = ("thumb", "preview", "full")

# One statement for the patient (and so the tenancy check), the timeline's version, every photo
# with its check-in, and the injection sessions (UNION ALL, told apart by `part`); rows are read
# by position and converted here, which is several times faster than ORM objects for a long
# history. Placeholders (:pid, :cid) are bound per dialect by _statement().
_TIMELINE_SQL = """
SELECT 0, p.id, p.baseline_date, p.timezone, c.protocol_views, v.version,
       ph.id, ph.view, ph.status, ph.storage_token, ph.captured_at, ph.width, ph.height, ph.metrics,
       ph.rejection_code, ph.rejection_message,
       ci.id, ci.month, ci.due_on, ci.status, ci.completed_at,
       c.share_consensus_with_patients, rc.score, rc.raters, rc.round_name,
       rc.final, rc.agreement_alpha, rc.agreement_pairs, rc.round_id,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, ph.coverage
FROM patient p
JOIN clinic c ON c.id = p.clinic_id
LEFT JOIN timeline_version v ON v.patient_id = p.id
LEFT JOIN photo ph ON ph.patient_id = p.id
LEFT JOIN checkin ci ON ci.id = ph.checkin_id
LEFT JOIN (
    SELECT cs.view, cs.month, cs.score, cs.raters, rr.name AS round_name, rr.id AS round_id,
           {final} AS final, rr.agreement_alpha, rr.agreement_pairs,
           ROW_NUMBER() OVER (PARTITION BY cs.view, cs.month ORDER BY rr.created_at DESC) AS newest
    FROM rating_consensus cs JOIN rating_round rr ON rr.id = cs.round_id
    WHERE cs.patient_id = :pid AND {released}
) rc ON rc.view = ph.view AND rc.month = ci.month AND rc.newest = 1
WHERE p.id = :pid{clinic}
UNION ALL
SELECT 1, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL,
       s.id, s.status, s.scheduled_at, s.performed_at, s.treatment, s.product, s.lot_number, NULL
FROM injection_session s
WHERE s.patient_id = :pid AND s.status <> 'cancelled'{session_clinic}
"""
# What a cached timeline depends on besides the rows its version counts: the same tenancy check.
_STAMP_SQL = """
SELECT v.version, p.baseline_date, p.timezone, c.protocol_views, c.share_consensus_with_patients
FROM patient p
JOIN clinic c ON c.id = p.clinic_id
LEFT JOIN timeline_version v ON v.patient_id = p.id
WHERE p.id = :pid{clinic}
"""
# column positions in _TIMELINE_SQL
(PART, P_ID, P_BASELINE, P_TIMEZONE, C_VIEWS, V_VERSION, PH_ID, PH_VIEW, PH_STATUS, PH_TOKEN, PH_CAPTURED, PH_WIDTH,
 PH_HEIGHT, PH_METRICS, PH_REJ_CODE, PH_REJ_MESSAGE, CI_ID, CI_MONTH, CI_DUE, CI_STATUS, CI_COMPLETED,
 C_SHARE_CONSENSUS, RC_SCORE, RC_RATERS, RC_ROUND, RC_FINAL, RC_ALPHA, RC_ALPHA_PAIRS, RC_ROUND_ID,
 S_ID, S_STATUS, S_SCHEDULED, S_PERFORMED, S_TREATMENT, S_PRODUCT, S_LOT, PH_COVERAGE) = range(37)


class _Columns:
    """Turns raw column values into Python values: asyncpg already gives UUIDs, dates and
    datetimes; SQLite gives text."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgres"

    def param(self, value: uuid.UUID) -> object:
        return value if self.postgres else str(value)

    def uuid(self, value: Any) -> uuid.UUID | None:
        if value is None or isinstance(value, uuid.UUID):
            return value
        return uuid.UUID(str(value))

    def moment(self, value: Any) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def day(self, value: Any) -> date:
        return value if isinstance(value, date) else date.fromisoformat(value)


def _statement(template: str, dialect: str, patient_id: object, clinic_id: object | None) -> tuple[str, list]:
    """`template` with its :pid / :cid placeholders bound for the dialect, and the parameters."""
    text = template.format(
        final=final_sql("rr"), released=released_sql("rr"),
        clinic=" AND p.clinic_id = :cid" if clinic_id is not None else "",
        session_clinic=" AND s.clinic_id = :cid" if clinic_id is not None else "",
    )
    values = {"pid": patient_id, "cid": clinic_id}
    if dialect == "postgres":
        return text.replace(":pid", "$1").replace(":cid", "$2"), [patient_id] + ([clinic_id] if clinic_id is not None else [])
    names = _PLACEHOLDER.findall(text)
    return _PLACEHOLDER.sub("?", text), [values[name] for name in names]


async def _read(patient_id: uuid.UUID, clinic_id: uuid.UUID | None) -> tuple[_Columns, list, list]:
    """One statement: (columns, the patient's photo rows, their session rows); no photo rows when
    the patient is not there (or not in `clinic_id`)."""
    db = connection()
    columns = _Columns(db.capabilities.dialect)
    sql, params = _statement(
        _TIMELINE_SQL, db.capabilities.dialect, columns.param(patient_id),
        columns.param(clinic_id) if clinic_id is not None else None,
    )
    _, rows = await db.execute_query(sql, params)
    photos = [row for row in rows if row[PART] == 0]
    sessions = sorted(
        (row for row in rows if row[PART] == 1), key=lambda row: (columns.moment(row[S_SCHEDULED]), str(row[S_ID]))
    )
    return columns, photos, sessions


async def _stamp(patient_id: uuid.UUID, clinic_id: uuid.UUID | None) -> tuple | None:
    """(version, baseline, timezone, protocol) of the patient, or None when not there (or not in `clinic_id`)."""
    db = connection()
    columns = _Columns(db.capabilities.dialect)
    sql, params = _statement(
        _STAMP_SQL, db.capabilities.dialect, columns.param(patient_id),
        columns.param(clinic_id) if clinic_id is not None else None,
    )
    _, rows = await db.execute_query(sql, params)
    if not rows:
        return None
    row = rows[0]
    return (row[0] or 0, str(row[1]), row[2], str(row[3]), bool(row[4]))


def _stamp_of(row: Any) -> tuple:
    return (row[V_VERSION] or 0, str(row[P_BASELINE]), row[P_TIMEZONE], str(row[C_VIEWS]), bool(row[C_SHARE_CONSENSUS]))


class Viewer(StrEnum):
    """Who reads a timeline, which decides what it shows (and so which cached copy is theirs)."""

    PATIENT = "patient"  # no lot numbers; the consensus only when the clinic shares it
    STAFF = "staff"  # lot numbers and the consensus
    FRONT_DESK = "front_desk"  # lot numbers, no rating scores

    @classmethod
    def of(cls, principal: StaffPrincipal) -> Viewer:
        return cls.FRONT_DESK if principal.role == StaffRole.FRONT_DESK else cls.STAFF


async def _timeline(
    patient_id: uuid.UUID, clinic_id: uuid.UUID | None, ctx: PhotoContext, viewer: Viewer
) -> tuple[Timeline, tuple]:
    columns, rows, sessions = await _read(patient_id, clinic_id)
    if not rows:
        raise NotFound("No such patient." if viewer == Viewer.PATIENT else "No such patient in your clinic.")
    staff = viewer != Viewer.PATIENT
    consensus = viewer == Viewer.STAFF or (viewer == Viewer.PATIENT and bool(rows[0][C_SHARE_CONSENSUS]))
    timeline = await _build(
        columns, rows, sessions, ctx, staff=staff, consensus=consensus, coverage=viewer == Viewer.STAFF
    )
    return timeline, _stamp_of(rows[0])


def _shown(timeline: Timeline) -> list[str]:
    return [str(p.id) for m in timeline.months for p in m.photos if p.status == PhotoStatus.READY]


async def _audit_view(principal: StaffPrincipal, patient_id: uuid.UUID, shown: list[str]) -> None:
    await audit.record(
        principal, "photo.view", "patient", patient_id, patient_id=patient_id,
        detail={"via": "timeline", "photos": shown},
    )


async def for_patient(principal: PatientPrincipal, ctx: PhotoContext) -> Timeline:
    """The patient's own timeline (one SQL statement)."""
    timeline, _ = await _timeline(principal.patient_id, None, ctx, Viewer.PATIENT)
    return timeline


async def read_for_staff(principal: StaffPrincipal, patient_id: uuid.UUID, ctx: PhotoContext) -> tuple[Timeline, list[str]]:
    """A patient's timeline and the ids of the photos it shows, not audited: for a page that
    audits its whole read in one event (the dashboard's patient page)."""
    timeline, _ = await _timeline(patient_id, principal.clinic_id, ctx, Viewer.of(principal))
    return timeline, _shown(timeline)


async def for_staff(principal: StaffPrincipal, patient_id: uuid.UUID, ctx: PhotoContext) -> Timeline:
    """A patient's timeline for staff of their clinic; the view is audited (two statements)."""
    timeline, shown = await read_for_staff(principal, patient_id, ctx)
    await _audit_view(principal, patient_id, shown)
    return timeline


async def patient_json(principal: PatientPrincipal, ctx: PhotoContext, cache: TimelineCache) -> bytes:
    """`for_patient` as JSON, from this process's cache while the patient's timeline has not changed."""
    body, _ = await _cached(principal.patient_id, None, ctx, cache, Viewer.PATIENT)
    return body


async def staff_json(
    principal: StaffPrincipal, patient_id: uuid.UUID, ctx: PhotoContext, cache: TimelineCache
) -> bytes:
    """`for_staff` as JSON, from this process's cache while the timeline has not changed; every
    view is audited all the same (one insert). At most three statements: the version check, the
    timeline when it changed, the audit event."""
    body, shown = await _cached(patient_id, principal.clinic_id, ctx, cache, Viewer.of(principal))
    await _audit_view(principal, patient_id, shown)
    return body


async def _cached(
    patient_id: uuid.UUID, clinic_id: uuid.UUID | None, ctx: PhotoContext, cache: TimelineCache, viewer: Viewer
) -> tuple[bytes, list[str]]:
    ttl = ctx.settings.download_url_ttl_seconds
    # links are signed per minute and the months run to today: both belong to the key
    moment = (GetUrlSigner.signing_time(), ttl)
    held = cache.get(patient_id, viewer)
    if held is not None:
        stamp = await _stamp(patient_id, clinic_id)
        if stamp is None:
            raise NotFound("No such patient." if viewer == Viewer.PATIENT else "No such patient in your clinic.")
        if held.key == (stamp, local_today(stamp[2]), moment):
            return held.body, held.shown
    timeline, stamp = await _timeline(patient_id, clinic_id, ctx, viewer)
    shown = _shown(timeline) if viewer != Viewer.PATIENT else []
    body = msgspec.json.encode(timeline)
    cache.put(patient_id, viewer, CachedTimeline((stamp, local_today(stamp[2]), moment), body, shown))
    return body, shown


async def _build(
    columns: _Columns, rows: list, sessions: list, ctx: PhotoContext, *, staff: bool, consensus: bool, coverage: bool
) -> Timeline:
    first = rows[0]
    patient_id = columns.uuid(first[P_ID])
    baseline = columns.day(first[P_BASELINE])
    timezone = first[P_TIMEZONE]
    today = local_today(timezone)

    # the photo each (month, view) cell shows, and the blinded raters' consensus for the cell
    best: dict[tuple[int, str], Any] = {}
    checkins: dict[int, Any] = {}
    agreed: dict[tuple[int, str], ConsensusScore] = {}
    for row in rows:
        if row[PH_ID] is None:
            continue
        month = row[CI_MONTH]
        if consensus and row[RC_SCORE] is not None and (month, row[PH_VIEW]) not in agreed:
            agreed[(month, row[PH_VIEW])] = ConsensusScore(
                view=row[PH_VIEW], month=month, score=float(row[RC_SCORE]), raters=row[RC_RATERS], round_name=row[RC_ROUND],
                final=bool(row[RC_FINAL]), round_id=columns.uuid(row[RC_ROUND_ID]),
                agreement=None if row[RC_ALPHA] is None else float(row[RC_ALPHA]), agreement_pairs=row[RC_ALPHA_PAIRS] or 0,
            )
        checkins.setdefault(month, row)
        cell = (month, row[PH_VIEW])
        held = best.get(cell)
        if held is None or _better(row, held, columns):
            best[cell] = row

    ready = [row for row in best.values() if row[PH_STATUS] == PhotoStatus.READY]
    ttl = ctx.settings.download_url_ttl_seconds
    urls = await ctx.store.download_urls(
        [f"{keys.PHOTOS_PREFIX}{row[PH_TOKEN]}/{name}.jpg" for row in ready for name in _RENDITIONS], expires_in=ttl
    )
    links = {row[PH_ID]: urls[i * 3 : i * 3 + 3] for i, row in enumerate(ready)}

    views = protocol_of_views(_json_list(first[C_VIEWS]))
    views += sorted({view for _, view in best} - set(views))
    last = min(MAX_MONTHS, max([month_of(baseline, today), 0, *checkins]))
    months = []
    for month in range(last + 1):
        checkin = checkins.get(month)
        photos = [_photo(best[(month, view)], links, columns) for view in views if (month, view) in best]
        months.append(
            TimelineMonth(
                month=month,
                due_on=columns.day(checkin[CI_DUE]) if checkin else checkin_due_on(baseline, month),
                checkin_id=columns.uuid(checkin[CI_ID]) if checkin else None,
                status=_CHECKIN_STATUS[checkin[CI_STATUS]] if checkin else None,
                completed_at=columns.moment(checkin[CI_COMPLETED]) if checkin else None,
                photos=photos,
            )
        )
    return Timeline(
        patient_id=patient_id,
        baseline_date=baseline,
        views=[TimelineView(id=v, label=VIEWS[ViewId(v)].label if v in VIEWS else v) for v in views],
        months=months,
        injections=[_injection(s, baseline, timezone, staff, columns) for s in sessions],
        urls_expire_at=ctx.store.urls_expire_at(ttl),
        consensus=[agreed[key] for key in sorted(agreed)],
        coverage=coverage_cells(
            [(month, view, row[PH_ID], row[PH_COVERAGE]) for (month, view), row in best.items()
             if row[PH_STATUS] == PhotoStatus.READY], columns.uuid,
        ) if coverage else [],
    )


def _json_list(raw: Any) -> list[str]:
    if isinstance(raw, (str, bytes)):
        return msgspec.json.decode(raw, type=list[str])
    return list(raw or [])


def _metrics(raw: Any) -> QualityReport | None:
    if raw is None:
        return None
    try:
        if isinstance(raw, (str, bytes)):
            return msgspec.json.decode(raw, type=QualityReport)
        return msgspec.convert(raw, QualityReport)
    except msgspec.ValidationError:
        return None  # written by an older version: leave it out rather than fail the page


def _better(row: Any, held: Any, columns: _Columns) -> bool:
    mine, theirs = _RANK[row[PH_STATUS]], _RANK[held[PH_STATUS]]
    if mine != theirs:
        return mine < theirs
    return columns.moment(row[PH_CAPTURED]) > columns.moment(held[PH_CAPTURED])


def _photo(row: Any, links: dict[Any, list[str]], columns: _Columns) -> TimelinePhoto:
    thumb, preview, full = links.get(row[PH_ID]) or (None, None, None)
    return TimelinePhoto(
        id=columns.uuid(row[PH_ID]),
        view=row[PH_VIEW],
        status=_PHOTO_STATUS[row[PH_STATUS]],
        captured_at=columns.moment(row[PH_CAPTURED]),
        width=row[PH_WIDTH],
        height=row[PH_HEIGHT],
        metrics=_metrics(row[PH_METRICS]),
        rejection=rejection(row[PH_REJ_CODE], row[PH_REJ_MESSAGE]),
        thumbnail_url=thumb,
        preview_url=preview,
        full_url=full,
    )


def _injection(session: Any, baseline: date, timezone: str, staff: bool, columns: _Columns) -> TimelineInjection:
    scheduled_at = columns.moment(session[S_SCHEDULED])
    performed_at = columns.moment(session[S_PERFORMED])
    when = performed_at or scheduled_at
    try:
        day = when.astimezone(ZoneInfo(timezone)).date()
    except (KeyError, ValueError):
        day = when.date()
    return TimelineInjection(
        id=columns.uuid(session[S_ID]),
        status=_SESSION_STATUS[session[S_STATUS]],
        scheduled_at=scheduled_at,
        performed_at=performed_at,
        month=month_of(baseline, day),
        treatment=_TREATMENT[session[S_TREATMENT]],
        product=session[S_PRODUCT],
        lot_number=session[S_LOT] if staff else None,
    )
