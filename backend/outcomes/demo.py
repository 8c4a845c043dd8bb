"""The demo clinic's research cohort: about 200 synthetic, research-consented patients across the
four arms, so the outcomes page of `make run` shows something real to a newcomer.

Planted, so a newcomer can find them: exosomes respond best and faster than the other arms, the
response grows with the number of sessions, and exosome lot EXO-2502-B gives moderate-or-worse
side effects about four times as often as the other exosome lots (the lot signal flags it).

Written in bulk in one transaction (the photo pipeline takes about 0.4 s a photo here, so
processing ~2,400 photos would keep `make run` busy for many minutes). Every rated month has
synthetic photos of each view (small ready photos, written straight to the store when one is
given), and the consensus comes from a real rating round over those photos: its pairs, each
rater's shuffled queue, and the raters' seeded scores (two whole points whose median is the
planted figure), counted by `backend.ratings.consensus.recount` and closed through
`backend.ratings.release.close_round`, so every outcome figure traces back to scores of photos
a newcomer can open.
"""

from __future__ import annotations

import io
import math
import random
import secrets
import uuid
from datetime import UTC, date, datetime, time, timedelta

from PIL import Image
from tortoise.transactions import in_transaction

from backend.checkins.models import CheckIn
from backend.auth.principal import StaffPrincipal
from backend.clinics.models import Clinic, StaffUser
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from backend.outcomes import facts
from backend.demo_photos import scalp_photo
from backend.photos import keys
from backend.photos.models import Photo
from backend.ratings import consensus, release
from backend.ratings.drawing import plan_queue
from backend.ratings.models import RatingPair, RatingRater, RatingRound, RatingScore, RatingTask
from backend.ratings.tokens import new_task_token
from backend.reports.models import QuestionnaireAnswer, QuestionnaireResponse, SideEffectReport, SideEffectSymptom
from backend.storage import ObjectStore
from shared import questionnaire as hgq
from shared.contract.auth import StaffRole
from shared.contract.checkins import CheckInStatus, PhotoStatus
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
ROUND_NAME = "Research cohort panel"
PHOTO_SIZE = (300, 400)  # small: ~2,000 photos of ~15 kB each, three renditions apiece


def _score(rng: random.Random, effect: float, sessions: int, month: int) -> float:
    """A view's consensus: the arm's effect, growing with sessions and months, on the half-point scale."""
    dose = min(sessions, 5) / 4
    time_course = min(month, 9) / 6
    value = rng.gauss(effect * dose * time_course - 0.1, 0.9)
    return max(-3.0, min(3.0, round(value * 2) / 2))


async def seed_outcomes_cohort(
    clinic: Clinic, today: date | None = None, *, store: ObjectStore | None = None, seed: int = SEED
) -> int:
    """Add the research cohort to the demo clinic once; the number of patients added. With a
    `store`, each photo's renditions are written to it (rows only without); another `seed` draws
    another cohort with the same plants (the network's second demo clinic)."""
    if await Patient.filter(clinic=clinic, record_number__startswith="RC-").exists():
        return 0
    today = today or datetime.now(UTC).date()
    rng = random.Random(seed)
    staff = await StaffUser.filter(clinic=clinic, active=True, role__in=[StaffRole.ADMIN, StaffRole.CLINICIAN]).order_by("created_at")
    admin = next((s for s in staff if s.role == StaffRole.ADMIN), None)
    raters = staff[:2]
    rows: dict[type, list] = {m: [] for m in (
        Patient, InjectionSession, SideEffectReport, SideEffectSymptom, CheckIn, Photo, RatingPair,
        QuestionnaireResponse, QuestionnaireAnswer,
    )}
    rating_round = RatingRound(
        id=uuid.uuid4(), clinic_id=clinic.id, name=ROUND_NAME, months=list(RATED_MONTHS), views=list(VIEWS),
        status=RoundStatus.OPEN, retest_fraction=0, created_by_id=admin.id if admin else None,
    )
    planted: list[float] = []  # each pair's planted consensus, in rows[RatingPair] order
    months_of: dict[uuid.UUID, int] = {}  # each photo's month
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
            _checkins_and_ratings(followed, rows, patient, rating_round, effect, sessions, today, planted, months_of)
    seats, tasks, scores = _panel(random.Random(SEED + 1), rating_round, raters, rows[RatingPair], planted)
    async with in_transaction() as conn:
        await rating_round.save(using_db=conn)
        for model, batch in [*rows.items(), (RatingRater, seats), (RatingTask, tasks), (RatingScore, scores)]:
            await model.bulk_create(batch, batch_size=500, using_db=conn)
        await consensus.recount(rating_round.id)
        if admin is not None:  # the real close: the panel's agreement, timelines, the outcome facts
            await release.close_round(_acting(admin), rating_round.id)
        else:
            await facts.rebuild(clinic.id, conn)  # bulk rows bypass the services that keep the facts
    if store is not None:
        await _write_photos(store, rows[Photo], months_of)
    return number


