"""The 7-point global photographic assessment scale of hair-loss trials, as records write it: the
words of each point (the PDF) and its code in Follicle's FHIR CodeSystem."""

from __future__ import annotations

from shared.contract.ratings import SCALE

GPA_POINTS: dict[int, str] = {value: words.lower() for value, words in SCALE.items()}

MEANING = (
    "How the photos are rated: clinicians who are not told the date, the treatment or whose photos "
    "they are compare the first photo of a view with a later one, shown in random order, and score the "
    "change in hair from -3 (greatly decreased) through 0 (no change) to +3 (greatly increased). The "
    "score shown is the middle (median) of their scores. Changes of less than about a fifth in hair "
    "density are hard to see by eye, so early months often read as no change even when treatment is working."
)


def signed(score: float) -> str:
    """'+1', '0', '-2', '+0.5': the score as the scale writes it."""
    number = f"{score:g}"
    return f"+{number}" if score > 0 else number


def nearest_point(score: float) -> int:
    """The scale point a median stands for; a half rounds toward no change (never claims more)."""
    whole = int(abs(score) + 0.5 - 1e-9) if abs(score) % 1 != 0.5 else int(abs(score))
    return max(-3, min(3, whole if score >= 0 else -whole))


def words(score: float) -> str:
    """The scale's words for a score; a median between two points names both."""
    low, high = int(score // 1), int(-(-score // 1))
    if low == high or high not in GPA_POINTS:
        return GPA_POINTS.get(max(-3, min(3, round(score))), "")
    return f"between {GPA_POINTS[low]} and {GPA_POINTS[high]}"
