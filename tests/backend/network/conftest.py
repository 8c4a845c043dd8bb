"""A registry beside the clinic app, in the test's event loop: the clinic reaches it through
httpx's ASGI transport, so delivery, retries and signals run the real code on both sides."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from backend.auth.principal import StaffPrincipal
from backend.clinics.models import StaffUser
from backend.network.service import NetworkHttp
from shared.contract.auth import StaffRole
from tests.backend.registry.conftest import registry, registry_app, registry_postgres, registry_url  # noqa: F401
from tests.conftest import running

REGISTRY = "http://registry.local"


async def admin_of(clinic_id: uuid.UUID) -> StaffPrincipal:
    admin = await StaffUser.filter(clinic_id=clinic_id, role=StaffRole.ADMIN).first()
    return StaffPrincipal(
        staff_id=admin.id, clinic_id=clinic_id, role=StaffRole.ADMIN, session_id=uuid.uuid4(), name=admin.name,
        email=admin.email, csrf_token="", via_cookie=False,
    )


class Switch(httpx.AsyncBaseTransport):
    """The registry's transport with a switch: `down = True` and every request fails to connect."""

    def __init__(self, app) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.down = False
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.down:
            raise httpx.ConnectError("registry down", request=request)
        return await self.inner.handle_async_request(request)


@dataclass
class Network:
    http: NetworkHttp
    switch: Switch
    registry: httpx.AsyncClient


@pytest.fixture
async def network(app, registry_app, client) -> AsyncIterator[Network]:  # noqa: F811
    switch = Switch(registry_app)
    app.state.network_http.transport = switch
    async with running(registry_app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=registry_app), base_url=REGISTRY) as reader:
            yield Network(app.state.network_http, switch, reader)
