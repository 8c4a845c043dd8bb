"""The published API contract: how to authenticate, who may call each operation, and every error it
can answer, derived in one place from what the routes already say.

Litestar builds the schema from handlers and msgspec Structs; `finish` then adds what it cannot know:
- security: from each route's guards (`backend.auth.guards`: each guard names its `Caller`); a route
  with no guard must say `public=True` on its decorator, or `undeclared_operations` names it;
- errors: every 4xx/5xx status the route can answer, with the real envelope
  `{"error": {"code", "message", "details"}}` and the codes it can carry: the codes every route of its
  kind shares (below) plus those its handler declares with `errors=(ErrorCode..., ...)`;
- descriptions: the handler's docstring followed by who may call it;
- `additionalProperties: false` on every request message (they forbid unknown fields), and the
  values each field accepts as `published(...)` in shared/contract (enums, scales);
- a request body with a default (`data: ... = None`) is optional.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    Components,
    OpenAPIType,
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.routes import HTTPRoute

from backend.auth.guards import Caller, caller_of
from backend.auth.principal import SESSION_COOKIE
from shared.contract.base import Request, Response
from shared.errors import ErrorCode

STAFF_BEARER = "staffBearer"
DEVICE_BEARER = "deviceBearer"
DASHBOARD_COOKIE = "dashboardCookie"

SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    STAFF_BEARER: SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="opaque staff token",
        description="A clinic staff member's token, from `POST /auth/sign-in` (`token`). "
        "Ends at `POST /auth/sign-out`, when an admin deactivates the account, or when it expires.",
    ),
    DEVICE_BEARER: SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="opaque device token",
        description="An enrolled patient's phone token, from `POST /enrol` (`device_token`). "
        "Ends when the phone signs out (`DELETE /me/device`) or the clinic revokes the device.",
    ),
    DASHBOARD_COOKIE: SecurityScheme(
        type="apiKey",
        name=SESSION_COOKIE,
        security_scheme_in="cookie",
        description="The clinic dashboard's session cookie (pages under `/dashboard`, signed in through "
        "the dashboard's own form; unsafe requests also need the page's CSRF token). "
        "Not accepted by the JSON API.",
    ),
}

# what a status means, in the words the schema shows next to it
STATUS_DESCRIPTIONS = {
    400: "The request is not valid (the code says why).",
    401: "No valid credentials were sent, or they have ended.",
    403: "The caller is signed in but may not do this.",
    404: "No such thing, or it belongs to someone the caller may not see.",
    409: "The request conflicts with the current state.",
    410: "The thing existed but can no longer be used.",
    413: "The request or the file is too large.",
    415: "The file or body is of a type this route does not accept.",
    429: "Too many attempts; retry after `Retry-After` seconds.",
    503: "A service Follicle depends on is briefly unavailable; retry after `Retry-After` seconds.",
}

# the status each code is answered with (`backend/errors.py` maps the classes; the codes follow the class
# their raise sites use, which tests/backend/api/test_openapi_contract.py checks)
STATUS_BY_CODE: dict[ErrorCode, int] = {
    **{code: 400 for code in ErrorCode},
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.NOT_AUTHENTICATED: 401,
    ErrorCode.INVALID_CREDENTIALS: 401,
    ErrorCode.TOKEN_REVOKED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.CSRF_FAILED: 403,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.SECOND_FACTOR_REQUIRED: 401,
    ErrorCode.SECOND_FACTOR_INVALID: 401,
    ErrorCode.RECOVERY_CODE_USED: 401,
    ErrorCode.TWO_FACTOR_ENROLMENT_REQUIRED: 403,
    ErrorCode.TWO_FACTOR_ALREADY_ON: 409,
    ErrorCode.TWO_FACTOR_NOT_ON: 409,
    ErrorCode.STEP_UP_REQUIRED: 403,
    ErrorCode.STAFF_LINK_INVALID: 404,
    ErrorCode.STAFF_LINK_EXPIRED: 410,
    ErrorCode.STAFF_LINK_USED: 410,
    ErrorCode.LAST_ADMIN: 409,
    ErrorCode.STAFF_INACTIVE: 409,
    ErrorCode.NO_MARKETING_CONSENT: 409,
    ErrorCode.SAFETY_CHECK_IN_NOT_OPEN: 409,
    ErrorCode.STOP_REASON_UNKNOWN: 400,
    ErrorCode.COURSE_GAP_OUT_OF_RANGE: 400,
    ErrorCode.CONSENT_FORM_INVALID: 415,
    ErrorCode.INVITE_EXPIRED: 410,
    ErrorCode.INVITE_USED: 410,
    ErrorCode.INVITE_REVOKED: 410,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.RECORD_NUMBER_TAKEN: 409,
    ErrorCode.EMAIL_TAKEN: 409,
    ErrorCode.INVALID_STATE: 409,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.PHOTO_TOO_LARGE: 413,
    ErrorCode.PHOTO_NOT_UPLOADED: 409,
    ErrorCode.PHOTO_NOT_AN_IMAGE: 415,
    ErrorCode.PHOTO_TOO_MANY_PIXELS: 413,
    ErrorCode.IDEMPOTENCY_CONFLICT: 409,
    ErrorCode.UPLOAD_URL_INVALID: 403,
    ErrorCode.QUESTIONNAIRE_ALREADY_ANSWERED: 409,
    ErrorCode.INJECTION_NOT_GIVEN: 409,
    ErrorCode.EXPORT_NOT_READY: 409,
    ErrorCode.EXPORT_EXPIRED: 410,
    ErrorCode.EXPORT_LINK_INVALID: 404,
    ErrorCode.EXPORT_LINK_EXPIRED: 410,
    ErrorCode.EXPORT_LINK_USED: 410,
    ErrorCode.RATING_TOKEN_UNKNOWN: 404,
    ErrorCode.ROUND_CLOSED: 409,
    ErrorCode.NOTHING_TO_UNDO: 409,
    ErrorCode.RESULTS_AFTER_QUEUE: 403,
    ErrorCode.KEY_BLINDED: 403,
    ErrorCode.CONSENSUS_BLINDED: 403,
    ErrorCode.NOTHING_TO_PUBLISH: 409,
    ErrorCode.RATERS_STILL_RATING: 409,
    ErrorCode.ROUND_PUBLISHED: 409,
    ErrorCode.NOT_A_RATER: 403,
    # the network registry's answers to a clinic's server
    ErrorCode.SIGNATURE_INVALID: 403,
    ErrorCode.SUBMISSION_REPLAYED: 409,
    ErrorCode.CLINIC_LEFT_NETWORK: 410,
    ErrorCode.NOT_IN_NETWORK: 409,
    ErrorCode.REGISTRY_UNAVAILABLE: 503,
    ErrorCode.STORE_UNAVAILABLE: 503,
    ErrorCode.DATABASE_UNAVAILABLE: 503,
    ErrorCode.INTERNAL_ERROR: 500,
}

ERRORS_OPT = "errors"  # handler decorator keyword: the codes its service may answer beyond the shared ones
PUBLIC_OPT = "public"  # handler decorator keyword: True for a route anyone may call (no guard)


def caller_for(handler: HTTPRouteHandler) -> Caller | None:
    """The most specific caller the route's guards name (the handler's own guard wins over its controller's)."""
    found = None
    for layer in handler.ownership_layers:
        for guard in getattr(layer, "guards", None) or ():
            found = caller_of(guard) or found
    return found


