"""Sign-in and enrolment limits: keyed by account and by client address (X-Forwarded-For only
through trusted proxies); an address that is locked out still signs in to an account it has not
attacked; the counts live in a store every worker shares and a restart keeps (Redis)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from backend.app import create_app
from tests.conftest import REDIS_URL, running
from tests.backend.world import PASSWORD

PROXY = "10.0.0.5"


def sign_in(email: str, password: str, address: str | None = None) -> dict:
    headers = {"X-Forwarded-For": address} if address else {}
    return {"json": {"email": email, "password": password}, "headers": headers}


@asynccontextmanager
async def client_of(app, peer: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as http:
        yield http


async def test_an_address_locked_out_by_guessing_still_signs_in_to_an_account_it_never_attacked(client, world):
    for n in range(30):  # a spray over made-up accounts from one address
        await client.post("/auth/sign-in", **sign_in(f"nobody{n}@x.example", "guess"))
    answer = await client.post("/auth/sign-in", **sign_in("clinician@x.example", PASSWORD))
    assert answer.status_code == 200, answer.text


async def test_the_attacking_address_is_refused_on_the_account_it_attacked_even_with_the_right_password(client, world):
    for _ in range(5):
        assert (await client.post("/auth/sign-in", **sign_in("admin@x.example", "guess"))).status_code == 401
    blocked = await client.post("/auth/sign-in", **sign_in("admin@x.example", PASSWORD))
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "rate_limited"
    assert 0 < int(blocked.headers["Retry-After"]) <= 900


async def test_behind_a_trusted_proxy_one_guesser_does_not_lock_out_the_clinic(settings):
    app = create_app(settings.replace(trusted_proxies=f"{PROXY}/32"))
    async with running(app), client_of(app, PROXY) as http:
        from tests.backend.world import build_world

        await build_world()
        for _ in range(12):
            await http.post("/auth/sign-in", **sign_in("admin@x.example", "guess", "203.0.113.66"))
        assert (await http.post("/auth/sign-in", **sign_in("admin@x.example", PASSWORD, "203.0.113.66"))).status_code == 429
        # the real admin, at the clinic's own address, and a colleague, both through the same proxy
        assert (await http.post("/auth/sign-in", **sign_in("admin@x.example", PASSWORD, "198.51.100.4"))).status_code == 200
        assert (await http.post("/auth/sign-in", **sign_in("clinician@x.example", PASSWORD, "198.51.100.5"))).status_code == 200


async def test_a_client_cannot_dodge_the_limit_by_inventing_forwarded_addresses(client, world):
    for n in range(5):
        await client.post("/auth/sign-in", **sign_in("admin@x.example", "guess", f"203.0.113.{n}"))
    assert (await client.post("/auth/sign-in", **sign_in("admin@x.example", PASSWORD, "203.0.113.99"))).status_code == 429


async def test_an_account_guessed_from_many_addresses_stays_open_to_a_fresh_address(settings):
    app = create_app(settings.replace(trusted_proxies=PROXY))
    async with running(app), client_of(app, PROXY) as http:
        from tests.backend.world import build_world

        await build_world()
        for n in range(25):  # a botnet: each address guesses once
            await http.post("/auth/sign-in", **sign_in("admin@x.example", "guess", f"203.0.113.{n}"))
        # an address that already guessed wrong is refused now that the account is under attack
        again = await http.post("/auth/sign-in", **sign_in("admin@x.example", PASSWORD, "203.0.113.3"))
        assert again.status_code == 429
        assert (await http.post("/auth/sign-in", **sign_in("admin@x.example", PASSWORD, "198.51.100.4"))).status_code == 200


async def test_simultaneous_guesses_cannot_run_past_the_limit(client, world):
    answers = await asyncio.gather(*(client.post("/auth/sign-in", **sign_in("admin@x.example", "guess")) for _ in range(12)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(401) == 5 and statuses.count(429) == 7, statuses


async def test_a_correct_password_clears_that_address_s_failures_on_the_account(client, world):
    for _ in range(4):
        await client.post("/auth/sign-in", **sign_in("admin@x.example", "typo"))
    assert (await client.post("/auth/sign-in", **sign_in("admin@x.example", PASSWORD))).status_code == 200
    for _ in range(4):
        assert (await client.post("/auth/sign-in", **sign_in("admin@x.example", "typo"))).status_code == 401


async def test_the_dashboard_sign_in_counts_against_the_same_limits(client, world, app):
    for _ in range(5):
        await client.post("/auth/sign-in", **sign_in("admin@x.example", "guess"))
    async with client_of(app) as browser:
        page = await browser.get("/dashboard/sign-in")
        import re

        token = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
        answer = await browser.post(
            "/dashboard/sign-in", data={"csrf_token": token, "email": "admin@x.example", "password": PASSWORD}
        )
    assert answer.status_code == 429


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="needs FOLLICLE_TEST_REDIS_URL")
async def test_workers_share_the_counts_and_a_restart_keeps_them(settings):
    shared = settings.replace(redis_url=REDIS_URL, redis_namespace=f"follicle-test-{uuid.uuid4().hex}")
    first, second = create_app(shared), create_app(shared)
    # two workers: one process holds the database open (Tortoise allows one global context), the other uses it
    async with running(first), client_of(first) as one, client_of(second) as two:
        from tests.backend.world import build_world

        await build_world()
        for n in range(5):  # spread over two workers, as a load balancer would
            await (one if n % 2 else two).post("/auth/sign-in", **sign_in("admin@x.example", "guess"))
        assert (await one.post("/auth/sign-in", **sign_in("admin@x.example", PASSWORD))).status_code == 429
        assert (await two.post("/auth/sign-in", **sign_in("admin@x.example", PASSWORD))).status_code == 429
    restarted = create_app(shared)
    async with running(restarted), client_of(restarted) as http:
        assert (await http.post("/auth/sign-in", **sign_in("admin@x.example", PASSWORD))).status_code == 429
        await restarted.stores.get("attempts").delete_all()
