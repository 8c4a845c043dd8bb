"""The dashboard's signed-in browser fixture, for the pages these tests open."""

from tests.backend.dashboard.conftest import browser  # noqa: F401
