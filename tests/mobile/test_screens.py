"""The app's screens built in a real Kivy window and driven as a patient would, against the real
backend; each step saves a screenshot under tests/artifacts/."""

from __future__ import annotations

import pytest

from tests.mobile.conftest import pump, screenshot

pytestmark = pytest.mark.kivy


def test_enrol_with_the_typed_code_opens_home(phone_app, invited, kivy_window):
    enrol = phone_app.manager.current_screen
    assert enrol.name == "enrol"
    screenshot(kivy_window, "01-enrol")

    enrol.ids.code_input.text = "WRONG123"
    enrol.ids.connect_button.dispatch("on_release")
    pump(lambda: enrol.error != "")
    assert "not right" in enrol.error
    screenshot(kivy_window, "02-enrol-wrong-code")

    enrol.ids.code_input.text = invited.code.lower()
    enrol.ids.connect_button.dispatch("on_release")
    pump(lambda: phone_app.manager.current == "home")
    home = phone_app.manager.current_screen
    pump(lambda: home.checkin_title not in ("Loading...", ""))
    assert home.greeting == "Hello, Alex"
    screenshot(kivy_window, "03-home")


def _enrolled(phone_app, backend, *, baseline_days_ago: int = 0, name: str = "Alex Morgan"):
    invited = backend.invite_patient(name, baseline_days_ago=baseline_days_ago)
    phone_app.session.enrol(invited.code)
    return invited


def _keep_earlier_photo(session, view_id: str, month: int, *, seed: int) -> None:
    """A photo this phone took (and sent) last month: the ghost for this month's shot."""
    from tests.fixtures.images import photo_jpeg

    photo = session.queue.add(
        key=session.new_photo_key(), checkin_month=month, view_id=view_id, data=photo_jpeg(1080, 1440, seed=seed),
        width=1080, height=1440, captured_at=1.0,
    )
    session.queue.mark_completed(photo.key, "earlier-photo")


def test_check_in_of_one_view_with_the_ghost_of_last_month(phone_app, backend, kivy_window, tmp_path):
    from tests.fixtures.images import photo_jpeg

    _enrolled(phone_app, backend, baseline_days_ago=30)
    phone_app.session.uploads.stop()  # this test is about capture; uploads have their own
    for seed, view in enumerate(("frontal", "vertex", "crown", "left_temple", "right_temple"), start=3):
        _keep_earlier_photo(phone_app.session, view, 0, seed=seed)  # the baseline, all taken: month 1 is next
    shot = tmp_path / "pictures" / "frontal-today.jpg"
    shot.write_bytes(photo_jpeg(1080, 1440, seed=3))

    phone_app.go("home")
    home = phone_app.manager.current_screen
    pump(lambda: home.can_start)
    assert home.checkin_title.startswith("Month 1 photos")
    home.ids.start_button.dispatch("on_release")
    checkin = phone_app.manager.current_screen
    assert checkin.name == "checkin" and checkin.stage == "prep"
    assert checkin.ids.prep_continue.disabled
    screenshot(kivy_window, "04-checkin-prep")

    for item in checkin.ids.prep_list.children:
        item.dispatch("on_press")
    assert not checkin.ids.prep_continue.disabled
    checkin.ids.prep_continue.dispatch("on_release")
    assert checkin.stage == "steps" and checkin.view_label == "Frontal hairline"
    assert checkin.position_text == "Photo 1 of 5"
    screenshot(kivy_window, "05-checkin-steps")

    checkin.ids.steps_ready.dispatch("on_release")
    pump(lambda: checkin.ghost_source != "")
    assert checkin.stage == "capture"
    checkin.ids.ghost_slider.value = 0.5
    assert checkin.ids.viewfinder.ids.ghost.opacity == 0.5
    screenshot(kivy_window, "06-checkin-capture-ghost")

    checkin.ids.capture_button.dispatch("on_release")
    picker = phone_app.camera.popup
    pump(lambda: picker in kivy_window.children)
    picker.choose(shot)
    pump()
    screenshot(kivy_window, "07-checkin-choose-file")
    picker.ids.use_button.dispatch("on_release")
    pump(lambda: checkin.stage == "review" and not checkin.checking)
    assert checkin.quality_ok, checkin.quality_text
    screenshot(kivy_window, "08-checkin-review")

    checkin.ids.keep_button.dispatch("on_release")
    pump(lambda: checkin.view_label == "Vertex (top, parted)")
    kept = [p for p in phone_app.session.queue.all() if p.checkin_month == 1]
    assert [(p.view_id, p.path.read_bytes() == shot.read_bytes()) for p in kept] == [("frontal", True)]
    assert checkin.position_text == "Photo 2 of 5"


