"""The durability section of the outcomes: the clinic's research-consented patients, per arm and
per product, through the disclosure layer, audited like every staff read of health information."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.disclosure import policy_for_clinic
from backend.longterm import disclosure, durability, queries
from backend.longterm import settings as course_settings
from backend.outcomes.filters import OutcomeFilter
from backend.outcomes.service import NOTE, TREATMENT_LABELS
from shared.contract.long_term import DurabilityOut


async def figures(clinic_id: object, where: OutcomeFilter, today: date) -> DurabilityOut:
    """Every figure of the durability section, before disclosure control."""
    setting = await course_settings.of_clinic(clinic_id)  # type: ignore[arg-type]
    histories = await queries.histories(clinic_id, where)
    return DurabilityOut(
        patients=len(histories), setting=setting.out(),
        arms=durability.arms(histories, setting, today, TREATMENT_LABELS),
        products=durability.products(histories, setting, today),
        definitions={**durability.DEFINITIONS, "course": course_settings.describe(setting)},
        note=NOTE,
    )


async def durability_for(principal: StaffPrincipal, where: OutcomeFilter, *, today: date | None = None) -> DurabilityOut:
    """The durability section for the caller's clinic as it may be shown; the read is audited."""
    today = today or datetime.now(UTC).date()
    policy = await policy_for_clinic(principal.clinic_id)
    result = disclosure.disclose(await figures(principal.clinic_id, where, today), policy)
    async with in_transaction():
        await audit.record(
            principal, "outcomes.durability.view", "clinic", principal.clinic_id,
            detail={"filters": where.as_params(), "patients": result.patients},
        )
    return result
