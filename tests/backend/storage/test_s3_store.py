"""S3Store against moto's server on loopback: the client's settings, blocking calls off the loop,
and download URLs signed exactly as botocore would sign them."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from unittest import mock

import httpx
import pytest

from backend.storage import ObjectTooLarge, StoreUnavailable
from backend.storage.s3 import S3Store, build_s3_client
from backend.storage.sigv4 import GetUrlSigner
from tests.backend.s3_server import moto_endpoint, s3, s3_settings  # noqa: F401 - fixtures


@pytest.fixture
def store(settings, s3):  # noqa: F811
    return S3Store.from_settings(s3_settings(settings, s3))


def test_the_client_has_timeouts_standard_retries_and_path_style(settings):
    client = build_s3_client(
        settings.replace(store="s3", s3_endpoint_url="http://127.0.0.1:9", s3_path_style=True, s3_max_attempts=4)
    )
    config = client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (settings.s3_connect_timeout_seconds, settings.s3_read_timeout_seconds)
    assert config.retries == {"mode": "standard", "total_max_attempts": 4}
    assert config.s3["addressing_style"] == "path"
    assert config.max_pool_connections == settings.s3_max_connections


@pytest.mark.parametrize("path_style", [True, False])
@pytest.mark.parametrize("token", [None, "session-token/with+odd=chars"])
def test_download_urls_are_signed_as_botocore_signs_them(path_style, token):
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        aws_session_token=token, region_name="eu-west-1",
    )
    client = session.client(
        "s3", endpoint_url="https://objects.example.com:9000",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path" if path_style else "virtual"}),
    )
    moment = datetime(2026, 11, 25, 14, 7, 0, tzinfo=UTC)
    key = "photos/0123456789abcdef0123456789abcdef/thumb.jpg"
    with mock.patch("botocore.auth.get_current_datetime", return_value=moment.replace(tzinfo=None)):
        expected = client.generate_presigned_url("get_object", Params={"Bucket": "clinic-photos", "Key": key}, ExpiresIn=300)
    signer = GetUrlSigner(endpoint_url="https://objects.example.com:9000", bucket="clinic-photos", region="eu-west-1", path_style=path_style)
    credentials = session.get_credentials().get_frozen_credentials()
    ours = signer.url(
        key, access_key=credentials.access_key, secret_key=credentials.secret_key, token=credentials.token,
        expires_in=300, signed_at=moment,
    )
    assert ours == expected


async def test_a_download_url_opens_the_object_and_stays_the_same_within_a_minute(store, s3):  # noqa: F811
    await store.write("photos/abc/thumb.jpg", b"\xff\xd8\xffjpeg", content_type="image/jpeg")
    first = await store.download_url("photos/abc/thumb.jpg", expires_in=300)
    again = await store.download_url("photos/abc/thumb.jpg", expires_in=300)
    assert first == again or GetUrlSigner.signing_time().second == 0  # a new minute may start between
    answer = httpx.get(first)
    assert answer.status_code == 200 and answer.content == b"\xff\xd8\xffjpeg"
    assert s3.head("photos/abc/thumb.jpg")["ServerSideEncryption"] == "AES256"
    await store.close()


async def test_blocking_calls_run_in_the_stores_threads_not_on_the_loop(store, s3):  # noqa: F811
    seen: list[str] = []
    real = store.client.put_object

    def spy(**kwargs):
        seen.append(threading.current_thread().name)
        return real(**kwargs)

    store.client.put_object = spy
    loop_thread = threading.current_thread().name
    await store.write("uploads/x", b"data", content_type="image/jpeg")
    assert seen and seen[0] != loop_thread and seen[0].startswith("s3")
    await store.close()


async def test_reads_missing_objects_lists_and_deletes(store, s3):  # noqa: F811
    assert await store.head("uploads/missing") is None
    assert await store.read("uploads/missing", max_bytes=10) is None
    for i in range(5):
        await store.write(f"uploads/{i:032x}", b"x" * (i + 1), content_type="image/jpeg")
    listed = [info async for info in store.list("uploads/")]
    assert [info.size for info in listed] == [1, 2, 3, 4, 5]
    with pytest.raises(ObjectTooLarge):
        await store.read(f"uploads/{4:032x}", max_bytes=4)
    await store.delete([info.key for info in listed] + ["uploads/never-there"])
    assert s3.keys() == []
    await store.close()


async def test_an_unreachable_store_raises_store_unavailable(store, s3):  # noqa: F811
    s3.relay.down()
    for call in (store.check(), store.head("uploads/x"), store.write("uploads/x", b"x", content_type="image/jpeg")):
        with pytest.raises(StoreUnavailable) as raised:
            await call
        assert raised.value.retry_after and raised.value.code == "store_unavailable"
    await store.close()


async def test_presigned_put_is_bound_to_size_type_checksum_and_encryption(store):
    target = await store.upload_target(
        "uploads/abc", size=1234, content_type="image/jpeg", sha256_hex="ab" * 32, expires_in=120
    )
    signed = target.url.split("X-Amz-SignedHeaders=")[1].split("&")[0]
    assert signed == "content-length%3Bcontent-type%3Bhost%3Bx-amz-checksum-sha256%3Bx-amz-server-side-encryption"
    assert target.headers["Content-Length"] == "1234" and "X-Amz-Expires=120" in target.url
    assert (target.expires_at - datetime.now(UTC)).total_seconds() <= 120
    await asyncio.sleep(0)
    await store.close()