def error_codes(handler: HTTPRouteHandler, operation: Operation, caller: Caller | None) -> frozenset[ErrorCode]:
    """Every code the operation can answer: shared by every route of its kind, plus its own declared ones."""
    codes = {ErrorCode.CONTROL_CHARACTER, ErrorCode.DATABASE_UNAVAILABLE}  # every address is checked; every route reads
    if operation.parameters or operation.request_body:
        codes.add(ErrorCode.VALIDATION_FAILED)
    if operation.request_body:
        codes |= {ErrorCode.MALFORMED_JSON, ErrorCode.UNKNOWN_FIELD, ErrorCode.PAYLOAD_TOO_LARGE}
    if any(getattr(p, "param_in", None) == "path" for p in operation.parameters or ()):
        codes.add(ErrorCode.NOT_FOUND)
    if caller is not None:
        codes |= {ErrorCode.NOT_AUTHENTICATED, ErrorCode.TOKEN_REVOKED, ErrorCode.FORBIDDEN}
    codes.update(ErrorCode(code) for code in handler.opt.get(ERRORS_OPT, ()))
    for layer in handler.ownership_layers:  # a guard may answer codes of its own (step-up)
        for guard in getattr(layer, "guards", None) or ():
            codes.update(getattr(guard, "follicle_errors", ()))
    return frozenset(codes)


