"""The change mechanism: reactions are the ones the composition root lists, in its order, and a
process that never wired them refuses a change instead of quietly skipping its reminders."""

from __future__ import annotations

import uuid

import pytest

from backend.app import patient_reactions
from backend.checkins import reactions as timeline
from backend.outcomes import reactions as outcomes
from backend.patients import changes
from backend.reminders import reactions as reminders


def test_the_composition_root_answers_every_change_with_its_features_in_order():
    wired = patient_reactions()
    assert set(wired) == {
        changes.ScheduleChanged, changes.CheckInCompleted, changes.QuestionsAnswered, changes.PhotoRefused,
        changes.ProgressRecorded, changes.RatingsReleased,
    }
    # the reminders re-plan before the timeline and the facts move on, as the API always ran them
    assert list(wired[changes.ScheduleChanged]) == [
        reminders.schedule_changed, timeline.schedule_changed, outcomes.schedule_changed
    ]
    assert list(wired[changes.ProgressRecorded]) == [outcomes.progress_recorded]


async def test_a_change_told_before_wiring_is_refused(monkeypatch):
    monkeypatch.setattr(changes, "_wired", None)
    with pytest.raises(changes.NotWired):
        await changes.tell(changes.ProgressRecorded(uuid.uuid4(), "rating"))


async def test_wired_reactions_run_in_order_and_only_for_their_change(monkeypatch):
    heard: list[str] = []

    async def first(change):
        heard.append(f"first {change.what}")

    async def second(change):
        heard.append(f"second {change.what}")

    monkeypatch.setattr(changes, "_wired", None)
    changes.wire({changes.ProgressRecorded: [first, second]})
    await changes.tell(changes.ProgressRecorded(uuid.uuid4(), "rating"))
    await changes.tell(changes.QuestionsAnswered(uuid.uuid4(), ("k",)))
    assert heard == ["first rating", "second rating"]


def test_only_patient_changes_can_be_wired(monkeypatch):
    monkeypatch.setattr(changes, "_wired", None)
    with pytest.raises(TypeError):
        changes.wire({str: []})
