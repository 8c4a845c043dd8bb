"""Two worker processes race over 500 due reminders on PostgreSQL (and the Redis broker when set);
one is killed with SIGKILL in the middle of a batch. Every reminder is delivered, and recorded as
delivered exactly once; the killed worker's batch comes back to the other when its lease ends."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from backend.auth import service as auth
from backend.enrolment.models import Device
from backend.patients.models import Patient
from backend.reminders.models import DeliveryAttempt, Reminder
from shared.contract.patients import Treatment
from shared.schedule import ReminderKind
from tests.backend.push.credentials import service_account_key
from tests.backend.push.google_loopback import GoogleLoopback
from tests.conftest import PG_URL, REDIS_URL

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="needs FOLLICLE_TEST_DATABASE_URL (PostgreSQL)"),
]

REMINDERS = 500
LEASE_SECONDS = 3
ROOT = Path(__file__).resolve().parents[3]


class SlowFcm(GoogleLoopback):
    """FCM on loopback, with the latency of a far-away service, so sending a batch takes a while."""

    def _send(self, path, headers, raw):
        time.sleep(0.1)
        return super()._send(path, headers, raw)


@pytest.fixture
def fcm_server(tmp_path, monkeypatch):
    # two workers open dozens of connections at once: a listen backlog of 5 would drop some
    monkeypatch.setattr(ThreadingHTTPServer, "request_queue_size", 256)
    info, public_key = service_account_key()
    server = SlowFcm(
        public_key, client_email=info["client_email"], key_id=info["private_key_id"], project_id=info["project_id"],
        clock=time.time,
    )
    info["token_uri"] = server.token_uri
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(info))
    # a push cut off by the kill is the victim's problem, not a traceback on the test's output
    server._server.handle_error = lambda request, address: None
    server.start()
    yield server, key_file
    server.stop()


async def _due_reminders(count: int) -> list[uuid.UUID]:
    """`count` patients on one Android phone each (no quiet hours), each with one reminder due a minute ago."""
    clinic, _ = await auth.create_clinic_with_admin("Race Clinic", "admin@race.example", "Admin", "correct horse battery")
    now = datetime.now(UTC)
    patients = [
        Patient(
            clinic_id=clinic.id, display_name=f"P{n}", record_number=f"R-{n}", treatment=Treatment.PRP,
            planned_sessions=3, interval_days=30, baseline_date=now.date(), timezone="UTC",
            quiet_hours_start="00:00", quiet_hours_end="00:00", enrolled_at=now,
        )
        for n in range(count)
    ]
    await Patient.bulk_create(patients, batch_size=500)
    await Device.bulk_create(
        [
            Device(patient_id=p.id, token_hash=secrets.token_hex(32), platform="android",
                   push_token=f"race-phone-{n:04d}:APA91b_{secrets.token_urlsafe(24)}")
            for n, p in enumerate(patients)
        ],
        batch_size=500,
    )
    due = now - timedelta(minutes=1)
    reminders = [
        Reminder(patient_id=p.id, kind=ReminderKind.CHECKIN_DUE, dedupe_key="checkin_due:1", due_at=due,
                 next_attempt_at=due, checkin_month=1)
        for p in patients
    ]
    await Reminder.bulk_create(reminders, batch_size=500)
    return [r.id for r in reminders]


def _start_worker(database_url: str, key_file: Path, fcm_url: str, tmp_path: Path, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "FOLLICLE_DATABASE_URL": database_url,
        "FOLLICLE_BROKER_URL": REDIS_URL or "memory",
        "FOLLICLE_PUSH_PROVIDERS": "fcm",
        "FOLLICLE_FCM_SERVICE_ACCOUNT_FILE": str(key_file),
        "FOLLICLE_FCM_ENDPOINT": fcm_url,
        "FOLLICLE_REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
        "FOLLICLE_REMINDER_SWEEP_SECONDS": "1",
        "FOLLICLE_REMINDER_BATCH_SIZE": "10",
        "FOLLICLE_LOCAL_STORE_PATH": str(tmp_path / "objects"),
        "FOLLICLE_SECRET_KEY": "race-test",
    }
    # with Redis, the real `follicle worker`; without, the same delivery round in a plain loop
    module = ["backend.cli", "worker"] if REDIS_URL else ["tests.backend.reminders.worker_process"]
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "-m", *module], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )


def _name(process: subprocess.Popen) -> str:
    return f"{socket.gethostname()[:40]}:{process.pid}"


async def _eventually(check, *, within: float, what: str):
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.005)


async def _kick_deliveries_through_redis(times: int) -> None:
    from backend.jobs import build_broker
    from backend.reminders.jobs import DELIVER_TASK
    from backend.settings import Settings
    from taskiq.kicker import AsyncKicker

    broker = build_broker(Settings(broker_url=REDIS_URL))
    await broker.startup()
    try:
        for _ in range(times):
            await AsyncKicker(task_name=DELIVER_TASK, broker=broker, labels={}).kiq()
    finally:
        await broker.shutdown()


async def test_two_workers_deliver_500_reminders_once_each_though_one_is_killed_mid_batch(db, fcm_server, tmp_path):
    server, key_file = fcm_server
    logs = [tmp_path / "victim.log", tmp_path / "survivor.log"]
    workers = [_start_worker(db, key_file, server.url, tmp_path, log) for log in logs]
    victim, survivor = workers
    try:
        ready = ("follicle worker: taking jobs", "reminder worker: delivering")

        async def both_ready() -> bool:
            for worker, log in zip(workers, logs, strict=True):
                assert worker.poll() is None, log.read_text()
            return all(any(line in log.read_text() for line in ready) for log in logs)

        await _eventually(both_ready, within=30, what="both workers to start")
        ids = await _due_reminders(REMINDERS)
        if REDIS_URL:
            await _kick_deliveries_through_redis(2)

        async def victim_holding_a_batch() -> list:
            # once the race is well under way, freeze the victim while it holds claimed rows, and check it does
            if await Reminder.filter(state="sent").count() < REMINDERS // 5:
                return []
            held = await Reminder.filter(state="sending", claimed_by=_name(victim)).values_list("id", flat=True)
            if not held or victim.poll() is not None:
                return []
            os.kill(victim.pid, signal.SIGSTOP)
            held = await Reminder.filter(state="sending", claimed_by=_name(victim)).values_list("id", flat=True)
            if not held:
                os.kill(victim.pid, signal.SIGCONT)
            return held

        in_flight = await _eventually(victim_holding_a_batch, within=30, what="the victim to claim a batch")
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        sent_before = await Reminder.filter(state="sent").count()
        assert 0 < len(in_flight) and REMINDERS // 5 <= sent_before < REMINDERS

        async def all_sent() -> bool:
            assert survivor.poll() is None, logs[1].read_text()
            return await Reminder.filter(state="sent").count() == REMINDERS

        await _eventually(all_sent, within=30, what="every reminder to be sent")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()

    if REDIS_URL:
        output = logs[1].read_text()
        assert "follicle worker: taking jobs" in output and "reminders.deliver_due" in output, output[-2000:]

    delivered = Counter(
        await DeliveryAttempt.filter(outcome="delivered").values_list("reminder_id", flat=True)
    )
    assert set(delivered) == set(ids), "none lost"
    assert set(delivered.values()) == {1}, "each recorded as delivered exactly once"
    came_back = await Reminder.filter(id__in=in_flight).values_list("attempts", flat=True)
    assert set(came_back) == {2}, "the killed worker's batch was taken again after its lease"

    # FCM itself saw every reminder; only a push the victim sent in its last batch can have gone twice,
    # and the reminder id is its collapse key, so the phone still shows it once
    pushed = Counter(r["body"]["message"]["data"]["reminder_id"] for r in server.send_requests)
    assert set(pushed) == {str(i) for i in ids}
    assert {r for r, n in pushed.items() if n > 1} <= {str(i) for i in in_flight}
    assert max(pushed.values()) <= 2
