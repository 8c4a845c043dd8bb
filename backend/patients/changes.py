"""Changes to one patient that other features react to inside the same transaction.

The feature that makes a change tells it here (`await changes.tell(ScheduleChanged(patient_id))`)
and never imports the features that react: the reminders outbox re-plans, the timeline cache
moves on. A feature that reacts lists its module in LISTENER_MODULES (as backend.db lists model
modules); the module holds `REACTIONS`, a mapping from a change's type to an
`async (change) -> None`. The modules are imported on the first change told, not at import.
A reaction that raises fails the change (its transaction rolls back).
"""

from __future__ import annotations

import functools
import importlib
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

# Every module that reacts to patient changes; a feature adds its own here.
LISTENER_MODULES = (
    "backend.reminders.reactions",
    "backend.checkins.reactions",
    "backend.outcomes.reactions",
)


@dataclass(frozen=True, slots=True)
class ScheduleChanged:
    """Something the patient's schedule depends on moved: enrolment, baseline, timezone or
    reminder preferences, an injection session. `check_preferences`: the change sets the
    preferences, so preferences the schedule rules refuse fail it (a 400) instead of being skipped."""

    patient_id: uuid.UUID
    at: datetime | None = None
    check_preferences: bool = False


@dataclass(frozen=True, slots=True)
class CheckInCompleted:
    """Every view of check-in `month` has a ready photo: the month's reminders stop."""

    patient_id: uuid.UUID
    month: int
    at: datetime


@dataclass(frozen=True, slots=True)
class QuestionsAnswered:
    """The patient answered these report questions (their schedule dedupe keys)."""

    patient_id: uuid.UUID
    dedupe_keys: tuple[str, ...]
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PhotoRefused:
    """Processing refused one of the patient's photos: the patient is asked to take it again."""

    patient_id: uuid.UUID
    photo_id: uuid.UUID
    checkin_month: int
    at: datetime


@dataclass(frozen=True, slots=True)
class ProgressRecorded:
    """Something recorded about how the patient is doing changed: `what` is "rating" (a
    blinded-rating consensus), "side_effect" (a report) or "self_assessment"."""

    patient_id: uuid.UUID
    what: str


@dataclass(frozen=True, slots=True)
class RatingsReleased:
    """A rating round of the clinic was closed or published: its consensus now counts for these
    patients (one change for the whole round, so reactions can be set-based)."""

    clinic_id: uuid.UUID
    patient_ids: tuple[uuid.UUID, ...]


Change = ScheduleChanged | CheckInCompleted | QuestionsAnswered | PhotoRefused | ProgressRecorded | RatingsReleased
Reaction = Callable[[Change], Awaitable[None]]


async def tell(change: Change) -> None:
    """Run every reaction to `change`, in LISTENER_MODULES order; call it inside the change's transaction."""
    for react in _reactions().get(type(change), ()):
        await react(change)


@functools.cache
def _reactions() -> dict[type, tuple[Reaction, ...]]:
    found: dict[type, list[Reaction]] = defaultdict(list)
    for name in LISTENER_MODULES:
        for kind, react in importlib.import_module(name).REACTIONS.items():
            found[kind].append(react)
    return {kind: tuple(reactions) for kind, reactions in found.items()}
