"""The clinic's patient list with each patient's status, in one set-based SQL query.

Statuses: photo check-in (not started, due, overdue, done), next injection, last upload and new
side effects. They are computed by the database for the whole clinic at once, so filtering and
sorting by status works over every patient and the cost of a page never grows with the clinic.

Check-in months follow `shared.schedule.checkin_due_on` (always counted from the baseline, the
baseline's day clipped to short months). Only the baseline's year, month and day are read in SQL;
everything about "today" (its day, and the lengths of this, the last and the next month) is
worked out here and passed in as parameters. `tests/backend/patients/test_status.py` checks the
SQL against the Python rule for many dates.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from backend.auth.principal import StaffPrincipal
from backend.db import bind_named, connection
from shared.schedule import checkin_window

# the check-in window around each due date, read from the shared rule
_WINDOW = checkin_window(date(2000, 1, 1), 0)
WINDOW_OPENS_DAYS_BEFORE = (_WINDOW.due_on - _WINDOW.opens_on).days
WINDOW_CLOSES_DAYS_AFTER = (_WINDOW.closes_on - _WINDOW.due_on).days
# "injection soon" in the list's filter
SOON = timedelta(days=7)


class CheckInState(StrEnum):
    NOT_STARTED = "not_started"  # the baseline is still ahead
    DUE = "due"  # a check-in window is open and that month's photos are not in yet
    OVERDUE = "overdue"  # the last window closed without the photos
    DONE = "done"  # the latest due month is in


class ListFilter(StrEnum):
    ALL = "all"
    CHECKIN_DUE = "checkin_due"
    CHECKIN_OVERDUE = "checkin_overdue"
    INJECTION_SOON = "injection_soon"
    SIDE_EFFECTS = "side_effects"
    NEVER_UPLOADED = "never_uploaded"
    DELETION_REQUESTED = "deletion_requested"


class ListSort(StrEnum):
    NAME = "name"
    CHECKIN = "checkin"
    NEXT_INJECTION = "next_injection"
    LAST_UPLOAD = "last_upload"
    SIDE_EFFECTS = "side_effects"


@dataclass(frozen=True, slots=True)
class PatientStatus:
    id: uuid.UUID
    display_name: str
    record_number: str
    treatment: str
    enrolled: bool
    baseline_date: date
    checkin_state: CheckInState
    checkin_month: int | None  # the month the state is about (due, overdue or done)
    checkin_days: int  # days until due (negative: days since due)
    next_injection_at: datetime | None
    last_upload_at: datetime | None
    new_side_effects: int
    deletion_requested_at: datetime | None = None  # the patient asked for their data to be deleted


@dataclass(frozen=True, slots=True)
class PatientStatusPage:
    items: list[PatientStatus]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# --- what the other features contribute ---------------------------------------------------
# Set-based: each fact is one aggregate over the clinic, joined to the patients by id, so the
# cost is one pass over each table, never a query per patient.


def _per_patient_sets() -> dict[str, str]:
    """Named subqueries (patient_id plus values), joined to the patients with LEFT JOIN."""
    return {
        "upcoming": (
            "SELECT s.patient_id, MIN(s.scheduled_at) AS next_injection_at FROM injection_session s"
            " WHERE s.clinic_id = :clinic_id AND s.status = 'scheduled' AND s.scheduled_at >= :from_moment"
            " GROUP BY s.patient_id"
        ),
        # side-effect reports no one in the clinic has acknowledged yet
        "unseen": (
            "SELECT r.patient_id, COUNT(*) AS new_side_effects FROM side_effect_report r"
            " WHERE r.clinic_id = :clinic_id AND r.acknowledged_at IS NULL GROUP BY r.patient_id"
        ),
        # the last photo whose bytes the backend accepted, whatever processing made of it
        "uploads": (
            "SELECT ph.patient_id, MAX(ph.uploaded_at) AS last_upload_at FROM photo ph"
            " JOIN patient owner ON owner.id = ph.patient_id"
            " WHERE owner.clinic_id = :clinic_id AND ph.uploaded_at IS NOT NULL GROUP BY ph.patient_id"
        ),
        # the patient's request that their data be deleted (one per patient)
        "deletion": (
            "SELECT d.patient_id, d.requested_at AS deletion_requested_at FROM deletion_request d"
            " WHERE d.clinic_id = :clinic_id"
        ),
    }


_FACTS = {
    "next_injection_at": "upcoming.next_injection_at",
    "last_upload_at": "uploads.last_upload_at",
    "new_side_effects": "COALESCE(unseen.new_side_effects, 0)",
    "deletion_requested_at": "deletion.deletion_requested_at",
}

# a month's check-in counts once every view of the protocol has a ready photo
_DONE_JOINS = (
    "LEFT JOIN checkin done_now ON done_now.patient_id = base.id AND done_now.month = base.month_now"
    " AND done_now.status = 'complete'"
    " LEFT JOIN checkin done_next ON done_next.patient_id = base.id AND done_next.month = base.month_now + 1"
    " AND done_next.status = 'complete'"
)


# --- date parts, the one thing SQLite and PostgreSQL spell differently --------------------

_DATE_PART = {
    "sqlite": {
        "year": "CAST(substr({col}, 1, 4) AS INTEGER)",
        "month": "CAST(substr({col}, 6, 2) AS INTEGER)",
        "day": "CAST(substr({col}, 9, 2) AS INTEGER)",
    },
    "postgres": {
        "year": "CAST(EXTRACT(YEAR FROM {col}) AS INTEGER)",
        "month": "CAST(EXTRACT(MONTH FROM {col}) AS INTEGER)",
        "day": "CAST(EXTRACT(DAY FROM {col}) AS INTEGER)",
    },
}


def _part(dialect: str, part: str, col: str) -> str:
    return _DATE_PART[dialect][part].format(col=col)


def _clip(day_sql: str, month_length: str) -> str:
    """The due day in a month: the baseline's day, or the month's last day when shorter."""
    return f"(CASE WHEN {day_sql} < {month_length} THEN {day_sql} ELSE {month_length} END)"


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _month_length(day: date, months_ahead: int) -> int:
    year, index = divmod(day.month - 1 + months_ahead, 12)
    return calendar.monthrange(day.year + year, index + 1)[1]


# --- the query ---------------------------------------------------------------------------

_ORDER = {
    ListSort.NAME: "display_name, id",
    # the ones needing action first: overdue, due, then the rest by how soon the next is due
    ListSort.CHECKIN: (
        "CASE checkin_state WHEN 'overdue' THEN 0 WHEN 'due' THEN 1 WHEN 'done' THEN 2 ELSE 3 END,"
        " checkin_days, display_name, id"
    ),
    ListSort.NEXT_INJECTION: "CASE WHEN next_injection_at IS NULL THEN 1 ELSE 0 END, next_injection_at, display_name, id",
    # the longest silence first, never-uploaded at the very top
    ListSort.LAST_UPLOAD: "CASE WHEN last_upload_at IS NULL THEN 0 ELSE 1 END, last_upload_at, display_name, id",
    ListSort.SIDE_EFFECTS: "new_side_effects DESC, display_name, id",
}

_WHERE = {
    ListFilter.ALL: "1 = 1",
    ListFilter.CHECKIN_DUE: "checkin_state = 'due'",
    ListFilter.CHECKIN_OVERDUE: "checkin_state = 'overdue'",
    ListFilter.INJECTION_SOON: "next_injection_at IS NOT NULL AND next_injection_at < :soon_moment",
    ListFilter.SIDE_EFFECTS: "new_side_effects > 0",
    ListFilter.NEVER_UPLOADED: "last_upload_at IS NULL",
    ListFilter.DELETION_REQUESTED: "deletion_requested_at IS NOT NULL",
}


def _sql(dialect: str, *, searching: bool, show: ListFilter, sort: ListSort) -> str:
    b = "p.baseline_date"
    year, month, day = _part(dialect, "year", b), _part(dialect, "month", b), _part(dialect, "day", b)
    due_this = _clip(day, ":dim_this")
    due_prev = _clip(day, ":dim_prev")
    due_next = _clip(day, ":dim_next")
    passed = f"(:today_day >= {due_this})"
    search = (
        " AND (LOWER(p.display_name) LIKE :pattern ESCAPE '!' OR LOWER(p.record_number) LIKE :pattern ESCAPE '!')"
        if searching
        else ""
    )
    sets = _per_patient_sets()
    named = "".join(f"{name} AS (\n  {sql}\n), " for name, sql in sets.items())
    joins = " ".join(f"LEFT JOIN {name} ON {name}.patient_id = base.id" for name in sets)
    facts = ",\n         ".join(f"{sql} AS {name}" for name, sql in _FACTS.items())
    return f"""
