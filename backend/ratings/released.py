"""Which rounds' consensus may be shown: the one rule every reader of `rating_consensus` uses.

A round's consensus is released when the round is closed (final) or an admin published it
(provisional, while still open). Until then it reaches no page, report, bundle, outcome or API
answer, and readers fall back on the newest released round (so an earlier round's figures stay).
Plain SQL text, no imports: the timeline and outcomes statements embed it.
"""

from __future__ import annotations


def released_sql(alias: str) -> str:
    """A condition on the `rating_round` row `alias`: its consensus may be shown."""
    return f"({alias}.status = 'closed' OR {alias}.published_at IS NOT NULL)"


def final_sql(alias: str) -> str:
    """1 when the round `alias` is closed (its consensus final), else 0 (provisional)."""
    return f"(CASE WHEN {alias}.status = 'closed' THEN 1 ELSE 0 END)"
