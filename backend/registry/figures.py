"""The network's pooled figures from the clinics' current summaries (pure: no database).

Per arm and month, the blinded consensus (mean, pooled as a mean difference from 0 with the variance
sd^2/n) and the share improved (log odds); per arm, the share of sessions followed by a
moderate-or-worse side effect (log odds); each by random-effects meta-analysis (pooling.py,
DerSimonian-Laird by default). Per lot, harm pooled across clinics and the clinic app's lot signal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from backend.outcomes import statistics
from backend.registry import pooling
from shared.contract.network import NetworkLotSignal, NetworkSummary

MONTHS = (3, 6, 12)
SIGNAL_LEVEL = 0.05
SIGNAL_KINDS = (("moderate_or_worse", "moderate_or_worse"), ("serious", "serious"))
LOT_METHOD = (
    "A lot is flagged when its share of sessions followed by a moderate-or-worse (or a serious) side effect, "
    "summed over every clinic that used it, is higher than that of the product's other lots beyond chance: "
    "Fisher's exact test, one-sided, Holm-Sidak adjusted across the treatment's lots, adjusted p < 0.05 "
    "(the clinic app's own lot signal, on the network's counts)."
)


@dataclass(frozen=True)
class Study:
    """One clinic's figure in a forest plot (effect on the pooled scale, with its own 95% interval)."""

    clinic: str
    patients: int
    effect: float
    variance: float

    @property
    def low(self) -> float:
        return self.effect - 1.959963984540054 * self.variance**0.5

    @property
    def high(self) -> float:
        return self.effect + 1.959963984540054 * self.variance**0.5


@dataclass
class PooledFigure:
    arm: str
    figure: str  # consensus | improved | harm
    month: int | None
    scale: str  # "mean" (consensus points) or "log odds"
    studies: list[Study] = field(default_factory=list)
    pooled: pooling.Pooled | None = None  # None below two clinics

    @property
    def clinics(self) -> int:
        return len(self.studies)

    @property
    def patients(self) -> int:
        return sum(s.patients for s in self.studies)


@dataclass
class NetworkFigures:
    clinics: int
    patients: int
    method: str
    figures: list[PooledFigure]
    lot_signals: list[NetworkLotSignal]

    def find(self, arm: str, figure: str, month: int | None = None) -> PooledFigure | None:
        return next((f for f in self.figures if (f.arm, f.figure, f.month) == (arm, figure, month)), None)


def pool_network(summaries: list[NetworkSummary], *, method: str = "dl") -> NetworkFigures:
    """Every pooled figure of the network from each clinic's current summary."""
    cells: dict[tuple[str, str, int | None], PooledFigure] = {}

    def cell(arm: str, figure: str, month: int | None, scale: str) -> PooledFigure:
        key = (arm, figure, month)
        if key not in cells:
            cells[key] = PooledFigure(arm=arm, figure=figure, month=month, scale=scale)
        return cells[key]

    for summary in summaries:
        for arm in summary.arms:
            for c in arm.efficacy:
                if c.month not in MONTHS:
                    continue
                if c.sd > 0:  # a clinic whose patients all scored alike has no sampling variance to weigh
                    effect, variance = pooling.mean_effect(c.mean, c.sd, c.patients)
                    cell(arm.arm, "consensus", c.month, "mean").studies.append(
                        Study(summary.clinic, c.patients, effect, variance)
                    )
                if c.improved is not None:
                    effect, variance = pooling.log_odds(c.improved, c.patients)
                    cell(arm.arm, "improved", c.month, "log odds").studies.append(
                        Study(summary.clinic, c.patients, effect, variance)
                    )
            if arm.harm is not None and arm.harm.sessions:
                effect, variance = pooling.log_odds(arm.harm.moderate_or_worse, arm.harm.sessions)
                cell(arm.arm, "harm", None, "log odds").studies.append(
                    Study(summary.clinic, arm.harm.patients, effect, variance)
                )
    for figure in cells.values():
        if figure.clinics >= 2:
            figure.pooled = pooling.random_effects(
                [s.effect for s in figure.studies], [s.variance for s in figure.studies], method=method
            )
    ordered = sorted(cells.values(), key=lambda f: (f.arm, f.figure, f.month or 0))
    return NetworkFigures(
        clinics=len(summaries),
        patients=sum(sum(a.patients for a in s.arms) for s in summaries),
        method=method,
        figures=ordered,
        lot_signals=lot_signals(summaries),
    )


def lot_signals(summaries: list[NetworkSummary]) -> list[NetworkLotSignal]:
    """Lots beyond chance worse than the other lots of their treatment, on the network's summed counts."""
    lots: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    users: dict[tuple[str, str], set[str]] = defaultdict(set)
    products: dict[tuple[str, str], set[str]] = defaultdict(set)
    for summary in summaries:
        for lot in summary.lots:
            key = (lot.treatment, lot.lot_number.strip().upper())
            for column in ("sessions", "moderate_or_worse", "serious"):
                lots[key][column] += getattr(lot, column)
            users[key].add(summary.clinic)
            if lot.product:
                products[key].add(lot.product)
    found: list[NetworkLotSignal] = []
    for treatment in sorted({t for t, _ in lots}):
        mine = {lot: counts for (t, lot), counts in lots.items() if t == treatment}
        if len(mine) < 2:
            continue
        for kind, column in SIGNAL_KINDS:
            total_sessions = sum(c["sessions"] for c in mine.values())
            total_events = sum(c[column] for c in mine.values())
            tests = {
                lot: statistics.lot_excess(c[column], c["sessions"], total_events - c[column], total_sessions - c["sessions"])
                for lot, c in mine.items()
            }
            adjusted = dict(zip(tests, statistics.holm_sidak(t.p_value for t in tests.values())))
            for lot, test in tests.items():
                if adjusted[lot] < SIGNAL_LEVEL:
                    found.append(
                        NetworkLotSignal(
                            treatment=treatment, product=", ".join(sorted(products[(treatment, lot)])), lot_number=lot,
                            kind=kind, clinics=len(users[(treatment, lot)]), lot_sessions=test.lot_sessions,
                            lot_events=test.lot_events, rest_sessions=test.rest_sessions, rest_events=test.rest_events,
                            p_value=test.p_value, p_adjusted=adjusted[lot],
                        )
                    )
    found.sort(key=lambda s: (s.p_adjusted, s.lot_number, s.kind))
    return found
