"""Safety check-ins and stop reasons through the API: what the patient is asked, what is stored,
what reaches the safety inbox, and what is refused with nothing stored."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from backend.audit.models import AuditEvent
from backend.injections.models import InjectionSession
from backend.longterm.models import CourseSetting, SafetyAnswer, SafetyAnswerSession, StopReasonRecord
from backend.reports.models import SideEffectReport
from tests.backend.longterm.rows import done_session


def _answer(occasion: str, month: int, **changes) -> dict:
    body = {"idempotency_key": str(uuid.uuid4()), "occasion": occasion, "month": month, "anything_new": False}
    return {**body, **changes}


async def _course(world, *days: date) -> list[InjectionSession]:
    await InjectionSession.filter(id=world.ids["injection_a"]).delete()
    return [await done_session(world.ids["patient_a"], world.ids["clinic_x"], day) for day in days]


@pytest.mark.today("2026-06-15")
async def test_the_monthly_check_in_asks_anything_new_once(client, world):
    await _course(world, date(2026, 5, 20))
    asked = (await client.get("/me/safety-questions", headers=world.headers("patient_a"))).json()
    [question] = asked["questions"]
    assert (question["occasion"], question["month"], question["needs_photos"]) == ("checkin", 5, True)
    assert "Anything new since last time?" in question["question"]

    sent = await client.post("/me/safety-answers", json=_answer("checkin", 5), headers=world.headers("patient_a"))
    assert sent.status_code == 201, sent.text
    assert sent.json()["anything_new"] is False and sent.json()["sessions"][0]["days_since"] == 26
    assert "lot_number" not in sent.json()["sessions"][0] or sent.json()["sessions"][0]["lot_number"] is None
    assert (await client.get("/me/safety-questions", headers=world.headers("patient_a"))).json()["questions"] == []

    again = await client.post("/me/safety-answers", json=_answer("checkin", 5), headers=world.headers("patient_a"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "safety_check_in_not_open"
    assert await SafetyAnswer.all().count() == 1 and await SideEffectReport.all().count() == 0


@pytest.mark.today("2026-06-10")
async def test_a_serious_answer_after_a_course_reaches_the_safety_inbox(client, world):
    sessions = await _course(world, date(2026, 2, 1), date(2026, 3, 1))
    asked = (await client.get("/me/safety-questions", headers=world.headers("patient_a"))).json()
    [question] = [q for q in asked["questions"] if q["occasion"] == "after_course"]
    assert (question["month"], question["course_ends_on"], question["needs_photos"]) == (3, "2026-03-01", False)
    assert "3 months since your last treatment session" in question["question"]

    body = _answer(
        "after_course", 3, course_ends_on="2026-03-01", anything_new=True, started_on="2026-05-28",
        symptoms=[{"symptom": "swelling", "severity": 3}], notes="Lumps at the injection sites.", saw_doctor=True,
    )
    sent = await client.post("/me/safety-answers", json=body, headers=world.headers("patient_a"))
    assert sent.status_code == 201, sent.text
    answer = sent.json()
    assert answer["serious"] is True and answer["clinic_alerted"] is True
    assert [s["days_since"] for s in answer["sessions"]] == [101, 129]

    alerts = (await client.get("/side-effects/alerts", headers=world.headers("staff_x"))).json()
    [alert] = [a for a in alerts["items"] if a["id"] == answer["side_effect_report_id"]]
    assert alert["injection_session_id"] == str(sessions[-1].id) and alert["serious"] is True
    assert alert["notes"] == "Lumps at the injection sites." and alert["needed_medical_care"] is True
    assert await AuditEvent.filter(action="side_effect.serious", subject_id=answer["side_effect_report_id"]).exists()

    record = (await client.get(f"/patients/{world.ids['patient_a']}/long-term", headers=world.headers("staff_x"))).json()
    [seen] = record["safety_answers"]
    assert seen["sessions"][0]["lot_number"] == "LOT-A1" and seen["serious"] is True
    assert await AuditEvent.filter(action="long_term.view", patient_id=world.ids["patient_a"]).count() == 1
    retry = await client.post("/me/safety-answers", json=body, headers=world.headers("patient_a"))
    assert retry.status_code == 200 and retry.json()["id"] == answer["id"]
    assert await SideEffectReport.all().count() == 1


@pytest.mark.today("2026-06-10")
async def test_an_answer_for_a_check_in_that_is_not_open_stores_nothing(client, world):
    await _course(world, date(2026, 2, 1), date(2026, 3, 1))
    for body in (
        _answer("after_course", 6, course_ends_on="2026-03-01", anything_new=True, symptoms=[{"symptom": "pain", "severity": 2}]),
        _answer("after_course", 3, course_ends_on="2026-02-01"),
        _answer("checkin", 2),
        _answer("after_course", 3),
    ):
        sent = await client.post("/me/safety-answers", json=body, headers=world.headers("patient_a"))
        assert sent.status_code == 409 and sent.json()["error"]["code"] == "safety_check_in_not_open", sent.text
    unknown = _answer("after_course", 3, course_ends_on="2026-03-01", anything_new=True, symptoms=[{"symptom": "fever", "severity": 2}])
    sent = await client.post("/me/safety-answers", json=unknown, headers=world.headers("patient_a"))
    assert sent.status_code == 400 and sent.json()["error"]["code"] == "symptom_unknown"
    odd = _answer("after_course", 3, course_ends_on="2026-03-01", symptoms=[{"symptom": "pain", "severity": 2}])
    sent = await client.post("/me/safety-answers", json=odd, headers=world.headers("patient_a"))
    assert sent.status_code == 400 and sent.json()["error"]["code"] == "validation_failed"
    assert await SafetyAnswer.all().count() == 0 and await SideEffectReport.all().count() == 0
    assert await SafetyAnswerSession.all().count() == 0


@pytest.mark.today("2026-06-15")
async def test_after_a_missed_check_in_the_patient_says_why_and_the_clinic_sees_it(client, world):
    asked = (await client.get("/me/safety-questions", headers=world.headers("patient_a"))).json()
    assert asked["stop_question"]["missed_month"] == 4
    assert asked["stop_question"]["reasons"]["no_visible_change"] == "No visible change"

    told = await client.post("/me/stop-reason", json={"reason": "cost"}, headers=world.headers("patient_a"))
    assert told.status_code == 201, told.text
    assert (await client.get("/me/safety-questions", headers=world.headers("patient_a"))).json()["stop_question"] is None

    staff = await client.post(
        f"/patients/{world.ids['patient_a']}/stop-reason", json={"reason": "travel", "note": "Moved to Leeds"},
        headers=world.headers("staff_x"),
    )
    assert staff.status_code == 201 and staff.json()["recorded_by"] == "Admin X"
    record = (await client.get(f"/patients/{world.ids['patient_a']}/long-term", headers=world.headers("staff_x"))).json()
    assert record["stop_reason"]["label"] == "Travel or moved away"
    assert [r["source"] for r in record["stop_reasons"]] == ["staff", "patient"]


async def test_a_reason_for_another_clinics_patient_or_off_the_list_stores_nothing(client, world):
    other = await client.post(
        f"/patients/{world.ids['patient_a']}/stop-reason", json={"reason": "cost"}, headers=world.headers("staff_y")
    )
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
    for headers, path in ((world.headers("patient_a"), "/me/stop-reason"),
                          (world.headers("staff_x"), f"/patients/{world.ids['patient_a']}/stop-reason")):
        sent = await client.post(path, json={"reason": "bored"}, headers=headers)
        assert sent.status_code == 400 and sent.json()["error"]["code"] == "stop_reason_unknown"
    assert await StopReasonRecord.all().count() == 0


async def test_a_course_gap_out_of_range_is_refused_and_one_in_range_is_kept(client, world):
    for gap in (0, 25, -3):
        sent = await client.put("/outcomes/course-setting", json={"gap_months": gap}, headers=world.headers("staff_x"))
        assert sent.status_code == 400 and sent.json()["error"]["code"] == "course_gap_out_of_range"
    assert await CourseSetting.all().count() == 0
    kept = await client.put(
        "/outcomes/course-setting", json={"gap_months": 6, "after_gap": "maintenance"}, headers=world.headers("staff_x")
    )
    assert kept.status_code == 200 and kept.json()["gap_months"] == 6 and "maintenance" in kept.json()["rule"]
    assert (await client.get("/outcomes/course-setting", headers=world.headers("staff_y"))).json()["gap_months"] == 3
