"""Step-up: a fresh second factor before an export that takes data away in bulk (the cohort CSV,
the audit log). One guard, `fresh_second_factor`, for any route: when the caller signs in with
two-factor (or their clinic requires it), their session must have had a code within
`step_up_minutes`, else 403 `step_up_required` (the dashboard sends them to its step-up page; an
API client calls `POST /auth/step-up` with a code, then retries).

It reads the session row itself (one indexed query), so a step-up counts at once on every worker
whatever caches principals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from backend.auth.models import StaffSession
from backend.auth.principal import StaffPrincipal
from shared.errors import ErrorCode, Forbidden

STEP_UP_MESSAGE = "This export asks for a fresh two-factor code. Enter the code from your authenticator app."


async def needs_step_up(principal: StaffPrincipal, *, window: timedelta, now: datetime) -> bool:
    """Whether this caller must give a code before a bulk export now."""
    row = await StaffSession.filter(id=principal.session_id).values(
        "second_factor_at", "staff__totp__confirmed_at", "staff__clinic__require_two_factor"
    )
    if not row:
        return True
    found = row[0]
    on = found["staff__totp__confirmed_at"] is not None or bool(found["staff__clinic__require_two_factor"])
    fresh = found["second_factor_at"] is not None and found["second_factor_at"] + window > now
    return on and not fresh


async def fresh_second_factor(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    principal = connection.scope.get("user")
    if not isinstance(principal, StaffPrincipal):
        return  # the route's own guard refuses everyone else
    window = timedelta(minutes=connection.app.state.settings.step_up_minutes)
    if await needs_step_up(principal, window=window, now=datetime.now(UTC)):
        raise Forbidden(STEP_UP_MESSAGE, code=ErrorCode.STEP_UP_REQUIRED)


# the published schema lists this code on every route the guard is attached to
fresh_second_factor.follicle_errors = (ErrorCode.STEP_UP_REQUIRED,)  # type: ignore[attr-defined]
