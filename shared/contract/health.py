from __future__ import annotations

from shared.contract.base import Response


class Health(Response, kw_only=True):
    status: str
    database: str
    store: str
