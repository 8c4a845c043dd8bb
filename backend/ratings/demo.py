"""The demo clinic's ratings (`make run`): a finished round whose agreement page has figures, and
an open round the demo admin has partly rated, so a newcomer sees both the rater view and the
agreement page at once. Made through the real services; the second rater is a demo clinician."""

from __future__ import annotations

import random
import uuid

from backend.auth.principal import StaffPrincipal
from backend.clinics.models import Clinic, StaffUser
from backend.patients.models import Patient
from backend.ratings import release, rounds, scoring
from backend.ratings.models import RatingTask
from backend.security.passwords import hash_password
from backend.settings import Settings
from shared.contract.auth import StaffRole
from shared.contract.ratings import RoundCreate, ScoreSubmit

SECOND_RATER_EMAIL = "rater@follicle.example"


def principal_of(staff: StaffUser) -> StaffPrincipal:
    """A staff member acting outside a request (seeding): no session behind it."""
    return StaffPrincipal(
        staff_id=staff.id, clinic_id=staff.clinic_id, role=StaffRole(staff.role), session_id=uuid.uuid4(),  # type: ignore[attr-defined]
        name=staff.name, email=staff.email, csrf_token="", via_cookie=False,
    )


async def seed_ratings(
    clinic: Clinic, admin: StaffUser, password: str, settings: Settings, *, regrowth: dict[uuid.UUID, float] | None = None
) -> None:
    """Two rounds over the clinic's research-consented patients with ready photos; the admin and a
    second (demo) clinician rate them. Call once, after the demo photos exist. `regrowth` is, per
    patient, the points of visible scalp their planted hair regains a month: the demo raters see
    that change (about a scale point per 3 points, give or take one), not the month."""
    demo_patients = list(await Patient.filter(clinic=clinic).exclude(record_number__startswith="RC-").values_list("id", flat=True))
    await Patient.filter(id__in=demo_patients).update(consent_research=True)
    second = await second_rater(clinic, password)
    raters = [admin, second]
    # these rounds are over the demo patients' own photos (the research cohort has its own round)
    mine = {"patient_ids": demo_patients}
    ctx = scoring.RatingContext(secret=settings.secret_key, public_url=settings.public_url, link_seconds=60)
    rng = random.Random(2026)
    by_admin = principal_of(admin)
    spring = await rounds.create_round(by_admin, RoundCreate(name="Spring panel", months=[1, 2, 3], rater_ids=[r.id for r in raters], **mine))
    for rater in raters:
        await _rate(principal_of(rater), spring.id, ctx, rng, share=1.0, regrowth=regrowth)
    await release.close_round(by_admin, spring.id)
    autumn = await rounds.create_round(by_admin, RoundCreate(name="Autumn panel", months=[4, 5, 6], rater_ids=[r.id for r in raters], **mine))
    await _rate(principal_of(second), autumn.id, ctx, rng, share=1.0, regrowth=regrowth)
    await _rate(by_admin, autumn.id, ctx, rng, share=0.4, regrowth=regrowth)


async def second_rater(clinic: Clinic, password: str) -> StaffUser:
    """The demo's second rater (a clinician), made once."""
    found = await StaffUser.filter(email=SECOND_RATER_EMAIL).first()
    if found is not None:
        return found
    return await StaffUser.create(
        clinic=clinic, email=SECOND_RATER_EMAIL, name="Dr Ana Reyes", role=StaffRole.CLINICIAN, password_hash=hash_password(password)
    )


async def _rate(
    rater: StaffPrincipal, round_id: uuid.UUID, ctx: scoring.RatingContext, rng: random.Random, share: float,
    regrowth: dict[uuid.UUID, float] | None = None,
) -> None:
    """Score the first `share` of the rater's queue as a rater would: more regrowth at later
    months (the demo photos fill in month by month), a point either way of disagreement."""
    tasks = await RatingTask.filter(round_id=round_id, rater__staff_id=rater.staff_id).select_related("pair").order_by("position")
    for task in tasks[: round(len(tasks) * share)]:
        pair = task.pair
        seen = pair.month // 2
        if regrowth and pair.patient_id in regrowth:  # type: ignore[attr-defined]
            seen = round(regrowth[pair.patient_id] * pair.month / 3.0)  # type: ignore[attr-defined]
        change = max(-3, min(3, seen + rng.choice([-1, 0, 0, 0, 1])))
        shown = change if task.baseline_left else -change  # the rater scores right against left
        await scoring.submit(rater, round_id, task.token, ScoreSubmit(score=shown, seconds_taken=round(rng.uniform(3, 9), 1)), ctx)
