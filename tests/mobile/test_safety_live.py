"""Safety check-ins in a real Kivy window against the real backend: the photo-less check-in three
months after a course (a serious answer reaches the clinic's safety inbox) and the "anything new?"
question of a monthly check-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.schedule import checkin_due_on
from tests.mobile.conftest import pump, screenshot

pytestmark = pytest.mark.kivy


def _last_session_for_open_check_in(months: int) -> datetime:
    """A session day whose check-in `months` later opened two days ago."""
    today = datetime.now(UTC).date()
    day = today - timedelta(days=31 * months)
    while checkin_due_on(day, months) < today - timedelta(days=2):
        day += timedelta(days=1)
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=10)


def test_a_photo_less_safety_check_in_after_a_course_with_a_serious_answer_reaches_the_inbox(phone_app, backend, kivy_window):
    invited = backend.invite_patient("Kim Lowe", baseline_days_ago=200)
    phone_app.session.enrol(invited.code)
    phone_app.session.uploads.stop()
    last = _last_session_for_open_check_in(3)
    backend.schedule_injection(invited.patient_id, (last - timedelta(days=30)).isoformat(), status="done")
    backend.schedule_injection(invited.patient_id, last.isoformat(), status="done")
    phone_app.go("safety")
    screen = phone_app.manager.current_screen
    pump(lambda: screen.can_send, timeout=30)
    assert "3 months since your last treatment session" in screen.question and "No photos this time" in screen.question
    screenshot(kivy_window, "40-safety-check-in")
    screen.ids.something_new.dispatch("on_release")
    cards = {card.symptom: card for card in screen.ids.symptoms.children}
    severe = [c for c in cards["swelling"].walk() if getattr(c, "text", "") == "Severe"][0]
    severe.dispatch("on_release")
    screen.ids.notes.text = "Hard lumps where the injections were."
    pump(frames=4)
    screenshot(kivy_window, "41-safety-check-in-something-new")
    screen.ids.send_button.dispatch("on_release")
    pump(lambda: screen.status != "", timeout=30)
    assert screen.status_kind == "warning" and "alerted" in screen.status, screen.status
    screenshot(kivy_window, "42-safety-check-in-sent")
    with backend.staff() as staff:
        alerts = staff.get("/side-effects/alerts").json()["items"]
        [alert] = [a for a in alerts if a["patient_id"] == str(invited.patient_id)]
        assert alert["serious"] and alert["notes"] == "Hard lumps where the injections were."
        record = staff.get(f"/patients/{invited.patient_id}/long-term").json()
        assert record["safety_answers"][0]["occasion"] == "after_course" and record["safety_answers"][0]["month"] == 3


def test_the_monthly_check_in_asks_anything_new_and_nothing_new_is_an_answer(phone_app, backend, kivy_window):
    invited = backend.invite_patient("Noor Haddad", baseline_days_ago=62)
    phone_app.session.enrol(invited.code)
    phone_app.session.uploads.stop()
    backend.schedule_injection(invited.patient_id, (datetime.now(UTC) - timedelta(days=20)).isoformat(), status="done")
    # 62 days after the baseline is always inside month 2's window (due 59-62 days after it, open 3 days before to 7 after)
    [asked] = phone_app.session.api.safety_questions().questions
    assert (asked.occasion, asked.month, asked.needs_photos) == ("checkin", 2, True)
    phone_app.go("safety")
    screen = phone_app.manager.current_screen
    pump(lambda: screen.can_send, timeout=30)
    assert screen.question.startswith("Anything new since last time?")
    screen.ids.nothing_new.dispatch("on_release")
    screen.ids.send_button.dispatch("on_release")
    pump(lambda: screen.status != "", timeout=30)
    assert screen.status_kind == "success", screen.status
    assert phone_app.session.api.safety_questions().questions == []


def test_after_a_missed_check_in_one_tap_tells_the_clinic_why(phone_app, backend, kivy_window):
    invited = backend.invite_patient("Ari Stone", baseline_days_ago=75)  # month 1 and 2 windows closed, none done
    phone_app.session.enrol(invited.code)
    phone_app.session.uploads.stop()
    phone_app.go("home")
    home = phone_app.manager.current_screen
    pump(lambda: home.question_screen == "safety", timeout=30)
    assert "If you have stopped" in home.question_text
    phone_app.go("safety")
    screen = phone_app.manager.current_screen
    pump(lambda: len(screen.ids.stop_reasons.children) == 6, timeout=30)
    assert "missed your last photo check-in" in screen.stop_question
    screenshot(kivy_window, "43-stop-reason")
    [cost] = [b for b in screen.ids.stop_reasons.children if b.text == "Cost"]
    cost.dispatch("on_release")
    pump(lambda: screen.status != "", timeout=30)
    assert screen.status_kind == "success" and "cost" in screen.status, screen.status
    with backend.staff() as staff:
        record = staff.get(f"/patients/{invited.patient_id}/long-term").json()
        assert record["stop_reason"]["reason"] == "cost" and record["stop_reason"]["source"] == "patient"
