"""The outcomes of a clinic's research-consented patients by treatment arm, and its lot signals.

Five set-based statements (queries.py), statistics over their aggregates (statistics.py),
suppression of small cells (figures.py). Viewing outcomes is audited like any staff read of
health information.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.disclosure import DisclosurePolicy, policy_for_clinic
from backend.outcomes import disclosure, figures, queries, statistics
from backend.outcomes.filters import OutcomeFilter
from backend.reports import side_effects
from shared.contract.outcomes import (
    ArmOutcomes,
    LotOutcomes,
    LotSignal,
    LotSignalPage,
    OutcomesOut,
    Share,
    SideEffectAlertPage,
)
from shared.contract.patients import Treatment

TREATMENT_LABELS = {
    Treatment.EXOSOMES: "Exosomes",
    Treatment.PRP: "PRP",
    Treatment.MICRONEEDLING: "Microneedling",
    Treatment.COMBINATION: "Combination",
    Treatment.OTHER: "Other",
}
CONSENSUS_RULE = (
    "Each photo view is rated blinded against the baseline on the 7-point global photographic scale "
    "(-3 greatly decreased to +3 greatly increased); a view's consensus is the median of its raters, from "
    "the newest rating round that rated it. A patient's consensus at a month is the median of the consensus "
    "of the views rated that month. Improved means +1 (slightly increased) or better."
)
LOT_TEST = (
    "A lot is flagged when its share of sessions followed by a moderate-or-worse (or a serious) side effect "
    "is higher than that of the other lots of the same treatment beyond chance: Fisher's exact test, "
    "one-sided, with the Holm-Sidak adjustment across the treatment's lots, adjusted p < 0.05."
)
NOTE = (
    "These are observational data from one clinic's own patients, not a randomized trial. Patients chose "
    "their treatment with their clinician, so the arms differ in who is in them (see each arm's baseline "
    "grade and age mix); differences between arms may come from those differences rather than the "
    "treatment. Only patients who consented to research are counted; a figure from fewer than 5 patients "
    "is not shown."
)
SIGNAL_LEVEL = 0.05
SIGNAL_KINDS = (("moderate_or_worse", "with_moderate"), ("serious", "with_serious"))


async def outcomes(principal: StaffPrincipal, where: OutcomeFilter, *, today: date | None = None) -> OutcomesOut:
    """Every figure of the outcomes page for the caller's clinic, through the disclosure layer
    (backend/outcomes/disclosure.py); the read is audited."""
    today = today or datetime.now(UTC).date()
    policy = await policy_for_clinic(principal.clinic_id)
    data = await queries.aggregates(principal.clinic_id, where, today)
    raw = build(data, where, policy)
    whole = None
    if where.as_params() and policy.population_allows(raw.patients):
        whole = build(await queries.aggregates(principal.clinic_id, OutcomeFilter(), today), OutcomeFilter(), policy)
    result = protected(raw, policy, unfiltered=whole)
    async with in_transaction():
        await audit.record(
            principal, "outcomes.view", "clinic", principal.clinic_id,
            detail={"filters": where.as_params(), "patients": result.patients},
        )
    return result


def protected(result: OutcomesOut, policy: DisclosurePolicy, *, unfiltered: OutcomesOut | None = None) -> OutcomesOut:
    """The answer as it may be shown: nothing at all under the minimum population, else every
    count through primary and complementary suppression."""
    if not policy.population_allows(result.patients):
        return OutcomesOut(
            generated_at=result.generated_at, filters=result.filters, patients=None, arms=[], lots=[],
            lot_signals=[], consensus_rule=result.consensus_rule, lot_test=result.lot_test, note=result.note,
            too_few_patients=True, minimum_patients=policy.min_population,
        )
    result.minimum_patients = policy.min_population
    return disclosure.apply(result, policy, unfiltered=unfiltered)[0]


def build(data: queries.Aggregates, where: OutcomeFilter, policy: DisclosurePolicy | None = None) -> OutcomesOut:
    """Every figure, whole (nothing hidden yet: see `protected`)."""
    policy = policy or DisclosurePolicy()
    by_arm: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for row in data.ratings:
        by_arm[row["arm"]][row["family"]].append(row)
    for name in ("cohort", "harm", "symptoms", "questionnaire"):
        for row in getattr(data, name):
            by_arm[row["arm"]][name].append(row)
    arms = [
        _arm(Treatment(arm), by_arm[arm], policy)
        for arm in [t.value for t in Treatment]
        if by_arm.get(arm, {}).get("cohort")
    ]
    signals = lot_signals(data.harm)
    return OutcomesOut(
        generated_at=datetime.now(UTC),
        filters=where.as_params(),
        patients=sum(int(r["patients"]) for r in data.cohort),
        arms=arms,
        lots=_lots(data.harm, signals),
        lot_signals=signals,
        consensus_rule=CONSENSUS_RULE,
        lot_test=LOT_TEST,
        note=NOTE,
    )


def _arm(arm: Treatment, rows: dict[str, list[dict[str, Any]]], policy: DisclosurePolicy) -> ArmOutcomes:
    cohort = rows["cohort"]
    patients = sum(int(r["patients"]) for r in cohort)
    treated = sum(int(r["treated"]) for r in cohort)
    sessions = sum(int(r["sessions"]) for r in cohort)
    due = sum(int(r["checkins_due"]) for r in cohort)
    hidden = figures.too_few(patients)
    return ArmOutcomes(
        arm=arm,
        label=TREATMENT_LABELS[arm],
        patients=None if hidden else patients,
        suppressed=hidden,
        patients_treated=None if hidden else treated,
        sessions_given=None if hidden else sessions,
        follow_up_kept=figures.share(sum(int(r["checkins_done"]) for r in cohort), due, patients, exact=False)
        if due else Share(suppressed=hidden),
        dropped_out=figures.share(
            sum(int(r["dropped"]) for r in cohort), sum(int(r["could_drop"]) for r in cohort),
            sum(int(r["could_drop"]) for r in cohort), exact=False,
        ),
        efficacy=figures.efficacy(rows["efficacy"]),
        dose_response=figures.dose_response(rows["dose"]),
        time_to_improvement=figures.time_to_improvement(rows["km"]),
        harm=figures.harm(rows["harm"], treated),
        symptoms=figures.symptoms(rows["symptoms"], sessions, treated, policy.threshold),
        questionnaire=figures.questionnaire(rows["questionnaire"]),
        baseline_mix=figures.baseline_mix(cohort),
    )


def lot_signals(harm_rows: list[dict[str, Any]]) -> list[LotSignal]:
    """Lots beyond chance worse than the rest of their treatment's lots (see LOT_TEST)."""
    lots: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in harm_rows:
        if not row["lot_number"]:
            continue
        key = (row["treatment"], row["lot_number"])
        for column in ("sessions", "with_moderate", "with_serious"):
            lots[key][column] += int(row[column])
    found: list[LotSignal] = []
    for treatment in {t for t, _ in lots}:
        mine = {lot: counts for (t, lot), counts in lots.items() if t == treatment}
        if len(mine) < 2:
            continue  # nothing to compare a lone lot with
        for kind, column in SIGNAL_KINDS:
            total_sessions = sum(c["sessions"] for c in mine.values())
            total_events = sum(c[column] for c in mine.values())
            tests = {
                lot: statistics.lot_excess(
                    c[column], c["sessions"], total_events - c[column], total_sessions - c["sessions"]
                )
                for lot, c in mine.items()
            }
            adjusted = dict(zip(tests, statistics.holm_sidak(t.p_value for t in tests.values())))
            for lot, test in tests.items():
                if adjusted[lot] < SIGNAL_LEVEL:
                    found.append(
                        LotSignal(
                            treatment=Treatment(treatment), lot_number=lot, kind=kind,
                            lot_sessions=test.lot_sessions, lot_events=test.lot_events,
                            rest_sessions=test.rest_sessions, rest_events=test.rest_events,
                            p_value=test.p_value, p_adjusted=adjusted[lot],
                        )
                    )
    found.sort(key=lambda s: (s.p_adjusted, s.lot_number, s.kind))
    return found


