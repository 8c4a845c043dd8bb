"""Refuse control characters in the address (path parameters and query string) of every request.

JSON bodies are checked by the contract itself (`shared.contract.base.Request`); this middleware
covers what no Struct sees, before the caller is looked up and before any handler runs, so no
route can store or search for such text, and no route needs its own check.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from shared.errors import ErrorCode, InvalidInput
from shared.text import CONTROL_CHARACTERS


class ControlCharacterError(InvalidInput):
    def __init__(self, where: str) -> None:
        super().__init__(
            "Text must not contain control characters (such as NUL or escape).",
            code=ErrorCode.CONTROL_CHARACTER,
            details={"in": where},
        )


def _decoded(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8", errors="replace")


def offending_part(scope: Scope) -> str | None:
    """"path" or "query" when that part of the request's address holds a control character."""
    if CONTROL_CHARACTERS.search(scope["path"]) or CONTROL_CHARACTERS.search(_decoded(scope.get("raw_path") or b"")):
        return "path"
    query = scope.get("query_string") or b""
    if query and CONTROL_CHARACTERS.search(_decoded(query)):
        return "query"
    return None


class ControlCharacterMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if where := offending_part(scope):
            raise ControlCharacterError(where)
        await next_app(scope, receive, send)
