"""The patient page's timeline grid: months across, photo views down, injection sessions on the
time axis and side-effect reports beside them.

Pure: it lays out what `backend.checkins.timeline` returned (one photo per month and view, the
injections with their month) and the patient's side-effect reports, by check-in month.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from backend.checkins.months import month_of
from shared.contract.checkins import CheckInStatus, Timeline, TimelineInjection, TimelinePhoto
from shared.contract.coverage import CoverageCell
from shared.contract.ratings import ConsensusScore
from shared.contract.reports import SideEffectReportOut
from shared.schedule import checkin_due_on

# scheduled sessions are shown this far past the current month
MONTHS_AHEAD = 6


@dataclass
class GridMonth:
    index: int
    due_on: date
    is_current: bool
    status: CheckInStatus | None
    sessions: list[TimelineInjection] = field(default_factory=list)
    side_effects: list[SideEffectReportOut] = field(default_factory=list)


@dataclass
class GridRow:
    view_id: str
    label: str
    cells: list[TimelinePhoto | None]


@dataclass
class TimelineGrid:
    months: list[GridMonth]
    rows: list[GridRow]
    # the blinded raters' consensus by (month, view), when the reader may see it
    consensus: dict[tuple[int, str], ConsensusScore] = field(default_factory=dict)
    # the coverage index by (month, view), for admins and clinicians
    coverage: dict[tuple[int, str], CoverageCell] = field(default_factory=dict)

    @property
    def rounds(self) -> list[ConsensusScore]:
        """One consensus per round shown, for the legend that says what each round's figures are."""
        seen: dict[object, ConsensusScore] = {}
        for agreed in sorted(self.consensus.values(), key=lambda c: (c.month, c.view)):
            seen.setdefault(agreed.round_id or agreed.round_name, agreed)
        return list(seen.values())

    @property
    def photo_count(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell is not None)


def build_grid(timeline: Timeline, *, today: date, side_effects: Iterable[SideEffectReportOut] = ()) -> TimelineGrid:
    baseline = timeline.baseline_date
    current = month_of(baseline, today)
    last = max(
        [len(timeline.months) - 1, 0]
        + [min(s.month, current + MONTHS_AHEAD) for s in timeline.injections]
    )
    known = {m.month: m for m in timeline.months}
    months = [
        GridMonth(
            index=m,
            due_on=known[m].due_on if m in known else checkin_due_on(baseline, m),
            is_current=m == current,
            status=known[m].status if m in known else None,
        )
        for m in range(last + 1)
    ]
    for session in timeline.injections:
        months[min(max(session.month, 0), last)].sessions.append(session)
    for report in side_effects:
        months[min(max(month_of(baseline, report.started_on), 0), last)].side_effects.append(report)
    rows = []
    for view in timeline.views:
        cells: list[TimelinePhoto | None] = [None] * (last + 1)
        for month in timeline.months:
            for photo in month.photos:
                if photo.view == view.id:
                    cells[month.month] = photo
        rows.append(GridRow(view_id=view.id, label=view.label, cells=cells))
    consensus = {(c.month, c.view): c for c in timeline.consensus}
    coverage = {(c.month, c.view): c for c in timeline.coverage}
    return TimelineGrid(months=months, rows=rows, consensus=consensus, coverage=coverage)
