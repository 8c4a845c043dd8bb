from __future__ import annotations

import pytest

from backend.patients.models import Patient
from tests.backend.world import World, build_world


@pytest.fixture
async def world(client) -> World:
    """Clinic X (admin, clinician, front desk, patients A and B) and clinic Y; A and B consented
    to research and have ready baseline and month-3 frontal and vertex photos."""
    from tests.backend.ratings.photos import ready_photos

    world = await build_world()
    for name in ("patient_a", "patient_b"):
        await Patient.filter(id=world.ids[name]).update(consent_research=True)
        await ready_photos(world.ids[name], (0, 3), ("frontal", "vertex"))
    return world
