"""The job runtime: which broker a process gets, task registration, periodic rounds."""

from __future__ import annotations

import pytest
from taskiq import InMemoryBroker

from backend.jobs import JobRuntime, build_broker


def test_memory_is_the_in_process_broker_and_redis_urls_get_a_stream_broker(settings):
    assert isinstance(build_broker(settings), InMemoryBroker)
    from taskiq_redis import RedisStreamBroker

    broker = build_broker(settings.replace(broker_url="redis://127.0.0.1:6379/0", job_redelivery_seconds=42, job_queue="q:test"))
    assert isinstance(broker, RedisStreamBroker)
    assert broker.idle_timeout == 42_000 and broker.queue_name == "q:test"
    with pytest.raises(ValueError):
        build_broker(settings.replace(broker_url="amqp://elsewhere"))


async def test_registered_tasks_run_and_names_are_unique(settings):
    runtime = JobRuntime(settings=settings, broker=build_broker(settings))
    seen = []

    async def remember(value: str) -> None:
        seen.append(value)

    runtime.register(remember, "test.remember")
    with pytest.raises(ValueError):
        runtime.register(remember, "test.remember")
    await runtime.broker.startup()
    await runtime.enqueue("test.remember", "a")
    await runtime.wait_idle()
    await runtime.broker.shutdown()
    assert seen == ["a"]


def test_a_periodic_round_of_zero_seconds_is_off(settings):
    runtime = JobRuntime(settings=settings, broker=build_broker(settings))

    async def sweep() -> None:
        return None

    runtime.every(0, sweep)
    runtime.every(60, sweep)
    assert runtime.periodic == [(60, sweep)]


def test_the_app_registers_the_photo_jobs(app):
    from backend.app import job_registrations

    runtime = JobRuntime(settings=app.state.settings, broker=InMemoryBroker())
    for register in job_registrations():
        register(runtime)
    assert "photos.process" in runtime.tasks
