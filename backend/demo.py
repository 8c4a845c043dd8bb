"""The demo clinic that `make run` seeds: a clinic, a clinician, patients with history, an invite."""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tortoise.transactions import in_transaction

from backend.auth.principal import PatientPrincipal
from backend.auth.service import create_clinic_with_admin
from backend.checkins.months import latest_open_month
from backend.demo_photos import ScalpLook, scalp_photo
from backend.clinics.models import Clinic, StaffUser
from backend.enrolment.models import Device, Invite
from backend.injections.models import InjectionSession
from backend.outcomes import facts as outcome_facts
from backend.longterm.demo import seed_longterm_cohort
from backend.outcomes.demo import seed_outcomes_cohort
from backend.patients.models import Patient
from backend.reports.models import QuestionnaireAnswer, QuestionnaireResponse, SideEffectReport, SideEffectSymptom
from backend.ratings.demo import second_rater, seed_ratings
from backend.photos.context import PhotoContext
from backend.photos.keys import upload_key
from backend.photos.models import Photo
from backend.photos.processing import process
from backend.photos.uploads import complete, request_slot
from backend.security.tokens import DEVICE_TOKEN_PREFIX, new_invite_code, new_token, token_hash
from backend.settings import Settings
from backend.storage import build_store
from shared import questionnaire as hgq
from shared.contract.checkins import UploadSlotRequest
from shared.contract.injections import SessionStatus
from shared.contract.patients import Platform, Treatment
from shared.schedule import checkin_due_on
from shared.views import DEFAULT_PROTOCOL

log = logging.getLogger(__name__)
DEMO_EMAIL = "demo@follicle.example"
DEMO_PASSWORD = "follicle-demo-2026"
DEMO_CLINIC = "Demo Hair Clinic"
PHOTO_PATIENT = "DEMO-002"  # has six months of check-in photos
# the photo patient's scalp: hair of known density, regrowing, so the coverage index has a story
DEMO_LOOK = ScalpLook(skin="medium", hair="brown", start={"vertex": 56.0, "crown": 48.0, "frontal": 38.0}, fall_per_month=2.2)
# two more patients photographed for the coverage index: a fast responder and a slow one
MORE_LOOKS = {
    "DEMO-001": ScalpLook(skin="light", hair="black", start={"vertex": 62.0, "crown": 52.0, "frontal": 44.0}, fall_per_month=3.6),
    "DEMO-003": ScalpLook(skin="dark", hair="grey", start={"vertex": 48.0, "crown": 40.0, "frontal": 30.0}, fall_per_month=0.4),
}


@dataclass(frozen=True)
class Demo:
    email: str
    password: str
    invite_code: str
    patient_name: str


async def seed_demo(settings: Settings) -> Demo:
    """Create the demo clinic once; every call issues a fresh invite for the demo patient."""
    admin = await StaffUser.filter(email=DEMO_EMAIL).first()
    if admin is None:
        clinic, admin = await create_clinic_with_admin(DEMO_CLINIC, DEMO_EMAIL, "Dr Demo", DEMO_PASSWORD)
        await _seed_patients(clinic)
        await _seed_photos(clinic, settings)
        await _seed_reports(clinic)
        await second_rater(clinic, DEMO_PASSWORD)  # the cohort's round has two raters
        store = build_store(settings)
        try:
            await seed_outcomes_cohort(clinic, store=store)
        finally:
            await store.close()
        await seed_longterm_cohort(clinic)
        looks = {PHOTO_PATIENT: DEMO_LOOK, **MORE_LOOKS}
        regrowth = {
            patient.id: looks[patient.record_number].fall_per_month
            for patient in await Patient.filter(clinic=clinic, record_number__in=list(looks))
        }
        await seed_ratings(clinic, admin, DEMO_PASSWORD, settings, regrowth=regrowth)
        await outcome_facts.rebuild(clinic.id)  # the demo's rows were written around the services
    if settings.network_registry_url:
        await _seed_network(admin, settings)
    patient = await Patient.filter(clinic_id=admin.clinic_id, record_number="DEMO-001").first()  # type: ignore[attr-defined]
    assert patient is not None
    now = datetime.now(UTC)
    async with in_transaction():
        await Invite.filter(patient=patient, used_at=None, revoked_at=None).update(revoked_at=now)
        invite = await Invite.create(patient=patient, code=new_invite_code(), expires_at=now + timedelta(days=7))
    return Demo(DEMO_EMAIL, DEMO_PASSWORD, invite.code, patient.display_name)


async def _seed_network(admin: StaffUser, settings: Settings) -> None:
    """The demo network: a second demo clinic, both joined to the local registry (`make run` starts it)."""
    from backend.network import demo as network_demo
    from backend.network.service import NetworkHttp

    http = NetworkHttp()
    if not await network_demo.wait_for_registry(settings.network_registry_url, http):
        log.warning("the registry at %s did not answer: the demo network is left out", settings.network_registry_url)
        return
    first = await Clinic.get(id=admin.clinic_id)  # type: ignore[attr-defined]
    second = await network_demo.second_demo_clinic(DEMO_PASSWORD)
    await network_demo.join_demo_network([first, second], settings.network_registry_url, http)


async def _seed_photos(clinic: Clinic, settings: Settings) -> None:
    """Monthly photos for the demo patients, through the real upload protocol and processing, so
    the dashboard's timeline, comparison and coverage index have something to show after `make run`."""
    store = build_store(settings)
    try:
        for record, look in {PHOTO_PATIENT: DEMO_LOOK, **MORE_LOOKS}.items():
            patient = await Patient.get(clinic=clinic, record_number=record)
            months = range(latest_open_month(patient.baseline_date, date.today()) + 1)
            await photograph_months(patient, months, store=store, settings=settings, look=look)
    finally:
        await store.close()


