"""The object store interface: what the photo feature needs from S3 or a local folder, and nothing more.

Every method is a coroutine; implementations keep blocking work (boto3, file I/O) off the event loop.
A store that cannot be reached raises StoreUnavailable (HTTP 503 with Retry-After).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, Literal, Protocol

from shared.errors import ErrorCode, Unavailable

STORE_RETRY_AFTER_SECONDS = 5
# what a streamed copy holds in memory at a time
COPY_CHUNK_BYTES = 1024 * 1024


class StoreUnavailable(Unavailable):
    def __init__(self, reason: str = "") -> None:
        super().__init__(
            "Photo storage is briefly unavailable. Your photo is safe on your phone; it will be sent again.",
            code=ErrorCode.STORE_UNAVAILABLE,
            retry_after=STORE_RETRY_AFTER_SECONDS,
            details={"reason": reason[:200]} if reason else None,
        )


class ObjectTooLarge(Exception):
    """The object is larger than the caller is willing to read."""

    def __init__(self, size: int) -> None:
        super().__init__(f"object of {size} bytes")
        self.size = size


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    last_modified: datetime | None = None
    content_type: str | None = None
    sha256: str | None = None  # hex, where the store keeps the whole object's own SHA-256


@dataclass(frozen=True, slots=True)
class StoredObject:
    info: ObjectInfo
    data: bytes


@dataclass(frozen=True, slots=True)
class PresignedUpload:
    """Where and how a phone sends one object's bytes (see shared.contract.checkins.UploadTarget)."""

    method: Literal["PUT", "POST"]
    url: str
    expires_at: datetime
    headers: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)


class ObjectStore(Protocol):
    """S3Store and LocalStore both provide this."""

    async def check(self) -> None:
        """Return when the store answers; raise when it does not (the health route calls this)."""

    async def upload_target(
        self, key: str, *, size: int, content_type: str, sha256_hex: str, expires_in: int
    ) -> PresignedUpload:
        """A short-lived upload for exactly `size` bytes of `content_type` to `key`."""

    async def download_url(self, key: str, *, expires_in: int, content_type: str = "image/jpeg") -> str:
        """A short-lived URL that reads `key`; stable for a while, so browsers can cache what it points to."""

    def download_urls(self, keys: list[str], *, expires_in: int, content_type: str = "image/jpeg") -> list[str]:
        """Many download URLs at once, computed without I/O (for the timeline)."""

    async def head(self, key: str) -> ObjectInfo | None:
        """The object's size and type, or None when there is no such object."""

    async def read_head(self, key: str, *, max_bytes: int) -> StoredObject | None:
        """The first `max_bytes` of the object (`info.size` is the whole object's), or None when
        missing; one request, nothing more is read."""

    async def read(self, key: str, *, max_bytes: int) -> StoredObject | None:
        """The whole object, or None when missing; ObjectTooLarge past `max_bytes` (nothing more is read)."""

    async def copy_into(self, key: str, sink: BinaryIO) -> int | None:
        """Stream the whole object into `sink` a chunk at a time (never all of it in memory, so any
        size is fine); the bytes written, or None when there is no such object."""

    async def write(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store `data` at `key` (replacing what is there), encrypted at rest where the store can."""

    async def write_file(self, key: str, path: str, *, content_type: str) -> None:
        """Store the file at `path` under `key` without reading it into memory (large exports)."""

    async def delete(self, keys: Iterable[str]) -> None:
        """Remove these objects; keys that do not exist are fine."""

    def list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        """Every object whose key starts with `prefix`, in pages."""

    async def close(self) -> None:
        """Release clients and threads."""