def test_a_blurry_dark_shot_gets_hints_and_retake_is_offered_first(phone_app, backend, kivy_window, tmp_path):
    from PIL import Image

    _enrolled(phone_app, backend)
    phone_app.session.uploads.stop()
    dark = tmp_path / "pictures" / "dark.jpg"
    Image.new("RGB", (1080, 1440), (20, 16, 14)).save(dark, quality=90)
    phone_app.go("checkin", month=0)
    checkin = phone_app.manager.current_screen
    for item in checkin.ids.prep_list.children:
        item.dispatch("on_press")
    checkin.ids.prep_continue.dispatch("on_release")
    checkin.ids.steps_ready.dispatch("on_release")
    assert checkin.ghost_source == ""  # the first month has no earlier photo
    checkin.ids.capture_button.dispatch("on_release")
    phone_app.camera.popup.choose(dark)
    phone_app.camera.popup.ids.use_button.dispatch("on_release")
    pump(lambda: checkin.stage == "review" and not checkin.checking)
    assert not checkin.quality_ok
    assert "too dark" in checkin.quality_text and "blurry" in checkin.quality_text
    assert checkin.ids.keep_button.text == "Keep anyway"
    screenshot(kivy_window, "09-checkin-review-hints")
    checkin.ids.retake_button.dispatch("on_release")
    assert checkin.stage == "capture" and phone_app.session.queue.all() == []


def test_side_effect_report_after_an_injection(phone_app, backend, kivy_window):
    from datetime import UTC, datetime, timedelta

    invited = _enrolled(phone_app, backend)
    backend.schedule_injection(invited.patient_id, (datetime.now(UTC) - timedelta(days=1)).isoformat(), status="done")
    phone_app.go("side_effects")
    screen = phone_app.manager.current_screen
    pump(lambda: screen.can_send)
    assert screen.about.startswith("About your injection on")
    cards = {card.symptom: card for card in screen.ids.symptoms.children}
    swelling = [c for c in cards["swelling"].walk() if getattr(c, "text", "") == "Moderate"][0]
    swelling.dispatch("on_release")
    assert cards["swelling"].severity == 2
    screen.ids.notes.text = "Puffy forehead the next morning."
    screenshot(kivy_window, "10-side-effects")
    screen.ids.send_button.dispatch("on_release")
    pump(lambda: screen.status != "")
    assert screen.status_kind == "success", screen.status
    assert cards["swelling"].severity == 0 and screen.ids.notes.text == ""  # a new report starts blank
    screenshot(kivy_window, "11-side-effects-sent")


def test_self_assessment_at_baseline(phone_app, backend, kivy_window):
    _enrolled(phone_app, backend)
    phone_app.go("questionnaire")
    screen = phone_app.manager.current_screen
    pump(lambda: screen.total > 0)
    assert screen.ids.send_button.disabled
    card = screen.ids.questions.children[0]
    [c for c in card.ids.choices.children if c.text == "A little happy"][0].dispatch("on_release")
    assert card.answer == 1 and not screen.ids.send_button.disabled
    assert [c.text for c in card.ids.choices.children if c.state == "down"] == ["A little happy"]
    screenshot(kivy_window, "12-questionnaire")
    screen.ids.send_button.dispatch("on_release")
    pump(lambda: screen.status != "")
    assert screen.status_kind == "success", screen.status


def test_settings_save_reminder_times(phone_app, backend, kivy_window):
    _enrolled(phone_app, backend)
    phone_app.go("settings")
    screen = phone_app.manager.current_screen
    screen.ids.reminder_time.text = "19:30"
    screen.ids.quiet_start.text = "22:00"
    screen.ids.save_reminders.dispatch("on_release")
    pump(lambda: screen.status != "")
    assert screen.status_kind == "success" and "19:30" in screen.status
    assert phone_app.session.api.me().reminders.check_in_time == "19:30"
    screenshot(kivy_window, "13-settings")


def test_upload_queue_drains_through_a_network_cut(phone_app, backend, kivy_window, store_network):
    from tests.fixtures.images import photo_jpeg

    _enrolled(phone_app, backend)
    session = phone_app.session
    session.uploads.stop()
    for number, view in enumerate(("frontal", "vertex", "crown")):
        session.keep_photo(
            key=session.new_photo_key(), checkin_month=0, view_id=view, data=photo_jpeg(1080, 1440, seed=number),
            width=1080, height=1440, captured_at=float(number),
        )
    phone_app.go("uploads")
    uploads = phone_app.manager.current_screen
    assert uploads.overall_text == "0 of 3 photos sent" and uploads.waiting_count == 3
    screenshot(kivy_window, "14-uploads-waiting")

    store_network.cut_after(200_000)  # the network goes part way through the first photo's bytes
    session.start_uploads()
    pump(lambda: any(p.error_code == "offline" for p in session.queue.all()))
    pump(lambda: "No connection" in " ".join(row.state_text for row in uploads.ids.rows.children))
    assert uploads.overall_text == "0 of 3 photos sent"
    screenshot(kivy_window, "15-uploads-offline")

    store_network.restore()
    uploads.ids.try_again.dispatch("on_release")
    pump(lambda: uploads.overall_text == "3 of 3 photos sent", timeout=60)
    assert uploads.overall_fraction == 1.0
    assert [row.state_text for row in uploads.ids.rows.children] == ["Sent to your clinic"] * 3
    screenshot(kivy_window, "16-uploads-drained")

    phone_app.go("home")
    home = phone_app.manager.current_screen
    pump(lambda: home.upload_text == "All 3 photos are with your clinic.")


