"""Faults: the store down during slot or complete, a worker stopped mid-job, duplicate runs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from backend.photos import processing as photo_jobs
from backend.checkins.models import CheckIn
from backend.photos.models import Photo
from backend.photos.reconciler import sweep
from backend.storage import StoreUnavailable
from tests.fixtures import images


async def test_store_down_during_slot_answers_503_and_the_retry_makes_one_photo(phone_a, jobs, s3):
    data = images.photo_jpeg(800, 600)
    key = str(uuid.uuid4())
    s3.relay.down()
    answer = await phone_a.slot(data, key=key)
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "store_unavailable"
    assert int(answer.headers["Retry-After"]) > 0
    assert await CheckIn.all().count() == 0 and await Photo.all().count() == 0
    s3.relay.up()
    retry = await phone_a.upload(data, key=key)
    assert retry.status_code == 200, retry.text
    await jobs.wait_idle()
    assert await Photo.all().count() == 1
    assert (await phone_a.status(retry.json()["id"])).json()["status"] == "ready"


async def test_store_down_during_complete_answers_503_and_the_retry_makes_one_photo(phone_a, jobs, s3):
    data = images.photo_jpeg(800, 600)
    key = str(uuid.uuid4())
    slot = (await phone_a.slot(data, key=key)).json()
    await phone_a.send(slot["upload"], data)
    s3.relay.down()
    answer = await phone_a.complete(slot["photo_id"])
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "store_unavailable"
    assert "Retry-After" in answer.headers
    s3.relay.up()
    # the phone retries from where it stands: complete again
    again = await phone_a.complete(slot["photo_id"])
    assert again.status_code == 200, again.text
    await jobs.wait_idle()
    assert await Photo.all().count() == 1
    assert (await phone_a.status(slot["photo_id"])).json()["status"] == "ready"


async def test_the_health_route_reports_the_store_down(client, s3):
    assert (await client.get("/health")).json()["store"] == "ok"
    s3.relay.down()
    answer = await client.get("/health")
    assert answer.status_code == 503 and answer.json()["store"] == "unreachable"


class GatedStore:
    """The real store, except that writing renditions waits at a gate (to stop a job mid-way)."""

    def __init__(self, store) -> None:
        self.store = store
        self.reached = asyncio.Event()
        self.writes: list[str] = []

    def __getattr__(self, name):
        return getattr(self.store, name)

    async def write(self, key, data, *, content_type):
        self.writes.append(key)
        self.reached.set()
        await asyncio.Event().wait()  # never returns: the worker dies here


async def _uploaded_photo(phone, data) -> str:
    slot = (await phone.slot(data)).json()
    await phone.send(slot["upload"], data)
    # complete without the app's job runtime, so no job runs on its own
    answer = await phone.complete(slot["photo_id"])
    assert answer.status_code == 200
    return slot["photo_id"]


async def test_a_job_stopped_mid_way_runs_again_and_the_photo_is_processed_once(app, phone_a, jobs, s3, settings):
    app.state.jobs = None  # complete queues nothing: this test runs the job by hand
    photo_id = await _uploaded_photo(phone_a, images.photo_jpeg(800, 600))
    store = app.state.store
    gated = GatedStore(store)

    # the worker dies while writing the thumbnails
    dying = asyncio.create_task(photo_jobs.process(uuid.UUID(photo_id), store=gated, settings=settings))
    await gated.reached.wait()
    dying.cancel()
    await asyncio.gather(dying, return_exceptions=True)
    photo = await Photo.get(id=photo_id)
    assert photo.status == "uploaded"  # nothing committed
    assert f"incoming/{photo.storage_token}" in s3.keys()  # the original waits for the next run

    # the sweep finds it stuck and queues it again; this time the job finishes
    later = datetime.now(UTC) + timedelta(minutes=settings.photo_stuck_minutes + 1)
    report = await sweep(store=store, settings=settings, jobs=jobs, now=later)
    assert report.requeued == 1
    await jobs.wait_idle()
    photo = await Photo.get(id=photo_id)
    assert photo.status == "ready" and photo.processed_at is not None
    assert s3.keys() == sorted(f"photos/{photo.storage_token}/{n}.jpg" for n in ("full", "preview", "thumb"))

    # a redelivered message for the same photo changes nothing
    processed_at = photo.processed_at
    assert await photo_jobs.process(uuid.UUID(photo_id), store=store, settings=settings) == "ready"
    assert (await Photo.get(id=photo_id)).processed_at == processed_at


async def test_two_runs_of_the_same_job_at_once_process_the_photo_once(app, phone_a, settings, s3):
    app.state.jobs = None
    photo_id = await _uploaded_photo(phone_a, images.photo_jpeg(800, 600))
    outcomes = await asyncio.gather(
        *(photo_jobs.process(uuid.UUID(photo_id), store=app.state.store, settings=settings) for _ in range(3)),
        return_exceptions=True,
    )
    # moto may answer one of three simultaneous writes of one key with a 500: that run fails like
    # a store hiccup (its job would be retried); every run that finishes agrees
    assert "ready" in outcomes
    assert all(o == "ready" or isinstance(o, StoreUnavailable) for o in outcomes), outcomes
    photo = await Photo.get(id=photo_id)
    assert photo.status == "ready"
    assert s3.keys() == sorted(f"photos/{photo.storage_token}/{n}.jpg" for n in ("full", "preview", "thumb"))


async def test_store_down_while_processing_leaves_the_photo_for_the_next_run(app, phone_a, jobs, settings, s3):
    app.state.jobs = None
    photo_id = await _uploaded_photo(phone_a, images.photo_jpeg(800, 600))
    s3.relay.down()
    with pytest.raises(StoreUnavailable):
        await photo_jobs.process(uuid.UUID(photo_id), store=app.state.store, settings=settings)
    assert (await Photo.get(id=photo_id)).status == "uploaded"
    s3.relay.up()
    assert await photo_jobs.process(uuid.UUID(photo_id), store=app.state.store, settings=settings) == "ready"
