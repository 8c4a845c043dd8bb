"""The one place the durability figures pass before they are shown (page and API): what may be
disclosed. Until the clinic-wide disclosure-control layer (backend/disclosure) is merged, the rule
is the outcomes page's primary suppression (a cell from fewer than 5 patients has no numbers) with
secondary suppression of the stop-reason counts, whose total is shown."""

from __future__ import annotations

import msgspec

from shared.contract.long_term import (
    ArmDurability,
    DurabilityOut,
    DurabilityPoint,
    IncidenceRate,
    LossOfEffect,
    ProductLateHarm,
    StopReasonCount,
)
from shared.contract.outcomes import MIN_PATIENTS, Share


def too_few(patients: int | None) -> bool:
    return patients is None or patients < MIN_PATIENTS


def _share(share: Share | None) -> Share | None:
    if share is None or share.suppressed:
        return share
    return Share(suppressed=True) if too_few(share.patients) else share


def _rate(rate: IncidenceRate) -> IncidenceRate:
    return IncidenceRate(suppressed=True) if too_few(rate.patients) else rate


def _point(point: DurabilityPoint) -> DurabilityPoint:
    if too_few(point.courses):
        return DurabilityPoint(months_after=point.months_after, suppressed=True)
    return msgspec.structs.replace(point, still_improved=_share(point.still_improved))


def _loss(loss: LossOfEffect) -> LossOfEffect:
    return LossOfEffect(suppressed=True) if too_few(loss.courses) else loss


def _reasons(cells: list[StopReasonCount], told: int | None) -> tuple[list[StopReasonCount], int | None]:
    """Counts of 1-4 hidden; when the total is shown and exactly one is hidden, the next smallest too."""
    if too_few(told):
        return [StopReasonCount(reason=c.reason, label=c.label, share=Share(suppressed=True)) for c in cells], None
    small = {c.reason for c in cells if 0 < (c.share.events or 0) < MIN_PATIENTS}
    if len(small) == 1:
        rest = sorted((c for c in cells if c.reason not in small and (c.share.events or 0) > 0), key=lambda c: c.share.events or 0)
        if rest:
            small.add(rest[0].reason)
    return [
        StopReasonCount(reason=c.reason, label=c.label, share=Share(suppressed=True)) if c.reason in small else c
        for c in cells
    ], told


def _arm(arm: ArmDurability) -> ArmDurability:
    if too_few(arm.patients):
        return ArmDurability(
            arm=arm.arm, label=arm.label, suppressed=True, loss_of_effect=LossOfEffect(suppressed=True),
            late_harm=IncidenceRate(suppressed=True), serious_late_harm=IncidenceRate(suppressed=True),
            dropped_out=Share(suppressed=True),
        )
    reasons, told = _reasons(arm.stop_reasons, arm.stop_reasons_recorded)
    return msgspec.structs.replace(
        arm, durability=[_point(p) for p in arm.durability], loss_of_effect=_loss(arm.loss_of_effect),
        late_harm=_rate(arm.late_harm), serious_late_harm=_rate(arm.serious_late_harm),
        dropped_out=_share(arm.dropped_out) or Share(suppressed=True), stop_reasons=reasons, stop_reasons_recorded=told,
    )


def _product(product: ProductLateHarm) -> ProductLateHarm:
    return ProductLateHarm(product=product.product, any_late=_rate(product.any_late), serious_late=_rate(product.serious_late))


def disclose(result: DurabilityOut) -> DurabilityOut:
    """The durability figures as they may be shown: every table of the section passes here."""
    return msgspec.structs.replace(
        result,
        arms=[_arm(a) for a in result.arms],
        products=[p for p in (_product(p) for p in result.products) if not p.any_late.suppressed],
    )
