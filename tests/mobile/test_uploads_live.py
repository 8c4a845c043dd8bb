"""Photos from the phone's queue to the clinic, against the real backend over HTTP on loopback and
S3 (moto) on loopback: a full check-in, an app killed mid-queue, the network cut mid-upload and
answers lost on the way back. Every photo arrives exactly once."""

from __future__ import annotations

import hashlib
import time

import pytest

from mobile.services.photo_transport import ApiPhotoTransport
from mobile.services.session import PatientSession
from mobile.services.token_store import PrivateFileTokenStore
from mobile.services.upload_queue import PhotoState
from shared.views import DEFAULT_PROTOCOL
from tests.fixtures.images import photo_jpeg
from tests.mobile.loopback_proxy import LoopbackProxy

VIEWS = [view.id.value for view in DEFAULT_PROTOCOL]


class NoNotifications:
    def schedule(self, notification) -> None: ...

    def cancel(self, notification_id: str) -> None: ...


@pytest.fixture
def api_network(backend):
    """The path from the phone to the API: a test can cut it."""
    proxy = LoopbackProxy(backend.port)
    try:
        yield proxy
    finally:
        proxy.close()


def open_phone(folder, server_url: str) -> PatientSession:
    return PatientSession(
        folder, server_url=server_url, tokens=PrivateFileTokenStore(folder / "private" / "device.json"),
        notifier=NoNotifications(),
    )


@pytest.fixture
def phone(tmp_path, backend, api_network, invited):
    session = open_phone(tmp_path / "phone", api_network.url)
    session.enrol(invited.code)
    session.uploads.stop()  # each test drives the worker itself, step by step
    try:
        yield session
    finally:
        session.close()


def take_check_in(session: PatientSession, views=VIEWS, *, month: int = 0, size=(1080, 1440)) -> list[str]:
    keys = []
    for number, view in enumerate(views):
        data = photo_jpeg(*size, seed=number)
        photo = session.keep_photo(
            key=session.new_photo_key(), checkin_month=month, view_id=view, data=data,
            width=size[0], height=size[1], captured_at=time.time(),
        )
        keys.append(photo.key)
    session.uploads.stop()
    return keys


def clinic_photos(backend, patient_id: str) -> list[dict]:
    """What the clinic has: every photo row of the patient, across check-ins."""
    with backend.staff() as staff:
        answer = staff.get(f"/patients/{patient_id}/checkins")
        answer.raise_for_status()
    return [photo for checkin in answer.json() for photo in checkin["photos"]]


def settle(session: PatientSession) -> None:
    """Ask the backend about every photo it is still checking until none is (a guard, not a timing assertion)."""
    deadline = time.monotonic() + 60
    while any(p.state == PhotoState.CHECKING for p in session.queue.all()):
        assert time.monotonic() < deadline, "the backend did not finish checking the photos"
        session.queue.retry_now()
        session.uploads.drain()
        time.sleep(0.1)


def assert_each_photo_once(session: PatientSession, backend, patient_id: str, keys: list[str]) -> None:
    settle(session)
    photos = clinic_photos(backend, patient_id)
    queued = {p.key: p for p in session.queue.all()}
    assert all(queued[key].state == PhotoState.COMPLETED for key in keys), [queued[k].state for k in keys]
    assert sorted(p["id"] for p in photos) == sorted(queued[key].photo_id for key in keys)
    by_id = {p["id"]: p for p in photos}
    for key in keys:
        mine = queued[key]
        theirs = by_id[mine.photo_id]
        assert theirs["sha256"] == hashlib.sha256(mine.path.read_bytes()).hexdigest()
        assert theirs["view"] == mine.view_id and theirs["checkin_month"] == mine.checkin_month


