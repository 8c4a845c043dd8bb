"""A patient's consensus scores for staff: the tenancy check, the blinding, and the read audited."""

from __future__ import annotations

import uuid

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.patients.models import Patient
from backend.ratings.consensus import consensus_for_patient, consensus_of_round
from backend.ratings.models import RatingRater
from backend.ratings.rounds import get_round, require_clinical
from shared.contract.ratings import ConsensusScore, RoundStatus
from shared.errors import ErrorCode, Forbidden, NotFound


async def for_staff(principal: StaffPrincipal, patient_id: uuid.UUID, round_id: uuid.UUID | None = None) -> list[ConsensusScore]:
    """The patient's released consensus (newest released round per view and month), or one
    round's: refused (403 consensus_blinded) while that round is open and unpublished."""
    require_clinical(principal)
    if not await Patient.filter(id=patient_id, clinic_id=principal.clinic_id).exists():
        raise NotFound("No such patient in your clinic.")
    if round_id is None:
        scores = await consensus_for_patient(patient_id)
    else:
        rating_round = await get_round(principal, round_id)
        if rating_round.status == RoundStatus.OPEN and rating_round.published_at is None:
            rates = await RatingRater.filter(round_id=round_id, staff_id=principal.staff_id).exists()
            raise Forbidden(
                "You rate this round: its consensus stays hidden from you until it is published or closed."
                if rates else "This round is still open: its consensus is shown once it is published or closed.",
                code=ErrorCode.CONSENSUS_BLINDED,
            )
        scores = await consensus_of_round(patient_id, rating_round)
    await audit.record(
        principal, "rating.consensus.view", "patient", patient_id, patient_id=patient_id,
        detail={"scores": len(scores), **({"round": str(round_id)} if round_id else {})},
    )
    return scores
