"""The import layers of .importlinter hold, and a module importing against them is caught.

The contracts run through import-linter over the source as it is; the second test copies the
source, adds one upward import (the audit writer reaching for the dashboard) and expects the
layers contract to break, so the first test's "kept" means something."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(where: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run(
        [str(LINT), "--no-cache", "--config", str(where / ".importlinter")],
        cwd=where, env=env, capture_output=True, text=True, timeout=120,
    )


def test_the_house_imports_run_one_way():
    answer = _lint(ROOT)
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert "4 kept, 0 broken" in answer.stdout


def test_an_upward_import_breaks_the_layers(tmp_path):
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "fonts", "templates", "static")
    for package in ("backend", "mobile", "shared"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    (tmp_path / "backend" / "audit" / "upward.py").write_text("from backend.dashboard import format\n")
    (tmp_path / "shared" / "framework.py").write_text("import litestar\n")

    answer = _lint(tmp_path)

    assert answer.returncode != 0
    assert "backend.audit.upward -> backend.dashboard.format" in answer.stdout
    assert "shared.framework -> litestar" in answer.stdout
    assert "2 kept, 2 broken" in answer.stdout
