"""Litestar dependencies of the check-in feature."""

from __future__ import annotations

from litestar import Request
from litestar.di import NamedDependency, Provide

from backend.checkins.timeline_cache import TimelineCache


def timeline_cache(request: Request) -> TimelineCache:
    """This process's timeline cache (built by create_app)."""
    return request.app.state.timeline_cache


TIMELINES = {"timelines": Provide(timeline_cache, sync_to_thread=False)}
Timelines = NamedDependency[TimelineCache]
