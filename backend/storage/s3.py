"""S3 (or any S3-compatible store) through boto3.

The client is built once per process with botocore timeouts and standard retries; every boto3
call runs in this store's own thread pool, never on the event loop. Uploads are presigned PUTs
(or POSTs) bound to the exact size, content type and sha256 of the photo, with server-side
encryption; the bucket stays private and downloads are presigned GETs that expire in minutes.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from backend.settings import Settings
from backend.storage.base import COPY_CHUNK_BYTES, ObjectInfo, ObjectTooLarge, PresignedUpload, StoredObject, StoreUnavailable
from backend.storage.sigv4 import GetUrlSigner, expiry_of

log = logging.getLogger(__name__)

T = TypeVar("T")
_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}
_DELETE_BATCH = 1000
_CONCURRENT_READS = 8
# cached renditions never change at their key; browsers may keep them as long as the URL is valid
RENDITION_CACHE_CONTROL = "private, max-age=3600, immutable"


def build_s3_client(settings: Settings):
    """A boto3 S3 client with bounded timeouts, standard retries and a connection pool sized to the
    store's threads. Credentials come from settings or boto3's usual chain (env, profile, role)."""
    config = Config(
        region_name=settings.s3_region,
        signature_version="s3v4",
        connect_timeout=settings.s3_connect_timeout_seconds,
        read_timeout=settings.s3_read_timeout_seconds,
        retries={"mode": "standard", "total_max_attempts": settings.s3_max_attempts},
        max_pool_connections=settings.s3_max_connections,
        s3={"addressing_style": "path" if settings.s3_path_style else "virtual"},
        # plain Content-Length uploads: S3-compatible stores without aws-chunked support still work
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    session = boto3.session.Session(
        aws_access_key_id=settings.s3_access_key_id or None,
        aws_secret_access_key=settings.s3_secret_access_key or None,
        region_name=settings.s3_region,
    )
    return session.client("s3", endpoint_url=settings.s3_endpoint_url or None, config=config)


class S3Store:
    def __init__(
        self,
        client: Any,
        bucket: str,
        *,
        max_threads: int = 32,
        kms_key_id: str = "",
        upload_method: str = "put",
        path_style: bool = False,
        region: str = "us-east-1",
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.kms_key_id = kms_key_id
        self.upload_method = upload_method.upper()
        if self.upload_method not in ("PUT", "POST"):
            raise ValueError("FOLLICLE_S3_UPLOAD_METHOD must be put or post")
        self._threads = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="s3")
        # whole-object reads hold up to max_photo_bytes each in memory: a few at a time per process
        self._reads = asyncio.Semaphore(_CONCURRENT_READS)
        self._signer = GetUrlSigner(
            endpoint_url=client.meta.endpoint_url, bucket=bucket, region=region, path_style=path_style
        )
        self._credentials = client._request_signer._credentials  # noqa: SLF001 - botocore keeps them here

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        return cls(
            build_s3_client(settings),
            settings.s3_bucket,
            max_threads=settings.s3_max_connections,
            kms_key_id=settings.s3_kms_key_id,
            upload_method=settings.s3_upload_method,
            path_style=settings.s3_path_style,
            region=settings.s3_region,
        )

    async def _run(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._threads, functools.partial(work, *args, **kwargs))
        except ClientError as error:
            if self._is_missing(error):
                raise
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            code = str(error.response.get("Error", {}).get("Code", ""))
            if status >= 500 or code in {"SlowDown", "Throttling", "RequestTimeout"}:
                raise StoreUnavailable(code or str(status)) from error
            log.error("s3 refused a request (%s %s): check the bucket and its credentials", status, code)
            raise StoreUnavailable(code) from error
        except BotoCoreError as error:
            log.warning("s3 unreachable: %s", error)
            raise StoreUnavailable(type(error).__name__) from error

    @staticmethod
    def _is_missing(error: ClientError) -> bool:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status == 404 or str(error.response.get("Error", {}).get("Code", "")) in _MISSING

    def _encryption(self) -> dict[str, str]:
        if self.kms_key_id:
            return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.kms_key_id}
        return {"ServerSideEncryption": "AES256"}

    def _encryption_headers(self) -> dict[str, str]:
        if self.kms_key_id:
            return {
                "x-amz-server-side-encryption": "aws:kms",
                "x-amz-server-side-encryption-aws-kms-key-id": self.kms_key_id,
            }
        return {"x-amz-server-side-encryption": "AES256"}

    async def check(self) -> None:
        await self._run(self.client.head_bucket, Bucket=self.bucket)

    async def upload_target(
        self, key: str, *, size: int, content_type: str, sha256_hex: str, expires_in: int
    ) -> PresignedUpload:
        expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
        if self.upload_method == "POST":
            fields = {"Content-Type": content_type, **self._encryption_headers()}
            conditions: list[Any] = [{k: v} for k, v in fields.items()]
            conditions.append(["content-length-range", size, size])
            post = await self._run(
                self.client.generate_presigned_post,
                Bucket=self.bucket, Key=key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in,
            )
            return PresignedUpload(method="POST", url=post["url"], fields=post["fields"], expires_at=expires_at)
        checksum = base64.b64encode(bytes.fromhex(sha256_hex)).decode()
        url = await self._run(
            self.client.generate_presigned_url,
            "put_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": size,
                "ChecksumSHA256": checksum,
                **self._encryption(),
            },
            ExpiresIn=expires_in,
        )
        headers = {
            "Content-Type": content_type,
            "Content-Length": str(size),
            "x-amz-checksum-sha256": checksum,
            **self._encryption_headers(),
        }
        return PresignedUpload(method="PUT", url=url, headers=headers, expires_at=expires_at)

    def _frozen_credentials(self):
        return self._credentials.get_frozen_credentials()

    async def download_url(self, key: str, *, expires_in: int, content_type: str = "image/jpeg") -> str:
        return (await self.download_urls([key], expires_in=expires_in))[0]

    async def download_urls(
        self, keys: list[str], *, expires_in: int, content_type: str = "image/jpeg"
    ) -> list[str]:
        refresh_needed = getattr(self._credentials, "refresh_needed", None)
        if refresh_needed is not None and refresh_needed():
            # refreshing a role's credentials is network I/O: never on the loop
            credentials = await self._run(self._frozen_credentials)
        else:
            credentials = self._frozen_credentials()
        return self._signer.urls(
            keys,
            access_key=credentials.access_key,
            secret_key=credentials.secret_key,
            token=credentials.token,
            expires_in=expires_in,
            signed_at=GetUrlSigner.signing_time(),
        )

    @staticmethod
    def urls_expire_at(expires_in: int) -> datetime:
        return expiry_of(GetUrlSigner.signing_time(), expires_in)

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            answer = await self._run(self.client.head_object, Bucket=self.bucket, Key=key)
        except ClientError as error:
            if self._is_missing(error):
                return None
            raise
        return ObjectInfo(
            key=key, size=answer["ContentLength"], last_modified=answer.get("LastModified"),
            content_type=answer.get("ContentType"),
        )

    def _read(self, key: str, max_bytes: int) -> StoredObject | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if self._is_missing(error):
                return None
            raise
        body = answer["Body"]
        try:
            size = answer["ContentLength"]
            if size > max_bytes:
                raise ObjectTooLarge(size)
            data = body.read()
        finally:
            body.close()
        info = ObjectInfo(
            key=key, size=size, last_modified=answer.get("LastModified"), content_type=answer.get("ContentType")
        )
        return StoredObject(info=info, data=data)

    def _read_head(self, key: str, max_bytes: int) -> StoredObject | None:
        try:
            answer = self.client.get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes=0-{max_bytes - 1}", ChecksumMode="ENABLED"
            )
        except ClientError as error:
            if self._is_missing(error):
                return None
            if str(error.response.get("Error", {}).get("Code", "")) == "InvalidRange":
                return StoredObject(info=ObjectInfo(key=key, size=0), data=b"")  # an empty object
            raise
        body = answer["Body"]
        try:
            data = body.read(max_bytes)
        finally:
            body.close()
        content_range = answer.get("ContentRange") or ""
        size = int(content_range.rsplit("/", 1)[1]) if "/" in content_range else answer["ContentLength"]
        info = ObjectInfo(
            key=key, size=size, last_modified=answer.get("LastModified"), content_type=answer.get("ContentType"),
            sha256=_whole_object_sha256(answer),
        )
        return StoredObject(info=info, data=data)

    async def read_head(self, key: str, *, max_bytes: int) -> StoredObject | None:
        return await self._run(self._read_head, key, max_bytes)

    def _copy_into(self, key: str, sink: BinaryIO) -> int | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if self._is_missing(error):
                return None
            raise
        body, written = answer["Body"], 0
        try:
            for chunk in body.iter_chunks(COPY_CHUNK_BYTES):
                sink.write(chunk)
                written += len(chunk)
        finally:
            body.close()
        return written

    async def copy_into(self, key: str, sink: BinaryIO) -> int | None:
        return await self._run(self._copy_into, key, sink)

    async def read(self, key: str, *, max_bytes: int) -> StoredObject | None:
        async with self._reads:
            return await self._run(self._read, key, max_bytes)

    async def write(self, key: str, data: bytes, *, content_type: str) -> None:
        await self._run(
            self.client.put_object,
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type,
            CacheControl=RENDITION_CACHE_CONTROL, **self._encryption(),
        )

    async def write_file(self, key: str, path: str, *, content_type: str) -> None:
        # upload_file streams the file in parts (multipart past 8 MB): memory stays flat
        await self._run(
            self.client.upload_file, path, self.bucket, key,
            ExtraArgs={"ContentType": content_type, "CacheControl": "private, no-store", **self._encryption()},
        )

    async def delete(self, keys: Iterable[str]) -> None:
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start : start + _DELETE_BATCH]
            answer = await self._run(
                self.client.delete_objects,
                Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
            )
            errors = [e for e in answer.get("Errors", []) if e.get("Code") not in _MISSING]
            if errors:
                raise StoreUnavailable(f"{len(errors)} objects not deleted: {errors[0].get('Code')}")

    async def list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": 1000}
            if token:
                kwargs["ContinuationToken"] = token
            page = await self._run(self.client.list_objects_v2, **kwargs)
            for entry in page.get("Contents", []):
                yield ObjectInfo(key=entry["Key"], size=entry["Size"], last_modified=entry.get("LastModified"))
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")

    async def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        await asyncio.to_thread(self.client.close)


def _whole_object_sha256(answer: dict[str, Any]) -> str | None:
    """The SHA-256 S3 verified when the object was written (hex), when it reports one for the whole
    object; None for multipart composites and stores that keep none."""
    checksum = answer.get("ChecksumSHA256")
    if not checksum or "-" in checksum or answer.get("ChecksumType", "FULL_OBJECT") != "FULL_OBJECT":
        return None
    try:
        return base64.b64decode(checksum, validate=True).hex()
    except ValueError:
        return None
