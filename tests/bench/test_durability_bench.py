"""bench/durability.py runs from a clean clone at its tiny size and prints its figures (no timing is
asserted: the numbers are for docs/performance.md, this only keeps the bench from rotting)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_durability_bench_runs_at_its_tiny_size():
    run = subprocess.run(
        [sys.executable, "bench/durability.py", "--tiny"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    assert "80 research patients (SQLite)" in out
    for figure in ("outcomes page figures (baseline)", "durability section, disclosed", "ratio"):
        assert figure in out, figure
    assert "target: the section under 300 ms: met" in out or "MISSED" in out
