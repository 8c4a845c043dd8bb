"""The outcomes answer through the disclosure layer (backend/disclosure): every count of patients
the page, API and CSV show goes into one CountTable with the arithmetic a reader can use on it,
and whatever `protect` hides is blanked in the answer (with everything derived from it).

The relations (written again, independently, in tests/backend/disclosure/test_attack.py):
- all patients = the sum of the arms' patients;
- per arm: treated, dropped-out candidates, each month's rated patients, the time-to-improvement
  patients and each questionnaire's answers are at most the arm's patients; each baseline-mix
  dimension (grade, age band, sex, diagnosis) sums to the arm's patients;
- improved is at most its n; the dose-response cells sum to the month-6 patients, and their
  improved to the month-6 improved;
- Kaplan-Meier: at risk at a step = at risk at the next + improved + censored (censored is not
  shown; improved per step follows from the shares, so it counts as shown); the curve stops before
  the first step with fewer than `threshold` at risk, and the improved after it is a count too.
"""

from __future__ import annotations

from collections.abc import Hashable

from backend.disclosure import CountTable, DisclosurePolicy, Protection, protect
from shared.contract.outcomes import (
    ArmOutcomes,
    Estimate,
    HarmRates,
    OutcomesOut,
    Share,
    TimeToImprovement,
)

HEAVY = 1e6  # counts the page must keep if at all possible (the Kaplan-Meier steps shown)


def table_of(result: OutcomesOut, policy: DisclosurePolicy) -> CountTable:
    """Every count of patients in the answer, keyed, with its relations."""
    t = CountTable()
    t.add(("patients",), result.patients, weight=1.0)  # rather hide the total than a whole arm
    arms = []
    for a in result.arms:
        arm = a.arm.value
        arms.append(t.add(("arm", arm), a.patients or 0))
        n = ("arm", arm)
        t.add_at_most(t.add(("treated", arm), a.patients_treated or 0), n)
        if not a.dropped_out.suppressed and a.dropped_out.n:
            could = t.add(("could_drop", arm), a.dropped_out.n)
            t.add_at_most(could, n)
            t.add_at_most(t.add(("dropped", arm), a.dropped_out.events or 0), could)
        for e in a.efficacy:
            m = t.add(("eff", arm, e.month), e.improved.n or 0)
            t.add_at_most(m, n)
            t.add_at_most(t.add(("eff_imp", arm, e.month), e.improved.events or 0), m)
        cells, improved = [], []
        for d in a.dose_response:
            cells.append(t.add(("dose", arm, d.sessions), d.improved.n or 0))
            improved.append(t.add(("dose_imp", arm, d.sessions), d.improved.events or 0))
            t.add_at_most(improved[-1], cells[-1])
        if ("eff", arm, 6) in t.cells and cells:
            t.add_sum(("eff", arm, 6), cells)
            t.add_sum(("eff_imp", arm, 6), improved)
        _km(t, arm, a.time_to_improvement, policy)
        for q in a.questionnaire:
            for name, est in (("sat", q.satisfaction_change), ("growth", q.growth)):
                if est.n:
                    t.add_at_most(t.add(("q", arm, q.month, name), est.n), n)
        for dim in ("grade", "age_band", "sex", "diagnosis"):
            parts = [t.add(("mix", arm, dim, c.key), c.patients or 0) for c in getattr(a.baseline_mix, dim)]
            t.add_sum(n, parts)
    t.add_sum(("patients",), arms)
    for lot in result.lots:
        if lot.harm.patients:
            t.add(("lot", lot.treatment.value, lot.lot_number), lot.harm.patients)
    return t


def _km(t: CountTable, arm: str, km: TimeToImprovement, policy: DisclosurePolicy) -> None:
    if not km.n:
        return
    n = t.add(("km", arm), km.n)
    t.add_at_most(n, ("arm", arm))
    total = t.add(("km_imp", arm), km.improved or 0)
    t.add_at_most(total, n)
    shown = _shown_steps(km, policy)
    steps = []
    for i, p in enumerate(shown):
        risk = t.add(("km_risk", arm, p.month), p.at_risk, weight=HEAVY)
        step = t.add(("km_step", arm, p.month), p.improved, sensitive=False, weight=HEAVY)
        gone = t.add(("km_censored", arm, p.month), p.censored, sensitive=False, published=False)
        steps.append(step)
        if i + 1 < len(shown):
            after = t.add(("km_risk", arm, shown[i + 1].month), shown[i + 1].at_risk, weight=HEAVY)
        else:  # those still at risk after the last step shown: not shown, at most so many
            rest = km.curve[i + 1].at_risk if i + 1 < len(km.curve) else 0
            after = t.add(("km_rest", arm), rest, sensitive=False, published=False)
        t.add_sum(risk, [after, step, gone])
    if shown:
        t.add_at_most(("km_risk", arm, shown[0].month), n)
    # the improved after the curve stops follow from the total: a count of patients like any other
    tail = t.add(("km_tail", arm), (km.improved or 0) - sum(p.improved for p in shown), published=False)
    t.add_sum(total, [*steps, tail])


