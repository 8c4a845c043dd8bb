"""How a blinded-rating consensus is labelled wherever it is shown (timeline, PDF, FHIR, API
readers): the round, the number of raters, the panel's agreement, and whether it is final.

Agreement figures resting on fewer than `MIN_AGREEMENT_PAIRS` pairs say "too few pairs" instead
of a number. The words for alpha follow Krippendorff (2004): 0.800 and above reliable, 0.667 and
above tentative, below that poor.
"""

from __future__ import annotations

MIN_AGREEMENT_PAIRS = 10  # below this many pairs (or repeated pairs) no agreement figure is shown
TOO_FEW_PAIRS = "too few pairs"


def alpha_words(alpha: float | None, pairs: int) -> str:
    """'alpha 0.72 (tentative, 40 pairs)', or why there is no figure."""
    if pairs < MIN_AGREEMENT_PAIRS:
        return f"agreement: {TOO_FEW_PAIRS}" + (f" ({pairs})" if pairs else "")
    if alpha is None:
        return "agreement: not enough variation to estimate"
    quality = "reliable" if alpha >= 0.8 else "tentative" if alpha >= 0.667 else "poor"
    return f"agreement alpha {alpha:.2f} ({quality}, {pairs} pairs)"


def status_word(final: bool) -> str:
    return "final" if final else "provisional"


def consensus_label(*, final: bool, round_name: str, raters: int, agreement: float | None, agreement_pairs: int) -> str:
    """'Provisional, Autumn panel (round still open), median of 2 raters, agreement: too few pairs (3)'."""
    state = "Final" if final else "Provisional"
    where = round_name + ("" if final else " (round still open)")
    return (
        f"{state}, {where}, median of {raters} rater{'s' if raters != 1 else ''}, "
        f"{alpha_words(agreement, agreement_pairs)}"
    )
