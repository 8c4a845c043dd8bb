"""Real Follicle processes for the operations tests: `follicle serve` and `follicle worker` as
subprocesses with their settings in FOLLICLE_* variables, killed the hard way (SIGKILL)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]
START_SECONDS = 90  # a give-up point on a loaded machine, not a measurement
# periodic rounds off: recovery must not come from a sweep
QUIET = {
    "photo_sweep_seconds": 0, "reminder_sweep_seconds": 0, "records_sweep_seconds": 0, "email_sweep_seconds": 0,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(values: dict[str, object]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLICLE_")}
    env.update({f"FOLLICLE_{k.upper()}": str(v) for k, v in {**QUIET, **values}.items()})
    env["PYTHONPATH"] = str(ROOT)
    return env


class Process:
    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        self.log = log
        self._out = log.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", *args], env=env, cwd=cwd, stdout=self._out, stderr=subprocess.STDOUT
        )

    def kill(self) -> None:
        """SIGKILL: no clean-up runs, whatever the process was doing."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait()
        self._out.close()

    def stop(self) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=30)
        finally:
            self._out.close()


async def serve(values: dict[str, object], cwd: Path) -> tuple[Process, str]:
    """`follicle serve` on a free loopback port, once /health answers; the process and its URL."""
    port = free_port()
    process = Process(["serve", "--host", "127.0.0.1", "--port", str(port)], environment(values), cwd, cwd / "serve.log")
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    async with httpx.AsyncClient(timeout=5) as http:
        while True:
            if process.popen.poll() is not None:
                raise RuntimeError(f"follicle serve stopped: {process.log.read_text()[-2000:]}")
            try:
                if (await http.get(url + "/health")).status_code == 200:
                    return process, url
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("follicle serve did not start")
            await asyncio.sleep(0.1)


async def wait_for(check, *, limit: float) -> float:
    """Poll until `check()` is true; the seconds it took; fails after `limit` seconds."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not await check():
        assert loop.time() - start < limit, f"gave up waiting after {limit} s"
        await asyncio.sleep(0.1)
    return loop.time() - start