def test_a_photo_the_clinic_refuses_after_upload_asks_to_be_taken_again(phone_app, backend, kivy_window):
    from mobile.messages import patient_message
    from tests.fixtures.images import photo_jpeg, truncated_jpeg_with_end_marker

    _enrolled(phone_app, backend)
    session = phone_app.session
    session.uploads.stop()
    for number, (view, data) in enumerate(
        (("frontal", photo_jpeg(1080, 1440)), ("crown", truncated_jpeg_with_end_marker()))
    ):
        session.keep_photo(
            key=session.new_photo_key(), checkin_month=0, view_id=view, data=data, width=1080, height=1440,
            captured_at=float(number),
        )
    phone_app.go("uploads")
    uploads = phone_app.manager.current_screen
    session.start_uploads()
    # the cut-short photo passes complete's first 64 kB; the clinic's check refuses it afterwards
    pump(lambda: uploads.failed_count == 1 and uploads.overall_text == "1 of 1 photos sent", timeout=60)
    texts = sorted(row.state_text for row in uploads.ids.rows.children)
    assert texts == sorted(["Sent to your clinic", patient_message("photo_corrupt")])
    assert "take it again" in patient_message("photo_corrupt")
    # sending the same bytes again cannot help: no "Try again now" to press, the retake is the way
    assert uploads.ids.try_again.disabled and uploads.ids.try_again.opacity == 0
    screenshot(kivy_window, "16b-uploads-refused-retake")


def test_a_due_reminder_shows_in_the_app_on_the_desktop(phone_app, backend, kivy_window):
    from datetime import UTC, datetime, timedelta

    invited = _enrolled(phone_app, backend)
    backend.schedule_injection(invited.patient_id, (datetime.now(UTC) + timedelta(days=2)).isoformat())
    phone_app.go("home")
    home = phone_app.manager.current_screen
    pump(lambda: home.injection_title == "Next injection in 2 days")
    schedule, _ = phone_app.session.sync_reminders()
    first = phone_app.session.schedule.upcoming()[0]
    phone_app.show_due_notifications(now=first.due_at - timedelta(minutes=1))
    assert phone_app.banner_text == ""  # not yet
    phone_app.show_due_notifications(now=first.due_at)
    assert first.title in phone_app.banner_text and first.body in phone_app.banner_text
    screenshot(kivy_window, "17-home-reminder-banner")
    banner = phone_app.root.ids.banner
    banner.dispatch("on_touch_down", _Touch(banner.center))
    assert phone_app.banner_text == ""


class _Touch:
    def __init__(self, pos) -> None:
        self.pos = pos
        self.x, self.y = pos


def test_my_timeline_shows_the_first_month_beside_the_latest(phone_app, backend, kivy_window):
    from tests.fixtures.images import photo_jpeg
    from tests.mobile.test_uploads_live import wait_until_ready

    _enrolled(phone_app, backend, baseline_days_ago=31)
    session = phone_app.session
    session.uploads.stop()
    for month, seed in ((0, 1), (1, 2)):
        for view in ("frontal", "vertex"):
            session.keep_photo(
                key=session.new_photo_key(), checkin_month=month, view_id=view,
                data=photo_jpeg(1080, 1440, seed=seed, hairline=0.45 - 0.05 * month), width=1080, height=1440,
                captured_at=float(month),
            )
    session.uploads.drain()
    wait_until_ready(session, 4)

    phone_app.go("timeline")
    timeline = phone_app.manager.current_screen
    pump(lambda: len(timeline.ids.cards.children) == 5)
    cards = {card.label: card for card in timeline.ids.cards.children}
    frontal = cards["Frontal hairline"]
    assert frontal.first_caption.startswith("Baseline,") and frontal.latest_caption.startswith("Month 1,")
    assert frontal.first_source and frontal.latest_source
    assert not cards["Crown (back of the top)"].first_source
    assert "20%" in timeline.note
    screenshot(kivy_window, "18-timeline")

    phone_app.go("home")
    home = phone_app.manager.current_screen
    # two of five views: the baseline is not complete, so it stays open (it never reads missed: every
    # later month is compared with it), and its photos show in the strip beside month 1's
    pump(lambda: [m["state"] for m in home.months] == ["open", "open"] and all(m["image"] for m in home.months))
    screenshot(kivy_window, "19-home-months")