async def photograph_months(
    patient: Patient, months: range, *, store, settings: Settings, size=(900, 1200), look: ScalpLook | None = None
) -> None:
    """Every protocol view of each month, photographed with a synthetic scalp photo taken on the
    month's due date and sent through the real protocol: slot, upload, complete, processing.
    With `look`, the views the coverage index measures show hair of known density (regrowing
    month by month), and every other month the phone takes a second frame of each of them a
    minute later, as the app does for a share of captures (the index's repeatability).
    Enrols a demo phone for the patient if they have none."""
    device = await Device.filter(patient=patient, revoked_at=None).first()
    if device is None:
        device = await Device.create(
            patient=patient, token_hash=token_hash(new_token(DEVICE_TOKEN_PREFIX)), name="Demo phone", platform=Platform.ANDROID
        )
        await Patient.filter(id=patient.id).update(enrolled_at=datetime.now(UTC))
    principal = PatientPrincipal(patient_id=patient.id, clinic_id=patient.clinic_id, device_id=device.id)  # type: ignore[attr-defined]
    ctx = PhotoContext(settings=settings, store=store)
    for month in months:
        taken = datetime.combine(checkin_due_on(patient.baseline_date, month), time(18), UTC)
        for view in DEFAULT_PROTOCOL:
            frames = [(taken, scalp_photo(view.id, month, size))]
            if look is not None and view.id in look.start:
                frames = [(taken, look.photo(view.id, month, frame=0))]
                if month % 2 == 0:
                    frames.append((taken + timedelta(minutes=1), look.photo(view.id, month, frame=1)))
            for captured, data in frames:
                request = UploadSlotRequest(
                    checkin_month=month, view=view.id, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                    content_type="image/jpeg", idempotency_key=uuid.uuid4(), captured_at=captured,
                )
                slot = await request_slot(principal, request, ctx)
                photo = await Photo.get(id=slot.photo_id)
                await store.write(upload_key(photo.storage_token), data, content_type="image/jpeg")
                await complete(principal, slot.photo_id, ctx)
                await process(slot.photo_id, store=store, settings=settings)


async def _seed_patients(clinic: Clinic) -> None:
    today = date.today()
    people = [
        ("Alex Morgan", "DEMO-001", Treatment.EXOSOMES, 120, "EXO-2411-A"),
        ("Sam Patel", "DEMO-002", Treatment.PRP, 200, "PRP-KIT-0093"),
        ("Jordan Lee", "DEMO-003", Treatment.MICRONEEDLING, 45, ""),
        ("Chris Novak", "DEMO-004", Treatment.COMBINATION, 10, "EXO-2411-A"),
    ]
    for name, record, treatment, days_ago, lot in people:
        baseline = today - timedelta(days=days_ago)
        patient = await Patient.create(
            clinic=clinic,
            display_name=name,
            record_number=record,
            treatment=treatment,
            planned_sessions=4,
            interval_days=30,
            baseline_date=baseline,
            timezone="Europe/London",
        )
        start = datetime.combine(baseline, datetime.min.time(), UTC) + timedelta(hours=10)
        for n in range(4):
            when = start + timedelta(days=30 * n)
            done = when < datetime.now(UTC)
            await InjectionSession.create(
                patient=patient,
                clinic=clinic,
                status=SessionStatus.DONE if done else SessionStatus.SCHEDULED,
                scheduled_at=when,
                performed_at=when if done else None,
                treatment=treatment,
                product="ExoCell 5B" if treatment in (Treatment.EXOSOMES, Treatment.COMBINATION) else "",
                lot_number=lot if done else "",
                volume_ml=None,
                areas=["vertex", "crown"] if done else [],
            )


async def _seed_reports(clinic: Clinic) -> None:
    """What the photo patient told the clinic: a mild reaction after the second session and
    self-assessments at baseline and every three months since."""
    patient = await Patient.get(clinic=clinic, record_number=PHOTO_PATIENT)
    sessions = await InjectionSession.filter(patient=patient, status=SessionStatus.DONE).order_by("scheduled_at")
    if len(sessions) >= 2:
        second = sessions[1]
        report = await SideEffectReport.create(
            clinic=clinic, patient=patient, injection_session=second, idempotency_key=uuid.uuid4(),
            request_sha256="0" * 64, started_on=(second.performed_at or second.scheduled_at).date() + timedelta(days=1),
            notes="Sore for a day, then fine.", needed_medical_care=False, max_severity=1, serious=False,
            submitted_at=(second.performed_at or second.scheduled_at) + timedelta(days=1, hours=9),
        )
        await SideEffectSymptom.bulk_create(
            [SideEffectSymptom(report=report, symptom="pain", severity=1), SideEffectSymptom(report=report, symptom="redness", severity=1)]
        )
    answers_by_occasion = {0: {"appearance": -2}, 3: {"growth": 0, "thin_area": 0}, 6: {"growth": 1, "thin_area": 1}}
    today = date.today()
    for occasion, moved in answers_by_occasion.items():
        if checkin_due_on(patient.baseline_date, occasion) > today:
            continue
        asked = hgq.questions_asked(hgq.QUESTIONNAIRE_VERSION, occasion)
        values = {q.id: moved.get(q.id, 0 if occasion == 0 else 1) for q in asked}
        values.update({k: v for k, v in moved.items() if k in values})
        response = await QuestionnaireResponse.create(
            clinic=clinic, patient=patient, idempotency_key=uuid.uuid4(), request_sha256="0" * 64,
            version=hgq.QUESTIONNAIRE_VERSION, occasion_month=occasion,
        )
        await QuestionnaireAnswer.bulk_create(
            [QuestionnaireAnswer(response=response, question=q, value=v) for q, v in values.items()]
        )
