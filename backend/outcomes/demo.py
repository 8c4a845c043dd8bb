"""The demo clinic's research cohort: about 200 synthetic, research-consented patients across the
four arms, so the outcomes page of `make run` shows something real to a newcomer.

Planted, so a newcomer can find them: exosomes respond best and faster than the other arms, the
response grows with the number of sessions, and exosome lot EXO-2502-B gives moderate-or-worse
side effects about four times as often as the other exosome lots (the lot signal flags it).

Written in bulk in one transaction: the photo pipeline takes about 0.4 s a photo here, so
photographing 200 patients for every rated month would keep `make run` busy for minutes. The
cohort therefore has check-ins, sessions, side-effect reports, self-assessments and the consensus
of one closed rating round ("Demo round, synthetic consensus"), but no photos; the demo patient
DEMO-002 keeps its real photos.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from tortoise.transactions import in_transaction

from backend.checkins.models import CheckIn
from backend.clinics.models import Clinic, StaffUser
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from backend.outcomes import facts
from backend.ratings.models import RatingConsensus, RatingRound
from backend.reports.models import QuestionnaireAnswer, QuestionnaireResponse, SideEffectReport, SideEffectSymptom
from shared import questionnaire as hgq
from shared.contract.checkins import CheckInStatus
from shared.contract.injections import SessionStatus
from shared.contract.ratings import RoundStatus
from shared.schedule import checkin_due_on

# arm: (patients, mean month-6 consensus with 4 sessions, product, lots)
ARMS = {
    "exosomes": (80, 1.3, "ExoCell 5B", ("EXO-2411-A", "EXO-2502-B", "EXO-2503-C")),
    "prp": (55, 0.6, "Regen PRP kit", ("PRP-KIT-0093", "PRP-KIT-0101")),
    "microneedling": (35, 0.3, "DermaPen 4", ("DP-CART-17",)),
    "combination": (30, 0.9, "ExoCell 5B + PRP", ("EXO-2411-A", "EXO-2503-C")),
}
WORSE_LOT = "EXO-2502-B"
VIEWS = ("frontal", "vertex", "crown")
RATED_MONTHS = (3, 6, 9, 12)
SEED = 20261125


def _score(rng: random.Random, effect: float, sessions: int, month: int) -> float:
    """A view's consensus: the arm's effect, growing with sessions and months, on the half-point scale."""
    dose = min(sessions, 5) / 4
    time_course = min(month, 9) / 6
    value = rng.gauss(effect * dose * time_course - 0.1, 0.9)
    return max(-3.0, min(3.0, round(value * 2) / 2))


async def seed_outcomes_cohort(clinic: Clinic, today: date | None = None, *, seed: int = SEED) -> int:
    """Add the research cohort to the demo clinic once; the number of patients added (another
    `seed` draws another cohort with the same plants: the network's second demo clinic)."""
    if await Patient.filter(clinic=clinic, record_number__startswith="RC-").exists():
        return 0
    today = today or datetime.now(UTC).date()
    rng = random.Random(seed)
    admin = await StaffUser.filter(clinic=clinic).first()
    rows: dict[type, list] = {m: [] for m in (
        Patient, InjectionSession, SideEffectReport, SideEffectSymptom, CheckIn, RatingConsensus,
        QuestionnaireResponse, QuestionnaireAnswer,
    )}
    rating_round = RatingRound(
        id=uuid.uuid4(), clinic_id=clinic.id, name="Demo round, synthetic consensus", months=list(RATED_MONTHS),
        views=list(VIEWS), status=RoundStatus.CLOSED, created_by_id=admin.id if admin else None, closed_at=datetime.now(UTC),
    )
    number = 0
    for arm, (count, effect, product, lots) in ARMS.items():
        for _ in range(count):
            number += 1
            # each patient's own streams: how many months a calendar fits into the follow-up varies
            # with today's date, and must not shift what every later patient draws
            drawn, followed = random.Random(rng.getrandbits(64)), random.Random(rng.getrandbits(64))
            patient = _patient(drawn, clinic, arm, number, today)
            rows[Patient].append(patient)
            sessions = _sessions(drawn, rows, patient, arm, product, lots, today)
            _checkins_and_ratings(followed, rows, patient, rating_round, effect, sessions, today)
    async with in_transaction() as conn:
        await rating_round.save(using_db=conn)
        for model, batch in rows.items():
            await model.bulk_create(batch, batch_size=500, using_db=conn)
        await facts.rebuild(clinic.id, conn)  # bulk rows bypass the services that keep the facts
    return number


def _patient(rng: random.Random, clinic: Clinic, arm: str, number: int, today: date) -> Patient:
    female = rng.random() < 0.35
    baseline = today - timedelta(days=rng.randint(100, 520))
    if female:
        grade = ("ludwig", rng.choice([1, 1, 2, 2, 3]))
    else:
        grade = ("norwood_hamilton", rng.choice([2, 3, 3, 4, 4, 5, 6]))
    return Patient(
        id=uuid.uuid4(), clinic_id=clinic.id, display_name=f"Research patient {number:03d}", record_number=f"RC-{number:03d}",
        treatment=arm, planned_sessions=rng.choice([3, 4, 5, 6]), interval_days=30, baseline_date=baseline,
        timezone="Europe/London", consent_research=True, sex="female" if female else rng.choice(["male"] * 12 + ["other"]),
        birth_year=today.year - rng.randint(24, 66), diagnosis=rng.choice(
            ["androgenetic_alopecia"] * 6 + ["telogen_effluvium", "alopecia_areata", "other"]
        ), grade_scale=grade[0], grade=grade[1],
    )


def _sessions(rng, rows, patient: Patient, arm: str, product: str, lots: tuple[str, ...], today: date) -> int:
    """Sessions every ~30 days from a week after the baseline; side-effect reports after some."""
    planned = rng.choice([1, 2, 3, 3, 4, 4, 5, 6])
    given = 0
    for n in range(planned):
        day = patient.baseline_date + timedelta(days=7 + 30 * n + rng.randint(-3, 3))
        if day >= today:
            break
        when = datetime.combine(day, time(10), UTC)
        lot = rng.choice(lots)
        session = InjectionSession(
            id=uuid.uuid4(), patient_id=patient.id, clinic_id=patient.clinic_id, status=SessionStatus.DONE,  # type: ignore[attr-defined]
            scheduled_at=when, performed_at=when, treatment=arm, product=product, lot_number=lot, volume_ml=4,
            areas=["vertex", "crown"],
        )
        rows[InjectionSession].append(session)
        given += 1
        _report(rng, rows, patient, session, worse=lot == WORSE_LOT, today=today)
    return given


def _report(rng, rows, patient: Patient, session: InjectionSession, *, worse: bool, today: date) -> None:
    if rng.random() > 0.55:
        return
    moderate_chance = 0.35 if worse else 0.07
    severe_chance = 0.06 if worse else 0.01
    started = session.scheduled_at.date() + timedelta(days=rng.choice([0, 0, 1, 1, 2, 35]))
    if started > today:
        return
    symptoms = {}
    for symptom in rng.sample(["pain", "redness", "swelling", "itching", "headache", "shedding"], rng.randint(1, 3)):
        roll = rng.random()
        symptoms[symptom] = 3 if roll < severe_chance else 2 if roll < moderate_chance else 1
    care = rng.random() < (0.03 if worse else 0.005)
    top = max(symptoms.values())
    report = SideEffectReport(
        id=uuid.uuid4(), clinic_id=patient.clinic_id, patient_id=patient.id, injection_session_id=session.id,  # type: ignore[attr-defined]
        idempotency_key=uuid.uuid4(), request_sha256="0" * 64, started_on=started, notes="",
        needed_medical_care=care, max_severity=top, serious=care or top >= 3,
        submitted_at=datetime.combine(started + timedelta(days=rng.choice([0, 1, 6])), time(20), UTC),
        acknowledged_at=datetime.now(UTC),
    )
    rows[SideEffectReport].append(report)
    rows[SideEffectSymptom].extend(SideEffectSymptom(report_id=report.id, symptom=s, severity=v) for s, v in symptoms.items())


def _checkins_and_ratings(rng, rows, patient: Patient, rating_round: RatingRound, effect: float, sessions: int, today: date) -> None:
    stays = rng.random() > 0.12  # about one in eight stops coming after a few months
    last_month = 0
    while checkin_due_on(patient.baseline_date, last_month + 1) + timedelta(days=7) <= today:
        last_month += 1
    stop = last_month if stays else rng.randint(2, max(2, last_month))
    for month in range(0, last_month + 1):
        kept = month <= stop and (month == 0 or rng.random() < 0.9)
        if not kept:
            continue
        rows[CheckIn].append(CheckIn(
            id=uuid.uuid4(), patient_id=patient.id, month=month, due_on=checkin_due_on(patient.baseline_date, month),
            views=list(VIEWS), status=CheckInStatus.COMPLETE,
            completed_at=datetime.combine(checkin_due_on(patient.baseline_date, month), time(19), UTC),
        ))
        if month in RATED_MONTHS:
            for view in VIEWS:
                rows[RatingConsensus].append(RatingConsensus(
                    id=uuid.uuid4(), clinic_id=patient.clinic_id, round_id=rating_round.id, patient_id=patient.id, view=view,  # type: ignore[attr-defined]
                    month=month, score=_score(rng, effect, sessions, month), raters=2,
                ))
        if month % 3 == 0 and month <= 12:
            _self_assessment(rng, rows, patient, month, effect)


def _self_assessment(rng, rows, patient: Patient, month: int, effect: float) -> None:
    version = hgq.current()
    response = QuestionnaireResponse(
        id=uuid.uuid4(), clinic_id=patient.clinic_id, patient_id=patient.id, idempotency_key=uuid.uuid4(),  # type: ignore[attr-defined]
        request_sha256="0" * 64, version=version.version, occasion_month=month,
        answered_at=datetime.combine(checkin_due_on(patient.baseline_date, month), time(20), UTC),
    )
    rows[QuestionnaireResponse].append(response)
    lift = effect * min(month, 6) / 6
    for question in hgq.questions_asked(version.version, month):
        base = rng.gauss(-1.0 if question.asked_at_baseline else 0.0, 1.0) + (lift if month else 0)
        value = max(-3, min(3, round(base)))
        rows[QuestionnaireAnswer].append(QuestionnaireAnswer(response_id=response.id, question=question.id, value=value))