def error_schema(codes: Iterable[ErrorCode]) -> Schema:
    """The error envelope, its code narrowed to `codes`."""
    return Schema(
        type="object",
        required=["error"],
        properties={
            "error": Schema(
                type="object",
                required=["code", "message", "details"],
                properties={
                    "code": Schema(type="string", enum=sorted(str(code) for code in codes)),
                    "message": Schema(type="string", description="What happened, in words a person understands."),
                    "details": Schema(
                        type="object",
                        description="Machine-readable specifics (the field, the allowed values, ...).",
                    ),
                },
            )
        },
    )


def error_responses(codes: Iterable[ErrorCode]) -> dict[str, OpenAPIResponse]:
    by_status: dict[int, list[ErrorCode]] = {}
    for code in codes:
        by_status.setdefault(STATUS_BY_CODE[code], []).append(code)
    responses = {}
    for status in sorted(by_status):
        listed = sorted(by_status[status])
        headers: dict[str, OpenAPIHeader | Reference] | None = None
        if status in (429, 503):
            headers = {"Retry-After": OpenAPIHeader(schema=Schema(type="integer"), description="Seconds to wait.")}
        responses[str(status)] = OpenAPIResponse(
            description=f"{STATUS_DESCRIPTIONS.get(status, 'An error.')} Codes: "
            + ", ".join(f"`{code}`" for code in listed)
            + ".",
            content={"application/json": OpenAPIMediaType(schema=error_schema(listed))},
            headers=headers,
        )
    return responses


def describe(operation: Operation, caller: Caller | None) -> str:
    own = (operation.description or "").strip()
    who = caller.who if caller else "anyone, without signing in"
    return f"{own}\n\n**Who may call:** {who}." if own else f"**Who may call:** {who}."


def forbids_unknown_fields(struct: type) -> bool:
    return bool(getattr(getattr(struct, "__struct_config__", None), "forbid_unknown_fields", False))


def contract_structs(*bases: type[msgspec.Struct]) -> dict[str, type[msgspec.Struct]]:
    """Every message of the contract by name (the names Litestar gives their schema components)."""
    found: dict[str, type[msgspec.Struct]] = {}
    pending = list(bases)
    while pending:
        cls = pending.pop()
        found[cls.__name__] = cls
        pending.extend(cls.__subclasses__())
    return found


def _published(kind: msgspec.inspect.Type) -> dict[str, Any]:
    """What `shared.contract.base.published(...)` says of a field's type, which Litestar's schema
    generator drops: the enum of symptom ids, the severity and answer scales, the view names."""
    if isinstance(kind, msgspec.inspect.UnionType):
        return next((found for t in kind.types if (found := _published(t))), {})
    if isinstance(kind, msgspec.inspect.DictType):
        keys, values = _published(kind.key_type), _published(kind.value_type)
        return {k: v for k, v in (("propertyNames", keys), ("additionalProperties", values)) if v}
    if isinstance(kind, (msgspec.inspect.ListType, msgspec.inspect.SetType, msgspec.inspect.FrozenSetType)):
        items = _published(kind.item_type)
        return {"items": items} if items else {}
    return dict(getattr(kind, "extra_json_schema", None) or {})


_SCHEMA_KEYS = {"enum": "enum", "minimum": "minimum", "maximum": "maximum"}


def _apply(target: Schema | Reference, published: dict[str, Any]) -> None:
    if not isinstance(target, Schema):
        return
    if target.one_of:  # an optional field: the published rule is the non-null branch's
        for branch in target.one_of:
            if isinstance(branch, Schema) and branch.type != "null":
                _apply(branch, published)
        return
    for key, value in published.items():
        if key in _SCHEMA_KEYS:
            setattr(target, _SCHEMA_KEYS[key], value)
        elif key == "items" and target.items is not None:
            _apply(target.items, value)
        elif key == "additionalProperties":
            if not isinstance(target.additional_properties, Schema):
                target.additional_properties = Schema()
            _apply(target.additional_properties, value)
        elif key == "propertyNames":
            target.property_names = Schema(type="string")
            _apply(target.property_names, value)


