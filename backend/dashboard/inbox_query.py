"""The side-effect inbox's filters as they travel in the address (plain strings from a GET form),
turned into the service's `InboxFilters`; an empty field means 'any'."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from urllib.parse import urlencode

from backend.reports.inbox import InboxFilters
from shared.contract.patients import Treatment
from shared.errors import InvalidInput

YES_NO = {"yes": True, "no": False}
SEVERITY_CHOICES = {"1": "Mild or worse", "2": "Moderate or worse", "3": "Severe"}


@dataclass(frozen=True)
class InboxQuery:
    lot: str = ""
    treatment: str = ""
    severity: str = ""
    serious: str = ""
    acknowledged: str = ""
    reported_from: str = ""
    reported_to: str = ""

    @classmethod
    def of(cls, **values: str | None) -> InboxQuery:
        return cls(**{name: (value or "").strip() for name, value in values.items()})

    def filters(self) -> InboxFilters:
        """The typed filters; InvalidInput names the field a hand-edited address got wrong."""
        reported_from, reported_to = _day(self.reported_from, "From"), _day(self.reported_to, "To")
        if reported_from and reported_to and reported_to < reported_from:
            raise InvalidInput("The 'to' day is before the 'from' day.", details={"field": "reported_to"})
        return InboxFilters(
            lot=self.lot or None,
            treatment=_choice(self.treatment, {t.value: t for t in Treatment}, "Treatment"),
            min_severity=int(self.severity) if _choice(self.severity, SEVERITY_CHOICES, "Severity") else None,
            serious=_choice(self.serious, YES_NO, "Serious"),
            acknowledged=_choice(self.acknowledged, YES_NO, "Acknowledged"),
            reported_from=reported_from,
            reported_to=reported_to,
        )

    @property
    def narrowed(self) -> bool:
        return any(asdict(self).values())

    def address(self, page: int = 1) -> str:
        """The inbox's address with these filters (only those set) and the page."""
        fields = {name: value for name, value in asdict(self).items() if value}
        if page > 1:
            fields["page"] = str(page)
        return "/dashboard/side-effects" + (f"?{urlencode(fields)}" if fields else "")


def _choice(raw: str, choices: dict, field: str):
    if not raw:
        return None
    if raw not in choices:
        raise InvalidInput(f"{field}: choose one of the listed options.", details={"field": field.lower()})
    return choices[raw]


def _day(raw: str, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{field}: a date such as 2026-03-01.", details={"field": field.lower()}) from None
