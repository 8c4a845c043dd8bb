"""Errors on dashboard pages become pages, not JSON: a signed-out visitor is sent to the sign-in
page (htmx is told to go there too), anything else gets a short page with the stable error code."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.response import Redirect, Template
from tortoise.exceptions import IntegrityError, OperationalError

from backend.dashboard.guards import SignInRequired, dashboard_staff
from backend.dashboard.pages import content_security_policy
from backend.errors import status_for
from shared import errors
from shared.errors import ErrorCode

log = logging.getLogger(__name__)

SIGN_IN_PATH = "/dashboard/sign-in"
STEP_UP_PATH = "/dashboard/step-up"


def sign_in_location(request: Request, *, expired: bool) -> str:
    query = []
    if expired:
        query.append("expired=1")
    if request.method == "GET" and not request.headers.get("hx-request"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if target.startswith("/dashboard/") and not target.startswith(SIGN_IN_PATH):
            query.append("next=" + quote(target, safe="/"))
    return SIGN_IN_PATH + ("?" + "&".join(query) if query else "")


def _sign_in(request: Request, exc: errors.NotAuthenticated) -> Response:
    location = sign_in_location(request, expired=isinstance(exc, SignInRequired) and exc.expired)
    if request.headers.get("hx-request"):
        # htmx follows HX-Redirect with a full page load
        return Response("", status_code=401, headers={"HX-Redirect": location})
    return Redirect(location, status_code=303)


def error_page(request: Request, status: int, code: str, message: str) -> Response:
    staff = dashboard_staff(request)
    return Template(
        "error.html",
        context={"staff": staff, "status": status, "code": code, "message": message},
        status_code=status,
        media_type=MediaType.HTML,
        headers={
            "Content-Security-Policy": content_security_policy(request.app.state.settings),
            "Cache-Control": "no-store",
        },
    )


def _step_up(request: Request) -> Response:
    """An export that asks for a fresh second factor: to the step-up page, and back here after."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"{STEP_UP_PATH}?" + urlencode({"next": target})
    if request.headers.get("hx-request"):
        return Response("", status_code=403, headers={"HX-Redirect": location})
    return Redirect(location, status_code=303)


def follicle_error(request: Request, exc: errors.FollicleError) -> Response:
    if isinstance(exc, errors.NotAuthenticated):
        return _sign_in(request, exc)
    if exc.code == ErrorCode.STEP_UP_REQUIRED:
        return _step_up(request)
    return error_page(request, status_for(exc), exc.code, exc.message)


def http_error(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, NotFoundException) or exc.status_code == 404:
        return error_page(request, 404, ErrorCode.NOT_FOUND, "There is nothing at this address.")
    if isinstance(exc, ValidationException):
        return error_page(request, 400, ErrorCode.VALIDATION_FAILED, "Some of the values in the address are not valid.")
    if exc.status_code >= 500:
        return internal_error(request, exc)
    return error_page(request, exc.status_code, ErrorCode.VALIDATION_FAILED, str(exc.detail))


def database_down(request: Request, exc: Exception) -> Response:
    log.warning("database unavailable: %s", exc)
    return error_page(request, 503, ErrorCode.DATABASE_UNAVAILABLE, "The service is briefly unavailable. Please retry.")


def conflict(request: Request, exc: Exception) -> Response:
    log.info("integrity error: %s", exc)
    return error_page(request, 409, ErrorCode.INVALID_STATE, "This conflicts with a record that already exists.")


def internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on a dashboard page", exc_info=exc)
    return error_page(request, 500, "internal_error", "Something went wrong on our side. Please try again.")


EXCEPTION_HANDLERS = {
    errors.FollicleError: follicle_error,
    HTTPException: http_error,
    IntegrityError: conflict,
    OperationalError: database_down,
    ConnectionError: database_down,
    Exception: internal_error,
}
