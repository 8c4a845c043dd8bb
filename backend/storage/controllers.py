"""The embedded store's own signed URLs: a phone PUTs a photo's bytes, a browser GETs a rendition.

Both answer only a valid, unexpired signature made by LocalStore; an upload must also match the
size, content type and sha256 it was signed for, or nothing is kept, and its slot must still be
open (`app.state.upload_gate(key)`, the photo feature's: a deleted patient's slot takes no bytes). With S3 configured these
routes answer 404: S3 serves its own presigned URLs.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from typing import Annotated, BinaryIO

from litestar import Controller, Request, Response, get, put
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from backend.storage.local import InvalidKey, LocalStore, check_key
from shared.errors import ErrorCode, Forbidden, InvalidInput, NotFound, PayloadTooLarge, UnsupportedMedia

_CHUNK = 256 * 1024
_BAD_URL = "This upload link is not valid or has expired. Please ask for a new one."
_SAFE_HEADERS = {
    "Cache-Control": "private, no-store",  # patient photos, as S3 stores them
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def _local_store(request: Request) -> LocalStore:
    store = getattr(request.app.state, "store", None)
    if not isinstance(store, LocalStore):
        raise NotFound("No such object.")
    return store


def _key(path: str) -> str:
    try:
        return check_key(path.lstrip("/"))
    except InvalidKey:
        raise Forbidden(_BAD_URL, code=ErrorCode.UPLOAD_URL_INVALID) from None


class LocalStoreController(Controller):
    path = "/store/objects"
    tags = ["storage"]

    @put(
        "/{key:path}",
        operation_id="PutLocalObject",
        request_max_body_size=None,  # the signed size decides, checked while reading
        status_code=200,
        include_in_schema=False,
    )
    async def upload(
        self,
        request: Request,
        key: FromPath[str],
        expires: Annotated[int, QueryParameter(name="expires")] = 0,
        size: Annotated[int, QueryParameter(name="size")] = -1,
        content_type: Annotated[str, QueryParameter(name="type")] = "",
        sha256: Annotated[str, QueryParameter(name="sha256")] = "",
        sig: Annotated[str, QueryParameter(name="sig")] = "",
    ) -> Response[None]:
        """Receive one photo's bytes for a signed upload URL; keep them only if they are exactly what was signed."""
        store = _local_store(request)
        key = _key(key)
        expected = store.upload_signature(key, expires, size, content_type, sha256)
        if not store.signature_matches(expected, sig) or expires < time.time():
            raise Forbidden(_BAD_URL, code=ErrorCode.UPLOAD_URL_INVALID)
        gate = getattr(request.app.state, "upload_gate", None)
        if gate is not None and not await gate(key):  # the slot died (its patient was deleted, say)
            raise Forbidden(_BAD_URL, code=ErrorCode.UPLOAD_URL_INVALID)
        sent_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if sent_type != content_type:
            raise UnsupportedMedia("The photo was sent with a different type than announced.")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > size:
                raise PayloadTooLarge("The photo is larger than announced.", code=ErrorCode.PHOTO_TOO_LARGE)
        data = bytes(body)
        if len(data) != size:
            raise InvalidInput("The photo arrived incomplete.", code=ErrorCode.PHOTO_SIZE_MISMATCH)
        digest = await asyncio.to_thread(lambda: hashlib.sha256(data).hexdigest())
        if digest != sha256:
            raise InvalidInput("The photo changed on the way.", code=ErrorCode.PHOTO_CHECKSUM_MISMATCH)
        await asyncio.to_thread(store.write_now, key, data)
        return Response(None, status_code=200)

    @get("/{key:path}", operation_id="GetLocalObject", include_in_schema=False)
    async def download(
        self,
        request: Request,
        key: FromPath[str],
        expires: Annotated[int, QueryParameter(name="expires")] = 0,
        content_type: Annotated[str, QueryParameter(name="type")] = "image/jpeg",
        sig: Annotated[str, QueryParameter(name="sig")] = "",
    ) -> Stream:
        """Serve one stored rendition for a signed download URL."""
        store = _local_store(request)
        key = _key(key)
        expected = store.download_signature(key, expires, content_type)
        if not store.signature_matches(expected, sig) or expires < time.time():
            raise Forbidden("This photo link has expired. Please reload the page.", code=ErrorCode.UPLOAD_URL_INVALID)
        opened = await asyncio.to_thread(store.open_for_reading, key)
        if opened is None:
            raise NotFound("No such object.")
        handle, size = opened
        return Stream(
            _chunks(handle), media_type=content_type, headers={**_SAFE_HEADERS, "Content-Length": str(size)}
        )


async def _chunks(handle: BinaryIO) -> AsyncIterator[bytes]:
    """The file's bytes in pieces read off the event loop; the handle is closed however it ends."""
    try:
        while chunk := await asyncio.to_thread(handle.read, _CHUNK):
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)
