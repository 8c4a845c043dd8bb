"""The sweep removes what an upload left half-done, and nothing that is wanted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from backend.checkins.models import CheckIn
from backend.photos.models import Photo
from backend.photos.reconciler import sweep
from tests.fixtures import images


def later(settings, **extra) -> datetime:
    return datetime.now(UTC) + timedelta(hours=settings.abandoned_upload_hours, minutes=30, **extra)


async def test_an_upload_never_completed_is_removed_row_and_bytes(app, phone_a, settings, s3, jobs):
    data = images.photo_jpeg(800, 600)
    slot = (await phone_a.slot(data)).json()
    await phone_a.send(slot["upload"], data)  # the app was uninstalled before complete
    never_sent = (await phone_a.slot(images.photo_jpeg(800, 600, seed=2), view="crown")).json()
    assert len(s3.keys()) == 1

    report = await sweep(store=app.state.store, settings=settings, jobs=jobs, now=later(settings))
    assert report.abandoned == 2
    assert await Photo.filter(id__in=[slot["photo_id"], never_sent["photo_id"]]).count() == 0
    assert await CheckIn.all().count() == 0
    assert s3.keys() == []


async def test_a_recent_slot_and_a_finished_photo_are_kept(app, phone_a, settings, s3, jobs):
    done = (await phone_a.upload(images.photo_jpeg(800, 600))).json()
    await jobs.wait_idle()
    waiting = (await phone_a.slot(images.photo_jpeg(800, 600, seed=2), view="crown")).json()
    before = s3.keys()
    report = await sweep(store=app.state.store, settings=settings, jobs=jobs)
    assert (report.abandoned, report.objects_deleted, report.requeued) == (0, 0, 0)
    assert s3.keys() == before
    assert await Photo.filter(id__in=[done["id"], waiting["photo_id"]]).count() == 2


async def test_objects_without_a_photo_are_removed(app, phone_a, settings, s3, jobs):
    kept = (await phone_a.upload(images.photo_jpeg(800, 600))).json()
    await jobs.wait_idle()
    orphans = [f"incoming/{uuid.uuid4().hex}", f"photos/{uuid.uuid4().hex}/full.jpg", f"photos/{uuid.uuid4().hex}/thumb.jpg"]
    for key in orphans:
        s3.client.put_object(Bucket=s3.bucket, Key=key, Body=b"left behind")
    s3.client.put_object(Bucket=s3.bucket, Key="exports/report.pdf", Body=b"not a photo")
    token = (await Photo.get(id=kept["id"])).storage_token
    # an original whose photo is finished (the clean-up after processing was interrupted)
    s3.client.put_object(Bucket=s3.bucket, Key=f"incoming/{token}", Body=b"original with gps")

    report = await sweep(store=app.state.store, settings=settings, jobs=jobs, now=later(settings))
    assert report.objects_deleted == 4
    assert s3.keys() == sorted(["exports/report.pdf", *(f"photos/{token}/{n}.jpg" for n in ("full", "preview", "thumb"))])
    assert (await phone_a.status(kept["id"])).json()["status"] == "ready"
