"""The coverage index in processing: measured from the pixels the job already holds, stored with
its method, shown to clinicians on the timeline with its change from the view's first figure."""

from __future__ import annotations

import pytest

from backend.demo_photos import planted_scalp_photo
from backend.photos.models import Photo
from shared.coverage import METHOD

SIZE = (900, 1200)


async def _ready(phone, jobs, data: bytes, **options) -> str:
    answer = await phone.upload(data, **options)
    assert answer.status_code == 200, answer.text
    await jobs.wait_idle()
    return answer.json()["id"]


@pytest.mark.today("2026-05-20")
async def test_processing_stores_the_index_and_the_timeline_shows_its_change(phone_a, world, jobs, client):
    first = planted_scalp_photo(60, skin="light", hair="brown", size=SIZE, seed=1)
    later = planted_scalp_photo(40, skin="light", hair="brown", size=SIZE, seed=2)
    base_id = await _ready(phone_a, jobs, first.jpeg, view="vertex", month=0)
    later_id = await _ready(phone_a, jobs, later.jpeg, view="vertex", month=3)
    stored = await Photo.get(id=base_id)
    assert stored.status == "ready" and stored.coverage["method"] == METHOD
    assert abs(stored.coverage["value"] - first.visible) < 3

    body = (await client.get(f"/patients/{world.ids['patient_a']}/timeline", headers=world.headers("staff_x"))).json()
    cells = {(c["month"], c["view"]): c for c in body["coverage"]}
    baseline, month3 = cells[(0, "vertex")], cells[(3, "vertex")]
    assert baseline["photo_id"] == base_id and month3["photo_id"] == later_id
    assert baseline["change_points"] == 0 and month3["baseline_month"] == 0
    assert month3["change_points"] == pytest.approx(month3["value"] - baseline["value"], abs=0.01)
    assert abs(month3["change_points"] - (later.visible - first.visible)) < 4
    assert month3["change_percent"] == pytest.approx(100 * month3["change_points"] / baseline["value"], abs=0.1)

    # the patient's own timeline carries no index (staff only unless the clinic shares it)
    mine = (await client.get("/me/timeline", headers=world.headers("patient_a"))).json()
    assert mine["coverage"] == []


async def test_a_photo_the_index_cannot_read_is_ready_with_a_reason_and_no_number(phone_a, world, jobs, client):
    shiny = planted_scalp_photo(40, skin="light", hair="brown", size=SIZE, shine=True, seed=3)
    photo_id = await _ready(phone_a, jobs, shiny.jpeg, view="crown", month=0)
    temple_id = await _ready(phone_a, jobs, planted_scalp_photo(40, size=SIZE, seed=4).jpeg, view="left_temple", month=0)
    stored = await Photo.get(id=photo_id)
    assert stored.status == "ready"
    assert stored.coverage["value"] is None and stored.coverage["refusal"] == "shine"
    assert (await Photo.get(id=temple_id)).coverage["refusal"] == "view_not_measured"
    body = (await client.get(f"/patients/{world.ids['patient_a']}/timeline", headers=world.headers("staff_x"))).json()
    [cell] = [c for c in body["coverage"] if c["view"] == "crown"]
    assert cell["value"] is None and cell["refusal"] == "shine" and "product" in cell["message"]


async def test_a_clinician_recomputes_an_index_and_bad_requests_get_stable_codes(phone_a, world, jobs, client):
    planted = planted_scalp_photo(35, skin="dark", hair="black", size=SIZE, seed=9)
    photo_id = await _ready(phone_a, jobs, planted.jpeg, view="vertex", month=0)
    await Photo.filter(id=photo_id).update(coverage=None)  # as if measured by no method yet
    path = f"/photos/{photo_id}/coverage"
    answer = await client.post(path, json={}, headers=world.headers("staff_x"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["method"] == METHOD and abs(body["value"] - planted.visible) < 3
    assert (await Photo.get(id=photo_id)).coverage["value"] == body["value"]
    timeline = (await client.get(f"/patients/{world.ids['patient_a']}/timeline", headers=world.headers("staff_x"))).json()
    assert [c["value"] for c in timeline["coverage"]] == [body["value"]]  # the timeline moved on

    unknown = await client.post(path, json={"method": "0"}, headers=world.headers("staff_x"))
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "coverage_method_unknown"
    other_clinic = await client.post(path, json={}, headers=world.headers("staff_y"))
    assert other_clinic.status_code == 404
    assert (await Photo.get(id=photo_id)).coverage["value"] == body["value"]  # nothing changed by either


async def test_photos_measured_by_an_older_method_are_worked_out_again_once(phone_a, world, jobs, app):
    from backend.audit.models import AuditEvent
    from backend.coverage.service import recompute_stale

    planted = planted_scalp_photo(50, skin="light", hair="black", size=SIZE, seed=11)
    photo_id = await _ready(phone_a, jobs, planted.jpeg, view="crown", month=0)
    current = (await Photo.get(id=photo_id)).coverage
    await Photo.filter(id=photo_id).update(coverage={"method": "0", "value": 1.0})  # an older method's figure
    assert await recompute_stale(app.state.store) == 1
    again = (await Photo.get(id=photo_id)).coverage
    assert again["method"] == METHOD and again["value"] == pytest.approx(current["value"], abs=0.5)
    assert await recompute_stale(app.state.store) == 0  # nothing left under another method
    event = await AuditEvent.filter(action="photo.coverage_recompute").first()
    assert event.detail == {"method": METHOD, "photos": 1}