def _shown_steps(km: TimeToImprovement, policy: DisclosurePolicy) -> list:
    shown = []
    for p in km.curve:
        if p.at_risk < policy.threshold:
            break
        shown.append(p)
    return shown


def apply(
    result: OutcomesOut, policy: DisclosurePolicy, *, unfiltered: OutcomesOut | None = None
) -> tuple[OutcomesOut, Protection]:
    """The answer with every hidden count (and all it would give away) blanked.

    `unfiltered`: for a filtered answer, the clinic's unfiltered answer before protection. A reader
    holding both pages can subtract, so a filtered count whose difference from the unfiltered one
    is small is protected like a small count, and the unfiltered shown count bounds it."""
    table = table_of(result, policy)
    must_hide: set[Hashable] = set()
    if unfiltered is not None:
        whole = table_of(unfiltered, policy)
        shown = protect(whole, policy).published()
        for key, cell in table.cells.items():
            other = whole.cells.get(key)
            if other is None or not cell.published or not cell.sensitive:
                continue
            if shown.get(key) is not None:
                table.bound(key, upper=shown[key])
                if policy.is_small(other.value - cell.value):
                    must_hide.add(key)
    protection = protect(table, policy, must_hide=must_hide)
    hidden = protection.hidden

    def off(key: Hashable) -> bool:
        return key in hidden

    if off(("patients",)):
        result.patients = None  # type: ignore[assignment]
    for a in result.arms:
        arm = a.arm.value
        if off(("arm", arm)):
            _blank_arm(a)
            continue
        if off(("treated", arm)):
            a.patients_treated = None
            a.harm = _blank_harm()
            a.symptoms = []
        if off(("could_drop", arm)) or off(("dropped", arm)):
            a.dropped_out = _blank()
        for e in a.efficacy:
            if off(("eff", arm, e.month)):
                e.consensus, e.improved = _hidden(), _blank()
            elif off(("eff_imp", arm, e.month)):
                e.improved = _blank()
        for d in a.dose_response:
            if off(("dose", arm, d.sessions)):
                d.consensus, d.improved = _hidden(), _blank()
            elif off(("dose_imp", arm, d.sessions)):
                d.improved = _blank()
        a.time_to_improvement = _km_shown(a.time_to_improvement, arm, hidden, policy)
        for q in a.questionnaire:
            if off(("q", arm, q.month, "sat")):
                q.satisfaction_change = _hidden()
            if off(("q", arm, q.month, "growth")):
                q.growth = _hidden()
        for dim in ("grade", "age_band", "sex", "diagnosis"):
            for c in getattr(a.baseline_mix, dim):
                if off(("mix", arm, dim, c.key)):
                    c.patients, c.suppressed = None, True
    for lot in result.lots:
        if off(("lot", lot.treatment.value, lot.lot_number)) or (lot.harm.patients and policy.is_small(lot.harm.patients)):
            lot.harm = _blank_harm()
    return result, protection


def _km_shown(km: TimeToImprovement, arm: str, hidden: set, policy: DisclosurePolicy) -> TimeToImprovement:
    if km.suppressed or ("km", arm) in hidden or ("arm", arm) in hidden:
        return TimeToImprovement(suppressed=True)
    if ("km_imp", arm) in hidden:  # the curve stays; the total would give away those after it
        km.improved = None
    keep = []
    for p in _shown_steps(km, policy):
        if ("km_risk", arm, p.month) in hidden or ("km_step", arm, p.month) in hidden:
            break
        keep.append(p)
    for p in keep:
        p.censored = None  # type: ignore[assignment]
    km.curve = keep
    return km


def _blank() -> Share:
    return Share(suppressed=True)


def _hidden() -> Estimate:
    return Estimate(suppressed=True)


def _blank_harm() -> HarmRates:
    return HarmRates(suppressed=True, any=_blank(), moderate_or_worse=_blank(), serious=_blank(), late=_blank())


def _blank_arm(a: ArmOutcomes) -> None:
    a.suppressed = True
    a.patients = a.patients_treated = a.sessions_given = None
    a.follow_up_kept = a.dropped_out = _blank()
    for e in a.efficacy:
        e.consensus, e.improved = _hidden(), _blank()
    for d in a.dose_response:
        d.consensus, d.improved = _hidden(), _blank()
    a.time_to_improvement = TimeToImprovement(suppressed=True)
    a.harm = _blank_harm()
    a.symptoms = []
    for q in a.questionnaire:
        q.satisfaction_change = q.growth = _hidden()
    for dim in ("grade", "age_band", "sex", "diagnosis"):
        for c in getattr(a.baseline_mix, dim):
            c.patients, c.suppressed = None, True