WITH {named}base AS (
  SELECT p.id, p.display_name, p.record_number, p.treatment, p.baseline_date,
         CASE WHEN p.enrolled_at IS NULL THEN 0 ELSE 1 END AS enrolled,
         (:today_year - {year}) * 12 + (:today_month - {month}) - CASE WHEN {passed} THEN 0 ELSE 1 END AS month_now,
         CASE WHEN {passed} THEN :today_day - {due_this}
              ELSE :today_day + :dim_prev - {due_prev} END AS days_since_due,
         CASE WHEN {passed} THEN :dim_this - :today_day + {due_next}
              ELSE {due_this} - :today_day END AS days_to_next_due
  FROM patient p
  WHERE p.clinic_id = :clinic_id{search}
), facts AS (
  SELECT base.*,
         {facts},
         CASE WHEN done_now.id IS NULL THEN 0 ELSE 1 END AS done_now,
         CASE WHEN done_next.id IS NULL THEN 0 ELSE 1 END AS done_next
  FROM base {joins} {_DONE_JOINS}
), stated AS (
  SELECT facts.*,
         CASE
           WHEN month_now < -1 THEN 'not_started'
           WHEN days_to_next_due <= :opens_before AND done_next = 0 THEN 'due'
           WHEN month_now < 0 THEN 'not_started'
           WHEN done_now = 1 OR done_next = 1 THEN 'done'
           WHEN days_since_due <= :closes_after THEN 'due'
           ELSE 'overdue'
         END AS checkin_state,
         CASE
           WHEN month_now >= -1 AND days_to_next_due <= :opens_before AND done_next = 0 THEN month_now + 1
           WHEN done_next = 1 THEN month_now + 1
           WHEN month_now >= 0 THEN month_now
           ELSE NULL
         END AS checkin_month,
         CASE
           WHEN month_now >= -1 AND days_to_next_due <= :opens_before AND done_next = 0 THEN days_to_next_due
           WHEN month_now < 0 THEN days_to_next_due
           ELSE -days_since_due
         END AS checkin_days
  FROM facts
)
SELECT stated.*, COUNT(*) OVER () AS total_rows
FROM stated
WHERE {_WHERE[show]}
ORDER BY {_ORDER[sort]}
LIMIT :limit OFFSET :offset
"""


def _db_value(value: Any, dialect: str) -> Any:
    if dialect == "sqlite":
        if isinstance(value, datetime):
            # Tortoise stores SQLite datetimes as UTC text; compare in the same spelling
            return value.astimezone(UTC).isoformat(" ")
        if isinstance(value, uuid.UUID):
            return str(value)
    return value


def _like_pattern(text: str) -> str:
    escaped = text.strip().lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def _moment(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def patient_list(
    principal: StaffPrincipal,
    *,
    today: date,
    now: datetime,
    text: str | None = None,
    show: ListFilter = ListFilter.ALL,
    sort: ListSort = ListSort.NAME,
    page: int = 1,
    per_page: int = 50,
) -> PatientStatusPage:
    """One page of the clinic's patients with their statuses, searched, filtered and sorted.

    `today` is the clinic's local date (check-in windows are whole days); `now` is the instant
    from which injections count as upcoming. One query; a second only for a page past the end.
    """
    conn = connection()
    dialect = "postgres" if conn.capabilities.dialect == "postgres" else "sqlite"
    text = (text or "").strip()
    page = max(1, page)
    start_of_day = datetime.combine(today, datetime.min.time(), tzinfo=now.tzinfo or UTC)
    params = {
        "clinic_id": principal.clinic_id,
        "pattern": _like_pattern(text),
        "today_year": today.year,
        "today_month": today.month,
        "today_day": today.day,
        "dim_this": _month_length(today, 0),
        "dim_prev": _month_length(today, -1),
        "dim_next": _month_length(today, 1),
        "opens_before": WINDOW_OPENS_DAYS_BEFORE,
        "closes_after": WINDOW_CLOSES_DAYS_AFTER,
        "from_moment": min(start_of_day, now),
        "soon_moment": now + SOON,
        "limit": per_page,
        "offset": (page - 1) * per_page,
    }
    sql, values = bind_named(_sql(dialect, searching=bool(text), show=show, sort=sort), params, dialect)
    rows = await conn.execute_query_dict(sql, [_db_value(v, dialect) for v in values])
    if not rows and page > 1:
        # past the last page (the list shrank): answer with the last page instead
        total = await _count(conn, dialect, params, searching=bool(text), show=show)
        last = max(1, -(-total // per_page))
        if last < page:
            return await patient_list(
                principal, today=today, now=now, text=text, show=show, sort=sort, page=last, per_page=per_page
            )
    total = int(rows[0]["total_rows"]) if rows else 0
    return PatientStatusPage(items=[_status(row) for row in rows], total=total, page=page, per_page=per_page)


async def _count(conn, dialect: str, params: dict[str, Any], *, searching: bool, show: ListFilter) -> int:
    sql = _sql(dialect, searching=searching, show=show, sort=ListSort.NAME)
    sql = sql.replace("LIMIT :limit OFFSET :offset", "LIMIT 1")
    sql, values = bind_named(sql, params, dialect)
    rows = await conn.execute_query_dict(sql, [_db_value(v, dialect) for v in values])
    return int(rows[0]["total_rows"]) if rows else 0


def _status(row: dict[str, Any]) -> PatientStatus:
    month = row["checkin_month"]
    return PatientStatus(
        id=row["id"] if isinstance(row["id"], uuid.UUID) else uuid.UUID(str(row["id"])),
        display_name=row["display_name"],
        record_number=row["record_number"],
        treatment=row["treatment"],
        enrolled=bool(row["enrolled"]),
        baseline_date=_day(row["baseline_date"]),
        checkin_state=CheckInState(row["checkin_state"]),
        checkin_month=None if month is None else int(month),
        checkin_days=int(row["checkin_days"]),
        next_injection_at=_moment(row["next_injection_at"]),
        last_upload_at=_moment(row["last_upload_at"]),
        new_side_effects=int(row["new_side_effects"] or 0),
        deletion_requested_at=_moment(row["deletion_requested_at"]),
    )
