"""Litestar dependencies of the photo feature (also used by the dashboard's pages and the timeline)."""

from __future__ import annotations

from litestar import Request
from litestar.di import NamedDependency, Provide

from backend.photos.context import PhotoContext


def photo_context(request: Request) -> PhotoContext:
    """What the photo services need from the running app."""
    state = request.app.state
    return PhotoContext(
        settings=state.settings,
        store=state.store,
        jobs=getattr(state, "jobs", None),
        health=getattr(state, "store_health", None),
    )


CONTEXT = {"photos": Provide(photo_context, sync_to_thread=False)}
Photos = NamedDependency[PhotoContext]
