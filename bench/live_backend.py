"""The real backend for the phone app's tests: uvicorn serving `create_app` over HTTP on loopback,
in a thread with its own event loop, on a migrated SQLite file, with a staff member who adds
patients and invites through the staff API (as the dashboard does).

Tortoise ORM keeps one global context per process, so a process holds one such server: a second
backend (another store, say) runs in a child process (`start(in_subprocess=True)`)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import uvicorn

from backend.app import create_app
from backend.app import connect
from backend.db import apply_migrations, close_database
from backend.settings import Settings

STAFF_EMAIL = "clinician@phone-tests.example"
STAFF_PASSWORD = "phone-tests-password-1"


@dataclass(frozen=True)
class InvitedPatient:
    patient_id: str
    code: str
    enrol_url: str
    name: str
    qr_png_url: str = ""


def loopback_socket() -> socket.socket:
    """A listening socket on 127.0.0.1 at a port the OS picks (port 0)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


class LiveBackend:
    _in_process: LiveBackend | None = None

    def __init__(self, folder: Path, *, inherited_fd: int | None = None, **setting_overrides) -> None:
        self.folder = folder
        self._overrides = setting_overrides
        self._child: subprocess.Popen | None = None
        self._sock = loopback_socket() if inherited_fd is None else socket.socket(fileno=inherited_fd)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        database_url = f"sqlite://{folder / 'backend.sqlite3'}"
        overrides = {"public_url": self.url, **setting_overrides}
        self.settings = Settings(
            database_url=database_url,
            secret_key="phone-tests-" + uuid.uuid4().hex,
            local_store_path=str(folder / "objects"),
            **overrides,
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._staff_token: str | None = None

    def start(self, *, in_subprocess: bool = False) -> LiveBackend:
        if in_subprocess:
            return self._start_child()
        if LiveBackend._in_process is not None:
            raise RuntimeError("one in-process backend at a time (Tortoise's context is global): use in_subprocess=True")
        LiveBackend._in_process = self
        self._prepare()
        config = uvicorn.Config(create_app(self.settings), log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the backend did not start")
            time.sleep(0.02)
        return self

    def _prepare(self) -> None:
        asyncio.run(apply_migrations(self.settings.database_url))
        asyncio.run(self._seed_staff())

    def _start_child(self) -> LiveBackend:
        config = json.dumps({"folder": str(self.folder), "fd": self._sock.fileno(), "overrides": self._overrides})
        self._child = subprocess.Popen(
            [sys.executable, "-m", "bench.live_backend", config],
            pass_fds=[self._sock.fileno()],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        )
        assert self._child.stdout is not None
        if self._child.stdout.readline().strip() != "ready":
            self._child.kill()
            raise RuntimeError("the backend did not start")
        return self

    def stop(self) -> None:
        if self._child is not None:
            self._child.terminate()
            self._child.wait(10)
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        if LiveBackend._in_process is self:
            LiveBackend._in_process = None
        self._sock.close()

    def serve_here(self) -> None:
        """The child process's part: prepare the database, say ready, serve until terminated."""
        self._prepare()
        server = uvicorn.Server(uvicorn.Config(create_app(self.settings), log_level="warning", lifespan="on"))
        asyncio.run(self._serve_and_announce(server))

    async def _serve_and_announce(self, server: uvicorn.Server) -> None:
        async def announce() -> None:
            while not server.started:
                await asyncio.sleep(0.02)
            print("ready", flush=True)

        announcer = asyncio.create_task(announce())
        await server.serve(sockets=[self._sock])
        announcer.cancel()

    async def _seed_staff(self) -> None:
        from backend.auth.service import create_clinic_with_admin

        await connect(self.settings.database_url)
        try:
            await create_clinic_with_admin("Phone Test Clinic", STAFF_EMAIL, "Dr Phone", STAFF_PASSWORD)
        finally:
            await close_database()

    # the staff API, as the dashboard would use it

    def staff(self) -> httpx.Client:
        if self._staff_token is None:
            answer = httpx.post(f"{self.url}/auth/sign-in", json={"email": STAFF_EMAIL, "password": STAFF_PASSWORD})
            answer.raise_for_status()
            self._staff_token = answer.json()["token"]
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self._staff_token}"}, timeout=30)

    def invite_patient(
        self, name: str = "Alex Morgan", *, baseline_days_ago: int = 0, timezone: str = "Europe/London"
    ) -> InvitedPatient:
        with self.staff() as staff:
            created = staff.post(
                "/patients",
                json={
                    "display_name": name,
                    "record_number": f"MRN-{uuid.uuid4().hex[:10]}",
                    "plan": {"treatment": "exosomes", "planned_sessions": 4, "interval_days": 30},
                    "baseline_date": (date.today() - timedelta(days=baseline_days_ago)).isoformat(),
                    "timezone": timezone,
                },
            )
            created.raise_for_status()
            patient_id = created.json()["id"]
            invite = staff.post(f"/patients/{patient_id}/invites", json={"valid_hours": 24})
            invite.raise_for_status()
            body = invite.json()
        return InvitedPatient(
            patient_id=patient_id, code=body["code"], enrol_url=body["enrol_url"], name=name, qr_png_url=body["qr_png_url"]
        )

    def invite_qr_png(self, invite_url: str) -> bytes:
        """The QR picture the dashboard shows for an invite."""
        with self.staff() as staff:
            picture = staff.get(invite_url)
            picture.raise_for_status()
            return picture.content

    def new_invite(self, patient_id: str) -> str:
        """Another code for the same patient (a new phone, a reinstall)."""
        with self.staff() as staff:
            invite = staff.post(f"/patients/{patient_id}/invites", json={"valid_hours": 24})
            invite.raise_for_status()
            return invite.json()["code"]

    def schedule_injection(self, patient_id: str, when_iso: str, *, status: str = "scheduled") -> dict:
        with self.staff() as staff:
            answer = staff.post(
                f"/patients/{patient_id}/injections",
                json={"scheduled_at": when_iso, "status": status, "treatment": "exosomes", "product": "ExoCell 5B"},
            )
            answer.raise_for_status()
            return answer.json()


if __name__ == "__main__":
    # the child process of LiveBackend.start(in_subprocess=True)
    setup = json.loads(sys.argv[1])
    LiveBackend(Path(setup["folder"]), inherited_fd=setup["fd"], **setup["overrides"]).serve_here()