def _panel(rng: random.Random, rating_round: RatingRound, raters: list, pairs: list, planted: list[float]):
    """Each rater's queue over the pairs (shuffled, one patient's pairs apart, sides at random) and
    their scores: two whole points whose median is the pair's planted consensus (a half splits
    as the points either side; a whole point is agreed, or a point either way of it)."""
    owners = [pair.patient_id for pair in pairs]
    split = []
    for target in planted:
        low, high = math.floor(target), math.ceil(target)
        if low == high and -3 < target < 3 and rng.random() < 0.35:
            low, high = low - 1, high + 1
        split.append((low, high) if rng.random() < 0.5 else (high, low))
    seats, tasks, scores = [], [], []
    for r, staff in enumerate(raters):
        seat = RatingRater(id=uuid.uuid4(), round_id=rating_round.id, staff_id=staff.id, tasks_total=len(pairs), tasks_done=len(pairs))
        seats.append(seat)
        for position, shown in enumerate(plan_queue(len(pairs), set(), rng, owners)):
            pair = pairs[shown.pair]
            task = RatingTask(
                id=uuid.uuid4(), round_id=rating_round.id, rater_id=seat.id, pair_id=pair.id, position=position,
                token=new_task_token(), baseline_left=shown.baseline_left, repeat=False, done=True,
            )
            tasks.append(task)
            scores.append(RatingScore(
                id=uuid.uuid4(), task_id=task.id, pair_id=pair.id, rater_id=seat.id, score=split[shown.pair][r % 2],
                baseline_left=shown.baseline_left, repeat=False, seconds_taken=round(rng.uniform(3, 9), 1), current=True,
            ))
    return seats, tasks, scores


def _acting(staff: StaffUser) -> StaffPrincipal:
    return StaffPrincipal(
        staff_id=staff.id, clinic_id=staff.clinic_id, role=StaffRole(staff.role), session_id=uuid.uuid4(),  # type: ignore[attr-defined]
        name=staff.name, email=staff.email, csrf_token="", via_cookie=False,
    )


async def _write_photos(store: ObjectStore, photos: list[Photo], months_of: dict[uuid.UUID, int]) -> None:
    """Each photo's renditions: one small synthetic scalp photo per view and month (thumb, preview
    and full alike), written under the photo's own key."""
    scenes: dict[tuple[str, int], bytes] = {}
    for photo in photos:
        month = months_of[photo.id]
        scene = scenes.get((photo.view, month))
        if scene is None:
            scene = scenes[(photo.view, month)] = _smaller(scalp_photo(photo.view, month, PHOTO_SIZE))
        for name in keys.RENDITIONS:
            await store.write(keys.rendition_key(photo.storage_token, name), scene, content_type="image/jpeg")


def _smaller(jpeg: bytes) -> bytes:
    """The scene at JPEG quality 70: ~6,000 files stay near 100 MB."""
    with Image.open(io.BytesIO(jpeg)) as picture:
        out = io.BytesIO()
        picture.convert("RGB").save(out, format="JPEG", quality=70)
    return out.getvalue()


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


def _checkins_and_ratings(
    rng, rows, patient: Patient, rating_round: RatingRound, effect: float, sessions: int, today: date,
    planted: list[float], months_of: dict[uuid.UUID, int],
) -> None:
    stays = rng.random() > 0.12  # about one in eight stops coming after a few months
    last_month = 0
    while checkin_due_on(patient.baseline_date, last_month + 1) + timedelta(days=7) <= today:
        last_month += 1
    stop = last_month if stays else rng.randint(2, max(2, last_month))
    baseline: dict[str, Photo] = {}
    for month in range(0, last_month + 1):
        kept = month <= stop and (month == 0 or rng.random() < 0.9)
        if not kept:
            continue
        due = checkin_due_on(patient.baseline_date, month)
        checkin = CheckIn(
            id=uuid.uuid4(), patient_id=patient.id, month=month, due_on=due,
            views=list(VIEWS), status=CheckInStatus.COMPLETE, completed_at=datetime.combine(due, time(19), UTC),
        )
        rows[CheckIn].append(checkin)
        if month == 0 or month in RATED_MONTHS:
            photos = {view: _photo(patient, checkin, view, month) for view in VIEWS}
            rows[Photo].extend(photos.values())
            months_of.update({photo.id: month for photo in photos.values()})
            if month == 0:
                baseline = photos
        if month in RATED_MONTHS:
            for view in VIEWS:
                rows[RatingPair].append(RatingPair(
                    id=uuid.uuid4(), round_id=rating_round.id, patient_id=patient.id, view=view, month=month,  # type: ignore[attr-defined]
                    baseline_photo_id=baseline[view].id, followup_photo_id=photos[view].id, retest=False,
                ))
                planted.append(_score(rng, effect, sessions, month))
        if month % 3 == 0 and month <= 12:
            _self_assessment(rng, rows, patient, month, effect)


def _photo(patient: Patient, checkin: CheckIn, view: str, month: int) -> Photo:
    taken = datetime.combine(checkin.due_on, time(18), UTC)
    photo = Photo(
        id=uuid.uuid4(), patient_id=patient.id, checkin_id=checkin.id, view=view, idempotency_key=uuid.uuid4(),
        storage_token=secrets.token_hex(16), status=PhotoStatus.READY, content_type="image/jpeg", sha256="0" * 64,
        size=20_000, source_type="jpeg", width=PHOTO_SIZE[0], height=PHOTO_SIZE[1], stored_size=20_000,
        captured_at=taken, slot_issued_at=taken, uploaded_at=taken, processed_at=taken,
    )
    return photo


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
