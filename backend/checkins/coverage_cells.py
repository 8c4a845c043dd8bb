"""The timeline's coverage cells: each ready cell's figure and its change from the view's first
figure (pure: rows in, contract structs out)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from shared.contract.coverage import CoverageCell
from shared.coverage import CoverageReading


def reading_of(raw: Any) -> CoverageReading | None:
    """A stored reading (JSON text or a decoded dict), or None when absent or unreadable."""
    if raw is None:
        return None
    try:
        if isinstance(raw, (str, bytes)):
            return msgspec.json.decode(raw, type=CoverageReading)
        return msgspec.convert(raw, CoverageReading)
    except msgspec.ValidationError:
        return None


def coverage_cells(rows: Iterable[tuple[int, str, Any, Any]], as_uuid: Callable[[Any], Any]) -> list[CoverageCell]:
    """One cell per (month, view, photo id, stored reading) with a reading, by month then view.
    A view's change is counted from its earliest month with a figure of the same method, in
    points (value minus baseline) and in percent of the baseline value."""
    readings = sorted(
        ((month, view, photo_id, reading) for month, view, photo_id, raw in rows if (reading := reading_of(raw))),
        key=lambda item: (item[0], item[1]),
    )
    baselines: dict[tuple[str, str], tuple[int, float]] = {}
    cells = []
    for month, view, photo_id, reading in readings:
        base = baselines.get((view, reading.method))
        if base is None and reading.value is not None:
            base = baselines[(view, reading.method)] = (month, reading.value)
        change = percent = None
        if base is not None and reading.value is not None:
            change = round(reading.value - base[1], 2)
            percent = round(100.0 * change / base[1], 1) if base[1] > 0 else None
        cells.append(
            CoverageCell(
                photo_id=as_uuid(photo_id), view=view, month=month, method=reading.method, value=reading.value,
                refusal=reading.refusal, message=reading.message,
                baseline_month=base[0] if base is not None else None,
                change_points=change, change_percent=percent,
            )
        )
    return cells
