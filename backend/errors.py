"""The one place where errors become HTTP answers: `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

import logging

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from tortoise.exceptions import IntegrityError, OperationalError

from shared import errors
from shared.errors import ErrorCode
from shared.text import CONTROL_CHARACTER_MESSAGE

log = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[errors.FollicleError], int] = {
    errors.InvalidInput: 400,
    errors.NotAuthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Gone: 410,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMedia: 415,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
}


def status_for(error: errors.FollicleError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


def error_response(
    status: int,
    code: str,
    message: str,
    details: dict | None = None,
    retry_after: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    headers = dict(headers or {})
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return Response(
        {"error": {"code": code, "message": message, "details": details or {}}},
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers or None,
    )


def follicle_error_handler(_: Request, exc: errors.FollicleError) -> Response:
    return error_response(status_for(exc), exc.code, exc.message, exc.details, exc.retry_after)


def validation_handler(_: Request, exc: ValidationException) -> Response:
    detail = str(exc.detail or "")
    extra = exc.extra if isinstance(exc.extra, list) else []
    text = " ".join([detail, *(str(e.get("message", "")) for e in extra if isinstance(e, dict))])
    if "Object contains unknown field" in text:
        code, message = ErrorCode.UNKNOWN_FIELD, "The request has a field this endpoint does not accept."
    elif CONTROL_CHARACTER_MESSAGE in text:
        code, message = ErrorCode.CONTROL_CHARACTER, "Text must not contain control characters (such as NUL or escape)."
    else:
        code, message = ErrorCode.VALIDATION_FAILED, "Some of the values sent are not valid."
    return error_response(400, code, message, {"problems": [_problem(e) for e in extra if isinstance(e, dict)]})


def _problem(entry: dict) -> dict:
    return {"message": str(entry.get("message", ""))[:300], "key": str(entry.get("key", ""))[:100]}


def http_error_handler(_: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if status == 400 and isinstance(exc.__cause__, SerializationException):
        return error_response(400, ErrorCode.MALFORMED_JSON, "The request body is not valid JSON.")
    code = {
        401: ErrorCode.NOT_AUTHENTICATED,
        403: ErrorCode.FORBIDDEN,
        404: ErrorCode.NOT_FOUND,
        405: ErrorCode.METHOD_NOT_ALLOWED,
        413: ErrorCode.PAYLOAD_TOO_LARGE,
        415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        429: ErrorCode.RATE_LIMITED,
        503: ErrorCode.DATABASE_UNAVAILABLE,
    }.get(status, ErrorCode.VALIDATION_FAILED if status < 500 else ErrorCode.INTERNAL_ERROR)
    message = exc.detail if status < 500 else "Something went wrong on our side. Please try again."
    # Litestar names a 405's allowed methods in `allow`: a client needs it to correct the call
    allow = {"Allow": exc.headers["allow"]} if status == 405 and exc.headers and "allow" in exc.headers else None
    return error_response(status, code, str(message), headers=allow)


def integrity_handler(_: Request, exc: IntegrityError) -> Response:
    # services check uniqueness first; this catches the race between check and insert
    log.info("integrity error: %s", exc)
    return error_response(409, ErrorCode.INVALID_STATE, "This conflicts with a record that already exists.")


def database_down_handler(_: Request, exc: OperationalError | OSError | ConnectionError) -> Response:
    log.warning("database unavailable: %s", exc)
    return error_response(
        503, ErrorCode.DATABASE_UNAVAILABLE, "The service is briefly unavailable. Please retry.", retry_after=5
    )


def internal_error_handler(_: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return error_response(
        HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", "Something went wrong on our side. Please try again."
    )


EXCEPTION_HANDLERS = {
    errors.FollicleError: follicle_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    IntegrityError: integrity_handler,
    OperationalError: database_down_handler,
    ConnectionError: database_down_handler,
    Exception: internal_error_handler,
}
