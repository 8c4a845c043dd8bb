"""What the route matrix needs for the rating routes: two rounds of clinic X over patient A's
photos, one rated by the clinician (so the admin may read its key and agreement), one rated by the
admin (its first pair unscored, its second scored in a known sitting, so undo has something)."""

from __future__ import annotations

import uuid

from backend.clinics.models import StaffUser
from backend.patients.models import Patient
from backend.ratings.models import RatingRound, RatingTask
from backend.ratings import rounds, scoring
from backend.auth.principal import StaffPrincipal
from shared.contract.auth import StaffRole
from shared.contract.ratings import RoundCreate, ScoreSubmit
from tests.backend.ratings.photos import ready_photos

MATRIX_SITTING = uuid.UUID("00000000-0000-4000-8000-000000000001")
BOGUS_IMAGE_LINK = "A" * 50


def _principal(staff: StaffUser) -> StaffPrincipal:
    return StaffPrincipal(
        staff_id=staff.id, clinic_id=staff.clinic_id, role=StaffRole(staff.role), session_id=uuid.uuid4(),  # type: ignore[attr-defined]
        name=staff.name, email=staff.email, csrf_token="", via_cookie=False,
    )


def round_body(world_ids: dict) -> dict:
    return {"name": "Matrix round", "months": [3], "views": ["frontal", "vertex"], "rater_ids": [world_ids["clinician_x"]]}


async def rating_ids(patient_a: uuid.UUID) -> dict[str, str]:
    await Patient.filter(id=patient_a).update(consent_research=True)
    await ready_photos(patient_a, (0, 3), ("frontal", "vertex"))
    admin = await StaffUser.get(email="admin@x.example")
    clinician = await StaffUser.get(email="clinician@x.example")
    by_admin = _principal(admin)
    theirs = await rounds.create_round(by_admin, RoundCreate(name="Clinician's", months=[3], rater_ids=[clinician.id]))
    mine = await rounds.create_round(by_admin, RoundCreate(name="Admin's", months=[3], rater_ids=[admin.id], retest_fraction=0))
    tasks = await RatingTask.filter(round_id=mine.id).order_by("position")
    ctx = scoring.RatingContext(secret="matrix", public_url="http://testserver.local", link_seconds=60)
    await scoring.submit(by_admin, mine.id, tasks[1].token, ScoreSubmit(score=1, sitting=MATRIX_SITTING), ctx)
    assert await RatingRound.filter(clinic_id=admin.clinic_id).count() == 2  # type: ignore[attr-defined]
    return {
        "clinician_x": str(clinician.id),
        "round_x": str(theirs.id),
        "round_mine": str(mine.id),
        "task_mine": tasks[0].token,
        "rating_link": BOGUS_IMAGE_LINK,
        "matrix_sitting": str(MATRIX_SITTING),
    }
