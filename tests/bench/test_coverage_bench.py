"""bench/coverage.py runs end to end at its tiny size, so it does not rot."""

from __future__ import annotations

from tests.bench.test_benchmarks import run_bench


def test_coverage_bench_runs():
    out = run_bench("coverage.py")
    assert "process_photo without the index" in out and "process_photo with the index" in out
    assert "the index alone on the preview" in out and "planted visible scalp" in out
