"""The hair-loss profile staff record (sex, birth year, diagnosis, baseline grade): through the API
and the dashboard's patient form, with a grade checked against its own scale."""

from __future__ import annotations

import json
import re

import pytest

from backend.patients.models import Patient

NEW = {
    "display_name": "Ines Duarte",
    "record_number": "MRN-501",
    "plan": {"treatment": "prp", "planned_sessions": 3, "interval_days": 28},
    "baseline_date": "2026-03-02",
}
PROFILE = {"sex": "female", "birth_year": 1981, "diagnosis": "androgenetic_alopecia",
           "baseline_grade": {"scale": "ludwig", "grade": 2}}


async def test_staff_record_the_profile_and_read_it_back(client, world):
    headers = world.headers("clinician_x")
    created = await client.post("/patients", json={**NEW, "profile": PROFILE}, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["profile"] == PROFILE
    read = await client.get(f"/patients/{created.json()['id']}", headers=headers)
    assert read.json()["profile"] == PROFILE
    regraded = {**PROFILE, "baseline_grade": {"scale": "ludwig", "grade": 3}, "birth_year": None}
    changed = await client.patch(f"/patients/{created.json()['id']}", json={"profile": regraded}, headers=headers)
    assert changed.json()["profile"] == regraded
    stored = await Patient.get(id=created.json()["id"])
    assert (stored.sex, stored.birth_year, stored.grade_scale, stored.grade) == ("female", None, "ludwig", 3)


async def test_a_patient_added_without_a_profile_reads_as_not_recorded(client, world):
    created = await client.post("/patients", json=NEW, headers=world.headers("staff_x"))
    assert created.json()["profile"] == {"sex": "unknown", "birth_year": None, "diagnosis": None, "baseline_grade": None}


@pytest.mark.parametrize(
    ("profile", "code"),
    [
        ({"baseline_grade": {"scale": "ludwig", "grade": 4}}, "grade_off_scale"),
        ({"baseline_grade": {"scale": "norwood_hamilton", "grade": 8}}, "grade_off_scale"),
        ({"baseline_grade": {"scale": "norwood_hamilton", "grade": 0}}, "grade_off_scale"),
        ({"baseline_grade": {"scale": "savin", "grade": 2}}, "validation_failed"),
        ({"baseline_grade": {"scale": "ludwig"}}, "validation_failed"),
        ({"sex": "unsure"}, "validation_failed"),
        ({"diagnosis": "baldness"}, "validation_failed"),
        ({"birth_year": 1850}, "validation_failed"),
        ({"birth_year": 2199}, "validation_failed"),
        ({"shoe_size": 9}, "unknown_field"),
    ],
)
async def test_a_profile_that_does_not_fit_is_refused_and_nothing_stored(client, world, profile, code):
    headers = world.headers("staff_x")
    before = await Patient.all().count()
    answer = await client.post("/patients", content=json.dumps({**NEW, "profile": profile}),
                               headers={**headers, "Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == code
    assert await Patient.all().count() == before
    patient_a = world.ids["patient_a"]
    answer = await client.patch(f"/patients/{patient_a}", json={"profile": profile}, headers=headers)
    assert answer.json()["error"]["code"] == code
    assert (await Patient.get(id=patient_a)).sex == "unknown"


FORM = {
    "display_name": "Ines Duarte", "record_number": "N-88", "baseline_date": "2026-03-01", "timezone": "Europe/London",
    "treatment": "prp", "planned_sessions": "3", "interval_days": "28", "consent_care": "on",
    "sex": "male", "birth_year": "1975", "diagnosis": "androgenetic_alopecia", "baseline_grade": "norwood_hamilton:4",
}


async def test_the_patient_form_records_the_profile_and_the_page_shows_it(world, browser):
    staff = await browser("clinician@x.example")
    answer = await staff.post("/dashboard/patients", FORM)
    assert answer.status_code == 303, answer.text
    patient = await Patient.get(record_number="N-88")
    assert (patient.sex, patient.birth_year, patient.diagnosis, patient.grade_scale, patient.grade) == (
        "male", 1975, "androgenetic_alopecia", "norwood_hamilton", 4)
    page = await staff.get(answer.headers["location"])
    assert "Norwood-Hamilton IV" in page.text and "Androgenetic alopecia" in page.text and "1975" in page.text
    edit = await staff.get(f"/dashboard/patients/{patient.id}/edit")
    assert '<option value="norwood_hamilton:4" selected>' in edit.text
    changed = await staff.post(f"/dashboard/patients/{patient.id}", {**FORM, "baseline_grade": "", "sex": "other"})
    assert changed.status_code == 303
    await patient.refresh_from_db()
    assert (patient.sex, patient.grade_scale, patient.grade) == ("other", None, None)


async def test_the_form_says_which_profile_field_is_wrong(world, browser):
    staff = await browser("admin@x.example")
    for field, value, words in (
        ("baseline_grade", "ludwig:5", "Baseline grade: choose"),
        ("birth_year", "75", "Birth year: four digits"),
        ("birth_year", "2150", "The birth year must be from 1900"),
    ):
        answer = await staff.post("/dashboard/patients", {**FORM, field: value})
        assert answer.status_code == 400, (field, value)
        assert re.search(rf'id="{field}-problem"[^>]*>{words}', answer.text), answer.text[:3000]
    assert not await Patient.filter(record_number="N-88").exists()
