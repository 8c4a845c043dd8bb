"""Who may use a dashboard page: a staff member signed in with the dashboard cookie, and for
every unsafe request the session's CSRF token as well.

The token travels in the `csrf_token` form field or the `X-CSRF-Token` header (htmx sends it,
set once on <body>). The sign-in form has no session yet: it is protected against login CSRF by
a double-submit token in a short-lived cookie of its own.
"""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from backend.auth.principal import StaffPrincipal
from shared.errors import ErrorCode, Forbidden, NotAuthenticated

# a handler with opt={"public": True} is open to anyone (the sign-in page)
PUBLIC = "public"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SIGN_IN_COOKIE = "follicle_sign_in"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(NotAuthenticated):
    """No dashboard session, or it ended; `expired` when it ended from inactivity."""

    def __init__(self, *, expired: bool) -> None:
        super().__init__(
            "You were signed out after a while without activity." if expired else "Please sign in first.",
            code=ErrorCode.TOKEN_REVOKED if expired else ErrorCode.NOT_AUTHENTICATED,
        )
        self.expired = expired


def dashboard_staff(connection: ASGIConnection) -> StaffPrincipal | None:
    """The staff member behind the dashboard cookie (an API bearer token does not count here)."""
    principal = connection.scope.get("user")
    if isinstance(principal, StaffPrincipal) and principal.via_cookie:
        return principal
    return None


def signed_in(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    if handler.opt.get(PUBLIC):
        return
    if dashboard_staff(connection) is None:
        raise SignInRequired(expired=connection.scope.get("auth") == "session_expired")


async def csrf_protected(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    if connection.method in SAFE_METHODS:
        return
    if handler.opt.get(PUBLIC):
        expected = connection.cookies.get(SIGN_IN_COOKIE)
    else:
        staff = dashboard_staff(connection)
        expected = staff.csrf_token if staff else None
    sent = connection.headers.get(CSRF_HEADER) or await _form_token(connection)
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(
            "This form is out of date or did not come from the dashboard. Reload the page and try again.",
            code=ErrorCode.CSRF_FAILED,
        )


async def _form_token(connection: ASGIConnection) -> str | None:
    form = await connection.form()  # type: ignore[attr-defined]  # HTTP guards get the Request
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else None
