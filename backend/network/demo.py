"""The demo network of `make run`: the demo clinic and a second demo clinic (its own draw of the
same synthetic cohort, planted worse lot included), both joined to the local registry and published,
so a newcomer sees a pooled forest plot and a lot flagged across two clinics at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime

import httpx

from backend.auth.principal import StaffPrincipal
from backend.auth.service import create_clinic_with_admin
from backend.clinics.models import Clinic, StaffUser
from backend.network import service
from backend.outcomes import facts
from backend.outcomes.demo import seed_outcomes_cohort
from backend.reminders.runtime import worker_name
from shared.contract.auth import StaffRole

SECOND_CLINIC = "Second Demo Clinic"
SECOND_EMAIL = "demo2@follicle.example"
SECOND_SEED = 20261207


def _principal(admin: StaffUser) -> StaffPrincipal:
    return StaffPrincipal(
        staff_id=admin.id, clinic_id=admin.clinic_id, role=StaffRole.ADMIN, session_id=uuid.uuid4(),  # type: ignore[attr-defined]
        name=admin.name, email=admin.email, csrf_token="", via_cookie=False,
    )


async def wait_for_registry(url: str, http: service.NetworkHttp, *, seconds: float = 30) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            async with http.client(url) as client:
                if (await client.get("/health")).status_code == 200:
                    return True
        except httpx.HTTPError:
            pass
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.3)


async def second_demo_clinic(password: str, *, today: date | None = None) -> Clinic:
    """The second demo clinic with its research cohort, made once."""
    admin = await StaffUser.filter(email=SECOND_EMAIL).first()
    if admin is not None:
        return await Clinic.get(id=admin.clinic_id)  # type: ignore[attr-defined]
    clinic, _ = await create_clinic_with_admin(SECOND_CLINIC, SECOND_EMAIL, "Dr Second", password)
    await seed_outcomes_cohort(clinic, today=today, seed=SECOND_SEED)
    await facts.rebuild(clinic.id)
    return clinic


async def join_demo_network(clinics: list[Clinic], registry_url: str, http: service.NetworkHttp, *, today: date | None = None) -> int:
    """Join each clinic not yet in the network, publish, deliver and take the signals; the number joined."""
    joined = 0
    for clinic in clinics:
        if await service.membership(clinic.id) is None:
            admin = await StaffUser.filter(clinic_id=clinic.id, role=StaffRole.ADMIN).order_by("created_at").first()
            await service.join(_principal(admin), registry_url, http)
            await service.publish(clinic.id, today=today or datetime.now(UTC).date())
            joined += 1
    await service.deliver_due(http, worker=worker_name())
    for clinic in clinics:
        await service.sync_signals(clinic.id, http)
    return joined