def test_a_full_check_in_of_five_views_reaches_the_clinic(phone, backend, invited):
    keys = take_check_in(phone)
    assert phone.uploads.drain() >= 5  # each photo sent (and some perhaps asked after while checked)
    assert all(phone.queue.get(key).state in (PhotoState.CHECKING, PhotoState.COMPLETED) for key in keys)
    assert_each_photo_once(phone, backend, invited.patient_id, keys)
    assert phone.queue.summary().fraction_done == 1.0
    assert sorted(p["view"] for p in clinic_photos(backend, invited.patient_id)) == sorted(VIEWS)


class AppKilled(BaseException):
    """The process dies: nothing after this point runs (the worker catches only ApiError)."""


class DiesMidTransfer(ApiPhotoTransport):
    def send(self, photo, target, progress):
        def dying(sent: int, total: int) -> None:
            progress(sent, total)
            if sent > 300_000:
                raise AppKilled()

        super().send(photo, target, dying)


def test_uploads_resume_after_the_app_is_killed_mid_queue(tmp_path, phone, backend, invited, api_network):
    keys = take_check_in(phone, size=(1600, 2133))
    assert phone.uploads.step() and phone.uploads.step()  # two photos sent
    phone.uploads.transport = DiesMidTransfer(phone.api)
    with pytest.raises(AppKilled):
        phone.uploads.step()  # the third is part way through its bytes when the app is killed
    assert phone.queue.get(keys[2]).state == PhotoState.UPLOADING
    phone.close()

    reopened = open_phone(tmp_path / "phone", "http://127.0.0.1:9")  # the stored server wins
    try:
        assert reopened.server_url == api_network.url
        states = [reopened.queue.get(key).state for key in keys]
        assert all(state in (PhotoState.CHECKING, PhotoState.COMPLETED) for state in states[:2])
        assert states[2:] == [PhotoState.SLOT] + [PhotoState.CAPTURED] * 2
        assert reopened.uploads.drain() >= 3
        assert_each_photo_once(reopened, backend, invited.patient_id, keys)
    finally:
        reopened.close()


def test_the_network_cut_mid_upload_waits_with_backoff_then_finishes(phone, backend, invited, store_network):
    keys = take_check_in(phone, ["vertex"], size=(2400, 3200))
    assert phone.queue.get(keys[0]).size > 1_000_000
    store_network.cut_after(500_000)
    phone.uploads.step()
    waiting = phone.queue.get(keys[0])
    assert store_network.cuts >= 1
    assert waiting.state == PhotoState.SLOT and waiting.error_code == "offline"
    assert waiting.next_attempt_at > time.time()  # backing off, not hammering
    assert phone.uploads.drain() == 0  # nothing is due during the wait
    first_wait = waiting.next_attempt_at - time.time()

    phone.queue.retry_now()
    phone.uploads.step()  # still offline: the wait grows
    second = phone.queue.get(keys[0])
    assert second.attempts == 2 and second.next_attempt_at - time.time() > first_wait * 0.9

    store_network.restore()
    phone.queue.retry_now()
    phone.uploads.drain()
    assert_each_photo_once(phone, backend, invited.patient_id, keys)


class LosesAnswers(ApiPhotoTransport):
    """The request reaches the server, its answer is lost on the way back (once per named step)."""

    def __init__(self, api, network: LoopbackProxy, steps: set[str]) -> None:
        super().__init__(api)
        self.network = network
        self.steps = steps

    def _maybe_lose(self, step: str) -> None:
        if step in self.steps:
            self.steps.discard(step)
            self.network.cut_on_answer()

    def request_slot(self, photo):
        self._maybe_lose("slot")
        return super().request_slot(photo)

    def complete(self, photo):
        self._maybe_lose("complete")
        return super().complete(photo)


