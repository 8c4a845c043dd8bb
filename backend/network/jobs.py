"""The network's rounds in whichever process runs jobs: deliver the outbox (with backoff), fetch the
registry's lot signals, and publish each member clinic's summary once a period."""

from __future__ import annotations

import logging
from dataclasses import asdict

from backend.jobs import JobRuntime
from backend.reminders.runtime import worker_name
from backend.network import service

log = logging.getLogger(__name__)

SIGNALS_EVERY_SECONDS = 15 * 60
PUBLISH_EVERY_SECONDS = 60 * 60


def register_jobs(runtime: JobRuntime) -> None:
    http = runtime.resources.setdefault("network_http", service.NetworkHttp())
    every = runtime.settings.network_sweep_seconds

    async def deliver_network_outbox() -> dict[str, int]:
        report = await service.deliver_due(http, worker=worker_name())
        if report.claimed:
            log.info("network outbox: %s", report)
        return asdict(report)

    async def fetch_network_signals() -> None:
        await service.sync_all(http)

    async def publish_network_summaries() -> None:
        if published := await service.publish_due():
            log.info("network summaries published: %s", published)

    runtime.register(deliver_network_outbox, "network.deliver")
    runtime.every(every, deliver_network_outbox)
    if every > 0:
        runtime.every(SIGNALS_EVERY_SECONDS, fetch_network_signals)
        runtime.every(PUBLISH_EVERY_SECONDS, publish_network_summaries)
