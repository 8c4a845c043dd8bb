"""bench/outcomes.py runs once at a tiny size (PostgreSQL only, like the benchmark), so it never rots."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("FOLLICLE_TEST_DATABASE_URL", "")


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL.startswith("postgres"), reason="the outcomes benchmark runs on PostgreSQL (set FOLLICLE_TEST_DATABASE_URL)")
def test_the_outcomes_benchmark_runs_at_a_tiny_size():
    server, _, test_db = PG_URL.rpartition("/")
    # a database of its own beside the test one (follicle_test_<name> gives ..._tiny_<name>)
    url = f"{server}/follicle_bench_outcomes_tiny{test_db.removeprefix('follicle_test')}"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "outcomes.py"), "--patients", "300", "--runs", "1", "--database-url", url],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "rating_consensus 3,000" in out and "injection_session 900" in out
    assert "5 SQL statements" in out and "outcomes / count(*):" in out
