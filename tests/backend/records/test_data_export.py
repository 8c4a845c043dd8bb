"""The patient's own data as a ZIP: built by a job, fetched once through a short-lived link, and
what is inside: every processed photo, records.json in the API's shapes, the progress report."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta

import msgspec

from backend.audit.models import AuditEvent
from backend.photos.models import Photo
from backend.records import exports
from backend.records.models import DataExport
from tests.backend.photos.phone import Phone
from shared.contract.records import PatientRecords


async def ready_export(client, world, app, who: str = "patient_a") -> dict:
    asked = await client.post("/me/data-export", headers=world.headers(who))
    assert asked.status_code == 202, asked.text
    await app.state.jobs.wait_idle()
    latest = await client.get("/me/data-export", headers=world.headers(who))
    assert latest.status_code == 200 and latest.json()["state"] == "ready", latest.text
    return latest.json()


async def fetch(client, url: str):
    """Follow the link as the phone does: our link, then the store's URL it redirects to."""
    first = await client.get(url.removeprefix("http://testserver.local"))
    if first.status_code != 303:
        return first, None
    return first, await client.get(first.headers["location"].removeprefix("http://testserver.local"))


async def test_the_zip_holds_every_photo_the_records_and_the_report(client, world, app, history):
    export = await ready_export(client, world, app)
    link = (await client.post(f"/me/data-export/{export['id']}/link", headers=world.headers("patient_a"))).json()
    assert re.fullmatch(r"follicle-my-data-patient-a-\d{4}-\d{2}-\d{2}\.zip", link["filename"]), link["filename"]
    assert link["size"] == export["size"]
    redirect, served = await fetch(client, link["url"])
    assert redirect.headers["cache-control"] == "no-store"
    assert served.status_code == 200
    assert hashlib.sha256(served.content).hexdigest() == link["sha256"]

    archive = zipfile.ZipFile(io.BytesIO(served.content))
    names = archive.namelist()
    assert {"README.txt", "records.json", "my-progress-report.pdf"} <= set(names)
    photos = [n for n in names if n.startswith("photos/")]
    assert len(photos) == 15 and any(n.startswith("photos/month-02/frontal-") for n in photos)
    stored = {p.stored_sha256 for p in await Photo.filter(patient_id=history.patient_id)}
    assert {hashlib.sha256(archive.read(n)).hexdigest() for n in photos} == stored
    assert archive.read("my-progress-report.pdf").startswith(b"%PDF-")

    records = msgspec.json.decode(archive.read("records.json"), type=PatientRecords)
    assert records.patient.display_name == "Patient A"
    assert len(records.injections) == 2 and len(records.side_effects) == 2 and len(records.questionnaires) == 1
    assert [c.month for c in records.checkins.items] == [0, 1, 2]
    # the API's own shapes: what GET /me answers is what records.json holds
    me = (await client.get("/me", headers=world.headers("patient_a"))).json()
    assert json.loads(archive.read("records.json"))["patient"] == me


async def test_a_link_works_once(client, world, app, history):
    export = await ready_export(client, world, app)
    link = (await client.post(f"/me/data-export/{export['id']}/link", headers=world.headers("patient_a"))).json()
    first, _ = await fetch(client, link["url"])
    assert first.status_code == 303
    again, _ = await fetch(client, link["url"])
    assert again.status_code == 410 and again.json()["error"]["code"] == "export_link_used"
    assert await AuditEvent.filter(action="data_export.download").count() == 1


async def test_an_expired_link_and_a_replaced_link_are_refused(client, world, app, history):
    export = await ready_export(client, world, app)
    old = (await client.post(f"/me/data-export/{export['id']}/link", headers=world.headers("patient_a"))).json()
    new = (await client.post(f"/me/data-export/{export['id']}/link", headers=world.headers("patient_a"))).json()
    replaced, _ = await fetch(client, old["url"])
    assert replaced.status_code == 404 and replaced.json()["error"]["code"] == "export_link_invalid"
    await DataExport.filter(id=export["id"]).update(link_expires_at=datetime.now(UTC) - timedelta(seconds=1))
    expired, _ = await fetch(client, new["url"])
    assert expired.status_code == 410 and expired.json()["error"]["code"] == "export_link_expired"
    bogus, _ = await fetch(client, "http://testserver.local/exports/not-a-real-link")
    assert bogus.status_code == 404 and bogus.json()["error"]["code"] == "export_link_invalid"
    assert not await AuditEvent.filter(action="data_export.download").exists()


