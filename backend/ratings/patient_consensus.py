"""A patient's consensus scores for staff: the tenancy check, and the read audited."""

from __future__ import annotations

import uuid

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.patients.models import Patient
from backend.ratings.consensus import consensus_for_patient
from backend.ratings.rounds import require_clinical
from shared.contract.ratings import ConsensusScore
from shared.errors import NotFound


async def for_staff(principal: StaffPrincipal, patient_id: uuid.UUID) -> list[ConsensusScore]:
    require_clinical(principal)
    if not await Patient.filter(id=patient_id, clinic_id=principal.clinic_id).exists():
        raise NotFound("No such patient in your clinic.")
    scores = await consensus_for_patient(patient_id)
    await audit.record(
        principal, "rating.consensus.view", "patient", patient_id, patient_id=patient_id, detail={"scores": len(scores)}
    )
    return scores
