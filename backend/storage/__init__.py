"""Where photos live: S3 (or an S3-compatible store) at scale, a local folder by default, behind one interface."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar

from backend.settings import Settings
from backend.storage.health import StoreHealth
from backend.storage.base import (
    ObjectInfo,
    ObjectStore,
    ObjectTooLarge,
    PresignedUpload,
    StoredObject,
    StoreUnavailable,
)

log = logging.getLogger(__name__)

__all__ = [
    "ObjectInfo",
    "ObjectStore",
    "ObjectTooLarge",
    "PresignedUpload",
    "StoreHealth",
    "StoreUnavailable",
    "StoredObject",
    "build_store",
    "storage_lifespan",
]


def build_store(settings: Settings) -> ObjectStore:
    """The store the settings choose: "local" (a folder, the default) or "s3"."""
    if settings.store == "s3":
        from backend.storage.s3 import S3Store

        return S3Store.from_settings(settings)
    if settings.store == "local":
        from backend.storage.local import LocalStore

        return LocalStore(settings.local_store_path, public_url=settings.public_url, secret_key=settings.secret_key)
    raise ValueError(f"FOLLICLE_STORE must be local or s3, not {settings.store!r}")


def storage_lifespan(settings: Settings, store: ObjectStore | None = None):
    """The app's lifespan part for the object store: built at startup, on `app.state.store`, with
    its health tracker on `app.state.store_health`. `store` is for tests that bring their own."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        active = store or build_store(settings)
        app.state.store = active
        app.state.store_health = StoreHealth(active, trust_seconds=settings.store_trust_seconds)
        try:
            yield
        finally:
            if store is None:
                await active.close()

    return lifespan