async def test_another_patients_export_is_not_theirs(client, world, app, history):
    export = await ready_export(client, world, app)
    other = await client.post(f"/me/data-export/{export['id']}/link", headers=world.headers("patient_b"))
    assert other.status_code == 404
    mine = await client.get("/me/data-export", headers=world.headers("patient_b"))
    assert mine.status_code == 404


async def test_asking_twice_builds_once_and_a_link_before_ready_is_refused(client, world, app, history):
    first = await client.post("/me/data-export", headers=world.headers("patient_a"))
    early = await client.post(f"/me/data-export/{first.json()['id']}/link", headers=world.headers("patient_a"))
    second = await client.post("/me/data-export", headers=world.headers("patient_a"))
    assert first.status_code == 202 and second.status_code == 200 and second.json()["id"] == first.json()["id"]
    assert early.status_code == 409 and early.json()["error"]["code"] == "export_not_ready"
    await app.state.jobs.wait_idle()
    assert await DataExport.filter(patient_id=history.patient_id).count() == 1


async def test_the_sweep_removes_old_zips_and_fails_stuck_builds(client, world, app, history):
    export = await ready_export(client, world, app)
    row = await DataExport.get(id=export["id"])
    store = app.state.store
    assert await store.head(exports.object_key(row)) is not None
    later = datetime.now(UTC) + timedelta(hours=app.state.settings.export_keep_hours, minutes=1)
    stuck = await DataExport.create(
        patient_id=world.ids["patient_b"], clinic_id=world.ids["clinic_x"], storage_token="f" * 32,
        requested_at=datetime.now(UTC), state="building",
    )
    report = await exports.sweep(store=store, settings=app.state.settings, now=later)
    assert report == {"expired": 1, "stuck": 1}
    assert await store.head(exports.object_key(row)) is None
    assert (await DataExport.get(id=row.id)).state == "expired"
    failed = await DataExport.get(id=stuck.id)
    assert failed.state == "failed" and "try again" in failed.problem
    gone = await client.post(f"/me/data-export/{row.id}/link", headers=world.headers("patient_a"))
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "export_expired"


def _noise_jpeg(width: int, height: int) -> bytes:
    """A JPEG that does not compress: noise at full quality, about 3.9 bytes a pixel."""
    import numpy as np
    from PIL import Image

    pixels = np.random.default_rng(24).integers(0, 256, (height, width, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=100, subsampling=0)
    return out.getvalue()


async def test_a_24_mb_photo_is_in_the_patients_zip(client, world, app, settings):
    big = _noise_jpeg(2500, 2450)
    assert 23 * 2**20 < len(big) < settings.max_photo_bytes  # accepted at upload (25 MB limit)
    phone = Phone(client, client, world.headers("patient_a"))
    done = await phone.upload(big, view="frontal", month=0)
    assert done.status_code == 200, done.text
    await app.state.jobs.wait_idle()
    photo = await Photo.get(id=done.json()["id"])
    assert photo.status == "ready" and photo.stored_size > 16 * 2**20  # past the old 16 MiB refusal

    export = await ready_export(client, world, app)
    link = (await client.post(f"/me/data-export/{export['id']}/link", headers=world.headers("patient_a"))).json()
    _, served = await fetch(client, link["url"])
    assert served.status_code == 200 and hashlib.sha256(served.content).hexdigest() == link["sha256"]
    archive = zipfile.ZipFile(io.BytesIO(served.content))
    (name,) = [n for n in archive.namelist() if n.startswith("photos/month-00/frontal-")]
    inside = archive.read(name)
    assert len(inside) == photo.stored_size and hashlib.sha256(inside).hexdigest() == photo.stored_sha256
    assert archive.testzip() is None


async def test_two_patients_downloads_have_their_own_names(client, world, app):
    from backend.patients.models import Patient

    await Patient.filter(id=world.ids["patient_b"]).update(display_name="Zoë O'Brien")
    names = []
    for who in ("patient_a", "patient_b"):
        export = await ready_export(client, world, app, who)
        link = (await client.post(f"/me/data-export/{export['id']}/link", headers=world.headers(who))).json()
        names.append(link["filename"])
    assert names[0].startswith("follicle-my-data-patient-a-") and names[1].startswith("follicle-my-data-zoe-o-brien-")
    assert exports.download_name("", datetime(2026, 12, 7, tzinfo=UTC)) == "follicle-my-data-patient-2026-12-07.zip"
