"""Dashboard test helpers: a signed-in browser-like client (cookie jar, CSRF token) per staff member."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from tests.backend.world import PASSWORD

BASE = "http://testserver.local"


class StaffBrowser:
    """One staff member's dashboard session, as their browser would hold it."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.csrf = ""

    async def sign_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        page = await self.http.get("/dashboard/sign-in")
        token = hidden(page.text, "csrf_token")
        answer = await self.http.post("/dashboard/sign-in", data={"csrf_token": token, "email": email, "password": password})
        if answer.status_code == 303:
            landing = await self.http.get(answer.headers["location"])
            self.csrf = csrf_of(landing.text)
        return answer

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(path, **kwargs)

    async def post(self, path: str, data: dict | None = None, *, csrf: bool = True, **kwargs: Any) -> httpx.Response:
        """Submit a form (list values repeat the field, like checkboxes), with the CSRF token unless told not to."""
        fields = dict(data or {})
        if csrf:
            fields["csrf_token"] = self.csrf
        return await self.http.post(path, data=fields, **kwargs)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name} in the page"
    return match.group(1)


def csrf_of(html: str) -> str:
    match = re.search(r'"X-CSRF-Token": "([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
async def browser(app, client) -> AsyncIterator[Callable[..., Any]]:
    """`await browser("admin@x.example")`: a new signed-in StaffBrowser for that account."""
    opened: list[httpx.AsyncClient] = []

    async def open_as(email: str | None = None) -> StaffBrowser:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000 + len(opened)))
        http = httpx.AsyncClient(transport=transport, base_url=BASE)
        opened.append(http)
        staff = StaffBrowser(http)
        if email:
            answer = await staff.sign_in(email)
            assert answer.status_code == 303, answer.text
        return staff

    yield open_as
    for http in opened:
        await http.aclose()
