"""The outcomes page's charts, drawn on the server as SVG with matplotlib (Agg, no pyplot state).

Drawing is CPU work: `draw_all` runs in a worker thread, off the event loop. Suppressed cells are
left out of a chart (the table beside it says "too few to show"). The figure is sized for a
tablet's column and scales with the page.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from shared.contract.outcomes import ArmOutcomes, OutcomesOut

COLOURS = {"exosomes": "#0f766e", "prp": "#b45309", "microneedling": "#6d28d9", "combination": "#be123c", "other": "#475569"}
WIDTH, HEIGHT = 6.4, 3.4  # inches: fits a tablet's column and an A4 page


def _figure():
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, HEIGHT), layout="constrained")
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#e2e8f0", linewidth=0.8)
    axes.set_axisbelow(True)
    return figure, axes


@dataclass(frozen=True)
class Chart:
    """An SVG chart and the words that say what it shows (the image's alt text).

    The page shows it as an image from a data: URL: matplotlib's SVG carries its own styles,
    which the dashboard's Content-Security-Policy (style-src 'self') would refuse inline."""

    svg: str
    title: str

    @property
    def data_url(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def _svg(figure, title: str) -> Chart:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return Chart(svg=text[text.index("<svg"):], title=title)


def _errorbar(axes, xs, mids, lows, highs, colour, label):
    import numpy as np

    lower = [m - lo if lo is not None else 0 for m, lo in zip(mids, lows)]
    upper = [hi - m if hi is not None else 0 for m, hi in zip(mids, highs)]
    axes.errorbar(np.asarray(xs, dtype=float), mids, yerr=[lower, upper], fmt="-o", color=colour, capsize=3,
                  linewidth=1.5, markersize=4, label=label)


def efficacy_chart(arms: list[ArmOutcomes]) -> Chart:
    figure, axes = _figure()
    offset = {a.arm: (i - (len(arms) - 1) / 2) * 0.12 for i, a in enumerate(arms)}
    drawn = False
    for arm in arms:
        cells = [e for e in arm.efficacy if not e.consensus.suppressed]
        if not cells:
            continue
        drawn = True
        _errorbar(axes, [e.month + offset[arm.arm] for e in cells], [e.consensus.mean for e in cells],
                  [e.consensus.low for e in cells], [e.consensus.high for e in cells], COLOURS[arm.arm], arm.label)
    axes.axhline(0, color="#94a3b8", linewidth=0.8)
    axes.set_xticks([3, 6, 12], ["Month 3", "Month 6", "Month 12"])
    axes.set_ylabel("Mean consensus (-3 to +3)")
    axes.set_ylim(-3, 3)
    if drawn:
        axes.legend(frameon=False, fontsize=8, loc="upper left")
    else:
        axes.text(0.5, 0.5, "Too few to show", transform=axes.transAxes, ha="center", color="#64748b")
    return _svg(figure, "Mean consensus rating at months 3, 6 and 12 by arm, with 95% intervals")


def dose_chart(arms: list[ArmOutcomes]) -> Chart:
    figure, axes = _figure()
    drawn = False
    for i, arm in enumerate(arms):
        cells = [d for d in arm.dose_response if not d.consensus.suppressed]
        if not cells:
            continue
        drawn = True
        shift = (i - (len(arms) - 1) / 2) * 0.1
        _errorbar(axes, [d.sessions + shift for d in cells], [d.consensus.mean for d in cells],
                  [d.consensus.low for d in cells], [d.consensus.high for d in cells], COLOURS[arm.arm], arm.label)
    axes.axhline(0, color="#94a3b8", linewidth=0.8)
    axes.set_xticks(range(0, 6), ["none", "1", "2", "3", "4", "5+"])
    axes.set_xlabel("Sessions given by month 6")
    axes.set_ylabel("Month-6 consensus")
    axes.set_ylim(-3, 3)
    if drawn:
        axes.legend(frameon=False, fontsize=8, loc="upper left")
    else:
        axes.text(0.5, 0.5, "Too few to show", transform=axes.transAxes, ha="center", color="#64748b")
    return _svg(figure, "Month-6 consensus by the number of sessions given, by arm, with 95% intervals")


def time_chart(arms: list[ArmOutcomes]) -> Chart:
    figure, axes = _figure()
    drawn = False
    for arm in arms:
        curve = arm.time_to_improvement
        if curve.suppressed or not curve.curve:
            continue
        drawn = True
        months = [0] + [p.month for p in curve.curve]
        shares = [0.0] + [p.share_improved * 100 for p in curve.curve]
        lows = [0.0] + [(p.low or 0) * 100 for p in curve.curve]
        highs = [0.0] + [(p.high or 0) * 100 for p in curve.curve]
        colour = COLOURS[arm.arm]
        axes.step(months, shares, where="post", color=colour, linewidth=1.6, label=f"{arm.label} (n={curve.n})")
        axes.fill_between(months, lows, highs, step="post", color=colour, alpha=0.12, linewidth=0)
    axes.set_xlabel("Months since baseline")
    axes.set_ylabel("Improved (%)")
    axes.set_ylim(0, 100)
    axes.set_xlim(left=0)
    if drawn:
        axes.legend(frameon=False, fontsize=8, loc="upper left")
    else:
        axes.text(0.5, 0.5, "Too few to show", transform=axes.transAxes, ha="center", color="#64748b")
    return _svg(figure, "Kaplan-Meier: share of patients with a consensus of +1 or better by month, by arm")


def harm_chart(arms: list[ArmOutcomes]) -> Chart:
    import numpy as np

    figure, axes = _figure()
    kinds = (("any", "Any"), ("moderate_or_worse", "Moderate or worse"), ("serious", "Serious"))
    shown = [a for a in arms if not a.harm.suppressed]
    width = 0.8 / max(1, len(shown))
    for i, arm in enumerate(shown):
        rates = [getattr(arm.harm, k) for k, _ in kinds]
        mids = np.array([(r.share or 0) * 100 for r in rates])
        lows = np.array([(r.low or 0) * 100 for r in rates])
        highs = np.array([(r.high or 0) * 100 for r in rates])
        xs = np.arange(len(kinds)) + (i - (len(shown) - 1) / 2) * width
        axes.bar(xs, mids, width * 0.9, color=COLOURS[arm.arm], label=arm.label,
                 yerr=[mids - lows, highs - mids], capsize=2, error_kw={"linewidth": 0.8})
    axes.set_xticks(range(len(kinds)), [label for _, label in kinds])
    axes.set_ylabel("Sessions with a report (%)")
    if shown:
        axes.legend(frameon=False, fontsize=8)
    else:
        axes.text(0.5, 0.5, "Too few to show", transform=axes.transAxes, ha="center", color="#64748b")
    return _svg(figure, "Side effects per session by arm, with exact 95% intervals")


def draw_all(result: OutcomesOut) -> dict[str, Chart]:
    """Every chart of the page by name."""
    shown = [a for a in result.arms if not a.suppressed]
    return {
        "efficacy": efficacy_chart(shown),
        "dose": dose_chart(shown),
        "time": time_chart(shown),
        "harm": harm_chart(shown),
    }
