"""Rating rounds: set one up (draw its pairs and every rater's queue), list, show, close, and the
pair-to-patient key. Who may do what is decided here, per round:

- a clinic admin sets rounds up, closes them and reads the key, except while they rate an open
  round themselves (a rater never reaches the key);
- admins and clinicians see rounds; front desk sees nothing of ratings;
- everything is scoped to the caller's clinic (another clinic's round answers 404).
"""

from __future__ import annotations

import random
import secrets
import uuid

from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.checkins.protocol import protocol_of_views
from backend.clinics.models import Clinic, StaffUser
from backend.db import connection
from backend.patients.models import Patient
from backend.ratings.drawing import pick_retests, plan_queue
from backend.ratings.models import RatingConsensus, RatingPair, RatingRater, RatingRound, RatingTask
from backend.ratings.tokens import new_task_token
from shared.contract.auth import StaffRole
from shared.contract.ratings import KeyPair, RaterProgress, RoundCreate, RoundKey, RoundOut, RoundStatus
from shared.errors import ErrorCode, Forbidden, InvalidInput, NotFound
from shared.views import validate_protocol

RATER_ROLES = (StaffRole.ADMIN, StaffRole.CLINICIAN)
BATCH = 2000


def require_clinical(principal: StaffPrincipal) -> None:
    if principal.role not in RATER_ROLES:
        raise Forbidden("Front desk accounts do not take part in photo ratings.")


def require_admin(principal: StaffPrincipal) -> None:
    if principal.role != StaffRole.ADMIN:
        raise Forbidden("Only a clinic admin sets up and closes rating rounds.")


async def get_round(principal: StaffPrincipal, round_id: uuid.UUID) -> RatingRound:
    found = await RatingRound.filter(id=round_id, clinic_id=principal.clinic_id).first()
    if found is None:
        raise NotFound("No such rating round in your clinic.")
    return found


async def seat_of(round_id: uuid.UUID, staff_id: uuid.UUID) -> RatingRater | None:
    return await RatingRater.filter(round_id=round_id, staff_id=staff_id).first()


# --- setting a round up ------------------------------------------------------------------------


async def create_round(principal: StaffPrincipal, data: RoundCreate) -> RoundOut:
    """Draw the round's pairs (baseline vs each follow-up month, same view, both photos ready) and
    each rater's queue, in one transaction. Nothing is stored when anything is refused."""
    require_admin(principal)
    clinic = await Clinic.get(id=principal.clinic_id)
    views = (
        [view.id.value for view in validate_protocol(data.views)]
        if data.views is not None
        else protocol_of_views(clinic.protocol_views)
    )
    months = sorted(set(data.months))
    raters = await _raters(principal, data.rater_ids)
    patient_ids = await _chosen_patients(principal, data.patient_ids) if data.patient_ids is not None else None
    found = await _eligible_pairs(principal.clinic_id, months, views, patient_ids)
    if not found:
        raise InvalidInput(
            "No patient has a ready baseline photo and a ready follow-up photo of these views and months"
            + ("" if patient_ids is not None else " (with research consent)") + ".",
            code=ErrorCode.NO_ELIGIBLE_PAIRS,
            details={"months": months, "views": views},
        )
    rng = random.Random(secrets.randbits(64))
    rng.shuffle(found)  # the key's order says nothing about when pairs were photographed
    retests = pick_retests(len(found), data.retest_fraction, rng)
    async with in_transaction():
        rating_round = await RatingRound.create(
            clinic_id=principal.clinic_id, name=data.name, months=months, views=views,
            retest_fraction=data.retest_fraction, created_by_id=principal.staff_id,
        )
        pairs = [
            RatingPair(
                id=uuid.uuid4(), round_id=rating_round.id, patient_id=patient, view=view, month=month,
                baseline_photo_id=baseline, followup_photo_id=followup, retest=i in retests,
            )
            for i, (patient, view, month, baseline, followup) in enumerate(found)
        ]
        await RatingPair.bulk_create(pairs, batch_size=BATCH)
        seats, tasks = [], []
        owners = [pair.patient_id for pair in pairs]  # type: ignore[attr-defined]
        for staff in raters:
            seat = RatingRater(id=uuid.uuid4(), round_id=rating_round.id, staff_id=staff.id)
            queue = plan_queue(len(pairs), retests, rng, owners)
            seat.tasks_total = len(queue)
            seats.append(seat)
            tasks += [
                RatingTask(
                    id=uuid.uuid4(), round_id=rating_round.id, rater_id=seat.id, pair_id=pairs[shown.pair].id,
                    position=position, token=new_task_token(), baseline_left=shown.baseline_left, repeat=shown.repeat,
                )
                for position, shown in enumerate(queue)
            ]
        await RatingRater.bulk_create(seats, batch_size=BATCH)
        await RatingTask.bulk_create(tasks, batch_size=BATCH)
        await audit.record(
            principal, "rating.round.create", "rating_round", rating_round.id,
            detail={"pairs": len(pairs), "retest_pairs": len(retests), "raters": [str(s.id) for s in raters],
                    "months": months, "views": views},
        )
    return await round_out(principal, rating_round)


