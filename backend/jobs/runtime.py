"""The job runtime of one process: broker, registered tasks, periodic rounds, and the app's lifespan part."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar
from taskiq import AsyncBroker, InMemoryBroker
from taskiq.decor import AsyncTaskiqDecoratedTask

from backend.jobs.broker import build_broker, is_in_process
from backend.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class JobRuntime:
    settings: Settings
    broker: AsyncBroker
    store: Any = None  # the object store (backend.storage.ObjectStore)
    tasks: dict[str, AsyncTaskiqDecoratedTask] = field(default_factory=dict)
    periodic: list[tuple[float, Callable[[], Awaitable[None]]]] = field(default_factory=list)
    # other features' clients (push providers, ...), by name
    resources: dict[str, Any] = field(default_factory=dict)
    # run once when the process that runs jobs in itself (the API, broker "memory") has started
    on_start: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # (task, first argument) of the jobs queued or running in this process
    live: set[tuple[str, Any]] = field(default_factory=set)

    def register(self, fn: Callable[..., Awaitable[Any]], name: str) -> AsyncTaskiqDecoratedTask:
        """Make `fn` a task called `name` (unique across features, e.g. "photos.process")."""
        if name in self.tasks:
            raise ValueError(f"task {name!r} is registered twice")

        @functools.wraps(fn)
        async def tracked(*args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(*args, **kwargs)
            finally:
                self.live.discard((name, args[0] if args else None))

        task = self.broker.register_task(tracked, task_name=name)
        self.tasks[name] = task
        return task

    def at_start(self, fn: Callable[[], Awaitable[None]]) -> None:
        """Run `fn` once when the API starts with jobs inside it (broker "memory"): what a killed
        process had queued in its memory is gone, so a feature queues its unfinished work again."""
        self.on_start.append(fn)

    def every(self, seconds: float, fn: Callable[[], Awaitable[None]]) -> None:
        """Run `fn` every `seconds` in whichever process runs jobs (the API with the in-memory
        broker, each `follicle worker` otherwise); 0 or less turns it off. `fn` must be safe to run
        in several processes at once."""
        if seconds > 0:
            self.periodic.append((seconds, fn))

    async def enqueue(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.live.add((name, args[0] if args else None))
        await self.tasks[name].kiq(*args, **kwargs)

    async def enqueue_unless_live(self, name: str, key: Any) -> bool:
        """Queue `name(key)` again when no job for `key` is queued or running in this process (jobs
        in process: a job lost with a killed process is not); whether it was queued. With a Redis
        broker the message stays with the broker until a worker finishes it (redelivered after
        `job_redelivery_seconds`), so nothing is sent."""
        if not self.in_process or (name, key) in self.live:
            return False
        await self.enqueue(name, key)
        return True

    @property
    def in_process(self) -> bool:
        return isinstance(self.broker, InMemoryBroker)

    async def wait_idle(self) -> None:
        """Wait until every job sent so far in this process has finished (in-memory broker)."""
        if isinstance(self.broker, InMemoryBroker):
            while self.broker._running_tasks:  # noqa: SLF001 - wait_all misses tasks started meanwhile
                await self.broker.wait_all()


# a feature's registration: called once per process with the runtime
JobRegistration = Callable[[JobRuntime], None]


async def run_periodic(every: float, fn: Callable[[], Awaitable[None]]) -> None:
    """Call `fn` every `every` seconds, first one interval after start; a failed round is logged."""
    while True:
        await asyncio.sleep(every)
        try:
            await fn()
        except Exception:
            log.exception("periodic job %s failed; next round in %s s", getattr(fn, "__name__", fn), every)


@asynccontextmanager
async def started(runtime: JobRuntime) -> AsyncIterator[JobRuntime]:
    await runtime.broker.startup()
    try:
        yield runtime
    finally:
        with contextlib.suppress(Exception):
            await runtime.wait_idle()
        await runtime.broker.shutdown()


def jobs_lifespan(settings: Settings, registrations: Sequence[JobRegistration]):
    """The app's lifespan part for jobs: the broker on `app.state.broker`, the runtime on
    `app.state.jobs`. With the in-memory broker the periodic rounds run in this process.
    Listed after the store's lifespan: tasks get `app.state.store`."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        broker = build_broker(settings)
        runtime = JobRuntime(settings=settings, broker=broker, store=getattr(app.state, "store", None))
        if "network_http" in app.state:  # the network's registry client, shared with the pages
            runtime.resources["network_http"] = app.state.network_http
        for register in registrations:
            register(runtime)
        app.state.broker = broker
        app.state.jobs = runtime
        async with started(runtime):
            loops = []
            if is_in_process(settings):
                for resume in runtime.on_start:
                    try:
                        await resume()
                    except Exception:
                        log.exception("resuming unfinished jobs failed; the periodic sweep will find them")
                loops = [asyncio.create_task(run_periodic(every, fn)) for every, fn in runtime.periodic]
            try:
                yield
            finally:
                for loop in loops:
                    loop.cancel()
                for loop in loops:
                    with contextlib.suppress(asyncio.CancelledError):
                        await loop

    return lifespan
