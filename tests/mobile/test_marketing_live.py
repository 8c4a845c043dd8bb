"""Marketing consent in a real Kivy window against the real backend (S3 on loopback): the patient
chooses the photos of one before/after and grants consent, the clinic exports the before/after,
the patient withdraws in the app, and the clinic's image is gone and a new one refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.backend.marketing.photos import jpeg, scene, shot
from tests.mobile.conftest import ARTIFACTS, pump, screenshot
from tests.mobile.test_uploads_live import wait_until_ready

pytestmark = pytest.mark.kivy


def _photo(**moved) -> bytes:
    return jpeg(shot(scene(), **moved).resize((1080, 1440)))


def test_grant_for_chosen_photos_export_then_withdraw_and_the_export_is_gone(phone_app, backend, kivy_window):
    invited = backend.invite_patient("Sam Rivers", baseline_days_ago=200)
    session = phone_app.session
    session.enrol(invited.code)
    session.uploads.stop()
    for month, moved in ((0, {}), (6, {"dx": 30, "dy": 20, "zoom": 1.04})):
        session.keep_photo(
            key=session.new_photo_key(), checkin_month=month, view_id="frontal", data=_photo(**moved),
            width=1080, height=1440, captured_at=1.0 + month,
        )
    session.uploads.drain()
    wait_until_ready(session, 2)

    phone_app.go("settings")
    settings = phone_app.manager.current_screen
    pump(frames=4)
    settings.ids.open_marketing.dispatch("on_release")
    screen = phone_app.manager.current_screen
    assert screen.name == "marketing"
    pump(lambda: len(screen.ids.photo_choices.children) == 2, timeout=30)
    assert "may not use" in screen.state_text
    choices = screen.ids.photo_choices.children[::-1]
    assert [c.text for c in choices] == ["Frontal hairline, baseline", "Frontal hairline, month 6"]
    for choice in choices:
        choice.dispatch("on_press")
    screenshot(kivy_window, "30-marketing-choose-photos")
    screen.ids.grant.dispatch("on_release")
    pump(lambda: screen.live, timeout=30)
    assert "2 chosen photos" in screen.state_text and "until" in screen.state_text
    screenshot(kivy_window, "31-marketing-granted")

    photo_ids = [c.photo_id for c in choices]
    with backend.staff() as staff:
        made = staff.post(
            f"/patients/{invited.patient_id}/before-after", json={"before_photo_id": photo_ids[0], "after_photo_id": photo_ids[1]}
        )
        assert made.status_code == 201, made.text
        image_url = made.json()["image_url"]
        exported = staff.get(image_url)
        assert exported.status_code == 200 and exported.headers["content-type"] == "image/png"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "32-before-after-from-the-app.png").write_bytes(exported.content)
        assert Image.open(io.BytesIO(exported.content)).size == (1212, 864)

    screen.ids.withdraw.dispatch("on_release")
    assert screen.confirm_withdraw and screen.ids.withdraw.text == "Yes, withdraw my consent"
    screen.ids.withdraw.dispatch("on_release")
    pump(lambda: not screen.live and "withdrew" in screen.state_text, timeout=30)
    assert "the 1 before/after image was deleted" in screen.state_text
    screenshot(kivy_window, "33-marketing-withdrawn")

    with backend.staff() as staff:
        assert staff.get(image_url).status_code == 404
        again = staff.post(
            f"/patients/{invited.patient_id}/before-after", json={"before_photo_id": photo_ids[0], "after_photo_id": photo_ids[1]}
        )
        assert again.status_code == 409 and again.json()["error"]["code"] == "no_marketing_consent"
        seen = staff.get(f"/patients/{invited.patient_id}/marketing").json()
        assert seen["live"] is False and seen["images"] == [] and seen["images_deleted"] == 1
