"""The registry app: `create_registry_app(settings)` builds it; nothing connects at import.

Routes: a clinic joins with its public key, sends signed summaries and may withdraw; anyone reads
the pooled figures (JSON and the page) and the lot signals. Every figure is an aggregate that passed
the sending clinic's disclosure control, so the reads are public."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from litestar import Controller, Litestar, MediaType, Request, get, post
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.params import Body, QueryParameter

from backend.errors import EXCEPTION_HANDLERS
from backend.registry import figures, forest, migrations, network, page
from backend.registry.database import RegistryDatabase
from backend.registry.settings import RegistrySettings
from shared.contract.network import (
    JoinReceipt,
    JoinRequest,
    LotSignalList,
    SignedMessage,
    SubmissionReceipt,
)

MAX_BODY = 1024 * 1024


def _db(request: Request) -> RegistryDatabase:
    return request.app.state.registry_db


class NetworkController(Controller):
    path = "/network"
    tags = ["network"]

    @post("/clinics", operation_id="JoinNetwork", status_code=201)
    async def join(self, request: Request, data: Annotated[JoinRequest, Body()]) -> JoinReceipt:
        """A clinic joins the network with its Ed25519 public key; the id it sends its summaries under."""
        return await network.join(_db(request), data)

    @post("/submissions", operation_id="SubmitSummary", status_code=200)
    async def submit(self, request: Request, data: Annotated[SignedMessage, Body()]) -> SubmissionReceipt:
        """A clinic's signed summary for a period: stored once per clinic and period (the same message
        again answers the same receipt), a newer one replaces it, an older one is refused as a replay."""
        return await network.submit(_db(request), data)

    @post("/withdrawals", operation_id="WithdrawFromNetwork", status_code=204)
    async def withdraw(self, request: Request, data: Annotated[SignedMessage, Body()]) -> None:
        """A clinic leaves the network; its figures drop out of every pooled result at once."""
        await network.withdraw(_db(request), data)

    @get("/pooled", operation_id="GetPooledFigures")
    async def pooled(self, request: Request) -> dict[str, Any]:
        """Every pooled figure: per arm and month, the clinics and patients behind it, the estimate,
        its 95% interval, the prediction interval, tau-squared and I-squared, and each clinic's row."""
        result = await pooled_network(request)
        return as_json(result)

    @get("/lot-signals", operation_id="GetNetworkLotSignals")
    async def lot_signals(self, request: Request) -> LotSignalList:
        """Lots flagged across the network (see `method`), with how many clinics used each."""
        result = await pooled_network(request)
        return LotSignalList(items=result.lot_signals, method=figures.LOT_METHOD)


async def pooled_network(request: Request) -> figures.NetworkFigures:
    summaries = await network.current_summaries(_db(request))
    return await asyncio.to_thread(figures.pool_network, summaries, method=request.app.state.settings.method)


def as_json(result: figures.NetworkFigures) -> dict[str, Any]:
    def pooled(f: figures.PooledFigure) -> dict[str, Any] | None:
        p = f.pooled
        if p is None:
            return None
        return {
            "estimate": p.estimate, "se": p.se, "low": p.low, "high": p.high, "tau2": p.tau2, "i2": p.i2, "q": p.q,
            "prediction_low": p.prediction_low, "prediction_high": p.prediction_high,
        }

    return {
        "clinics": result.clinics,
        "patients": result.patients,
        "method": result.method,
        "figures": [
            {
                "arm": f.arm, "figure": f.figure, "month": f.month, "scale": f.scale, "clinics": f.clinics,
                "patients": f.patients, "pooled": pooled(f),
                "studies": [
                    {"clinic": s.clinic, "patients": s.patients, "effect": s.effect, "variance": s.variance}
                    for s in f.studies
                ],
            }
            for f in result.figures
        ],
        "lot_signals": [
            {k: getattr(s, k) for k in s.__struct_fields__} for s in result.lot_signals
        ],
    }


PLOTTED = ("consensus", "improved")


@get("/", operation_id="NetworkPage", media_type=MediaType.HTML, include_in_schema=False)
async def network_page(
    request: Request, clinic: Annotated[str | None, QueryParameter(name="clinic", max_length=64)] = None
) -> str:
    """The public page: pooled figures, lot signals and forest plots (a clinic's own rows marked)."""
    result = await pooled_network(request)

    def draw_all() -> list:
        return [
            (f, forest.draw(f, page.title_of(f), you=clinic))
            for f in result.figures
            if f.figure in PLOTTED and f.month in (6, 12)
        ]

    plots = await asyncio.to_thread(draw_all)
    return page.render(result, plots, you=clinic)


@get("/health", operation_id="RegistryHealth", tags=["ops"])
async def registry_health(request: Request) -> dict[str, str]:
    """The registry's database is reachable."""
    async with _db(request).transaction() as s:
        await s.fetch("SELECT 1 AS ok")
    return {"status": "ok"}


def create_registry_app(settings: RegistrySettings | None = None) -> Litestar:
    settings = settings or RegistrySettings.from_env()
    db = RegistryDatabase(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await db.open()
        try:
            await migrations.apply(db)
            yield
        finally:
            await db.close()

    return Litestar(
        route_handlers=[NetworkController, network_page, registry_health],
        lifespan=[lifespan],
        state=State({"settings": settings, "registry_db": db}),
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=MAX_BODY,
        openapi_config=OpenAPIConfig(title="Follicle network registry", version="0.1.0", path="/schema"),
    )
