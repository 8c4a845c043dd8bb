"""The timeline: months across, views down, injections on the same axis, short-lived links;
at most three SQL statements whatever the history."""

from __future__ import annotations

import io

from PIL import Image

from backend.audit.models import AuditEvent
from backend.auth.principal import StaffPrincipal
from backend.checkins import timeline
from backend.photos.context import PhotoContext
from backend.db import QueryCounter
from backend.patients.models import Patient
from shared.contract.auth import StaffRole
from bench.clinic import seed_history
from tests.fixtures import images


async def test_the_patient_sees_their_photos_by_month_and_view_with_injections(phone_a, world, jobs, client):
    await phone_a.upload(images.photo_jpeg(800, 600), view="frontal")
    await phone_a.upload(images.photo_jpeg(800, 600, seed=2), view="crown")
    await jobs.wait_idle()
    answer = await client.get("/me/timeline", headers=world.headers("patient_a"))
    assert answer.status_code == 200
    body = answer.json()
    assert [v["id"] for v in body["views"]] == ["frontal", "vertex", "crown", "left_temple", "right_temple"]
    assert body["views"][0]["label"] == "Frontal hairline"
    assert body["months"][0]["month"] == 0 and body["months"][0]["due_on"] == "2026-01-15"
    assert [p["view"] for p in body["months"][0]["photos"]] == ["frontal", "crown"]
    assert all(p["thumbnail_url"] and p["full_url"] for p in body["months"][0]["photos"])
    assert [m["month"] for m in body["months"]] == list(range(len(body["months"])))
    [session] = body["injections"]
    assert session["month"] == 0 and session["product"] == "ExoCell"
    assert session["lot_number"] is None  # the lot is for staff
    thumb = await phone_a.store_http.get(body["months"][0]["photos"][0]["thumbnail_url"])
    assert Image.open(io.BytesIO(thumb.content)).format == "JPEG"


async def test_staff_see_a_patients_timeline_and_the_view_is_audited(phone_a, world, jobs, client):
    uploaded = await phone_a.upload(images.photo_jpeg(800, 600))
    await jobs.wait_idle()
    path = f"/patients/{world.ids['patient_a']}/timeline"
    answer = await client.get(path, headers=world.headers("staff_x"))
    assert answer.status_code == 200
    assert answer.json()["injections"][0]["lot_number"] == "LOT-A1"
    event = await AuditEvent.filter(action="photo.view").first()
    assert event.patient_id == world.ids["patient_a"]
    assert event.detail["photos"] == [uploaded.json()["id"]]
    # another clinic's staff do not learn the patient exists
    assert (await client.get(path, headers=world.headers("staff_y"))).status_code == 404


async def test_staff_opening_one_photo_is_audited(phone_a, world, jobs, client):
    uploaded = (await phone_a.upload(images.photo_jpeg(800, 600))).json()
    await jobs.wait_idle()
    answer = await client.get(f"/photos/{uploaded['id']}", headers=world.headers("staff_x"))
    assert answer.status_code == 200 and answer.json()["full_url"]
    events = await AuditEvent.filter(action="photo.view", subject_id=uploaded["id"])
    assert len(events) == 1 and events[0].actor_kind == "staff"
    assert (await client.get(f"/photos/{uploaded['id']}", headers=world.headers("staff_y"))).status_code == 404
    assert await AuditEvent.filter(action="photo.view").count() == 1


async def _staff_timeline_statements(app, world, patient_id) -> tuple[int, object]:
    principal = StaffPrincipal(
        staff_id=world.ids["clinic_x"], clinic_id=world.ids["clinic_x"], role=StaffRole.ADMIN,
        session_id=world.ids["clinic_x"], name="t", email="t@x.example", csrf_token="", via_cookie=False,
    )
    ctx = PhotoContext(settings=app.state.settings, store=app.state.store)
    with QueryCounter() as counter:
        result = await timeline.for_staff(principal, patient_id, ctx)
    return counter.count, result


async def test_a_three_year_history_takes_three_statements(app, world, client):
    patient = await Patient.get(id=world.ids["patient_a"])
    statements_short, _ = await _staff_timeline_statements(app, world, patient.id)
    await seed_history(patient, months=36, injections=24)
    statements, result = await _staff_timeline_statements(app, world, patient.id)
    assert 0 < statements <= 3 and statements == statements_short
    photos = [p for m in result.months for p in m.photos]
    assert len(photos) == 180 and len({p.thumbnail_url for p in photos}) == 180
    assert len(result.injections) == 25  # 24 seeded and the world's one
    assert len(result.months) >= 36
    # the patient's own timeline needs no audit row: two statements
    answer = await client.get("/me/timeline", headers=world.headers("patient_a"))
    assert answer.status_code == 200 and len(answer.json()["months"]) >= 36
