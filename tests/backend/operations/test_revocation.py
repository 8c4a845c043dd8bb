"""A signed-out session and a revoked phone are refused by every API worker within a second:
`follicle serve --workers 2` (attempt limits shared through Redis), each check on fresh
connections spread over both workers. Needs Redis (FOLLICLE_TEST_REDIS_URL)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from backend.enrolment.models import Device
from tests.backend.operations.processes import Process, environment, free_port
from tests.conftest import REDIS_URL

pytestmark = [pytest.mark.redis, pytest.mark.skipif(not REDIS_URL, reason="FOLLICLE_TEST_REDIS_URL not set")]
CHECKS = 12  # requests per check, each on a connection of its own (the kernel spreads them over the workers)


async def answers(url: str, path: str, token: str) -> list[int]:
    async def one() -> int:
        async with httpx.AsyncClient(timeout=30) as http:  # a new connection: any worker may take it
            return (await http.get(url + path, headers={"Authorization": f"Bearer {token}"})).status_code

    return await asyncio.gather(*(one() for _ in range(CHECKS)))


async def test_a_signed_out_session_and_a_revoked_phone_are_refused_by_every_worker_within_a_second(world, settings, tmp_path):
    port = free_port()
    values = {
        "database_url": settings.database_url, "local_store_path": settings.local_store_path,
        "secret_key": settings.secret_key, "data_dir": tmp_path / "data", "redis_url": REDIS_URL,
        "password_hash_time_cost": 1, "password_hash_memory_kib": 8, "password_hash_parallelism": 1,
    }
    server = Process(["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"], environment(values),
                     tmp_path, tmp_path / "serve.log")
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while (tmp_path / "serve.log").read_text().count("Application startup complete") < 2:
            assert time.monotonic() < deadline and server.popen.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            await asyncio.sleep(0.2)
        staff, phone = world.tokens["clinician_x"], world.tokens["patient_a"]
        assert set(await answers(url, "/auth/me", staff)) == {200}
        assert set(await answers(url, "/me", phone)) == {200}

        device = await Device.get(patient_id=world.ids["patient_a"])
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            for path, token, end in (
                ("/auth/me", staff, lambda: http.post("/auth/sign-out", headers={"Authorization": f"Bearer {staff}"})),
                ("/me", phone, lambda: http.post(f"/devices/{device.id}/revoke", headers=world.headers("staff_x"))),
            ):
                ended = await end()
                assert ended.status_code in (200, 204), ended.text
                since = time.monotonic()
                while True:
                    asked = time.monotonic()
                    seen = await answers(url, path, token)
                    if set(seen) == {401}:
                        break
                    assert asked - since < 1.0, f"{path} still answered {seen} a second after the revocation"
                # the requests all refused were sent within the second (however long a loaded machine took to answer)
                assert asked - since < 1.0
    finally:
        server.kill()
