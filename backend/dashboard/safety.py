"""The side-effect counts every dashboard page shows (the navigation's count, the serious-report
banner), read fresh for each page so an acknowledgement clears them for everyone at once."""

from __future__ import annotations

from litestar import Request

from backend.dashboard.guards import dashboard_staff
from backend.reports import inbox

STATE_KEY = "side_effect_counts"


async def count_unacknowledged(request: Request) -> None:
    """Before a full page is drawn: one grouped query; htmx fragments and sign-in skip it."""
    staff = dashboard_staff(request)
    if staff is None or request.method != "GET" or request.headers.get("hx-request"):
        return None
    request.state[STATE_KEY] = await inbox.unacknowledged_counts(staff.clinic_id)
    return None
