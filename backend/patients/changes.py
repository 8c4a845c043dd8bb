"""Changes to one patient that other features react to inside the same transaction.

The feature that makes a change tells it here (`await changes.tell(ScheduleChanged(patient_id))`)
and never imports the features that react: the reminders outbox re-plans, the timeline cache
moves on, the outcome facts refresh. Which reaction answers which change is written down once, in
the composition root (`backend.app.patient_reactions`), and handed to `wire` by every process that
changes patients (the API's lifespan, the job worker, the CLI), as route handlers and job
registrations are. A process that tells a change before wiring fails loudly (`NotWired`) rather
than skipping the reminders. A reaction that raises fails the change (its transaction rolls back).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

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


Reactions = Mapping[type, Sequence[Reaction]]


class NotWired(RuntimeError):
    """A change was told in a process whose composition root never called `wire`."""


_wired: dict[type, tuple[Reaction, ...]] | None = None


def wire(reactions: Reactions) -> None:
    """Set this process's reactions: for each change type, its reactions in the order they run."""
    global _wired
    unknown = [kind for kind in reactions if kind not in _CHANGE_TYPES]
    if unknown:
        raise TypeError(f"not a patient change: {unknown}")
    _wired = {kind: tuple(found) for kind, found in reactions.items()}


def wired() -> dict[type, tuple[Reaction, ...]]:
    if _wired is None:
        raise NotWired("no reactions wired: the process's composition root calls changes.wire(...) before a change")
    return _wired


async def tell(change: Change) -> None:
    """Run every reaction to `change`, in the wired order; call it inside the change's transaction."""
    for react in wired().get(type(change), ()):
        await react(change)


_CHANGE_TYPES = (ScheduleChanged, CheckInCompleted, QuestionsAnswered, PhotoRefused, ProgressRecorded, RatingsReleased)
