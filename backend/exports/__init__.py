"""Research exports of the clinic's data: the de-identified cohort CSV (docs/cohort-export.md)."""
