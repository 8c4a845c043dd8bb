"""Records tests: world patient A with photographed months (through the real upload protocol and
processing, into the app's local store), injections given, side effects and self-assessments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest

from backend.demo import photograph_months
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from backend.reports.models import QuestionnaireAnswer, QuestionnaireResponse
from shared.contract.injections import SessionStatus
from shared.contract.patients import Treatment
from shared.schedule import checkin_due_on
from tests.backend.reports.bodies import store_report


def baseline_months_ago(months: int) -> date:
    today = datetime.now(UTC).date()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, 28))


@dataclass
class History:
    patient_id: object
    months: int
    sessions: list
    reports: list


async def give_history(app, world, *, months: int = 3) -> History:
    """Patient A, baseline `months` ago: every view photographed in months 0..months-1, two
    injections given (lots LOT-A1 and LOT-B2), a serious and a mild side-effect report, and
    self-assessments at baseline and month 3 (when reached)."""
    patient_id = world.ids["patient_a"]
    baseline = baseline_months_ago(months)
    await Patient.filter(id=patient_id).update(baseline_date=baseline)
    patient = await Patient.get(id=patient_id)
    await photograph_months(patient, range(months), store=app.state.store, settings=app.state.settings)
    given = []
    for n, lot in enumerate(("LOT-A1", "LOT-B2")):
        when = datetime.combine(baseline + timedelta(days=2 + 30 * n), time(10), UTC)
        if n == 0:
            session = await InjectionSession.get(id=world.ids["injection_a"])
            session.scheduled_at, session.performed_at, session.status = when, when, SessionStatus.DONE
            session.areas, session.volume_ml = ["vertex", "crown"], 4
            await session.save()
        else:
            session = await InjectionSession.create(
                patient_id=patient_id, clinic_id=world.ids["clinic_x"], status=SessionStatus.DONE,
                scheduled_at=when, performed_at=when, treatment=Treatment.EXOSOMES, product="ExoCell",
                lot_number=lot, areas=["frontal"],
            )
        given.append(session)
    reports = [
        await store_report(world.ids["clinic_x"], patient_id, given[0].id, serious=True),
        await store_report(world.ids["clinic_x"], patient_id, given[1].id, serious=False),
    ]
    for report, session in zip(reports, given, strict=True):
        report.started_on = session.performed_at.date() + timedelta(days=1)
        await report.save()
    for occasion in [m for m in (0, 3) if m < max(months, 1) or m == 0]:
        response = await QuestionnaireResponse.create(
            clinic_id=world.ids["clinic_x"], patient_id=patient_id, idempotency_key=__import__("uuid").uuid4(),
            request_sha256="0" * 64, version=1, occasion_month=occasion,
        )
        await QuestionnaireAnswer.create(response=response, question="appearance", value=-1 if occasion == 0 else 1)
        if occasion:
            await QuestionnaireAnswer.create(response=response, question="growth", value=2)
    if months >= 3:
        from backend.photos.models import Photo
        from backend.ratings.models import RatingConsensus, RatingPair, RatingRound
        from shared.contract.ratings import RoundStatus

        rated = await RatingRound.create(  # a closed round (an open one's consensus is shown nowhere)
            clinic_id=world.ids["clinic_x"], name="Spring round", months=[2], views=["frontal"],
            status=RoundStatus.CLOSED, closed_at=datetime.now(UTC), agreement_alpha=0.72, agreement_pairs=40,
        )
        month_photo = {
            m: await Photo.filter(patient_id=patient_id, view="frontal", checkin__month=m).first() for m in (0, 2)
        }
        await RatingPair.create(
            round=rated, patient_id=patient_id, view="frontal", month=2,
            baseline_photo=month_photo[0], followup_photo=month_photo[2],
        )
        await RatingConsensus.create(
            clinic_id=world.ids["clinic_x"], round=rated, patient_id=patient_id, view="frontal", month=2, score=1.5, raters=3
        )
    return History(patient_id, months, given, reports)


async def seed_long_history(app, patient_id, *, months: int) -> None:
    """`months` complete check-ins of every view written straight to the database (the timeline
    tests' history), with real, noisy 1280-pixel renditions in the store for every photo."""
    from backend.photos import keys
    from backend.photos.models import Photo
    from backend.demo_photos import scalp_photo
    from bench.clinic import seed_history

    patient = await Patient.get(id=patient_id)
    await seed_history(patient, months=months, injections=min(months, 6))
    store = app.state.store
    pictures = {}
    for token, view in await Photo.filter(patient_id=patient_id).values_list("storage_token", "view"):
        if view not in pictures:
            pictures[view] = scalp_photo(view, 0, (960, 1280))
        for name in keys.RENDITIONS:
            await store.write(keys.rendition_key(token, name), pictures[view], content_type="image/jpeg")
    await Photo.filter(patient_id=patient_id).update(width=960, height=1280)


@pytest.fixture
async def history(app, world) -> History:
    return await give_history(app, world, months=3)


def due(baseline: date, month: int) -> date:
    return checkin_due_on(baseline, month)
