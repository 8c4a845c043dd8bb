"""How the dashboard writes dates, times and names of things: the Jinja filters and globals."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment

from shared.coverage import CoverageRefusal
from shared.hair_loss import DIAGNOSIS_LABELS, SEX_LABELS
from shared.labels import AREAS, ROLES, SESSION_STATUSES, SYMPTOM_LABELS, TREATMENTS
from shared.schedule import checkin_label
from shared.symptoms import severity_label
from shared.views import VIEWS
from shared.rating_labels import consensus_label



def _zone(tz: str | None) -> ZoneInfo:
    return ZoneInfo(tz or "UTC")


def day(value: date | datetime | None, tz: str | None = None) -> str:
    """'3 Mar 2026'; a datetime is first read in `tz`."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_zone(tz)).date()
    return f"{value.day} {value:%b %Y}"


def moment(value: datetime | None, tz: str | None = None, seconds: bool = False) -> str:
    """'3 Mar 2026, 14:05' (or 14:05:09) in the clinic's timezone."""
    if value is None:
        return ""
    local = value.astimezone(_zone(tz))
    return f"{local.day} {local:%b %Y, %H:%M}" + (f":{local:%S}" if seconds else "")


def as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def since(value: datetime | None, now: datetime | None = None) -> str:
    """'today', 'yesterday', '5 days ago', '3 weeks ago', '4 months ago'."""
    if value is None:
        return ""
    days = ((now or datetime.now(UTC)) - value).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    return f"{days // 30} months ago"


def local_input(value: datetime | None, tz: str | None = None) -> str:
    """A value for <input type="datetime-local"> in the clinic's timezone."""
    if value is None:
        return ""
    return value.astimezone(_zone(tz)).strftime("%Y-%m-%dT%H:%M")


COVERAGE_REFUSALS = {
    CoverageRefusal.TOO_DARK: "too dark",
    CoverageRefusal.OVEREXPOSED: "washed out",
    CoverageRefusal.SHINE: "wet or product shine",
    CoverageRefusal.NO_CONTRAST: "scalp not told from hair",
    CoverageRefusal.VIEW_NOT_MEASURED: "view not measured",
}


def view_label(view_id: str) -> str:
    view = VIEWS.get(view_id)  # type: ignore[call-overload]
    return view.label if view else view_id


def register(env: Environment) -> None:
    env.filters.update(
        day=day,
        moment=moment,
        since=since,
        local_input=local_input,
        treatment=lambda v: TREATMENTS.get(v, str(v)),
        area=lambda v: AREAS.get(v, str(v)),
        session_status=lambda v: SESSION_STATUSES.get(v, str(v)),
        role=lambda v: ROLES.get(str(v), str(v)),
        view_label=view_label,
        # "Baseline" / "Month 3"; `checkin(true)` inside a sentence: "baseline" / "month 3"
        checkin=lambda month, in_sentence=False: checkin_label(int(month), in_sentence=in_sentence),
        uuid=as_uuid,
        symptom=lambda v: SYMPTOM_LABELS.get(str(v), str(v)),
        severity=severity_label,
        sex=lambda v: SEX_LABELS.get(v, str(v)),
        diagnosis=lambda v: DIAGNOSIS_LABELS.get(v, str(v)) if v else "Not recorded",
        consensus_label=lambda c: consensus_label(
            final=c.final, round_name=c.round_name, raters=c.raters, agreement=c.agreement, agreement_pairs=c.agreement_pairs
        ),
        coverage_refusal=lambda v: COVERAGE_REFUSALS.get(v, str(v)),
    )
    env.globals.update(TREATMENTS=TREATMENTS, AREAS=AREAS, SESSION_STATUSES=SESSION_STATUSES)
