"""The questions waiting for a patient: check-ins after each given injection, and the self-assessment."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import msgspec
import pytest

from backend.auth.principal import PatientPrincipal
from backend.injections.models import InjectionSession
from backend.patients import changes
from backend.reports import due, side_effects
from backend.reports.models import SideEffectReport
from shared.contract.injections import SessionStatus
from shared.contract.patients import Treatment
from shared.contract.reports import SideEffectReportCreate
from shared.errors import NotFound
from tests.backend.reports.bodies import side_effect_body

INJECTED = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


async def _given(world, at: datetime = INJECTED) -> InjectionSession:
    return await InjectionSession.create(
        patient_id=world.ids["patient_a"], clinic_id=world.ids["clinic_x"], status=SessionStatus.DONE,
        scheduled_at=at, performed_at=at, treatment=Treatment.EXOSOMES, product="ExoCell", lot_number="LOT-D",
    )


def _principal(world) -> PatientPrincipal:
    return PatientPrincipal(patient_id=world.ids["patient_a"], clinic_id=world.ids["clinic_x"], device_id=uuid.uuid4())


def _report(session_id, started_on: date) -> SideEffectReportCreate:
    return msgspec.convert(side_effect_body(session_id, started_on=started_on.isoformat()), SideEffectReportCreate)


async def test_check_ins_come_the_day_after_and_a_week_after_and_a_report_answers_them(client, world):
    session = await _given(world)
    key = f"side_effect_question:{session.id}"

    async def waiting(day: date) -> list[str]:
        return [q.dedupe_key for q in await due.questions_due(world.ids["patient_a"], _at(day)) if q.session_id]

    assert await waiting(date(2026, 3, 10)) == []
    assert await waiting(date(2026, 3, 11)) == [f"{key}:1d"]
    await side_effects.submit(_principal(world), _report(session.id, date(2026, 3, 11)), now=_at(date(2026, 3, 12)))
    assert await waiting(date(2026, 3, 13)) == []
    assert await waiting(date(2026, 3, 17)) == [f"{key}:7d"]
    assert await waiting(date(2026, 3, 24)) == []  # a week later it has closed unanswered


async def test_the_self_assessment_is_due_at_baseline_and_every_three_months(client, world):
    def assessment(questions):
        return [(q.checkin_month, len(q.question_ids)) for q in questions if q.checkin_month is not None]

    patient = world.ids["patient_a"]  # baseline 2026-01-15
    assert assessment(await due.questions_due(patient, _at(date(2026, 1, 11)))) == []
    assert assessment(await due.questions_due(patient, _at(date(2026, 1, 12)))) == [(0, 1)]
    assert assessment(await due.questions_due(patient, _at(date(2026, 4, 12)))) == [(3, 7)]
    assert await due.self_assessment_months_answered(patient) == set()


def _only_reaction(monkeypatch, react) -> None:
    monkeypatch.setattr(changes, "_wired", {changes.QuestionsAnswered: (react,)})


async def test_the_answer_is_told_in_the_reports_transaction(client, world, monkeypatch):
    session = await _given(world)
    heard: list[tuple[uuid.UUID, list[str]]] = []

    async def outbox(change: changes.QuestionsAnswered) -> None:
        heard.append((change.patient_id, list(change.dedupe_keys)))

    _only_reaction(monkeypatch, outbox)
    await side_effects.submit(_principal(world), _report(session.id, date(2026, 3, 12)), now=_at(date(2026, 3, 18)))
    assert heard == [(world.ids["patient_a"], [f"side_effect_question:{session.id}:1d", f"side_effect_question:{session.id}:7d"])]

    async def broken_outbox(change: changes.QuestionsAnswered) -> None:
        raise RuntimeError("outbox down")

    _only_reaction(monkeypatch, broken_outbox)
    with pytest.raises(RuntimeError):
        await side_effects.submit(_principal(world), _report(session.id, date(2026, 3, 12)), now=_at(date(2026, 3, 18)))
    assert await SideEffectReport.all().count() == 1  # the second report went with the failed reaction


async def test_the_phone_sees_its_own_check_in_and_it_goes_once_answered(client, world):
    yesterday = datetime.now(UTC) - timedelta(days=1)
    recorded = await client.post(
        f"/patients/{world.ids['patient_a']}/injections",
        json={"scheduled_at": yesterday.isoformat(), "status": "done", "treatment": "exosomes", "lot_number": "LOT-NOW"},
        headers=world.headers("clinician_x"),
    )
    session_id = recorded.json()["id"]
    waiting = (await client.get("/me/questions-due", headers=world.headers("patient_a"))).json()
    check_ins = [q for q in waiting if q["kind"] == "side_effect_question"]
    assert [(q["session_id"], q["days_after_injection"]) for q in check_ins] == [(session_id, 1)]
    others = (await client.get("/me/questions-due", headers=world.headers("patient_b"))).json()
    assert [q for q in others if q["kind"] == "side_effect_question"] == []
    body = side_effect_body(session_id, started_on=yesterday.date().isoformat(), symptoms=[])
    assert (await client.post("/me/side-effects", json=body, headers=world.headers("patient_a"))).status_code == 201
    waiting = (await client.get("/me/questions-due", headers=world.headers("patient_a"))).json()
    assert [q for q in waiting if q["kind"] == "side_effect_question"] == []


async def test_an_unknown_patient_has_no_questions(client, world):
    with pytest.raises(NotFound):
        await due.questions_due(uuid.uuid4(), INJECTED)
