"""Every benchmark in bench/ runs end to end at its tiny size once, so none rots. Only that it
completes and prints its figures is checked: the figures themselves are for docs/performance.md."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("FOLLICLE_TEST_DATABASE_URL", "")


def run_bench(script: str, *options: str, timeout: int = 600) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLICLE_")}
    # jobs go through the suite's Redis when it has one, else run inside the API
    env["FOLLICLE_BENCH_REDIS_URL"] = os.environ.get("FOLLICLE_TEST_REDIS_URL", "")
    done = subprocess.run(
        [sys.executable, f"bench/{script}", "--tiny", *options],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return done.stdout


def bench_database(tmp_path: Path, name: str) -> str:
    """A database of the suite's kind for one benchmark: beside the test database on PostgreSQL."""
    return f"{PG_URL}_bench_{name}" if PG_URL else f"sqlite://{tmp_path / (name + '.sqlite3')}"


def test_ingest_runs(tmp_path):
    options = ("--database-url", bench_database(tmp_path, "ingest")) if PG_URL else ()
    out = run_bench("ingest.py", *options)
    assert "slot + PUT + complete" in out and "plain boto3 put_object" in out and "ratio" in out


def test_processing_runs():
    out = run_bench("processing.py")
    assert "plain Pillow full decode" in out and "process_photo" in out and "worker peak RSS" in out


def test_timeline_runs(tmp_path):
    out = run_bench("timeline.py", "--database-url", bench_database(tmp_path, "timeline"))
    assert "GET /patients/{id}/timeline" in out and "bare Litestar endpoint" in out and "ratio" in out


def test_memory_runs():
    out = run_bench("memory.py")
    assert "peak" in out and "while processing" in out and "embedded: photos: ready" in out
    if os.environ.get("FOLLICLE_TEST_REDIS_URL"):  # the separate worker's layout needs the queue
        assert "worker  : photos: ready" in out and "worker process" in out


@pytest.mark.skipif(not PG_URL, reason="the reminder sweep benchmark seeds PostgreSQL (FOLLICLE_TEST_DATABASE_URL)")
def test_sweep_runs(tmp_path):
    out = run_bench("sweep.py", "--database-url", bench_database(tmp_path, "sweep"))
    assert "planning pass" in out and "delivery sweep" in out


def test_app_start_runs():
    out = run_bench("app_start.py", timeout=900)
    assert '"start_to_home_s"' in out and '"app_above_empty_window_mb"' in out


@pytest.mark.skipif(not PG_URL or not os.environ.get("FOLLICLE_TEST_REDIS_URL"),
                    reason="several API workers and a job worker share PostgreSQL and Redis (FOLLICLE_TEST_DATABASE_URL, FOLLICLE_TEST_REDIS_URL)")
def test_load_runs(tmp_path):
    out = run_bench("load.py", "--database-url", bench_database(tmp_path, "load"), "--redis-url", os.environ["FOLLICLE_TEST_REDIS_URL"])
    assert "POST /me/photos/slots" in out and "GET /patients/{id}/timeline" in out and "upload to ready" in out
    assert "OK: zero errors, every photo ready exactly once" in out
