"""Which patients an outcomes view covers: the filters staff choose, checked once.

Every filter value is checked against the one list it may come from, so a typo answers 400 with
FILTER_VALUE_UNKNOWN (or GRADE_OFF_SCALE for a grade) instead of an empty page that looks real.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.contract.patients import Treatment
from shared.errors import ErrorCode, InvalidInput
from shared.hair_loss import AGE_BOUNDS, AgeBand, Diagnosis, SeverityGrade, Sex, parse_grade_key


@dataclass(frozen=True)
class OutcomeFilter:
    arm: Treatment | None = None
    sex: Sex | None = None
    diagnosis: Diagnosis | None = None
    grade: SeverityGrade | None = None
    age_band: AgeBand | None = None
    baseline_from: date | None = None
    baseline_to: date | None = None
    product: str | None = None  # patients who were given this product at least once (any case)

    def as_params(self) -> dict[str, str]:
        """The filters as query parameters (for links and the audit trail)."""
        values = {
            "arm": self.arm, "sex": self.sex, "diagnosis": self.diagnosis,
            "grade": self.grade.key if self.grade else None, "age_band": self.age_band,
            "baseline_from": self.baseline_from.isoformat() if self.baseline_from else None,
            "baseline_to": self.baseline_to.isoformat() if self.baseline_to else None,
            "product": self.product,
        }
        return {k: str(v) for k, v in values.items() if v}

    @property
    def age_bounds(self) -> tuple[int, int] | None:
        for band, low, high in AGE_BOUNDS:
            if band == self.age_band:
                return low, high
        return None


def _choice(kind, name: str, value: str | None):
    if value is None or value == "":
        return None
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(
            f"{value[:40]!r} is not a known {name.replace('_', ' ')}.",
            code=ErrorCode.FILTER_VALUE_UNKNOWN,
            details={"field": name, "value": value[:40], "allowed": [v.value for v in kind]},
        ) from None


def _day(name: str, value: str | None) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{name.replace('_', ' ').capitalize()} must be a date such as 2026-01-31.",
            code=ErrorCode.FILTER_VALUE_UNKNOWN,
            details={"field": name, "value": value[:40]},
        ) from None


def parse(
    *,
    arm: str | None = None,
    sex: str | None = None,
    diagnosis: str | None = None,
    grade: str | None = None,
    age_band: str | None = None,
    baseline_from: str | None = None,
    baseline_to: str | None = None,
    product: str | None = None,
) -> OutcomeFilter:
    """The checked filter; empty values mean 'any'."""
    start, end = _day("baseline_from", baseline_from), _day("baseline_to", baseline_to)
    if start and end and end < start:
        raise InvalidInput(
            "The baseline date range ends before it starts.",
            code=ErrorCode.DATE_RANGE_BACKWARDS,
            details={"baseline_from": start.isoformat(), "baseline_to": end.isoformat()},
        )
    product = (product or "").strip()
    return OutcomeFilter(
        arm=_choice(Treatment, "arm", arm),
        sex=_choice(Sex, "sex", sex),
        diagnosis=_choice(Diagnosis, "diagnosis", diagnosis),
        grade=parse_grade_key(grade) if grade else None,
        age_band=_choice(AgeBand, "age_band", age_band),
        baseline_from=start,
        baseline_to=end,
        product=product or None,
    )
