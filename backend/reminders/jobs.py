"""Reminder jobs on the job runtime (backend/jobs): a delivery round every `reminder_sweep_seconds`
and a planning round once a day, in whichever process runs jobs (the API with the in-memory broker,
each `follicle worker` otherwise). Both are safe to run in many processes at once: a claim takes
each due reminder for one worker only, and planning is idempotent."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from dataclasses import asdict
from typing import Any

from taskiq import TaskiqEvents

from backend.jobs import JobRuntime
from backend.push import PushPlatform, PushProvider
from backend.reminders.delivery import DeliveryPolicy, deliver_due
from backend.reminders.planning import extend_horizon
from backend.reminders.runtime import push_providers, worker_name
from backend.settings import Settings

log = logging.getLogger(__name__)

DELIVER_TASK = "reminders.deliver_due"
PLAN_TASK = "reminders.extend_horizon"
PLAN_EVERY_SECONDS = 24 * 3600


class PushClients:
    """This process's push providers: opened with the broker (a bad FCM/APNs setting stops start-up),
    closed with it. Opening and closing twice is harmless (the in-memory broker fires both events)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._stack: AsyncExitStack | None = None
        self._providers: dict[PushPlatform, PushProvider] | None = None
        self._lock = asyncio.Lock()

    async def open(self, *_: Any) -> dict[PushPlatform, PushProvider]:
        async with self._lock:
            if self._providers is None:
                stack = AsyncExitStack()
                self._providers = await stack.enter_async_context(push_providers(self._settings))
                self._stack = stack
            return self._providers

    async def close(self, *_: Any) -> None:
        async with self._lock:
            if self._stack is not None:
                await self._stack.aclose()
            self._stack, self._providers = None, None


def register_jobs(runtime: JobRuntime) -> None:
    """Add the reminder tasks and rounds to this process's job runtime."""
    settings = runtime.settings
    policy = DeliveryPolicy.from_settings(settings)
    clients = PushClients(settings)
    runtime.resources["push_providers"] = clients
    for event in (TaskiqEvents.CLIENT_STARTUP, TaskiqEvents.WORKER_STARTUP):
        runtime.broker.add_event_handler(event, clients.open)
    for event in (TaskiqEvents.CLIENT_SHUTDOWN, TaskiqEvents.WORKER_SHUTDOWN):
        runtime.broker.add_event_handler(event, clients.close)

    async def deliver_due_reminders() -> dict[str, int]:
        """Deliver every reminder due now, batch by batch; other workers take other batches."""
        report = await deliver_due(await clients.open(), policy=policy, worker=worker_name())
        if report.claimed:
            log.info("reminders delivered: %s", report)
        return asdict(report)

    async def extend_reminder_horizon() -> dict[str, int]:
        """Plan every enrolled patient's reminders up to the horizon (set-based, in batches)."""
        report = await extend_horizon()
        log.info("reminders planned: %s", report)
        return {"patients": report.patients, "inserted": report.inserted, "cancelled": report.cancelled}

    runtime.register(deliver_due_reminders, DELIVER_TASK)
    runtime.register(extend_reminder_horizon, PLAN_TASK)
    runtime.every(settings.reminder_sweep_seconds, deliver_due_reminders)
    runtime.every(PLAN_EVERY_SECONDS, extend_reminder_horizon)
