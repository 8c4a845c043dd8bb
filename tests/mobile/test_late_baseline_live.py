"""A patient enrolled after the baseline date, in a real Kivy window against the live backend: the
home screen asks for the baseline first (not "Missed"), the check-in takes all five views, and the
clinic then holds them as the patient's baseline."""

from __future__ import annotations

import pytest

from tests.fixtures.images import photo_jpeg
from tests.mobile.conftest import pump, screenshot
from tests.mobile.test_uploads_live import VIEWS, wait_until_ready

pytestmark = pytest.mark.kivy


def _take_every_view(phone_app, checkin, pictures) -> None:
    for item in checkin.ids.prep_list.children:
        item.dispatch("on_press")
    checkin.ids.prep_continue.dispatch("on_release")
    for number in range(len(VIEWS)):
        assert checkin.stage == "steps"
        shot = pictures / f"view-{number}.jpg"
        shot.write_bytes(photo_jpeg(1080, 1440, seed=40 + number))
        checkin.ids.steps_ready.dispatch("on_release")
        pump(lambda: checkin.stage == "capture")
        checkin.ids.capture_button.dispatch("on_release")
        picker = phone_app.camera.popup
        pump(lambda: picker is not None and picker in phone_app.root.get_root_window().children)
        picker.choose(shot)
        picker.ids.use_button.dispatch("on_release")
        pump(lambda: checkin.stage == "review" and not checkin.checking)
        assert checkin.quality_ok, checkin.quality_text
        kept_before = checkin.kept_count
        checkin.ids.keep_button.dispatch("on_release")
        pump(lambda: checkin.kept_count == kept_before + 1)
    assert checkin.stage == "done"


def test_a_patient_enrolled_after_the_baseline_takes_baseline_photos_and_they_become_the_baseline(
    phone_app, backend, kivy_window, tmp_path
):
    # the clinic set the baseline 10 days ago (its window closed 3 days ago); the patient joins today
    invited = backend.invite_patient("Jordan Reyes", baseline_days_ago=10)
    phone_app.session.enrol(invited.code)
    assert phone_app.session.api.me().enrolled_on is not None

    phone_app.go("home")
    home = phone_app.manager.current_screen
    pump(lambda: home.checkin_title not in ("Loading...", ""))
    assert home.checkin_title == "Baseline photos: take them now"
    assert "compared with these" in home.checkin_detail
    assert home.can_start and home.checkin_month == 0
    assert [(t["label"], t["state"]) for t in home.months] == [("Baseline", "open")]
    tile_words = [child.text for tile in home.ids.month_strip.children for child in tile.walk() if hasattr(child, "text")]
    assert "Missed" not in tile_words and "Now" in tile_words
    screenshot(kivy_window, "journeys-late-baseline-home")

    home.ids.start_button.dispatch("on_release")
    checkin = phone_app.manager.current_screen
    assert checkin.name == "checkin" and checkin.month == 0
    _take_every_view(phone_app, checkin, tmp_path / "pictures")

    session = phone_app.session
    session.uploads.drain()
    wait_until_ready(session, len(VIEWS))

    # the clinic holds them as the baseline: month 0 complete with all five views
    with backend.staff() as staff:
        checkins = staff.get(f"/patients/{invited.patient_id}/checkins").json()
        timeline = staff.get(f"/patients/{invited.patient_id}/timeline").json()
    (baseline,) = [c for c in checkins if c["month"] == 0]
    assert baseline["status"] == "complete"
    assert sorted(p["view"] for p in baseline["photos"] if p["status"] == "ready") == sorted(VIEWS)
    first = timeline["months"][0]
    assert first["month"] == 0 and len([p for p in first["photos"] if p["status"] == "ready"]) == len(VIEWS)
    assert session.api.my_checkins().completed_months == [0]

    # and the home screen moves on to month 1, with the baseline done and nothing missed
    phone_app.go("uploads")
    phone_app.go("home")
    home = phone_app.manager.current_screen
    pump(lambda: home.months and home.months[0]["state"] == "done")
    assert home.checkin_title.startswith("Month 1 photos due") and not home.can_start
    assert [t["state"] for t in home.months] == ["done"]
    screenshot(kivy_window, "journeys-late-baseline-taken")
