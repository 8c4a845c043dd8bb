"""The registry's public page: the network's pooled results by arm, each with the number of clinics
and patients behind it, forest plots, and the lot signals. `?clinic=<id>` marks that clinic's row."""

from __future__ import annotations

from html import escape

from backend.registry.figures import NetworkFigures, PooledFigure
from backend.registry.forest import ForestPlot
from backend.registry.pooling import METHOD_LABELS, inverse_logit

ARM_LABELS = {"exosomes": "Exosomes", "prp": "PRP", "microneedling": "Microneedling", "combination": "Combination", "other": "Other"}
FIGURE_LABELS = {"consensus": "Blinded consensus", "improved": "Improved (+1 or better)", "harm": "Sessions with a moderate-or-worse side effect"}
NOTE = (
    "Observational data pooled from clinics' own research-consented patients, not randomized trials: "
    "the arms differ in who is in them. Each clinic's figures passed its disclosure control before leaving it "
    "(nothing from fewer than 5 patients). Random-effects meta-analysis: {method} estimate of tau-squared "
    "(statsmodels combine_effects); 95% confidence intervals; the prediction interval (t with k-2 degrees of "
    "freedom) is where a new clinic's own result is expected to fall. Shares are pooled as log odds."
)


def title_of(figure: PooledFigure) -> str:
    month = f" at month {figure.month}" if figure.month else ""
    return f"{ARM_LABELS.get(figure.arm, figure.arm)}: {FIGURE_LABELS[figure.figure]}{month}"


def _value(figure: PooledFigure, x: float | None) -> str:
    if x is None:
        return "-"
    return f"{inverse_logit(x) * 100:.1f}%" if figure.scale == "log odds" else f"{x:+.2f}"


def _row(figure: PooledFigure) -> str:
    p = figure.pooled
    if p is None:
        cells = "<td colspan='5'>one clinic: not pooled</td>"
    else:
        cells = (
            f"<td>{_value(figure, p.estimate)}</td><td>{_value(figure, p.low)} to {_value(figure, p.high)}</td>"
            + (f"<td>{_value(figure, p.prediction_low)} to {_value(figure, p.prediction_high)}</td>"
               if p.prediction_low is not None else "<td class='note'>needs 3 clinics</td>")
            + f"<td>{p.tau2:.3f}</td><td>{p.i2 * 100:.0f}%</td>"
        )
    return (
        f"<tr data-figure='{escape(figure.arm)}-{figure.figure}-{figure.month or ''}'><th scope='row'>"
        f"{escape(title_of(figure))}</th><td>{figure.clinics}</td><td>{figure.patients}</td>{cells}</tr>"
    )


def render(network: NetworkFigures, plots: list[tuple[PooledFigure, ForestPlot]], *, you: str | None) -> str:
    rows = "\n".join(_row(f) for f in network.figures)
    figures = "\n".join(
        f"<figure><img src='{plot.data_url}' alt='{escape(plot.description)}'>"
        f"<figcaption>{escape(plot.description)}</figcaption></figure>"
        for _, plot in plots
    )
    signals = "\n".join(
        f"<li class='signal'><strong>{escape(s.lot_number)}</strong> ({escape(s.product or s.treatment)}): "
        f"{s.lot_events} of {s.lot_sessions} sessions with a {escape(s.kind.replace('_', ' '))} side effect, "
        f"against {s.rest_events} of {s.rest_sessions} for the other lots; {s.clinics} clinics; "
        f"adjusted p = {s.p_adjusted:.2g}</li>"
        for s in network.lot_signals
    ) or "<li>No lot stands out.</li>"
    marked = "<p class='you'>Your clinic's rows are marked in red.</p>" if you else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Follicle network</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #0f172a; padding: 0 1rem; }}
table {{ border-collapse: collapse; width: 100%; font-size: .9rem; }}
th, td {{ border-bottom: 1px solid #e2e8f0; padding: .35rem .5rem; text-align: left; }}
figure {{ display: inline-block; margin: .5rem; width: 32rem; vertical-align: top; }}
figure img {{ width: 100%; }} figcaption {{ font-size: .8rem; color: #475569; }}
.note {{ color: #475569; font-size: .85rem; }} .signal {{ color: #9f1239; }} .you {{ color: #be123c; }}
</style></head><body>
<h1>Follicle network: pooled results</h1>
<p id="totals"><strong>{network.clinics}</strong> clinics, <strong>{network.patients}</strong> research-consented patients.</p>
{marked}
<p class="note">{escape(NOTE.format(method=METHOD_LABELS[network.method]))}</p>
<h2>Pooled figures</h2>
<table id="pooled"><thead><tr><th>Figure</th><th>Clinics</th><th>Patients</th><th>Pooled</th><th>95% CI</th>
<th>Prediction interval</th><th>tau&sup2;</th><th>I&sup2;</th></tr></thead><tbody>
{rows}
</tbody></table>
<h2>Lot signals</h2>
<ul id="lot-signals">{signals}</ul>
<h2>Forest plots</h2>
<div id="forest-plots">{figures}</div>
</body></html>"""