async def _raters(principal: StaffPrincipal, rater_ids: list[uuid.UUID]) -> list[StaffUser]:
    wanted = list(dict.fromkeys(rater_ids))
    staff = await StaffUser.filter(id__in=wanted, clinic_id=principal.clinic_id, active=True)
    by_id = {s.id: s for s in staff}
    refused = [str(i) for i in wanted if i not in by_id or by_id[i].role not in RATER_ROLES]
    if refused:
        raise InvalidInput(
            "Raters must be active admins or clinicians of your clinic.",
            code=ErrorCode.RATER_NOT_ELIGIBLE, details={"refused": refused},
        )
    return [by_id[i] for i in wanted]


async def _chosen_patients(principal: StaffPrincipal, patient_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    wanted = list(dict.fromkeys(patient_ids))
    rows = await Patient.filter(id__in=wanted, clinic_id=principal.clinic_id).values_list("id", "consent_research")
    consent = dict(rows)
    missing = [str(i) for i in wanted if i not in consent]
    if missing:
        raise NotFound("Some of these patients are not in your clinic.", details={"missing": missing})
    refused = [str(i) for i in wanted if not consent[i]]
    if refused:
        raise InvalidInput(
            "Only patients who consented to research use of their photos can be rated.",
            code=ErrorCode.NO_RESEARCH_CONSENT, details={"patients": refused},
        )
    return wanted


_PHOTOS_SQL = """
SELECT ph.patient_id, ph.view, ci.month, ph.id, ph.captured_at
FROM photo ph
JOIN checkin ci ON ci.id = ph.checkin_id
JOIN patient p ON p.id = ph.patient_id
WHERE p.clinic_id = {clinic} AND ph.status = 'ready' AND {consent}
  AND ci.month IN ({months}) AND ph.view IN ({views})
"""


async def _eligible_pairs(
    clinic_id: uuid.UUID, months: list[int], views: list[str], patient_ids: list[uuid.UUID] | None
) -> list[tuple[uuid.UUID, str, int, uuid.UUID, uuid.UUID]]:
    """(patient, view, month, baseline photo, follow-up photo) for every patient with a ready photo
    of the view at the baseline and at the month: one statement, the latest ready photo of each
    month and view (as the timeline shows it)."""
    db = connection()
    postgres = db.capabilities.dialect == "postgres"
    params: list[object] = []

    def mark(value: object) -> str:
        params.append(value if postgres or not isinstance(value, uuid.UUID) else str(value))
        return f"${len(params)}" if postgres else "?"

    clinic = mark(clinic_id)
    if patient_ids is None:
        consent = "p.consent_research"
    elif patient_ids:
        consent = f"p.id IN ({', '.join(mark(i) for i in patient_ids)})"
    else:
        return []
    sql = _PHOTOS_SQL.format(
        clinic=clinic, consent=consent,
        months=", ".join(mark(m) for m in [0, *months]), views=", ".join(mark(v) for v in views),
    )
    _, rows = await db.execute_query(sql, params)
    latest: dict[tuple[object, str, int], tuple[object, object]] = {}
    for patient, view, month, photo, captured in rows:
        key = (patient, view, month)
        held = latest.get(key)
        if held is None or captured > held[1]:  # both text (SQLite) or both datetimes
            latest[key] = (photo, captured)
    found = []
    for (patient, view, month), (photo, _) in latest.items():
        if month == 0:
            continue
        baseline = latest.get((patient, view, 0))
        if baseline is not None:
            found.append((_uuid(patient), view, month, _uuid(baseline[0]), _uuid(photo)))
    found.sort(key=lambda f: (str(f[0]), f[1], f[2]))
    return found


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


# --- reading rounds ------------------------------------------------------------------------------


async def round_out(principal: StaffPrincipal, rating_round: RatingRound) -> RoundOut:
    seats = await RatingRater.filter(round_id=rating_round.id).select_related("staff").order_by("staff__name")
    pairs = await RatingPair.filter(round_id=rating_round.id).count()
    retests = await RatingPair.filter(round_id=rating_round.id, retest=True).count()
    mine = next((s for s in seats if s.staff_id == principal.staff_id), None)  # type: ignore[attr-defined]
    return RoundOut(
        id=rating_round.id, name=rating_round.name, months=list(rating_round.months), views=list(rating_round.views),
        status=RoundStatus(rating_round.status), pairs=pairs, retest_pairs=retests,
        raters=[RaterProgress(staff_id=s.staff.id, name=s.staff.name, done=s.tasks_done, total=s.tasks_total) for s in seats],
        created_at=rating_round.created_at, closed_at=rating_round.closed_at, published_at=rating_round.published_at,
        my_done=mine.tasks_done if mine else None, my_total=mine.tasks_total if mine else None,
    )


async def list_rounds(principal: StaffPrincipal) -> list[RoundOut]:
    require_clinical(principal)
    rounds = await RatingRound.filter(clinic_id=principal.clinic_id).order_by("-created_at")
    return [await round_out(principal, r) for r in rounds]


async def show_round(principal: StaffPrincipal, round_id: uuid.UUID) -> RoundOut:
    require_clinical(principal)
    return await round_out(principal, await get_round(principal, round_id))


async def round_key(principal: StaffPrincipal, round_id: uuid.UUID) -> RoundKey:
    """Which patient, view and month each pair is, with its consensus: for the admin who set the
    round up, never for one of its raters while the round is open. Reading it is audited."""
    require_admin(principal)
    rating_round = await get_round(principal, round_id)
    if rating_round.status == RoundStatus.OPEN and await seat_of(round_id, principal.staff_id):
        raise Forbidden(
            "You rate this round: its key stays hidden from you until the round is closed.",
            code=ErrorCode.KEY_BLINDED,
        )
    pairs = await RatingPair.filter(round_id=round_id).select_related("patient").order_by("patient__display_name", "view", "month")
    released = rating_round.status == RoundStatus.CLOSED or rating_round.published_at is not None
    consensus = {
        (c.patient_id, c.view, c.month): c  # type: ignore[attr-defined]
        for c in (await RatingConsensus.filter(round_id=round_id) if released else [])  # see released.py
    }
    out = []
    for pair in pairs:
        agreed = consensus.get((pair.patient_id, pair.view, pair.month))  # type: ignore[attr-defined]
        out.append(
            KeyPair(
                patient_id=pair.patient.id, patient_name=pair.patient.display_name, record_number=pair.patient.record_number,
                view=pair.view, month=pair.month, baseline_photo_id=pair.baseline_photo_id,  # type: ignore[attr-defined]
                followup_photo_id=pair.followup_photo_id, retest=pair.retest,  # type: ignore[attr-defined]
                consensus=agreed.score if agreed else None, raters=agreed.raters if agreed else 0,
            )
        )
    await audit.record(principal, "rating.key.view", "rating_round", round_id, detail={"pairs": len(out)})
    return RoundKey(round_id=round_id, pairs=out)


async def eligible_raters(principal: StaffPrincipal) -> list[tuple[uuid.UUID, str, str]]:
    """(id, name, role) of the clinic's active admins and clinicians, for the round form."""
    require_admin(principal)
    rows = await StaffUser.filter(clinic_id=principal.clinic_id, active=True, role__in=list(RATER_ROLES)).order_by("name")
    return [(s.id, s.name, s.role) for s in rows]
