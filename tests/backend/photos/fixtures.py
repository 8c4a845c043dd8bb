"""Fixtures for tests that upload photos: S3 (moto's server on loopback, through a relay that can take
it down), the world, phones A and B, and the app's job runtime. Imported by the conftest of
tests/backend/photos and tests/backend/checkins."""

from __future__ import annotations

import httpx
import pytest

from backend.settings import Settings
from tests.backend.photos.phone import Phone
from tests.backend.world import build_world
from tests.backend.s3_server import moto_endpoint, s3, s3_settings  # noqa: F401 - fixtures

__all__ = ["jobs", "moto_endpoint", "phone_a", "phone_b", "s3", "settings", "store_http", "world"]


@pytest.fixture
def settings(settings: Settings, s3) -> Settings:  # noqa: F811 - narrows the root fixture
    return s3_settings(settings, s3)


@pytest.fixture
async def world(client):
    """Clinics X and Y, staff, patients A and B (enrolled) of X and C of Y."""
    return await build_world()


@pytest.fixture
async def store_http():
    async with httpx.AsyncClient(timeout=10) as http:
        yield http


@pytest.fixture
def phone_a(client, world, store_http) -> Phone:
    return Phone(client, store_http, world.headers("patient_a"))


@pytest.fixture
def phone_b(client, world, store_http) -> Phone:
    return Phone(client, store_http, world.headers("patient_b"))


@pytest.fixture
def jobs(app):
    """The app's job runtime (in-memory broker): `await jobs.wait_idle()` lets processing finish."""
    return app.state.jobs
