"""A patient's timeline: months across, views down, injection sessions on the same axis.

At most three SQL statements whatever the history: the patient with every photo, its check-in and
the blinded raters' consensus for its view and month (one joined query, which is also the tenancy
check; the consensus reaches a patient only when their clinic shares it), the injection sessions, and for staff the
audit event. Download links are signed without I/O (see backend/storage/sigv4.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.checkins.months import month_of
from backend.checkins.protocol import protocol_of_views
from backend.db import connection
from backend.photos import keys
from backend.photos.context import PhotoContext
from backend.photos.output import rejection
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
from shared.contract.injections import SessionStatus
from shared.contract.auth import StaffRole
from shared.contract.patients import Treatment
from shared.contract.ratings import ConsensusScore
from shared.errors import NotFound
from shared.quality import QualityReport
from shared.schedule import checkin_due_on
from shared.views import VIEWS, ViewId

MAX_MONTHS = 240
# which photo a cell shows when a view was photographed more than once in a month
_RANK = {PhotoStatus.READY: 0, PhotoStatus.UPLOADED: 1, PhotoStatus.PENDING: 2, PhotoStatus.REJECTED: 3}
# enum members by stored value: a dict lookup, where calling the enum costs microseconds a row
_PHOTO_STATUS = {member.value: member for member in PhotoStatus}
_CHECKIN_STATUS = {member.value: member for member in CheckInStatus}
_SESSION_STATUS = {member.value: member for member in SessionStatus}
_TREATMENT = {member.value: member for member in Treatment}
_RENDITIONS = ("thumb", "preview", "full")

# One statement for the patient (and so the tenancy check), every photo and its check-in; rows
# are read by position and converted here, which is several times faster than ORM objects for
# a long history. Placeholders are filled per dialect by _sql().
_PHOTOS_SQL = """
SELECT p.id, p.baseline_date, p.timezone, c.protocol_views,
       ph.id, ph.view, ph.status, ph.storage_token, ph.captured_at, ph.width, ph.height, ph.metrics,
       ph.rejection_code, ph.rejection_message,
       ci.id, ci.month, ci.due_on, ci.status, ci.completed_at,
       c.share_consensus_with_patients, rc.score, rc.raters, rc.round_name
FROM patient p
JOIN clinic c ON c.id = p.clinic_id
LEFT JOIN photo ph ON ph.patient_id = p.id
LEFT JOIN checkin ci ON ci.id = ph.checkin_id
LEFT JOIN (
    SELECT cs.view, cs.month, cs.score, cs.raters, rr.name AS round_name,
           ROW_NUMBER() OVER (PARTITION BY cs.view, cs.month ORDER BY rr.created_at DESC) AS newest
    FROM rating_consensus cs JOIN rating_round rr ON rr.id = cs.round_id
    WHERE cs.patient_id = {0}
) rc ON rc.view = ph.view AND rc.month = ci.month AND rc.newest = 1
WHERE p.id = {0}{clinic}
"""
_INJECTIONS_SQL = """
SELECT id, status, scheduled_at, performed_at, treatment, product, lot_number
FROM injection_session
WHERE patient_id = {0} AND status <> 'cancelled'
ORDER BY scheduled_at, id
"""
# column positions in _PHOTOS_SQL
(P_ID, P_BASELINE, P_TIMEZONE, C_VIEWS, PH_ID, PH_VIEW, PH_STATUS, PH_TOKEN, PH_CAPTURED, PH_WIDTH, PH_HEIGHT,
 PH_METRICS, PH_REJ_CODE, PH_REJ_MESSAGE, CI_ID, CI_MONTH, CI_DUE, CI_STATUS, CI_COMPLETED,
 C_SHARE_CONSENSUS, RC_SCORE, RC_RATERS, RC_ROUND) = range(23)


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


def _sql(template: str, dialect: str, **parts: str) -> str:
    marks = [f"${n}" for n in range(1, 3)] if dialect == "postgres" else ["?", "?"]
    clinic = f" AND p.clinic_id = {marks[1]}" if parts.get("clinic") else ""
    return template.format(*marks, clinic=clinic)


async def _rows(patient_id: uuid.UUID, clinic_id: uuid.UUID | None) -> tuple[_Columns, list, list]:
    db = connection()
    dialect = db.capabilities.dialect
    columns = _Columns(dialect)
    # the patient id is used twice (consensus, photos): SQLite's "?" needs it twice, PostgreSQL's $1 once
    params = [columns.param(patient_id)] * (1 if columns.postgres else 2) + ([columns.param(clinic_id)] if clinic_id else [])
    _, photos = await db.execute_query(_sql(_PHOTOS_SQL, dialect, clinic="yes" if clinic_id else ""), params)
    if not photos:
        return columns, [], []
    _, sessions = await db.execute_query(_sql(_INJECTIONS_SQL, dialect), [columns.param(patient_id)])
    return columns, list(photos), list(sessions)


async def for_patient(principal: PatientPrincipal, ctx: PhotoContext) -> Timeline:
    columns, rows, sessions = await _rows(principal.patient_id, None)
    if not rows:
        raise NotFound("No such patient.")
    return await _build(columns, rows, sessions, ctx, staff=False, consensus=bool(rows[0][C_SHARE_CONSENSUS]))


async def for_staff(principal: StaffPrincipal, patient_id: uuid.UUID, ctx: PhotoContext) -> Timeline:
    columns, rows, sessions = await _rows(patient_id, principal.clinic_id)
    if not rows:
        raise NotFound("No such patient in your clinic.")
    # front desk sees no rating scores
    timeline = await _build(columns, rows, sessions, ctx, staff=True, consensus=principal.role != StaffRole.FRONT_DESK)
    shown = [str(p.id) for m in timeline.months for p in m.photos if p.status == PhotoStatus.READY]
    await audit.record(
        principal, "photo.view", "patient", patient_id, patient_id=patient_id,
        detail={"via": "timeline", "photos": shown},
    )
    return timeline


async def _build(
    columns: _Columns, rows: list, sessions: list, ctx: PhotoContext, *, staff: bool, consensus: bool
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
                view=row[PH_VIEW], month=month, score=float(row[RC_SCORE]), raters=row[RC_RATERS], round_name=row[RC_ROUND]
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
    scheduled_at = columns.moment(session[2])
    performed_at = columns.moment(session[3])
    when = performed_at or scheduled_at
    try:
        day = when.astimezone(ZoneInfo(timezone)).date()
    except (KeyError, ValueError):
        day = when.date()
    return TimelineInjection(
        id=columns.uuid(session[0]),
        status=_SESSION_STATUS[session[1]],
        scheduled_at=scheduled_at,
        performed_at=performed_at,
        month=month_of(baseline, day),
        treatment=_TREATMENT[session[4]],
        product=session[5],
        lot_number=session[6] if staff else None,
    )
