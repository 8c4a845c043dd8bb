"""The demo clinic's long-term cohort: 80 synthetic research patients followed for 14-23 months
after one course of four sessions, so the durability section of `make run` shows something real.

Planted, so a newcomer can find them: the PRP effect fades once the course ends (about +1.3 at the
course's end, under +1 within a few months, near 0 a year on) while the exosome effect holds; and
the exosome product ExoCell 5B gives a late reaction (itching lumps at the injection sites, starting
2-8 months after the last session) to about two patients in three, against one in five after PRP. PRP patients who stop say "no visible change".

Written in bulk in one transaction, like the outcomes cohort (outcomes/demo.py): check-ins, sessions,
the consensus of one closed rating round, side-effect reports, safety answers and stop reasons.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from tortoise.transactions import in_transaction

from backend.checkins.models import CheckIn
from backend.clinics.models import Clinic, StaffUser
from backend.injections.models import InjectionSession
from backend.longterm.models import SafetyAnswer, SafetyAnswerSession, StopReasonRecord
from backend.outcomes import facts
from backend.patients.models import Patient
from backend.ratings.models import RatingConsensus, RatingRound
from backend.reports.models import SideEffectReport, SideEffectSymptom
from shared import long_term as rules
from shared.contract.checkins import CheckInStatus
from shared.contract.injections import SessionStatus
from shared.contract.ratings import RoundStatus
from shared.schedule import checkin_due_on

# arm: (patients, consensus at the course's end, change a month after it, product, lots, late reaction chance)
ARMS = {
    "prp": (40, 1.4, -0.16, "Regen PRP kit", ("PRP-KIT-0093", "PRP-KIT-0101"), 0.2),
    "exosomes": (40, 1.5, -0.01, "ExoCell 5B", ("EXO-2411-A", "EXO-2503-C"), 0.65),
}
FADING_ARM = "prp"
LATE_PRODUCT = "ExoCell 5B"
VIEWS = ("frontal", "vertex", "crown")
SESSIONS = 4
SEED = 20261207
PREFIX = "LT-"
STOP_REASONS = {
    # one reason only: a second, rarer one would be under 5 and take the first with it (disclosure control)
    "prp": ["no_visible_change"],
    "exosomes": ["travel", "cost", "side_effect", "finished_plan"],
}


async def seed_longterm_cohort(clinic: Clinic, today: date | None = None) -> int:
    """Add the long-term cohort to the demo clinic once; the number of patients added."""
    if await Patient.filter(clinic=clinic, record_number__startswith=PREFIX).exists():
        return 0
    today = today or datetime.now(UTC).date()
    rng = random.Random(SEED)
    admin = await StaffUser.filter(clinic=clinic).first()
    rows: dict[type, list] = {m: [] for m in (
        Patient, InjectionSession, CheckIn, RatingConsensus, SideEffectReport, SideEffectSymptom, SafetyAnswer,
        SafetyAnswerSession, StopReasonRecord,
    )}
    rating_round = RatingRound(
        id=uuid.uuid4(), clinic_id=clinic.id, name="Demo round, long-term follow-up (synthetic)",
        months=list(range(3, 25, 3)), views=list(VIEWS), status=RoundStatus.CLOSED,
        created_by_id=admin.id if admin else None, closed_at=datetime.now(UTC),
    )
    number = 0
    for arm, spec in ARMS.items():
        for _ in range(spec[0]):
            number += 1
            _patient_history(random.Random(rng.getrandbits(64)), rows, clinic, arm, spec, number, rating_round, today)
    async with in_transaction() as conn:
        await rating_round.save(using_db=conn)
        for model, batch in rows.items():
            await model.bulk_create(batch, batch_size=500, using_db=conn)
        await facts.rebuild(clinic.id, conn)  # bulk rows bypass the services that keep the facts
    return number


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def _patient_history(rng, rows, clinic: Clinic, arm: str, spec, number: int, rating_round, today: date) -> None:
    _, at_end, per_month, product, lots, late_chance = spec
    baseline = today - timedelta(days=rng.randint(530, 800))
    patient = Patient(
        id=uuid.uuid4(), clinic_id=clinic.id, display_name=f"Long-term patient {number:03d}",
        record_number=f"{PREFIX}{number:03d}", treatment=arm, planned_sessions=SESSIONS, interval_days=30,
        baseline_date=baseline, timezone="Europe/London", consent_research=True,
        sex=rng.choice(["male", "male", "female"]), birth_year=today.year - rng.randint(25, 62),
        diagnosis="androgenetic_alopecia", grade_scale="norwood_hamilton", grade=rng.choice([2, 3, 3, 4, 5]),
    )
    rows[Patient].append(patient)
    sessions = []
    for n in range(SESSIONS):
        day = baseline + timedelta(days=7 + 30 * n + rng.randint(-2, 2))
        session = InjectionSession(
            id=uuid.uuid4(), patient_id=patient.id, clinic_id=clinic.id, status=SessionStatus.DONE,  # type: ignore[attr-defined]
            scheduled_at=_at(day), performed_at=_at(day), treatment=arm, product=product, lot_number=rng.choice(lots),
            volume_ml=4, areas=["vertex", "crown"],
        )
        sessions.append((day, session))
    rows[InjectionSession].extend(s for _, s in sessions)
    last_day, last = sessions[-1]
    level = rng.gauss(at_end, 0.3)
    stops = rng.random() < (0.3 if arm == FADING_ARM else 0.12)
    stop_month = rng.randint(8, 12) if stops else 10**6
    month = 0
    while checkin_due_on(baseline, month) + timedelta(days=7) <= today and month <= stop_month:
        due = checkin_due_on(baseline, month)
        if month == 0 or rng.random() < 0.92:
            rows[CheckIn].append(CheckIn(
                id=uuid.uuid4(), patient_id=patient.id, month=month, due_on=due, views=list(VIEWS),
                status=CheckInStatus.COMPLETE, completed_at=_at(due, 19),
            ))
            if month and month % 3 == 0:
                after = max(0.0, rules.months_between(last_day, due))
                built = min(1.0, rules.months_between(baseline, due) / 3.5)
                value = level * built + per_month * after * 1.0
                for view in VIEWS:
                    score = max(-3.0, min(3.0, round(rng.gauss(value, 0.35) * 2) / 2))
                    rows[RatingConsensus].append(RatingConsensus(
                        id=uuid.uuid4(), clinic_id=clinic.id, round_id=rating_round.id, patient_id=patient.id,  # type: ignore[attr-defined]
                        view=view, month=month, score=score, raters=2,
                    ))
        month += 1
    heard_until = checkin_due_on(baseline, min(month - 1, stop_month))
    late = None
    if rng.random() < late_chance:
        started = last_day + timedelta(days=rng.randint(60, 240))
        if started < min(today, heard_until + timedelta(days=20)):
            late = _late_report(rng, rows, patient, last, started)
    for months in rules.SAFETY_MONTHS_AFTER_COURSE:
        opens = checkin_due_on(last_day, months)
        if opens + timedelta(days=3) > min(today, heard_until + timedelta(days=20)):
            break
        new = late is not None and checkin_due_on(last_day, months - (3 if months < 12 else 6)) <= late.started_on <= opens
        answer = SafetyAnswer(
            id=uuid.uuid4(), clinic_id=clinic.id, patient_id=patient.id, idempotency_key=uuid.uuid4(),  # type: ignore[attr-defined]
            request_sha256="0" * 64, occasion=rules.SafetyOccasion.AFTER_COURSE.value, month=months,
            course_ends_on=last_day, occasion_key=rules.occasion_key(rules.SafetyOccasion.AFTER_COURSE, months, last_day),
            anything_new=new, saw_doctor=bool(new and late.needed_medical_care),
            side_effect_report_id=late.id if new else None, answered_at=_at(opens + timedelta(days=2), 20),
        )
        rows[SafetyAnswer].append(answer)
        rows[SafetyAnswerSession].extend(
            SafetyAnswerSession(
                answer_id=answer.id, injection_session_id=s.id, product=s.product, lot_number=s.lot_number,  # type: ignore[attr-defined]
                days_since=(opens + timedelta(days=2) - d).days,
            )
            for d, s in reversed(sessions)
        )
    if stops and rng.random() < 0.8:
        rows[StopReasonRecord].append(StopReasonRecord(
            id=uuid.uuid4(), clinic_id=clinic.id, patient_id=patient.id, reason=rng.choice(STOP_REASONS[arm]),  # type: ignore[attr-defined]
            note="", source="patient", recorded_at=_at(heard_until + timedelta(days=40), 18),
        ))


def _late_report(rng, rows, patient: Patient, session: InjectionSession, started: date) -> SideEffectReport:
    severity = 3 if rng.random() < 0.12 else rng.choice([1, 2, 2])
    care = severity == 3 or rng.random() < 0.1
    report = SideEffectReport(
        id=uuid.uuid4(), clinic_id=patient.clinic_id, patient_id=patient.id, injection_session_id=session.id,  # type: ignore[attr-defined]
        idempotency_key=uuid.uuid4(), request_sha256="0" * 64, started_on=started,
        notes="Small itchy lumps where the injections were." if patient.treatment == "exosomes" else "",
        needed_medical_care=care, max_severity=severity, serious=care or severity >= 3,
        submitted_at=_at(started + timedelta(days=rng.choice([2, 5, 9])), 20), acknowledged_at=datetime.now(UTC),
    )
    rows[SideEffectReport].append(report)
    rows[SideEffectSymptom].append(SideEffectSymptom(report_id=report.id, symptom="itching", severity=severity))
    rows[SideEffectSymptom].append(SideEffectSymptom(report_id=report.id, symptom="other", severity=max(1, severity - 1)))
    return report
