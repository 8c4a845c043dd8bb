"""Phone app benchmark: cold start to the home screen on the desktop, and resident memory.

An enrolled phone (token stored, photos of the baseline month queued) is started in a fresh
interpreter each run, against the real backend on loopback; the clock runs from the moment the
parent spawns the process until the home screen shows the server's answer (next check-in, next
injection, the month strip) in a drawn frame. Memory is the process's resident set at that
moment (VmRSS) and its high-water mark (VmHWM).

Targets (DESIGN.md): under 2 s and under 150 MB. Run: `python bench/app_start.py [--runs N]`;
`--tiny` measures one run of each, to check that it still runs.
Needs a GL context (Mesa or a display), as the Kivy tests do.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TIME_TARGET_S = 2.0
MEMORY_TARGET_MB = 150

# Runs in the fresh interpreter: the app as `python -m mobile` starts it, timed to the home screen.
_CHILD = r"""
import json, os, sys, time
from mobile.__main__ import configure_desktop
configure_desktop()
from kivy.clock import Clock
from mobile.app import FollicleApp

def status_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0

app = FollicleApp()

def check(dt):
    home = app.manager.get_screen("home") if app.manager and app.manager.has_screen("home") else None
    if home is not None and app.manager.current == "home" and home.months and home.injection_title:
        # one more frame so what the patient sees is drawn, then measure; and again once settled
        shown = {}

        def measure(dt):
            shown.update(shown_at=time.time(), rss_kb=status_kb("VmRSS"), hwm_kb=status_kb("VmHWM"))

        def settled(dt):
            shown.update(settled_rss_kb=status_kb("VmRSS"), settled_hwm_kb=status_kb("VmHWM"))
            print(json.dumps(shown))
            sys.stdout.flush()
            app.stop()

        Clock.schedule_once(measure, 0)
        Clock.schedule_once(settled, 2.0)
        return False

Clock.schedule_interval(check, 0)
app.run()
"""

# The floor under any Kivy app here: an empty window (the GL stack, Mesa's llvmpipe on these machines).
_BARE_WINDOW = r"""
import json, os, sys, time
os.environ.setdefault("KIVY_NO_ARGS", "1")
from kivy.config import Config
Config.set("graphics", "width", "400")
Config.set("graphics", "height", "800")
from kivy.app import App
from kivy.clock import Clock
from kivy.uix.label import Label

def status_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0

class Bare(App):
    def load_kv(self, filename=None):
        return None

    def build(self):
        return Label(text="Follicle")

    def on_start(self):
        def done(dt):
            print(json.dumps({"shown_at": time.time(), "rss_kb": status_kb("VmRSS"), "hwm_kb": status_kb("VmHWM")}))
            sys.stdout.flush()
            self.stop()
        Clock.schedule_once(done, 2.0)

Bare().run()
"""


def prepare_phone(folder: Path, server_url: str, code: str) -> None:
    from mobile.platform.notifications import InAppNotifier
    from mobile.services.session import PatientSession
    from mobile.services.token_store import PrivateFileTokenStore
    from bench.photos import photo_jpeg

    session = PatientSession(
        folder, server_url=server_url, tokens=PrivateFileTokenStore(folder / "private" / "device.json"), notifier=InAppNotifier()
    )
    session.enrol(code)
    session.uploads.stop()
    for view in ("frontal", "vertex"):
        session.queue.add(
            key=session.new_photo_key(), checkin_month=0, view_id=view, data=photo_jpeg(1080, 1440),
            width=1080, height=1440, captured_at=time.time(),
        )
    session.load_home()
    session.close()


def run_once(env: dict[str, str], program: str = _CHILD) -> dict[str, float]:
    started = time.time()
    child = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
    if child.returncode != 0 or not lines:
        raise SystemExit(f"the app did not start:\n{child.stderr[-3000:]}")
    shown = json.loads(lines[-1])
    return {
        "seconds": shown["shown_at"] - started,
        "rss_mb": shown["rss_kb"] / 1024,
        "hwm_mb": shown["hwm_kb"] / 1024,
        "settled_rss_mb": shown.get("settled_rss_kb", shown["rss_kb"]) / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tiny", action="store_true", help="one measured run, to check it runs")
    args = parser.parse_args()
    repeats = 2
    if args.tiny:
        args.runs, repeats = 1, 1

    from datetime import UTC, datetime, timedelta

    from bench.live_backend import LiveBackend

    with tempfile.TemporaryDirectory(prefix="follicle-app-bench-") as scratch:
        scratch_path = Path(scratch)
        (scratch_path / "backend").mkdir()
        backend = LiveBackend(scratch_path / "backend").start()
        try:
            invited = backend.invite_patient("Alex Morgan", baseline_days_ago=40)
            backend.schedule_injection(invited.patient_id, (datetime.now(UTC) + timedelta(days=4)).isoformat())
            data_dir = scratch_path / "phone"
            prepare_phone(data_dir, backend.url, invited.code)
            env = {
                **os.environ,
                "KIVY_NO_ARGS": "1",
                "KIVY_LOG_LEVEL": "error",
                "KIVY_HOME": str(scratch_path / "kivy-home"),
                "FOLLICLE_APP_DATA_DIR": str(data_dir),
                "FOLLICLE_NO_KEYRING": "1",
                "PYTHONPATH": str(ROOT),
            }
            run_once(env)  # the first run fills Kivy's home and the OS file cache
            runs = [run_once(env) for _ in range(args.runs)]
            floor = max(run_once({**env, "LP_NUM_THREADS": "0"}, _BARE_WINDOW)["hwm_mb"] for _ in range(repeats))
            # what Mesa's llvmpipe does with its default rasteriser threads (the app turns them off)
            threaded = max(run_once({**env, "LP_NUM_THREADS": str(os.cpu_count() or 2)})["settled_rss_mb"] for _ in range(repeats))
        finally:
            backend.stop()

    seconds = [r["seconds"] for r in runs]
    settled = [r["settled_rss_mb"] for r in runs]
    rss = [r["rss_mb"] for r in runs]
    hwm = [r["hwm_mb"] for r in runs]
    report = {
        "runs": args.runs,
        "start_to_home_s": {"median": round(statistics.median(seconds), 3), "max": round(max(seconds), 3)},
        "rss_mb_at_home": {"median": round(statistics.median(rss), 1), "max": round(max(rss), 1)},
        "peak_rss_mb_at_home": round(max(hwm), 1),
        "rss_mb_2s_later": {"median": round(statistics.median(settled), 1), "max": round(max(settled), 1)},
        "rss_mb_2s_later_with_llvmpipe_threads": round(threaded, 1),
        "empty_kivy_window_rss_mb": round(floor, 1),
        "app_above_empty_window_mb": round(max(hwm) - floor, 1),
        "targets": {"start_to_home_s": TIME_TARGET_S, "rss_mb": MEMORY_TARGET_MB},
        "within_targets": statistics.median(seconds) < TIME_TARGET_S and max(max(hwm), max(settled)) < MEMORY_TARGET_MB,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
