"""The client's address: the socket peer, or what a trusted proxy says it saw, never what a client claims."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar, Request, get
from litestar.datastructures import State

from backend.security.client_address import TrustedProxies, client_address, parse_address, resolve

PROXIES = TrustedProxies.parse("10.0.0.0/8, 192.0.2.1")


def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_claims():
    assert resolve("198.51.100.9", ["203.0.113.7"], TrustedProxies()) == "198.51.100.9"


def test_an_untrusted_peer_cannot_pretend_to_be_a_proxy():
    assert resolve("198.51.100.9", ["203.0.113.7"], PROXIES) == "198.51.100.9"


def test_a_trusted_proxy_names_the_client():
    assert resolve("10.1.2.3", ["203.0.113.7"], PROXIES) == "203.0.113.7"


def test_addresses_a_client_wrote_itself_are_ignored_behind_a_chain_of_proxies():
    # the client claimed 1.1.1.1; the edge proxy 192.0.2.1 saw 203.0.113.7; the inner proxy saw the edge
    assert resolve("10.1.2.3", ["1.1.1.1", "203.0.113.7", "192.0.2.1"], PROXIES) == "203.0.113.7"


def test_a_client_cannot_walk_past_the_proxies_by_claiming_a_proxy_address():
    assert resolve("10.1.2.3", ["10.9.9.9", "203.0.113.7"], PROXIES) == "203.0.113.7"


def test_garbage_from_a_trusted_proxy_stops_at_that_proxy():
    assert resolve("10.1.2.3", ["not-an-address"], PROXIES) == "10.1.2.3"


@pytest.mark.parametrize(
    ("written", "address"),
    [("203.0.113.7:5123", "203.0.113.7"), ("[2001:db8::1]:443", "2001:db8::1"), ("::ffff:203.0.113.7", "203.0.113.7"), (" 2001:db8::2 ", "2001:db8::2"), ("x\x00y", None)],
)
def test_addresses_are_read_as_proxies_write_them(written, address):
    parsed = parse_address(written)
    assert (str(parsed) if parsed else None) == address


def test_a_bad_proxy_setting_names_the_variable():
    with pytest.raises(ValueError, match="FOLLICLE_TRUSTED_PROXIES"):
        TrustedProxies.parse("10.0.0.0/8, proxy.example")


@pytest.mark.parametrize(
    ("peer", "trusted", "address"),
    [("10.1.2.3", "10.0.0.0/8", "203.0.113.7"), ("10.1.2.3", "", "10.1.2.3"), ("198.51.100.9", "10.0.0.0/8", "198.51.100.9")],
)
async def test_the_request_helper_uses_the_app_s_trusted_proxies(peer, trusted, address):
    @get("/who", sync_to_thread=False)
    def who(request: Request) -> str:
        return client_address(request)

    app = Litestar([who], state=State({"trusted_proxies": TrustedProxies.parse(trusted)}))
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.get("/who", headers={"X-Forwarded-For": "1.1.1.1, 203.0.113.7"})
    assert answer.text == address
