"""Reminders: the phone's push token, the patient's schedule, and the clinic's view of what was sent."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec

from shared.contract.base import Request, Response
from shared.contract.reports import DueQuestion
from shared.schedule import ReminderKind


class ReminderState(StrEnum):
    """Where one reminder is in the outbox.

    pending: waiting for its time (or for a retry after a temporary failure); sending: a worker
    holds it; sent: it reached a phone or the app's own schedule; failed: every phone refused it
    for good; dead: still not delivered after the last try, or too late to be useful;
    cancelled: no longer planned (the session moved, the check-in was done).
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"
    CANCELLED = "cancelled"


class AttemptOutcome(StrEnum):
    """What a push service answered to one attempt (the outbox counts as delivered to the app)."""

    DELIVERED = "delivered"
    DELIVERED_TO_OUTBOX = "delivered_to_outbox"
    RETRY_LATER = "retry_later"
    TOKEN_INVALID = "token_invalid"
    FAILED = "failed"


class PushTokenPlatform(StrEnum):
    ANDROID = "android"
    IOS = "ios"


# the device table keeps 512 characters; real FCM and APNs tokens are far shorter
PushToken = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]


class PushTokenRegistration(Request, kw_only=True):
    """The phone's FCM registration token (Android) or APNs device token (iOS), replacing any earlier one."""

    platform: PushTokenPlatform
    push_token: PushToken


class PushTokenOut(Response, kw_only=True):
    device_id: uuid.UUID
    platform: PushTokenPlatform
    push_registered: bool


class ScheduledReminder(Response, kw_only=True):
    """One reminder the app should show as a local notification at `due_at`, with exactly these words."""

    id: uuid.UUID
    kind: ReminderKind
    due_at: datetime
    title: str
    body: str
    session_id: uuid.UUID | None = None
    checkin_month: int | None = None


class MySchedule(Response, kw_only=True):
    """The next reminders, soonest first (at most 64: iOS keeps no more), and the report questions
    waiting now (as `GET /me/questions-due` gives them), so the home screen needs one call."""

    generated_at: datetime
    timezone: str
    reminders: list[ScheduledReminder]
    due_questions: list[DueQuestion]


class DeliveryAttemptOut(Response, kw_only=True):
    at: datetime
    attempt: int
    provider: str
    outcome: AttemptOutcome
    detail: str
    device_id: uuid.UUID | None


class ReminderOut(Response, kw_only=True):
    """One reminder as the clinic sees it, with every delivery attempt."""

    id: uuid.UUID
    kind: ReminderKind
    due_at: datetime
    state: ReminderState
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str
    session_id: uuid.UUID | None
    checkin_month: int | None
    created_at: datetime
    delivery_attempts: list[DeliveryAttemptOut]


class ReminderHistory(Response, kw_only=True):
    items: list[ReminderOut]
    total: int
    offset: int
    limit: int
    # how many of the patient's reminders are in each state, whatever the filter
    counts: dict[str, int]
