from __future__ import annotations

import logging

from litestar import Request, Response, get
from litestar.openapi import ResponseSpec

from backend.db import connection
from shared.contract.health import Health

log = logging.getLogger(__name__)


@get(
    "/health",
    operation_id="GetHealth",
    tags=["ops"],
    public=True,
    responses={503: ResponseSpec(Health, description="The database or the object store is unreachable.")},
)
async def health(request: Request) -> Response[Health]:
    """Reachability of the database and the object store; 503 when either is down."""
    database = store = "ok"
    try:
        await connection().execute_query("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means unreachable
        log.warning("health: database unreachable: %s", exc)
        database = "unreachable"
    object_store = getattr(request.app.state, "store", None)
    if object_store is not None:
        try:
            await object_store.check()
        except Exception as exc:  # noqa: BLE001
            log.warning("health: store unreachable: %s", exc)
            store = "unreachable"
    ok = database == "ok" and store == "ok"
    return Response(
        Health(status="ok" if ok else "degraded", database=database, store=store), status_code=200 if ok else 503
    )
