"""The self-assessment: answers kept with their version, refused when off the scale, one per occasion."""

from __future__ import annotations

from datetime import datetime

import msgspec

from backend.audit.models import AuditEvent
from backend.patients.models import Patient
from backend.reports.models import QuestionnaireAnswer, QuestionnaireResponse
from shared import questionnaire as hgq
from tests.backend.reports.bodies import WORLD_BASELINE, WORLD_ZONE, questionnaire_body


def date_today():
    return datetime.now(WORLD_ZONE).date()


async def _stored() -> tuple[int, int]:
    return await QuestionnaireResponse.all().count(), await QuestionnaireAnswer.all().count()


async def test_a_patient_answers_and_the_clinic_reads_the_answers_in_words(client, world):
    body = questionnaire_body(2)
    sent = await client.post("/me/questionnaires", json=body, headers=world.headers("patient_a"))
    assert sent.status_code == 201, sent.text
    answered = sent.json()
    assert answered["version"] == hgq.QUESTIONNAIRE_VERSION
    assert answered["occasion_month"] == hgq.occasion_for(WORLD_BASELINE, date_today())
    assert [a["question"] for a in answered["answers"]] == list(body["answers"])

    seen = (await client.get(f"/patients/{world.ids['patient_a']}/questionnaires", headers=world.headers("clinician_x"))).json()
    assert seen == [answered]
    appearance = next(a for a in seen[0]["answers"] if a["question"] == "appearance")
    assert (appearance["value"], appearance["label"]) == (2, "happy")
    assert (await client.get("/me/questionnaires", headers=world.headers("patient_a"))).json() == [answered]
    assert (await client.get("/me/questionnaires", headers=world.headers("patient_b"))).json() == []
    assert (await client.get(f"/patients/{world.ids['patient_a']}/questionnaires", headers=world.headers("staff_y"))).status_code == 404
    event = await AuditEvent.get(action="questionnaire.submit", subject_id=answered["id"])
    assert event.detail == {"version": hgq.QUESTIONNAIRE_VERSION, "occasion_month": answered["occasion_month"]}


async def test_a_retry_gets_the_stored_answers_and_a_second_answer_for_the_occasion_is_refused(client, world):
    body = questionnaire_body(1)
    first = await client.post("/me/questionnaires", json=body, headers=world.headers("patient_a"))
    again = await client.post("/me/questionnaires", json=body, headers=world.headers("patient_a"))
    assert (first.status_code, again.status_code, again.json()) == (201, 200, first.json())
    changed = await client.post("/me/questionnaires", json={**body, "answers": {**body["answers"], "appearance": 3}}, headers=world.headers("patient_a"))
    assert (changed.status_code, changed.json()["error"]["code"]) == (409, "idempotency_conflict")
    second = await client.post("/me/questionnaires", json=questionnaire_body(3), headers=world.headers("patient_a"))
    assert (second.status_code, second.json()["error"]["code"]) == (409, "questionnaire_already_answered")
    assert await _stored() == (1, len(body["answers"]))


async def test_answers_off_the_scale_or_missing_are_refused_and_nothing_is_stored(client, world):
    body = questionnaire_body(0)
    some_question = next(iter(body["answers"]))
    cases = [
        ({**body["answers"], some_question: 4}, {}, 400, "answer_off_scale"),
        ({**body["answers"], some_question: -4}, {}, 400, "answer_off_scale"),
        ({**body["answers"], some_question: 1.5}, {}, 400, "validation_failed"),
        ({**body["answers"], "mood": 1}, {}, 400, "question_unknown"),
        ({k: v for k, v in body["answers"].items() if k != some_question}, {}, 400, "answers_incomplete"),
        (body["answers"], {"version": 99}, 400, "questionnaire_version_unknown"),
        (body["answers"], {"comment": "hi"}, 400, "unknown_field"),
    ]
    for answers, extra, status, code in cases:
        refused = await client.post("/me/questionnaires", json={**body, "answers": answers, **extra}, headers=world.headers("patient_a"))
        assert (refused.status_code, refused.json()["error"]["code"]) == (status, code), (answers, extra)
    assert await _stored() == (0, 0)
    assert not await AuditEvent.filter(action="questionnaire.submit").exists()


async def test_at_baseline_only_the_baseline_question_is_asked(client, world):
    await Patient.filter(id=world.ids["patient_b"]).update(baseline_date=date_today())
    due = (await client.get("/me/questions-due", headers=world.headers("patient_b"))).json()
    [assessment] = [q for q in due if q["kind"] == "self_assessment_due"]
    assert (assessment["checkin_month"], assessment["question_ids"]) == (0, ["appearance"])
    every_question = {q.id: 1 for q in hgq.current().questions}
    refused = await client.post("/me/questionnaires", json=questionnaire_body(answers=every_question), headers=world.headers("patient_b"))
    assert refused.json()["error"]["code"] == "question_unknown"
    sent = await client.post("/me/questionnaires", json=questionnaire_body(answers={"appearance": -1}), headers=world.headers("patient_b"))
    assert sent.status_code == 201 and sent.json()["occasion_month"] == 0
    due = (await client.get("/me/questions-due", headers=world.headers("patient_b"))).json()
    assert [q for q in due if q["kind"] == "self_assessment_due"] == []


async def test_old_answers_keep_their_version_when_the_questionnaire_changes(client, world, monkeypatch):
    old = await client.post("/me/questionnaires", json=questionnaire_body(3), headers=world.headers("patient_a"))
    assert old.status_code == 201
    # version 2 puts satisfaction with appearance on a 0-10 scale
    ten_point = hgq.Scale(id="satisfaction_10", points=tuple(hgq.ScalePoint(value=v, label=f"{v} of 10") for v in range(11)))
    v1 = hgq.VERSIONS[1]
    v2 = msgspec.structs.replace(
        v1, version=2,
        questions=tuple(msgspec.structs.replace(q, scale=ten_point) if q.id == "appearance" else q for q in v1.questions),
    )
    monkeypatch.setitem(hgq.VERSIONS, 2, v2)
    monkeypatch.setattr(hgq, "QUESTIONNAIRE_VERSION", 2)

    due = (await client.get("/me/questions-due", headers=world.headers("patient_b"))).json()
    assert [q["questionnaire_version"] for q in due if q["kind"] == "self_assessment_due"] == [2]
    body = questionnaire_body(1, version=2)
    body["answers"]["appearance"] = 7  # on version 2's scale, off version 1's
    off_v1 = await client.post("/me/questionnaires", json={**body, "version": 1}, headers=world.headers("patient_b"))
    assert off_v1.json()["error"]["code"] == "answer_off_scale"
    new = await client.post("/me/questionnaires", json=body, headers=world.headers("patient_b"))
    assert new.status_code == 201 and new.json()["version"] == 2

    kept = (await client.get(f"/patients/{world.ids['patient_a']}/questionnaires", headers=world.headers("staff_x"))).json()
    assert kept == [old.json()]
    appearance = next(a for a in kept[0]["answers"] if a["question"] == "appearance")
    assert (kept[0]["version"], appearance["value"], appearance["label"]) == (1, 3, "very happy")
    newer = (await client.get(f"/patients/{world.ids['patient_b']}/questionnaires", headers=world.headers("staff_x"))).json()
    assert next(a["label"] for a in newer[0]["answers"] if a["question"] == "appearance") == "7 of 10"
