"""The embedded store: objects are files under one folder, and the app itself serves signed,
expiring upload and download URLs for them (backend/storage/controllers.py), the same way S3's
presigned URLs work. File work runs in threads, never on the event loop.

Keys are checked against a strict pattern, so a key can never name a path outside the folder.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from backend.storage.base import COPY_CHUNK_BYTES, ObjectInfo, ObjectTooLarge, PresignedUpload, StoredObject
from backend.storage.sigv4 import GetUrlSigner, expiry_of

KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:/[a-z0-9][a-z0-9._-]{0,127}){1,4}$")
ROUTE_PREFIX = "/store/objects"
_INCOMING = ".incoming"
# a concurrent deletion can remove a folder again right after it was made; it cannot do so forever
_RENAME_ATTEMPTS = 5


class InvalidKey(ValueError):
    pass


def check_key(key: str) -> str:
    if not KEY_PATTERN.match(key) or ".." in key:
        raise InvalidKey(key)
    return key


class LocalStore:
    def __init__(self, root: str | Path, *, public_url: str, secret_key: str) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / _INCOMING).mkdir(exist_ok=True)
        self.base_url = public_url.rstrip("/") + ROUTE_PREFIX
        self._secret = hashlib.sha256(b"follicle-local-store:" + secret_key.encode()).digest()
        self._cache_minute: int | None = None
        self._cache: dict[tuple[str, int, str], str] = {}

    # --- signatures -------------------------------------------------------------------

    def _sign(self, *parts: object) -> str:
        text = "\n".join(str(part) for part in parts)
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()

    def upload_signature(self, key: str, expires: int, size: int, content_type: str, sha256_hex: str) -> str:
        return self._sign("PUT", key, expires, size, content_type, sha256_hex)

    def download_signature(self, key: str, expires: int, content_type: str) -> str:
        return self._sign("GET", key, expires, content_type)

    @staticmethod
    def signature_matches(expected: str, given: str) -> bool:
        return hmac.compare_digest(expected, given)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    # --- the store interface ----------------------------------------------------------

    async def check(self) -> None:
        def probe() -> None:
            if not (self.root.is_dir() and os.access(self.root, os.W_OK)):
                raise OSError(f"{self.root} is not a writable folder")

        await asyncio.to_thread(probe)

    async def upload_target(
        self, key: str, *, size: int, content_type: str, sha256_hex: str, expires_in: int
    ) -> PresignedUpload:
        check_key(key)
        expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=expires_in)
        expires = int(expires_at.timestamp())
        query = {
            "expires": expires,
            "size": size,
            "type": content_type,
            "sha256": sha256_hex,
            "sig": self.upload_signature(key, expires, size, content_type, sha256_hex),
        }
        return PresignedUpload(
            method="PUT",
            url=f"{self.base_url}/{quote(key)}?{urlencode(query)}",
            headers={"Content-Type": content_type},
            expires_at=expires_at,
        )

    async def download_url(self, key: str, *, expires_in: int, content_type: str = "image/jpeg") -> str:
        return (await self.download_urls([key], expires_in=expires_in, content_type=content_type))[0]

    async def download_urls(
        self, keys: list[str], *, expires_in: int, content_type: str = "image/jpeg"
    ) -> list[str]:
        signed_at = GetUrlSigner.signing_time()
        minute = int(signed_at.timestamp())
        if minute != self._cache_minute or len(self._cache) > 100_000:
            self._cache_minute, self._cache = minute, {}
        expires = minute + expires_in
        urls = []
        for key in keys:
            url = self._cache.get((key, expires_in, content_type))
            if url is None:
                query = urlencode(
                    {"expires": expires, "type": content_type, "sig": self.download_signature(key, expires, content_type)}
                )
                url = f"{self.base_url}/{quote(key)}?{query}"
                self._cache[(key, expires_in, content_type)] = url
            urls.append(url)
        return urls

    @staticmethod
    def urls_expire_at(expires_in: int) -> datetime:
        return expiry_of(GetUrlSigner.signing_time(), expires_in)

    async def head(self, key: str) -> ObjectInfo | None:
        path = self._path(key)

        def stat() -> ObjectInfo | None:
            try:
                st = path.stat()
            except FileNotFoundError:
                return None
            return ObjectInfo(key=key, size=st.st_size, last_modified=datetime.fromtimestamp(st.st_mtime, UTC))

        return await asyncio.to_thread(stat)

    async def read(self, key: str, *, max_bytes: int) -> StoredObject | None:
        path = self._path(key)

        def load() -> StoredObject | None:
            try:
                with path.open("rb") as handle:
                    st = os.fstat(handle.fileno())
                    if st.st_size > max_bytes:
                        raise ObjectTooLarge(st.st_size)
                    data = handle.read()
            except FileNotFoundError:
                return None
            info = ObjectInfo(key=key, size=len(data), last_modified=datetime.fromtimestamp(st.st_mtime, UTC))
            return StoredObject(info=info, data=data)

        return await asyncio.to_thread(load)

    async def copy_into(self, key: str, sink: BinaryIO) -> int | None:
        path = self._path(key)

        def copy() -> int | None:
            try:
                with path.open("rb") as handle:
                    shutil.copyfileobj(handle, sink, COPY_CHUNK_BYTES)
                    return handle.tell()
            except FileNotFoundError:
                return None

        return await asyncio.to_thread(copy)

    async def read_head(self, key: str, *, max_bytes: int) -> StoredObject | None:
        path = self._path(key)

        def load() -> StoredObject | None:
            try:
                with path.open("rb") as handle:
                    st = os.fstat(handle.fileno())
                    data = handle.read(max_bytes)
            except FileNotFoundError:
                return None
            info = ObjectInfo(key=key, size=st.st_size, last_modified=datetime.fromtimestamp(st.st_mtime, UTC))
            return StoredObject(info=info, data=data)

        return await asyncio.to_thread(load)

    def write_now(self, key: str, data: bytes) -> None:
        """Write atomically (a temporary file renamed into place): readers never see half a file.

        A deletion elsewhere in the folder may remove the (then empty) target folder between
        creating it and the rename; the folder is made again and the rename retried."""
        path = self._path(key)
        handle, temporary = tempfile.mkstemp(dir=self.root / _INCOMING)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            for attempt in range(_RENAME_ATTEMPTS):
                path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.replace(temporary, path)
                    return
                except FileNotFoundError:
                    if attempt == _RENAME_ATTEMPTS - 1:
                        raise
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open_for_reading(self, key: str) -> tuple[BinaryIO, int] | None:
        """An open handle on the object and its size, or None when it is missing. Once open, the
        bytes stay readable even if the object is deleted meanwhile."""
        try:
            handle = self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError):
            return None
        return handle, os.fstat(handle.fileno()).st_size

    async def write(self, key: str, data: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(self.write_now, key, data)

    async def write_file(self, key: str, path: str, *, content_type: str) -> None:
        def copy() -> None:
            target = self._path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.root / _INCOMING)
            os.close(handle)
            try:
                shutil.copyfile(path, temporary)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise

        await asyncio.to_thread(copy)

    async def delete(self, keys: Iterable[str]) -> None:
        paths = [self._path(key) for key in keys]

        def remove() -> None:
            for path in paths:
                path.unlink(missing_ok=True)
                # drop folders left empty, up to the root
                parent = path.parent
                while parent != self.root:
                    try:
                        parent.rmdir()
                    except OSError:
                        break
                    parent = parent.parent

        await asyncio.to_thread(remove)

    async def list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        def scan() -> list[ObjectInfo]:
            found = []
            for folder, dirs, files in os.walk(self.root):
                dirs[:] = [d for d in dirs if d != _INCOMING]
                for name in files:
                    path = Path(folder) / name
                    key = path.relative_to(self.root).as_posix()
                    if key.startswith(prefix):
                        try:
                            st = path.stat()
                        except FileNotFoundError:
                            continue
                        found.append(
                            ObjectInfo(key=key, size=st.st_size, last_modified=datetime.fromtimestamp(st.st_mtime, UTC))
                        )
            return sorted(found, key=lambda info: info.key)

        for info in await asyncio.to_thread(scan):
            yield info

    async def close(self) -> None:
        return None
