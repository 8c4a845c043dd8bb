"""The scalp coverage index per photo (shared/coverage.py measures it in processing): its cells
on the timeline, its recompute when the method changes, and its reliability on the clinic's own
photos (repeatability from repeat captures, agreement with the blinded raters)."""
