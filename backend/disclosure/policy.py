"""How much a clinic's outputs may show: the thresholds every disclosure-controlled output obeys.

The floors are the product's promise (DESIGN.md, "trust"): a clinic may be stricter, never looser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.errors import ErrorCode, InvalidInput

THRESHOLD_FLOOR = 5  # a count of 1..4 patients is never shown
MIN_POPULATION_FLOOR = 10  # a filter matching fewer patients answers only "too few patients for this filter"
K_FLOOR = 5  # every row of an export shares its quasi-identifiers with at least 4 others

TOO_FEW_FOR_FILTER = "Too few patients for this filter"


@dataclass(frozen=True)
class DisclosurePolicy:
    """The clinic's disclosure thresholds. Building one below a floor raises InvalidInput
    (code DISCLOSURE_BELOW_FLOOR), so no code path can loosen the rules by accident."""

    threshold: int = THRESHOLD_FLOOR
    min_population: int = MIN_POPULATION_FLOOR
    k: int = K_FLOOR

    def __post_init__(self) -> None:
        for name, floor in (("threshold", THRESHOLD_FLOOR), ("min_population", MIN_POPULATION_FLOOR), ("k", K_FLOOR)):
            value = getattr(self, name)
            if not isinstance(value, int) or value < floor:
                raise InvalidInput(
                    f"The disclosure {name.replace('_', ' ')} cannot be lower than {floor}.",
                    code=ErrorCode.DISCLOSURE_BELOW_FLOOR,
                    details={"field": name, "value": value, "floor": floor},
                )

    @classmethod
    def for_clinic(cls, clinic: Any) -> DisclosurePolicy:
        """The policy stored on a Clinic row (columns disclosure_threshold, disclosure_min_population,
        export_k); a value below a floor in the database is raised to the floor, never trusted."""
        return cls(
            threshold=max(THRESHOLD_FLOOR, int(getattr(clinic, "disclosure_threshold", THRESHOLD_FLOOR) or 0)),
            min_population=max(MIN_POPULATION_FLOOR, int(getattr(clinic, "disclosure_min_population", 0) or 0)),
            k=max(K_FLOOR, int(getattr(clinic, "export_k", K_FLOOR) or 0)),
        )

    def is_small(self, count: int | None) -> bool:
        """A count of patients that may not be shown: 1 .. threshold-1 (0 is shown: nobody is described)."""
        return count is not None and 0 < count < self.threshold

    def population_allows(self, patients: int | None) -> bool:
        """Whether a filtered population is large enough to answer at all."""
        return patients is not None and patients >= self.min_population


async def policy_for_clinic(clinic_id: Any) -> DisclosurePolicy:
    """The policy of one clinic, read from its row (the default policy if the row has none)."""
    from backend.clinics.models import Clinic  # the leaf package imports no feature at import time

    clinic = await Clinic.get_or_none(id=clinic_id)
    return DisclosurePolicy.for_clinic(clinic) if clinic else DisclosurePolicy()
