"""The audit trail's filter: patient, staff member, action and a range of days in the clinic's
timezone. Values come as text (query strings, the dashboard's form); a malformed one is a 400
`filter_value_unknown` (a backwards range `date_range_backwards`), never an empty page that looks real."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.errors import ErrorCode, InvalidInput

ACTION_PATTERN = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What the trail is narrowed to; None means any. `since` is inclusive, `until` exclusive."""

    patient_id: uuid.UUID | None = None
    staff_id: uuid.UUID | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def as_detail(self) -> dict[str, str]:
        """The filter as written into the audit event of an export of it."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None}


def _problem(field: str, value: str, message: str, code: ErrorCode = ErrorCode.FILTER_VALUE_UNKNOWN) -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": field, "value": value[:40]})


def _uuid(field: str, value: str | None, what: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise _problem(field, value, f"{what} must be given by its id (such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427).") from None


def _day(field: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise _problem(field, value, f"{field.capitalize()} must be a date such as 2026-01-31.") from None


def parse(
    *,
    patient: str | None = None,
    staff: str | None = None,
    action: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    tz: str = "UTC",
) -> AuditFilter:
    """The checked filter from text (the dashboard's form); empty values mean any."""
    return build(
        patient_id=_uuid("patient", patient, "A patient"),
        staff_id=_uuid("staff", staff, "A staff member"),
        action=action,
        date_from=_day("from", date_from),
        date_to=_day("to", date_to),
        tz=tz,
    )


def build(
    *,
    patient_id: uuid.UUID | None = None,
    staff_id: uuid.UUID | None = None,
    action: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    tz: str = "UTC",
) -> AuditFilter:
    """The checked filter from typed values. `date_from` and `date_to` are whole days in `tz`, both included."""
    action = (action or "").strip() or None
    if action is not None and (len(action) > 64 or not ACTION_PATTERN.match(action)):
        raise _problem("action", action, "An action looks like photo.view or side_effects.list.")
    if date_from and date_to and date_to < date_from:
        raise InvalidInput(
            "The date range ends before it starts.",
            code=ErrorCode.DATE_RANGE_BACKWARDS,
            details={"from": date_from.isoformat(), "to": date_to.isoformat()},
        )
    zone = ZoneInfo(tz)
    return AuditFilter(
        patient_id=patient_id,
        staff_id=staff_id,
        action=action,
        since=datetime.combine(date_from, time(), zone) if date_from else None,
        until=datetime.combine(date_to + timedelta(days=1), time(), zone) if date_to else None,
    )