def _lots(harm_rows: list[dict[str, Any]], signals: list[LotSignal]) -> list[LotOutcomes]:
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    products: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in harm_rows:
        if not row["lot_number"]:
            continue
        key = (row["treatment"], row["lot_number"])
        grouped[key].append(row)
        if row["product"]:
            products[key].add(row["product"])
    out = []
    for (treatment, lot), rows in sorted(grouped.items()):
        # a patient is in one arm, so the lot's rows (one per arm) hold different patients
        patients = sum(int(r["patients"]) for r in rows)
        out.append(
            LotOutcomes(
                treatment=Treatment(treatment), product=", ".join(sorted(products[(treatment, lot)])), lot_number=lot,
                harm=figures.harm(rows, patients),
                signals=[s for s in signals if s.treatment == treatment and s.lot_number == lot],
            )
        )
    return out


async def signals_for_clinic(principal: StaffPrincipal, *, today: date | None = None) -> LotSignalPage:
    """The clinic's current lot signals over every research-consented patient (no filters)."""
    today = today or datetime.now(UTC).date()
    data = await queries.harm_only(principal.clinic_id, OutcomeFilter(), today)
    return LotSignalPage(items=lot_signals(data), lot_test=LOT_TEST, as_of=today)


async def alerts(principal: StaffPrincipal, *, offset: int, limit: int) -> SideEffectAlertPage:
    """The side-effect alert list with the clinic's lot signals beside the serious reports."""
    page = await side_effects.alerts(principal, offset=offset, limit=limit)
    signals = await signals_for_clinic(principal)
    return SideEffectAlertPage(
        items=page.items, total=page.total, offset=page.offset, limit=page.limit,
        lot_signals=signals.items, lot_test=signals.lot_test,
    )