def test_a_phone_disconnected_by_the_clinic_goes_back_to_enrol(phone_app, backend, kivy_window):
    _enrolled(phone_app, backend)
    with backend.staff() as staff:
        staff.post(f"/devices/{phone_app.session.device.device_id}/revoke").raise_for_status()
    phone_app.go("home")
    pump(lambda: phone_app.manager.current == "enrol")
    enrol = phone_app.manager.current_screen
    assert "new code" in enrol.error and not phone_app.session.enrolled
    screenshot(kivy_window, "20-enrol-after-revoked")


class PictureCamera:
    """Stands in for a phone's camera: a live preview showing a picture file the test can swap."""

    live = True
    action_text = "Take photo"

    def __init__(self, picture) -> None:
        self.picture = picture
        self.widget = None

    def point_at(self, picture) -> None:
        self.picture = picture
        if self.widget is not None:
            self.widget.source = str(picture)

    def preview_widget(self):
        from kivy.uix.image import Image

        if self.widget is None:
            self.widget = Image(fit_mode="cover")
        self.widget.source = str(self.picture)
        return self.widget

    def frame(self):
        from PIL import Image

        return Image.open(self.picture).convert("RGB")

    def preview_frame(self):
        import time

        from mobile.platform.camera import PreviewFrame

        self.frames = getattr(self, "frames", 0) + 1
        return PreviewFrame(number=self.frames, at=time.monotonic(), image=self.frame())

    def capture(self, on_captured, on_cancelled) -> None:
        from mobile.platform.camera import image_from_file

        on_captured(image_from_file(self.picture))

    def stop(self) -> None:
        pass


def test_a_live_camera_gives_hints_while_framing(phone_app, backend, kivy_window, tmp_path):
    from PIL import Image, ImageFilter

    from tests.fixtures.images import photo_jpeg

    _enrolled(phone_app, backend, baseline_days_ago=30)
    phone_app.session.uploads.stop()
    _keep_earlier_photo(phone_app.session, "frontal", 0, seed=5)  # last month's, framed the same
    blurred = tmp_path / "blurred.jpg"
    sharp = tmp_path / "sharp.jpg"
    sharp.write_bytes(photo_jpeg(1080, 1440, seed=5))
    Image.open(sharp).filter(ImageFilter.GaussianBlur(12)).save(blurred, quality=90)
    camera = PictureCamera(blurred)
    phone_app._camera = camera
    phone_app.session.settings.auto_capture = False  # this test takes the photo itself

    phone_app.go("checkin", month=1)
    checkin = phone_app.manager.current_screen
    for item in checkin.ids.prep_list.children:
        item.dispatch("on_press")
    checkin.ids.prep_continue.dispatch("on_release")
    checkin.ids.steps_ready.dispatch("on_release")  # frontal
    assert checkin.ids.steps_ready.text == "Open the camera"
    pump(lambda: checkin.live_hint.endswith("Hold still."))  # blurred

    camera.point_at(sharp)
    pump(lambda: checkin.ghost_source != "")
    checkin.ids.ghost_slider.value = 0.35
    pump(lambda: checkin.live_hint == "Lined up, sharp and well lit. Take the photo now.")
    assert checkin.ids.live_hint.kind == "success"
    screenshot(kivy_window, "21-checkin-live-camera")
    checkin.ids.capture_button.dispatch("on_release")
    pump(lambda: checkin.stage == "review" and not checkin.checking)
    assert checkin.quality_ok


def test_enrol_from_a_picture_of_the_clinics_qr_code(phone_app, backend, invited, kivy_window, tmp_path):
    qr_picture = tmp_path / "pictures" / "invite-qr.png"
    qr_picture.write_bytes(backend.invite_qr_png(invited.qr_png_url))
    enrol = phone_app.manager.current_screen
    assert enrol.ids.qr_button.text == "Open a picture of the QR code" and not enrol.ids.qr_button.disabled
    enrol.ids.qr_button.dispatch("on_release")
    picker = [w for w in kivy_window.children if w.__class__.__name__ == "FilePicker"][0]
    picker.choose(qr_picture)
    pump()
    screenshot(kivy_window, "22-enrol-qr-picture")
    picker.ids.use_button.dispatch("on_release")
    pump(lambda: phone_app.manager.current == "home")
    assert phone_app.session.api.me().display_name == "Alex Morgan"
