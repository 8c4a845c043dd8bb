"""A real worker process killed mid-job (Redis broker): the job runs again and the photo is
processed once. Needs Redis (FOLLICLE_TEST_REDIS_URL)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from backend.photos.models import Photo
from tests.conftest import REDIS_URL
from tests.fixtures import images

pytestmark = [pytest.mark.redis, pytest.mark.skipif(not REDIS_URL, reason="FOLLICLE_TEST_REDIS_URL not set")]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def settings(settings):
    return settings.replace(broker_url=REDIS_URL, job_queue=f"follicle:test:{uuid.uuid4().hex}")


def worker_env(settings, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLICLE_")}
    values = {
        "database_url": settings.database_url, "store": "s3", "s3_endpoint_url": settings.s3_endpoint_url,
        "s3_bucket": settings.s3_bucket, "s3_access_key_id": settings.s3_access_key_id,
        "s3_secret_access_key": settings.s3_secret_access_key, "s3_path_style": "true",
        "broker_url": settings.broker_url, "job_queue": settings.job_queue, "reminder_sweep_seconds": "0",
        "secret_key": settings.secret_key, **extra,
    }
    env.update({f"FOLLICLE_{k.upper()}": str(v) for k, v in values.items()})
    env["PYTHONPATH"] = str(ROOT)
    return env


async def wait_for(check, *, limit: float = 60.0) -> None:
    """Poll until `check()` is true; fail after `limit` seconds (a bound, not a measurement)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not await check():
        assert loop.time() < deadline, "gave up waiting"
        await asyncio.sleep(0.2)


async def test_a_worker_killed_mid_job_leaves_the_photo_to_the_next_worker(phone_a, settings, s3, tmp_path):
    marker = tmp_path / "stalled"
    stalling = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/backend/photos/stalling_worker.py"), str(marker)],
        env=worker_env(settings), cwd=tmp_path,
    )
    try:
        answer = await phone_a.upload(images.photo_jpeg(800, 600))
        assert answer.status_code == 200, answer.text
        photo_id = answer.json()["id"]

        async def stalled() -> bool:
            return marker.exists()

        await wait_for(stalled)
    finally:
        stalling.send_signal(signal.SIGKILL)
        stalling.wait()
    assert (await Photo.get(id=photo_id)).status == "uploaded"

    # the next worker finds the photo stuck and processes it
    worker = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "worker"],
        env=worker_env(settings, photo_sweep_seconds=1, photo_stuck_minutes=0, job_redelivery_seconds=1),
        cwd=tmp_path,
    )
    try:
        async def ready() -> bool:
            return (await Photo.get(id=photo_id)).status == "ready"

        await wait_for(ready)
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    photo = await Photo.get(id=photo_id)
    assert s3.keys() == sorted(f"photos/{photo.storage_token}/{n}.jpg" for n in ("full", "preview", "thumb"))
    assert await Photo.all().count() == 1


async def test_a_job_lost_with_a_killed_worker_is_taken_over_on_a_quiet_queue(phone_a, settings, s3, tmp_path):
    """No other job arrives and the sweep is off: the next worker claims the dead worker's message
    once it has been unacknowledged for the redelivery time (taskiq-redis alone waits for traffic)."""
    redelivery = 2
    marker = tmp_path / "stalled"
    stalling = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/backend/photos/stalling_worker.py"), str(marker)],
        env=worker_env(settings, photo_sweep_seconds=0), cwd=tmp_path,
    )
    try:
        answer = await phone_a.upload(images.photo_jpeg(800, 600))
        assert answer.status_code == 200, answer.text
        photo_id = answer.json()["id"]

        async def stalled() -> bool:
            return marker.exists()

        await wait_for(stalled)
    finally:
        stalling.send_signal(signal.SIGKILL)
        stalling.wait()
    killed_at = asyncio.get_running_loop().time()
    worker = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "worker"],
        env=worker_env(settings, photo_sweep_seconds=0, job_redelivery_seconds=redelivery), cwd=tmp_path,
    )
    try:
        async def ready() -> bool:
            return (await Photo.get(id=photo_id)).status == "ready"

        await wait_for(ready, limit=redelivery + 60)
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    assert asyncio.get_running_loop().time() - killed_at < redelivery + 60
    photo = await Photo.get(id=photo_id)
    assert s3.keys() == sorted(f"photos/{photo.storage_token}/{n}.jpg" for n in ("full", "preview", "thumb"))
    assert await Photo.all().count() == 1
