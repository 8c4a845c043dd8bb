"""Which views a clinic's check-ins ask for."""

from __future__ import annotations

from backend.clinics.models import Clinic
from shared.views import DEFAULT_PROTOCOL


def protocol_of(clinic: Clinic) -> list[str]:
    """The clinic's photo views in capture order (all five when it chose none)."""
    return protocol_of_views(clinic.protocol_views)


def protocol_of_views(chosen_views: list[str] | None) -> list[str]:
    chosen = set(chosen_views or [])
    return [view.id.value for view in DEFAULT_PROTOCOL if not chosen or view.id in chosen]
