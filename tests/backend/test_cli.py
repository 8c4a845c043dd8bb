"""The `follicle` command an operator uses on a fresh install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _follicle(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FOLLICLE_")},
        "FOLLICLE_DATABASE_URL": f"sqlite://{tmp_path}/cli.sqlite3",
        "FOLLICLE_PUBLIC_URL": "http://127.0.0.1:8123",
    }
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, input=stdin, capture_output=True, text=True, timeout=120,
    )


def test_migrate_then_create_admin_then_sign_in(tmp_path):
    assert _follicle(tmp_path, "migrate").returncode == 0
    created = _follicle(tmp_path, "create-admin", "--clinic", "Northside Hair", "--email", "Lead@Northside.example",
                        "--password", "a-long-admin-password")
    assert created.returncode == 0, created.stderr
    assert "Northside Hair" in created.stdout and "lead@northside.example" in created.stdout
    again = _follicle(tmp_path, "create-admin", "--clinic", "Other", "--email", "lead@northside.example",
                      "--password", "a-long-admin-password")
    assert again.returncode == 1 and "already exists" in again.stderr
    short = _follicle(tmp_path, "create-admin", "--clinic", "Other", "--email", "x@y.example", "--password", "short")
    assert short.returncode == 1 and "at least 10" in short.stderr


def test_seed_demo_prints_where_to_go_and_a_fresh_invite_each_time(tmp_path):
    assert _follicle(tmp_path, "migrate").returncode == 0
    first = _follicle(tmp_path, "seed-demo")
    second = _follicle(tmp_path, "seed-demo")
    assert first.returncode == 0, first.stderr
    assert "http://127.0.0.1:8123/dashboard" in first.stdout
    assert "demo@follicle.example / follicle-demo-2026" in first.stdout
    code_of = lambda out: out.split("Patient invite:")[1].split()[0]  # noqa: E731
    assert code_of(first.stdout) != code_of(second.stdout)
