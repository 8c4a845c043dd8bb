"""A synthetic clinic for the outcome tests, written as raw rows (patients, sessions, side-effect
reports, check-ins, self-assessments, two rating rounds of consensus), varied enough that every
figure has something to show, with two arms, an arm too small to show, and patients without
research consent who must never count."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from backend.checkins.models import CheckIn
from backend.injections.models import InjectionSession
from backend.outcomes import facts
from backend.patients.models import Patient
from backend.ratings.models import RatingConsensus, RatingRound
from backend.reports.models import QuestionnaireAnswer, QuestionnaireResponse, SideEffectReport, SideEffectSymptom
from shared.schedule import checkin_due_on

VIEWS = ("frontal", "vertex", "crown")
TODAY = datetime.now(UTC).date()


@dataclass
class Cohort:
    clinic_id: uuid.UUID
    consenting: list[uuid.UUID] = field(default_factory=list)
    not_consenting: list[uuid.UUID] = field(default_factory=list)
    by_arm: dict[str, list[uuid.UUID]] = field(default_factory=dict)


async def build(clinic_id: uuid.UUID, *, seed: int = 7, per_arm: dict[str, int] | None = None) -> Cohort:
    """Patients in each arm (research-consented), 6 more without research consent, all with rows."""
    rng = random.Random(seed)
    per_arm = per_arm or {"exosomes": 26, "prp": 22, "microneedling": 3}
    cohort = Cohort(clinic_id)
    # closed rounds: an open round's consensus counts nowhere (backend/ratings/released.py)
    old_round = await RatingRound.create(clinic_id=clinic_id, name="Spring", months=[3, 6], views=list(VIEWS), status="closed")
    new_round = await RatingRound.create(clinic_id=clinic_id, name="Autumn", months=[3, 6, 12], views=list(VIEWS), status="closed")
    await RatingRound.filter(id=old_round.id).update(created_at=datetime.now(UTC) - timedelta(days=120))
    plan = [(arm, True) for arm, n in per_arm.items() for _ in range(n)] + [("exosomes", False)] * 3 + [("prp", False)] * 3
    sessions, reports, symptoms, checkins, consensus, responses, answers = [], [], [], [], [], [], []
    for i, (arm, research) in enumerate(plan):
        baseline = TODAY - timedelta(days=rng.randint(60, 460))
        grade = ("norwood_hamilton", rng.randint(1, 7)) if i % 3 else ("ludwig", rng.randint(1, 3))
        patient = await Patient.create(
            clinic_id=clinic_id, display_name=f"Outcome Patient {i}", record_number=f"OUT-{i:03d}", treatment=arm,
            planned_sessions=5, interval_days=30, baseline_date=baseline, consent_research=research,
            sex=rng.choice(["female", "male", "male", "other", "unknown"]),
            birth_year=None if i % 7 == 0 else rng.randint(1950, 2000),
            diagnosis=rng.choice(["androgenetic_alopecia", "androgenetic_alopecia", "telogen_effluvium", None]),
            grade_scale=grade[0] if i % 5 else None, grade=grade[1] if i % 5 else None,
        )
        (cohort.consenting if research else cohort.not_consenting).append(patient.id)
        if research:
            cohort.by_arm.setdefault(arm, []).append(patient.id)
        lift = 0.8 if arm == "exosomes" else 0.2
        for n in range(rng.choice([0, 3, 3, 4, 4, 6])):
            given = datetime.combine(baseline, datetime.min.time(), UTC) + timedelta(days=5 + 35 * n, hours=10)
            if given.date() > TODAY:
                break
            status = "done" if rng.random() > 0.1 else "missed"
            session = InjectionSession(
                id=uuid.uuid4(), patient_id=patient.id, clinic_id=clinic_id, status=status, scheduled_at=given,
                performed_at=given if status == "done" else None, treatment=arm, product=rng.choice(["ExoCell 5B", "Regen Kit"]),
                lot_number=rng.choice(["LOT-A", "lot-b ", "LOT-C", ""]),
            )
            sessions.append(session)
            for _ in range(rng.choice([0, 0, 1, 1, 2])):
                started = given.date() + timedelta(days=rng.choice([0, 1, 2, 5, 40]))
                felt = {s: rng.choice([0, 1, 1, 2, 3]) for s in rng.sample(["pain", "redness", "swelling", "itching"], 2)}
                max_severity = max(felt.values())
                care = rng.random() < 0.05
                report = SideEffectReport(
                    id=uuid.uuid4(), clinic_id=clinic_id, patient_id=patient.id, injection_session_id=session.id,
                    idempotency_key=uuid.uuid4(), request_sha256="0" * 64, started_on=started, notes="",
                    needed_medical_care=care, max_severity=max_severity, serious=care or max_severity >= 3,
                    submitted_at=datetime.combine(started, datetime.min.time(), UTC) + timedelta(days=rng.choice([0, 1, 6]), hours=9),
                )
                reports.append(report)
                symptoms.extend(SideEffectSymptom(report_id=report.id, symptom=s, severity=v) for s, v in felt.items())
        months_open = 0
        while checkin_due_on(baseline, months_open + 1) <= TODAY:
            months_open += 1
        for month in range(months_open + 1):
            if rng.random() < 0.8:
                checkins.append(CheckIn(
                    id=uuid.uuid4(), patient_id=patient.id, month=month, due_on=checkin_due_on(baseline, month),
                    views=list(VIEWS), status="complete" if rng.random() < 0.85 else "open",
                ))
        for month in (3, 6, 9, 12):
            if month > months_open:
                break
            for view in VIEWS:
                if rng.random() < 0.15:
                    continue
                for rnd in (old_round, new_round):
                    if rnd is old_round and (month > 6 or rng.random() < 0.5):
                        continue
                    score = max(-3.0, min(3.0, round((rng.gauss(lift, 1.0)) * 2) / 2))
                    consensus.append(RatingConsensus(
                        id=uuid.uuid4(), clinic_id=clinic_id, round_id=rnd.id, patient_id=patient.id, view=view,
                        month=month, score=score if rnd is new_round else score - 1, raters=2,
                    ))
        for month in (0, 3, 6, 12):
            if month > months_open or rng.random() < 0.2:
                continue
            response = QuestionnaireResponse(
                id=uuid.uuid4(), clinic_id=clinic_id, patient_id=patient.id, idempotency_key=uuid.uuid4(),
                request_sha256="0" * 64, version=1, occasion_month=month,
            )
            responses.append(response)
            asked = ["appearance"] if month == 0 else ["appearance", "growth", "treatment_satisfaction"]
            answers.extend(QuestionnaireAnswer(response_id=response.id, question=q, value=rng.randint(-3, 3)) for q in asked)
    for model, rows in (
        (InjectionSession, sessions), (SideEffectReport, reports), (SideEffectSymptom, symptoms), (CheckIn, checkins),
        (RatingConsensus, consensus), (QuestionnaireResponse, responses), (QuestionnaireAnswer, answers),
    ):
        await model.bulk_create(rows, batch_size=500)
    await facts.rebuild(clinic_id)  # raw rows bypass the services that keep the outcome facts
    return cohort
