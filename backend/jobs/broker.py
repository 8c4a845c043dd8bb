"""Which taskiq broker a process uses, from FOLLICLE_BROKER_URL."""

from __future__ import annotations

from taskiq import AsyncBroker, InMemoryBroker

from backend.settings import Settings

CONSUMER_GROUP = "follicle-workers"


def is_in_process(settings: Settings) -> bool:
    """Jobs run inside the API process (no separate worker)."""
    return settings.broker_url == "memory"


def build_broker(settings: Settings) -> AsyncBroker:
    """InMemoryBroker for "memory"; a Redis stream broker for redis:// or rediss:// URLs.

    The Redis broker acknowledges a message only after its task returned, and hands a message
    unacknowledged for `job_redelivery_seconds` to another worker, within a second of that time
    even on a quiet queue (redis_stream.py): tasks must be idempotent."""
    url = settings.broker_url
    if is_in_process(settings):
        return InMemoryBroker(max_async_tasks=settings.job_concurrency)
    if url.startswith(("redis://", "rediss://")):
        from backend.jobs.redis_stream import ReclaimingStreamBroker

        return ReclaimingStreamBroker(
            url,
            queue_name=settings.job_queue,
            consumer_group_name=CONSUMER_GROUP,
            idle_timeout=settings.job_redelivery_seconds * 1000,
            unacknowledged_lock_timeout=30,
            xread_block=1000,
        )
    raise ValueError(f"FOLLICLE_BROKER_URL must be 'memory' or a redis:// URL, not {url!r}")
