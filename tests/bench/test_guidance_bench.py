"""bench/guidance.py runs from a clean clone at its tiny size and prints its figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_guidance_benchmark_runs_at_its_tiny_size(tmp_path):
    env = {**os.environ, "KIVY_NO_ARGS": "1", "KIVY_HOME": str(tmp_path / "kivy-home"), "KIVY_LOG_LEVEL": "error"}
    run = subprocess.run(
        [sys.executable, "bench/guidance.py", "--tiny"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout[run.stdout.index("{") :])
    alone = report["reading_alone"]
    assert set(alone["frames_per_second"]) == {"guidance_read", "old_live_hint_assess_photo", "crop_and_shrink_only"}
    assert all(rate > 0 for rate in alone["frames_per_second"].values())
    window = report["window"]
    if isinstance(window, dict):  # a GL context here: the preview ran, and the photo was taken by itself
        assert window["preview_fps_alone"] > 0 and window["guidance_frames_per_second_during_preview"] > 0
        assert window["aligned_to_capture_s"] >= window["hold_s"]  # never before the hold is complete
    else:
        assert window.startswith("not run")
