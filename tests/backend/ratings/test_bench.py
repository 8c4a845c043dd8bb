"""bench/rating.py runs end to end at its tiny size (on the suite's database kind), so it never rots."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_rating_benchmark_runs_at_tiny_size(tmp_path):
    pg = os.environ.get("FOLLICLE_TEST_DATABASE_URL", "")
    # named after the suite's own test database, so two suites on one server never drop each other's
    base, test_db = pg.rsplit("/", 1) if pg else ("", "")
    url = f"{base}/follicle_bench_ratings_tiny_{test_db}" if pg else f"sqlite://{tmp_path / 'bench.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "bench/rating.py", "--tiny", "--database-url", url],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "next pair" in done.stdout and "submit score" in done.stdout and "agreement" in done.stdout
    assert "40 pairs rated, 2 raters" in done.stdout
