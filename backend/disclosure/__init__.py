"""Disclosure control: the one layer every output of patient figures passes through (the outcomes
page, its API, CSV and PDF, and what a clinic sends to the registry).

- `DisclosurePolicy` (policy.py): the clinic's threshold (default 5), minimum filtered population
  (default 10) and export k (default 5); never below those floors.
- `CountTable` (table.py): the counts an output shows and the arithmetic linking them.
- `protect` (suppression.py): primary suppression (1..threshold-1) and complementary suppression
  (an integer program, audited by a linear program) so no hidden count can be derived.
- `anonymise` (kanonymity.py): k-anonymity of row-level files by generalising quasi-identifiers.

See docs/disclosure.md.
"""

from backend.disclosure.kanonymity import ANY, Anonymised, QuasiIdentifier, Rung, anonymise, anything, identity
from backend.disclosure.policy import (
    K_FLOOR,
    MIN_POPULATION_FLOOR,
    THRESHOLD_FLOOR,
    TOO_FEW_FOR_FILTER,
    DisclosurePolicy,
    policy_for_clinic,
)
from backend.disclosure.suppression import Protection, interval, protect, protected_enough
from backend.disclosure.table import Cell, CountTable

__all__ = [
    "ANY", "Anonymised", "Cell", "CountTable", "DisclosurePolicy", "K_FLOOR", "MIN_POPULATION_FLOOR", "Protection",
    "QuasiIdentifier", "Rung", "THRESHOLD_FLOOR", "TOO_FEW_FOR_FILTER", "anonymise", "anything", "identity",
    "interval", "policy_for_clinic", "protect", "protected_enough",
]
