"""Forest plots of a pooled figure, drawn as SVG with matplotlib (no pyplot state), in a worker thread.

One row per clinic (its estimate, a square sized by its random-effects weight, and its 95% interval),
the pooled estimate as a diamond spanning its confidence interval, and the prediction interval as a
line beneath. Clinics are anonymous ("Clinic 1", ...) except the one viewing, which is "Your clinic".
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from backend.registry.figures import PooledFigure
from backend.registry.pooling import inverse_logit

YOU = "#be123c"
OTHERS = "#0f766e"


@dataclass(frozen=True)
class ForestPlot:
    svg: str
    description: str

    @property
    def data_url(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def _shown(figure: PooledFigure, value: float) -> float:
    return inverse_logit(value) * 100 if figure.scale == "log odds" else value


def draw(figure: PooledFigure, title: str, *, you: str | None = None) -> ForestPlot:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    rows = figure.studies
    height = 1.2 + 0.32 * (len(rows) + 3)
    fig = Figure(figsize=(6.4, height), layout="constrained")
    FigureCanvasSVG(fig)
    axes = fig.add_subplot()
    axes.spines[["top", "right", "left"]].set_visible(False)
    weights = figure.pooled.weights if figure.pooled else tuple(1 / len(rows) for _ in rows)
    labels = []
    for i, (study, weight) in enumerate(zip(rows, weights)):
        y = len(rows) - i + 2
        colour = YOU if study.clinic == you else OTHERS
        axes.plot([_shown(figure, study.low), _shown(figure, study.high)], [y, y], color=colour, linewidth=1.4)
        axes.plot(_shown(figure, study.effect), y, marker="s", color=colour, markersize=4 + 14 * weight ** 0.5)
        labels.append((y, f"{'Your clinic' if study.clinic == you else f'Clinic {i + 1}'} (n={study.patients})"))
    if figure.pooled:
        p = figure.pooled
        low, mid, high = (_shown(figure, v) for v in (p.low, p.estimate, p.high))
        axes.fill([low, mid, high, mid], [1.5, 1.8, 1.5, 1.2], color="#1e293b")
        labels.append((1.5, f"Pooled ({figure.clinics} clinics, n={figure.patients})"))
        if p.prediction_low is not None:
            axes.plot([_shown(figure, p.prediction_low), _shown(figure, p.prediction_high)], [0.6, 0.6],
                      color="#64748b", linewidth=2.5)
            labels.append((0.6, "Prediction interval"))
        axes.axvline(mid, color="#94a3b8", linewidth=0.8, linestyle="--")
    if figure.scale == "mean":
        axes.axvline(0, color="#cbd5e1", linewidth=0.8)
    axes.set_yticks([y for y, _ in labels], [label for _, label in labels], fontsize=8)
    axes.set_xlabel("share of patients (%)" if figure.scale == "log odds" else "consensus (-3 to +3)", fontsize=8)
    axes.tick_params(axis="x", labelsize=8)
    axes.set_title(title, fontsize=10, loc="left")
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    pooled = (
        f"pooled {_shown(figure, figure.pooled.estimate):.2f} (95% CI {_shown(figure, figure.pooled.low):.2f} to "
        f"{_shown(figure, figure.pooled.high):.2f})" if figure.pooled else "not pooled: one clinic"
    )
    return ForestPlot(svg=buffer.getvalue(), description=f"{title}: {figure.clinics} clinics, {pooled}.")