def test_answers_lost_on_the_way_back_make_no_duplicates(phone, backend, invited, api_network):
    keys = take_check_in(phone, ["frontal", "crown"])
    phone.uploads.transport = LosesAnswers(phone.api, api_network, {"slot", "complete"})

    phone.uploads.step()  # the slot is made on the server; the phone never hears
    assert phone.queue.get(keys[0]).state == PhotoState.CAPTURED
    api_network.restore()
    phone.queue.retry_now()
    phone.uploads.step()  # slot again (same key, same photo), bytes up, complete's answer lost
    assert phone.queue.get(keys[0]).state == PhotoState.UPLOADED
    api_network.restore()
    phone.queue.retry_now()
    phone.uploads.drain()  # complete again: harmless
    assert_each_photo_once(phone, backend, invited.patient_id, keys)

    done = phone.queue.get(keys[0])
    again = phone.uploads.transport.request_slot(done)  # and a slot asked after completion
    assert again.photo_id == done.photo_id and again.already_completed
    assert len(clinic_photos(backend, invited.patient_id)) == 2


def wait_until_ready(session: PatientSession, count: int) -> None:
    """Processing runs in the backend's job queue: wait (with a guard, not a timing assertion)."""
    deadline = time.monotonic() + 60
    while True:
        ready = [p for m in session.api.my_timeline().months for p in m.photos if p.status == "ready"]
        if len(ready) >= count:
            return
        assert time.monotonic() < deadline, "the backend did not process the photos"
        time.sleep(0.2)


def test_a_new_phone_gets_the_ghost_of_last_month_from_the_clinic(tmp_path, phone, backend, invited, api_network):
    from PIL import Image

    from mobile.services.ghosts import GhostFinder

    take_check_in(phone, ["frontal", "vertex"])
    phone.uploads.drain()
    wait_until_ready(phone, 2)

    new_phone = open_phone(tmp_path / "new-phone", api_network.url)  # lost phone, reinstall: nothing local
    try:
        new_phone.enrol(backend.new_invite(invited.patient_id))
        new_phone.uploads.stop()
        finder = GhostFinder(new_phone.queue, new_phone.api, tmp_path / "new-phone" / "ghosts")
        ghosts = finder.for_views(["frontal", "vertex", "crown"], month=1)
        assert sorted(ghosts) == ["frontal", "vertex"]  # no crown photo yet: no ghost for it
        for path in ghosts.values():
            with Image.open(path) as picture:
                assert picture.format == "JPEG" and min(picture.size) >= 240
        assert finder.for_views(["frontal"], month=0) == {}  # nothing earlier than the baseline
    finally:
        new_phone.close()


def test_the_embedded_store_of_make_run_takes_the_same_uploads(tmp_path, local_store_backend):
    invited = local_store_backend.invite_patient()
    session = open_phone(tmp_path / "phone", local_store_backend.url)
    try:
        session.enrol(invited.code)
        session.uploads.stop()
        keys = take_check_in(session)
        assert session.uploads.drain() >= 5
        assert_each_photo_once(session, local_store_backend, invited.patient_id, keys)
    finally:
        session.close()


def test_a_photo_the_clinic_refuses_after_upload_reaches_the_queue_as_a_retake_prompt(phone, backend, invited):
    from mobile.messages import patient_message
    from tests.fixtures.images import truncated_jpeg_with_end_marker

    cut = truncated_jpeg_with_end_marker()  # passes the first 64 kB; the job finds the picture cut short
    photo = phone.keep_photo(
        key=phone.new_photo_key(), checkin_month=0, view_id="crown", data=cut, width=1600, height=1200,
        captured_at=time.time(),
    )
    phone.uploads.stop()
    phone.uploads.drain()
    settle(phone)
    refused = phone.queue.get(photo.key)
    assert refused.state == PhotoState.FAILED
    assert refused.error_code == "photo_corrupt"
    assert refused.error_text == patient_message("photo_corrupt")  # "This photo is damaged. Please take it again."
    with backend.staff() as staff:
        history = staff.get(f"/patients/{invited.patient_id}/reminders").json()
    assert [r["kind"] for r in history["items"] if r["kind"] == "photo_retake"] == ["photo_retake"]
    assert clinic_photos(backend, invited.patient_id)[0]["status"] == "rejected"
