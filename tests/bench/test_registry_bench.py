"""bench/registry.py runs once at a tiny size (PostgreSQL only, like the benchmark), so it never rots."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("FOLLICLE_TEST_DATABASE_URL", "")


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL.startswith("postgres"), reason="the registry benchmark runs on PostgreSQL (set FOLLICLE_TEST_DATABASE_URL)")
def test_the_registry_benchmark_runs_at_a_tiny_size():
    server, _, test_db = PG_URL.rpartition("/")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = f"{server}/follicle_bench_registry_tiny_{test_db}{worker and '_' + worker}"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "registry.py"), "--clinics", "30", "--runs", "1", "--database-url", url],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "read the current submissions alone: 30 rows" in out
    assert "over 840 clinic results" in out  # 28 figures (4 arms x (3 months x 2 + harm)) x 30 clinics
    assert "pooled / read alone:" in out and "target under 1 s: met" in out
