from __future__ import annotations

import pytest

from tests.backend.world import World, build_world


@pytest.fixture
async def world(client) -> World:
    """Two clinics with staff and enrolled patients; needs the app running (client)."""
    return await build_world()
