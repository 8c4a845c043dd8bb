"""The settings screen's "Download my data" and "Ask my clinic to delete my data", in a real Kivy
window against the real backend (S3 on loopback): the ZIP saved where downloads go, with the
patient's processed photo, records and report; the deletion request reaching the clinic once."""

from __future__ import annotations

import zipfile

import pytest

from tests.fixtures.images import photo_jpeg
from tests.mobile.conftest import pump, screenshot
from tests.mobile.test_uploads_live import wait_until_ready

pytestmark = pytest.mark.kivy


def _to_the_bottom(screen) -> None:
    """Scroll to the cards at the foot of the page once the layout has settled around new text."""
    pump(frames=6)
    scroller = screen.ids.scroller
    scroller.scroll_y = 0
    scroller.update_from_scroll()
    pump(frames=6)


def test_download_my_data_then_ask_the_clinic_to_delete_it(phone_app, backend, kivy_window, tmp_path, monkeypatch):
    downloads = tmp_path / "Downloads"
    monkeypatch.setenv("FOLLICLE_DOWNLOADS_DIR", str(downloads))
    invited = backend.invite_patient("Robin Hale")
    session = phone_app.session
    session.enrol(invited.code)
    session.uploads.stop()
    session.keep_photo(
        key=session.new_photo_key(), checkin_month=0, view_id="frontal", data=photo_jpeg(1080, 1440, seed=7),
        width=1080, height=1440, captured_at=1.0,
    )
    session.uploads.drain()
    wait_until_ready(session, 1)

    phone_app.go("settings")
    screen = phone_app.manager.current_screen
    _to_the_bottom(screen)
    assert screen.ids.download_my_data.text == "Download my data"
    screenshot(kivy_window, "21-settings-my-data")

    screen.ids.download_my_data.dispatch("on_release")
    pump(lambda: screen.copy_busy)
    pump(lambda: not screen.copy_busy, timeout=90)
    assert screen.copy_kind == "success", screen.copy_text
    (saved,) = downloads.glob("follicle-my-data-robin-hale-*.zip")  # whose copy it is, in its name
    assert saved.name in screen.copy_text and str(downloads) in screen.copy_text
    names = zipfile.ZipFile(saved).namelist()
    assert {"README.txt", "records.json", "my-progress-report.pdf"} <= set(names)
    assert [n for n in names if n.startswith("photos/month-00/frontal-")]
    assert not list(downloads.glob("*.part"))
    _to_the_bottom(screen)
    screenshot(kivy_window, "22-settings-my-data-saved")

    screen.ids.ask_deletion.dispatch("on_release")
    assert screen.confirm_deletion and screen.ids.ask_deletion.text == "Yes, ask them to delete my data"
    _to_the_bottom(screen)
    screenshot(kivy_window, "23-settings-ask-to-delete")
    screen.ids.ask_deletion.dispatch("on_release")
    pump(lambda: screen.deletion_asked)
    assert "Phone Test Clinic has been told" in screen.deletion_text
    assert screen.ids.ask_deletion.disabled and screen.ids.ask_deletion.text == "Asked"
    _to_the_bottom(screen)
    screenshot(kivy_window, "24-settings-deletion-asked")

    with backend.staff() as staff:
        seen = staff.get(f"/patients/{invited.patient_id}/deletion-request").json()
    assert seen["request"]["requested_at"]
    # leaving and coming back, the screen shows the request from the server
    phone_app.go("home")
    phone_app.go("settings")
    screen = phone_app.manager.current_screen
    pump(lambda: screen.deletion_asked)
    assert session.my_data.ask_for_deletion().id == session.my_data.deletion_request().id
