"""No browser or proxy keeps a copy of what Follicle answers: every response without a caching rule
of its own gets `Cache-Control: no-store`, as one rule at the edge of the app rather than a header
per route, so a route added later is covered too (errors and 404s included).

Only responses that say how they may be cached keep their own rule: the dashboard's static files
(no patient data) are the one such case.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

NO_STORE = "no-store"


async def no_store_unless_set(message: Message, scope: Scope) -> None:
    """The app's `before_send` hook: runs for every message the app sends, whatever produced it."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        if "cache-control" not in headers:
            headers["Cache-Control"] = NO_STORE
