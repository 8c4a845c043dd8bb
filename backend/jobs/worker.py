"""`follicle worker`: a separate process that runs the jobs queued in Redis, and the periodic rounds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

from taskiq.api import run_receiver_task

from backend.jobs.broker import build_broker, is_in_process
from backend.jobs.runtime import JobRegistration, JobRuntime, run_periodic, started
from backend.settings import Settings

log = logging.getLogger(__name__)


async def run_worker(
    settings: Settings, registrations: Sequence[JobRegistration], *, stop: asyncio.Event | None = None
) -> None:
    """Connect the database and the store, register every feature's tasks, and take jobs until
    SIGTERM/SIGINT (or `stop`). A job interrupted by a crash is delivered again after
    `job_redelivery_seconds`; the photo sweep also re-queues photos stuck in processing."""
    from backend.db import close_database, open_database
    from backend.storage import build_store

    if is_in_process(settings):
        raise SystemExit("FOLLICLE_BROKER_URL is 'memory': jobs run inside `follicle serve`; set a redis:// URL for workers")
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    await open_database(settings.database_url, pool_size=settings.database_pool_size)
    store = build_store(settings)
    runtime = JobRuntime(settings=settings, broker=build_broker(settings), store=store)
    for register in registrations:
        register(runtime)
    try:
        async with started(runtime):
            runtime.broker.is_worker_process = True
            tasks = [asyncio.create_task(run_receiver_task(runtime.broker, max_async_tasks=settings.job_concurrency))]
            tasks += [asyncio.create_task(run_periodic(every, fn)) for every, fn in runtime.periodic]
            log.info("worker ready: %s", ", ".join(sorted(runtime.tasks)))
            print(f"follicle worker: taking jobs ({', '.join(sorted(runtime.tasks))})", flush=True)
            await stop.wait()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        await store.close()
        await close_database()
