"""bench/report.py runs from a clean clone at its tiny size and prints its figures (no timing is
asserted: the bench's numbers are for docs/performance.md, this only keeps it from rotting)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_records_bench_runs_at_its_tiny_size():
    run = subprocess.run(
        [sys.executable, "bench/report.py", "--tiny"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    assert "10 photos sent through the upload protocol and processed" in out
    for figure in ("process one 12 MP photo (reference)", "progress report PDF", "FHIR bundle", "peak RSS"):
        assert figure in out, figure
    assert "ratio" in out and ("memory met" in out or "memory MISSED" in out)