def publish_field_rules(schema: Schema, struct: type[msgspec.Struct]) -> None:
    info = msgspec.inspect.type_info(struct)
    for field in getattr(info, "fields", ()):
        published = _published(field.type)
        if published and schema.properties and field.encode_name in schema.properties:
            _apply(schema.properties[field.encode_name], published)


def operations(openapi: OpenAPI, routes: Iterable[HTTPRoute]) -> Iterable[tuple[str, str, Operation, HTTPRouteHandler]]:
    """(path, method, operation, handler) for every operation in the schema."""
    for route in routes:
        path_item = (openapi.paths or {}).get(route.path_format or "/")
        if path_item is None:
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            for method in handler.http_methods:
                operation = getattr(path_item, method.lower(), None)
                if isinstance(operation, Operation):
                    yield route.path_format or "/", method.lower(), operation, handler


def undeclared_operations(openapi: OpenAPI, routes: Iterable[HTTPRoute]) -> list[str]:
    """Operations neither guarded by a known caller nor declared `public=True` (a missing guard, perhaps)."""
    return [
        f"{method.upper()} {path}"
        for path, method, _, handler in operations(openapi, routes)
        if caller_for(handler) is None and handler.opt.get(PUBLIC_OPT) is not True
    ]


def finish(openapi: OpenAPI, routes: Sequence[HTTPRoute]) -> OpenAPI:
    """Add security, errors, descriptions and closed request messages to Litestar's schema (in place)."""
    components = openapi.components if isinstance(openapi.components, Components) else Components()
    openapi.components = components
    components.security_schemes = {**(components.security_schemes or {}), **SECURITY_SCHEMES}
    components.schemas["ErrorResponse"] = error_schema(ErrorCode)
    for _, _, operation, handler in operations(openapi, routes):
        caller = caller_for(handler)
        operation.security = [{caller.scheme: []}] if caller else []
        operation.description = describe(operation, caller)
        own = {str(status) for status in handler.responses or {}}  # a handler's own `responses=` stand
        responses = {status: r for status, r in (operation.responses or {}).items() if int(status) < 400 or status in own}
        for status, response in error_responses(error_codes(handler, operation, caller)).items():
            responses.setdefault(status, response)
        operation.responses = dict(sorted(responses.items()))
        _json_bytes_are_objects(operation)
        body = operation.request_body
        if body is not None and not isinstance(body, Reference) and _body_is_optional(handler):
            body.required = False
    structs = contract_structs(Request, Response)
    for name, schema in components.schemas.items():
        if name in structs and isinstance(schema, Schema):
            publish_field_rules(schema, structs[name])
            if forbids_unknown_fields(structs[name]):
                schema.additional_properties = False
    return openapi


def _json_bytes_are_objects(operation: Operation) -> None:
    """A handler that answers ready-made JSON bytes (the FHIR bundle, application/fhir+json) is
    documented by Litestar as a string; what it answers is a JSON object, and the schema says so."""
    for status, response in (operation.responses or {}).items():
        if int(status) >= 300 or not isinstance(response, OpenAPIResponse):
            continue
        for media_type, content in (response.content or {}).items():
            schema = content.schema
            if media_type.split(";")[0].endswith("json") and isinstance(schema, Schema) and schema.type == OpenAPIType.STRING:
                content.schema = Schema(type=OpenAPIType.OBJECT, description=schema.description)


def _body_is_optional(handler: HTTPRouteHandler) -> bool:
    data = handler.parsed_fn_signature.parameters.get("data")
    return data is not None and data.has_default


class ContractOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, finishing the schema once as it is built."""

    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        return finish(super()._build_openapi(), list(self.included_routes.values()))


def publish_contract(app: Any) -> None:
    """Make the app's schema the finished one. Litestar always builds its own plugin, so the instance
    it made takes this subclass's behaviour (same slots); the schema stays lazy, built on first use."""
    plugin = app.plugins.get(OpenAPIPlugin)
    plugin.__class__ = ContractOpenAPIPlugin
