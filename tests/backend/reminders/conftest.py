"""A patient with an Android and an iPhone, push providers against loopback FCM and APNs, and outbox rows."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from backend.enrolment.models import Device
from backend.patients.models import Patient
from backend.push import PushPlatform
from backend.reminders.models import Reminder
from shared.schedule import ReminderKind
from tests.backend.push.conftest import (  # noqa: F401 - fixtures reused from the provider tests
    apns,
    apns_http,
    apns_key,
    apns_server,
    apns_tokens,
    clock,
    fcm,
    google,
    http,
    tls_files,
)
from tests.backend.world import add_patient

ANDROID_TOKEN = "dGhpcy1pcy1h:APA91bF_loopback_android_phone_0123456789abcdefghijklmnop"
IOS_TOKEN = "a1" * 32


@dataclass
class TwoPhones:
    patient_id: uuid.UUID
    android_id: uuid.UUID
    ios_id: uuid.UUID


@pytest.fixture
async def two_phones(world) -> TwoPhones:
    """Patient P of clinic X (Europe/London, quiet 21:00-08:00), enrolled on two phones, with no planned reminders."""
    patient = await add_patient(world.ids["clinic_x"], "Patient P", "X-777")
    await Patient.filter(id=patient.id).update(enrolled_at=datetime.now(UTC))
    android = await Device.create(
        patient=patient, token_hash=secrets.token_hex(32), platform="android", push_token=ANDROID_TOKEN
    )
    ios = await Device.create(patient=patient, token_hash=secrets.token_hex(32), platform="ios", push_token=IOS_TOKEN)
    return TwoPhones(patient.id, android.id, ios.id)


@pytest.fixture
def push_providers(fcm, apns) -> dict:
    return {PushPlatform.ANDROID: fcm, PushPlatform.IOS: apns}


async def add_reminder(
    patient_id: uuid.UUID, due_at: datetime, kind: ReminderKind = ReminderKind.CHECKIN_DUE
) -> Reminder:
    return await Reminder.create(
        patient_id=patient_id,
        kind=kind,
        dedupe_key=f"test:{uuid.uuid4()}",
        due_at=due_at,
        next_attempt_at=due_at,
        checkin_month=3 if kind == ReminderKind.CHECKIN_DUE else None,
        session_id=uuid.uuid4() if kind == ReminderKind.INJECTION_UPCOMING else None,
    )
