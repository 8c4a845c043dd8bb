"""The one place the durability figures pass before they are shown (page and API): every count of
the section goes into one `backend.disclosure.CountTable` (an arm's patients, its ended courses, the
courses behind each figure, improved-of-n, the Kaplan-Meier at-risk counts, late events, drop-outs)
with the one equality a reader can use (the stop reasons sum to those told); `protect` hides the
small ones and whatever would give them away, and a figure is shown only when every count behind
it is. No "part <= whole" relations: a hidden part of a shown whole of 5 or more already spans the
threshold, and the layer's "never exactly one hidden member" rule would hide every whole up to
the arm's n for one small tail count of a curve. A filtered population under the clinic's minimum answers nothing but "too few"."""

from __future__ import annotations

import msgspec

from backend.disclosure import TOO_FEW_FOR_FILTER, CountTable, DisclosurePolicy, Protection, protect
from shared.contract.long_term import (
    ArmDurability,
    DurabilityOut,
    DurabilityPoint,
    IncidenceRate,
    LossOfEffect,
    ProductLateHarm,
    StopReasonCount,
)
from shared.contract.outcomes import Share


def _share_counts(table: CountTable, key: tuple, share: Share | None) -> None:
    if share is None or share.n is None:
        return
    table.add((*key, "n"), share.n)
    table.add((*key, "events"), share.events or 0)


def _rate_counts(table: CountTable, key: tuple, rate: IncidenceRate, serious: IncidenceRate) -> None:
    table.add((*key, "patients"), rate.patients or 0)
    table.add((*key, "events"), rate.events or 0)
    table.add((*key, "serious"), serious.events or 0)


def counts(result: DurabilityOut) -> CountTable:
    """Every count the section shows, keyed, with the relations a reader could use."""
    table = CountTable()
    for arm in result.arms:
        a = arm.arm.value
        table.add(("arm", a, "n"), arm.patients or 0)
        table.add(("arm", a, "courses"), arm.courses_ended or 0)
        for point in arm.durability:
            key = ("dur", a, point.months_after)
            table.add((*key, "courses"), point.courses or 0)
            _share_counts(table, (*key, "improved"), point.still_improved)
        loss = arm.loss_of_effect
        table.add(("loss", a, "n"), loss.courses or 0)
        table.add(("loss", a, "lost"), loss.lost or 0)
        for i, step in enumerate(loss.curve):
            table.add(("loss", a, "risk", i), step.at_risk)
        _rate_counts(table, ("late", a), arm.late_harm, arm.serious_late_harm)
        _share_counts(table, ("drop", a), arm.dropped_out)
        reasons = [("stop", a, c.reason.value) for c in arm.stop_reasons]
        for cell, key in zip(arm.stop_reasons, reasons):
            table.add(key, cell.share.events or 0)
        table.add(("stop", a, "told"), arm.stop_reasons_recorded or 0)
        table.add_sum(("stop", a, "told"), reasons)
    for product in result.products:
        table.add(("product", product.product, "patients"), product.any_late.patients or 0)
        table.add(("product", product.product, "events"), product.any_late.events or 0)
        table.add(("product", product.product, "serious"), product.serious_late.events or 0)
    return table


def _shown(p: Protection, *keys: tuple) -> bool:
    return all(p.value(k) is not None for k in keys)


def _share(p: Protection, key: tuple, share: Share | None) -> Share | None:
    if share is None or share.n is None:
        return share
    return share if _shown(p, (*key, "n"), (*key, "events")) else Share(suppressed=True)


def _rate(p: Protection, key: tuple, rate: IncidenceRate, count: str) -> IncidenceRate:
    return rate if _shown(p, (*key, "patients"), (*key, count)) else IncidenceRate(suppressed=True)


def _arm(p: Protection, arm: ArmDurability) -> ArmDurability:
    a = arm.arm.value
    if not _shown(p, ("arm", a, "n"), ("arm", a, "courses")):
        return ArmDurability(
            arm=arm.arm, label=arm.label, suppressed=True, loss_of_effect=LossOfEffect(suppressed=True),
            late_harm=IncidenceRate(suppressed=True), serious_late_harm=IncidenceRate(suppressed=True),
            dropped_out=Share(suppressed=True),
        )
    points = []
    for point in arm.durability:
        key = ("dur", a, point.months_after)
        if not _shown(p, (*key, "courses")) or not point.courses:
            points.append(DurabilityPoint(months_after=point.months_after, suppressed=True))
        else:
            points.append(msgspec.structs.replace(point, still_improved=_share(p, (*key, "improved"), point.still_improved)))
    loss = arm.loss_of_effect
    if not _shown(p, ("loss", a, "n"), ("loss", a, "lost")) or not loss.courses:
        loss = LossOfEffect(suppressed=True)
    else:
        loss = msgspec.structs.replace(loss, curve=[s for i, s in enumerate(loss.curve) if _shown(p, ("loss", a, "risk", i))])
    told = p.value(("stop", a, "told"))
    return msgspec.structs.replace(
        arm,
        durability=points, loss_of_effect=loss,
        late_harm=_rate(p, ("late", a), arm.late_harm, "events"),
        serious_late_harm=_rate(p, ("late", a), arm.serious_late_harm, "serious"),
        dropped_out=_share(p, ("drop", a), arm.dropped_out) or Share(suppressed=True),
        stop_reasons=[
            c if told is not None and p.value(("stop", a, c.reason.value)) is not None
            else StopReasonCount(reason=c.reason, label=c.label, share=Share(suppressed=True))
            for c in arm.stop_reasons
        ],
        stop_reasons_recorded=told,
    )


def _product(p: Protection, product: ProductLateHarm) -> ProductLateHarm:
    key = ("product", product.product)
    return ProductLateHarm(
        product=product.product, any_late=_rate(p, key, product.any_late, "events"),
        serious_late=_rate(p, key, product.serious_late, "serious"),
    )


def disclose(result: DurabilityOut, policy: DisclosurePolicy) -> DurabilityOut:
    """The durability figures as they may be shown: every table of the section passes here."""
    if not policy.population_allows(result.patients):
        return msgspec.structs.replace(result, patients=0, arms=[], products=[], too_few=TOO_FEW_FOR_FILTER)
    protection = protect(counts(result), policy)
    return msgspec.structs.replace(
        result,
        arms=[_arm(protection, a) for a in result.arms],
        products=[p for p in (_product(protection, p) for p in result.products) if not p.any_late.suppressed],
    )
