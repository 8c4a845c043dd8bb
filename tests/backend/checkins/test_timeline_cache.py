"""The timeline cache: a repeated read costs the version check (and, for staff, the audit insert);
every change the timeline shows is seen on the next read; links are signed again each minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from backend.audit.models import AuditEvent
from backend.auth.principal import StaffPrincipal
from backend.checkins import timeline
from backend.checkins.timeline_cache import TimelineCache
from backend.checkins.versions import bump_timeline
from backend.db import QueryCounter
from backend.photos.context import PhotoContext
from backend.storage.sigv4 import GetUrlSigner
from shared.contract.auth import StaffRole
from shared.contract.checkins import Timeline
from tests.fixtures import images


def _clinician(world) -> StaffPrincipal:
    return StaffPrincipal(
        staff_id=world.ids["clinic_x"], clinic_id=world.ids["clinic_x"], role=StaffRole.CLINICIAN,
        session_id=world.ids["clinic_x"], name="t", email="t@x.example", csrf_token="", via_cookie=False,
    )


async def test_a_cached_staff_timeline_costs_the_version_check_and_the_audit_insert(app, world, phone_a, jobs):
    await phone_a.upload(images.photo_jpeg(800, 600))
    await jobs.wait_idle()
    ctx = PhotoContext(settings=app.state.settings, store=app.state.store)
    cache, patient = TimelineCache(8), world.ids["patient_a"]
    with QueryCounter() as cold:
        first = await timeline.staff_json(_clinician(world), patient, ctx, cache)
    with QueryCounter() as warm:
        second = await timeline.staff_json(_clinician(world), patient, ctx, cache)
    assert cold.count == 2  # the timeline (one statement) and the audit event
    assert warm.count == 2  # the version check and the audit event
    assert warm.statements[1].upper().startswith("INSERT")
    assert second == first
    assert len(msgspec.json.decode(first, type=Timeline).months[0].photos) == 1
    assert await AuditEvent.filter(action="photo.view", patient_id=patient).count() == 2  # every read audited


async def test_what_the_timeline_shows_is_seen_on_the_next_read(client, world, phone_a, jobs):
    path, staff = f"/patients/{world.ids['patient_a']}/timeline", world.headers("clinician_x")

    async def photos_and_sessions() -> tuple[int, int]:
        body = (await client.get(path, headers=staff)).json()
        return sum(len(m["photos"]) for m in body["months"]), len(body["injections"])

    assert await photos_and_sessions() == (0, 1)
    await phone_a.upload(images.photo_jpeg(800, 600))  # pending, uploaded, ready: each a new version
    assert (await photos_and_sessions())[0] == 1
    await jobs.wait_idle()
    body = (await client.get(path, headers=staff)).json()
    assert body["months"][0]["photos"][0]["status"] == "ready" and body["months"][0]["photos"][0]["full_url"]
    created = await client.post(
        f"/patients/{world.ids['patient_a']}/injections",
        json={"scheduled_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(), "treatment": "prp"},
        headers=staff,
    )
    assert created.status_code == 201, created.text
    assert await photos_and_sessions() == (1, 2)
    # the patient's own copy is another entry, moved on by the same version
    mine = (await client.get("/me/timeline", headers=world.headers("patient_a"))).json()
    assert len(mine["injections"]) == 2 and mine["injections"][0]["lot_number"] is None


async def test_a_version_bumped_by_another_feature_makes_the_cached_copy_stale(app, world, phone_a, jobs, monkeypatch):
    ctx = PhotoContext(settings=app.state.settings, store=app.state.store)
    cache, patient = TimelineCache(8), world.ids["patient_a"]
    await timeline.staff_json(_clinician(world), patient, ctx, cache)
    calls = []
    real_read = timeline._read

    async def counted_read(*args):
        calls.append(args)
        return await real_read(*args)

    monkeypatch.setattr(timeline, "_read", counted_read)
    await timeline.staff_json(_clinician(world), patient, ctx, cache)
    assert calls == []  # served from the cache
    await bump_timeline(patient)  # e.g. a rating consensus changed, in the ratings feature's transaction
    await timeline.staff_json(_clinician(world), patient, ctx, cache)
    assert len(calls) == 1


async def test_links_in_a_cached_timeline_are_signed_again_each_minute(app, world, phone_a, jobs, monkeypatch):
    await phone_a.upload(images.photo_jpeg(800, 600))
    await jobs.wait_idle()
    ctx = PhotoContext(settings=app.state.settings, store=app.state.store)
    cache, patient = TimelineCache(8), world.ids["patient_a"]
    now = GetUrlSigner.signing_time()
    first = msgspec.json.decode(await timeline.staff_json(_clinician(world), patient, ctx, cache), type=Timeline)
    later = now + timedelta(minutes=1)
    monkeypatch.setattr(GetUrlSigner, "signing_time", staticmethod(lambda moment=None: later))
    second = msgspec.json.decode(await timeline.staff_json(_clinician(world), patient, ctx, cache), type=Timeline)
    assert second.urls_expire_at == first.urls_expire_at + timedelta(minutes=1)
    assert second.urls_expire_at - later == timedelta(seconds=app.state.settings.download_url_ttl_seconds)
    assert second.months[0].photos[0].full_url != first.months[0].photos[0].full_url


async def test_another_clinic_never_gets_a_cached_timeline(client, world):
    path = f"/patients/{world.ids['patient_a']}/timeline"
    assert (await client.get(path, headers=world.headers("clinician_x"))).status_code == 200
    assert (await client.get(path, headers=world.headers("staff_y"))).status_code == 404
