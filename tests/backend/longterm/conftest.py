"""The dashboard's signed-in browser fixture, for the durability page."""

from tests.backend.dashboard.conftest import browser  # noqa: F401
