"""The reminder jobs run on the app's job runtime (in-memory broker: inside the API process)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.app import create_app
from backend.patients.models import Patient
from backend.reminders.jobs import DELIVER_TASK, PLAN_TASK
from shared.errors import InvalidInput
from tests.backend.reminders.conftest import add_reminder
from tests.backend.world import add_patient
from tests.conftest import running


async def test_a_delivery_job_sent_through_the_apps_broker_delivers_what_is_due(app, client, world):
    jobs = app.state.jobs
    assert {DELIVER_TASK, PLAN_TASK} <= set(jobs.tasks)
    patient = await add_patient(world.ids["clinic_x"], "Patient Q", "X-555")
    # no quiet hours, so the job may send at whatever hour the test runs
    await Patient.filter(id=patient.id).update(
        enrolled_at=datetime.now(UTC), quiet_hours_start="00:00", quiet_hours_end="00:00"
    )
    due = await add_reminder(patient.id, datetime.now(UTC) - timedelta(minutes=1))
    later = await add_reminder(patient.id, datetime.now(UTC) + timedelta(hours=1))
    await jobs.enqueue(DELIVER_TASK)
    await jobs.wait_idle()
    await due.refresh_from_db()
    await later.refresh_from_db()
    assert (due.state, later.state) == ("sent", "pending")


async def test_push_settings_naming_a_provider_without_its_key_stop_the_app_at_start(settings):
    app = create_app(settings.replace(push_providers="fcm"))
    with pytest.raises(BaseException) as raised:
        async with running(app):
            pass
    refusals = [e for e in _leaves(raised.value) if isinstance(e, InvalidInput)]
    assert [e.message for e in refusals] == ["push settings missing: fcm_service_account_file"]


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]
