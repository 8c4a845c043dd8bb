"""What a clinic sends to the network for a period, built from the outcome aggregates and passed
through the clinic's disclosure control (backend.disclosure) in one place: `disclosed_summary`.

Every count that leaves is a cell of one CountTable with the arithmetic a reader could use (a month's
patients within the arm's, improved within the month's, events within sessions); whatever `protect`
hides is not sent at all, nor any figure derived from it (a month's mean and spread go with its n).
Nothing per patient; only research-consented patients are in the aggregates.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from backend.disclosure import CountTable, DisclosurePolicy, protect
from backend.outcomes import queries, sql
from backend.outcomes.filters import OutcomeFilter
from shared.contract.network import ArmSummary, EfficacyCell, HarmCell, LotSummary, NetworkSummary


def _mean_sd(values: list[float], counts: list[int]) -> tuple[float, float]:
    """The mean and sample standard deviation of values given with their counts (statsmodels)."""
    from statsmodels.stats.weightstats import DescrStatsW

    stats = DescrStatsW(np.asarray(values, dtype=float), weights=np.asarray(counts, dtype=float), ddof=1)
    return float(stats.mean), float(stats.std) if sum(counts) > 1 else 0.0


def _table(data: queries.Aggregates) -> tuple[CountTable, dict[str, Any]]:
    """Every count of the summary in one table, and the figures beside them, by arm. The relation
    kept is the one that narrows: a month's n is its improved plus its not improved. Upper bounds
    (a month's n within the arm's) are left out: with the whole shown they leave a hidden part
    anywhere from 0 to the whole, and the layer's rule for them would hide the whole arm."""
    table = CountTable()
    arms: dict[str, dict[str, Any]] = defaultdict(lambda: {"efficacy": {}, "products": set()})
    for row in data.cohort:
        a = arms[row["arm"]]
        a["patients"] = a.get("patients", 0) + int(row["patients"])
        a["treated"] = a.get("treated", 0) + int(row["treated"])
        a["sessions"] = a.get("sessions", 0) + int(row["sessions"])
    for arm, a in arms.items():
        table.add(("arm", arm), a["patients"])
        table.add(("treated", arm), a["treated"])
        table.add(("sessions", arm), a["sessions"], sensitive=False)
    by_month: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for row in data.ratings:
        if row["family"] == "efficacy" and int(row["a"]) in sql.EFFICACY_MONTHS:
            by_month[(row["arm"], int(row["a"]))].append(row)
    for (arm, month), rows in by_month.items():
        values = [float(r["value"]) for r in rows]
        counts = [int(r["patients"]) for r in rows]
        n = sum(counts)
        improved = sum(c for v, c in zip(values, counts) if v >= sql.IMPROVED_AT)
        mean, sd = _mean_sd(values, counts)
        arms[arm]["efficacy"][month] = {"mean": mean, "sd": sd}
        table.add(("month", arm, month), n)
        table.add(("improved", arm, month), improved)
        # never sent, only derivable (n - improved): hiding it costs nothing, so the n is kept where it can be
        table.add(("not_improved", arm, month), n - improved, weight=0.01)
        table.add_sum(("month", arm, month), [("improved", arm, month), ("not_improved", arm, month)])
    lots: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    harm: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    lot_products: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in data.harm:
        h = harm[row["arm"]]
        for column in ("sessions", "with_any", "with_moderate", "with_serious"):
            h[column] += int(row[column])
        if row["product"]:
            arms[row["arm"]]["products"].add(row["product"].strip())
        if row["lot_number"]:
            key = (row["treatment"], row["lot_number"].strip().upper())
            for column in ("patients", "sessions", "with_moderate", "with_serious"):
                lots[key][column] += int(row[column])
            if row["product"]:
                lot_products[key].add(row["product"].strip())
    for arm, h in harm.items():
        for column in ("with_any", "with_moderate", "with_serious"):
            table.add(("harm", arm, column), h[column], sensitive=False)  # sessions, not patients
    for key, lot in lots.items():
        table.add(("lot", *key), lot["patients"])
    return table, {"arms": arms, "harm": harm, "lots": lots, "lot_products": lot_products}


def disclosed_summary(
    data: queries.Aggregates, policy: DisclosurePolicy, *, clinic: str, period: str, sequence: int,
    issued_at: datetime | None = None,
) -> NetworkSummary:
    """The one way figures leave the clinic for the network: what the disclosure control shows."""
    table, figures = _table(data)
    shown = protect(table, policy)
    arms = []
    for arm, a in sorted(figures["arms"].items()):
        patients = shown.value(("arm", arm))
        if not patients:
            continue  # the arm's n is hidden (or nobody): nothing of the arm leaves
        efficacy = []
        for month in sql.EFFICACY_MONTHS:
            n, improved = shown.value(("month", arm, month)), shown.value(("improved", arm, month))
            if not n or month not in a["efficacy"]:
                continue
            cell = a["efficacy"][month]
            efficacy.append(EfficacyCell(month=month, patients=n, mean=round(cell["mean"], 6),
                                         sd=round(cell["sd"], 6), improved=improved))
        treated = shown.value(("treated", arm))
        h = figures["harm"].get(arm)
        harm = None
        if treated and h and h["sessions"]:
            harm = HarmCell(patients=treated, sessions=h["sessions"], any=h["with_any"],
                            moderate_or_worse=h["with_moderate"], serious=h["with_serious"])
        arms.append(ArmSummary(
            arm=arm, products=sorted(a["products"])[:20], patients=patients, sessions=a.get("sessions", 0),
            efficacy=efficacy, harm=harm,
        ))
    lots = []
    for (treatment, lot_number), lot in sorted(figures["lots"].items()):
        patients = shown.value(("lot", treatment, lot_number))
        if not patients:
            continue
        lots.append(LotSummary(
            treatment=treatment, product=", ".join(sorted(figures["lot_products"][(treatment, lot_number)]))[:200],
            lot_number=lot_number[:200], patients=patients, sessions=lot["sessions"],
            moderate_or_worse=lot["with_moderate"], serious=lot["with_serious"],
        ))
    return NetworkSummary(
        clinic=clinic, period=period, sequence=sequence, issued_at=issued_at or datetime.now(UTC),
        arms=arms, lots=lots,
    )


async def aggregates(clinic_id: Any, today: date) -> queries.Aggregates:
    """The outcome aggregates over every research-consented patient of the clinic (no filter)."""
    return await queries.aggregates(clinic_id, OutcomeFilter(), today)


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
