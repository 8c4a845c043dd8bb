"""The enrolled patient on this phone: the one object the screens talk to (Electrum's `app.wallet`).

It owns the API client, the upload queue and its worker, the reminder schedule, the offline cache
and the token store, and offers what the screens need in the clinic's words: enrol, load the home
screen, keep a photo, sync reminders, sign out. No Kivy here; every method may block on the
network, so the app calls them from a worker thread.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx

from mobile.services.api_client import ApiClient, ApiError, Offline
from mobile.services.local_schedule import LocalNotifier, LocalSchedule, SyncResult
from mobile.services.my_data import MyData, downloads_folder
from mobile.services.offline_cache import OfflineCache
from mobile.services.phone_settings import PhoneSettings
from mobile.services.photo_transport import ApiPhotoTransport
from mobile.services.token_store import StoredDevice, TokenStore
from mobile.services.upload_queue import PhotoState, QueuedPhoto, UploadQueue, new_idempotency_key
from mobile.services.upload_worker import UploadWorker
from shared.contract.long_term import MySafetyQuestions
from shared.contract.injections import PatientInjectionOut
from shared.contract.patients import Enrolled, PatientSelf, Platform, ReminderPreferences
from shared.contract.reminders import MySchedule
from shared.contract.reports import DueQuestion
from shared.views import DEFAULT_PROTOCOL, PhotoView, validate_protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnrolRequest:
    code: str
    server_url: str | None  # from a scanned QR code's `server=`; None: the app's configured server


def parse_enrol_text(text: str) -> EnrolRequest:
    """A typed code ("k7m2 p9qx"), or the QR code's link `follicle://enrol?code=...&server=...`."""
    text = text.strip()
    if "://" in text or text.startswith("follicle:"):
        parsed = urlparse(text)
        query = parse_qs(parsed.query)
        code = (query.get("code") or [""])[0]
        server = (query.get("server") or [None])[0]
        if server is not None and urlparse(server).scheme not in ("http", "https"):
            server = None
        return EnrolRequest(code=code.strip(), server_url=server.rstrip("/") if server else None)
    return EnrolRequest(code=text, server_url=None)


@dataclass(frozen=True)
class HomeData:
    me: PatientSelf
    injections: list[PatientInjectionOut]
    completed_months: set[int]
    from_cache: bool  # the server could not be reached: this is what it said last time
    questions: list[DueQuestion] = field(default_factory=list)  # side-effect check-ins, self-assessment
    safety: MySafetyQuestions | None = None  # safety check-ins, and why the patient stopped after a missed one


class PatientSession:
    def __init__(
        self,
        data_dir: Path,
        *,
        server_url: str,
        tokens: TokenStore,
        notifier: LocalNotifier,
        platform: Platform = Platform.DESKTOP,
        http_transport: httpx.BaseTransport | None = None,
        on_upload_change: Callable[[str], None] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.platform = platform
        self.tokens = tokens
        self._http_transport = http_transport
        stored = tokens.load()
        self.device: StoredDevice | None = stored
        self.api = ApiClient(
            stored.server_url if stored else server_url,
            stored.device_token if stored else None,
            transport=http_transport,
        )
        database = data_dir / "phone.sqlite3"
        self.queue = UploadQueue(database, data_dir / "photos")
        self.cache = OfflineCache(database)
        self.settings = PhoneSettings(database)  # this phone's own choices; they survive sign-out
        self.schedule = LocalSchedule(database, notifier)
        self._on_upload_change = on_upload_change or (lambda key: None)
        self.uploads = UploadWorker(self.queue, ApiPhotoTransport(self.api), on_change=self._upload_changed)

    # who is this phone

    @property
    def enrolled(self) -> bool:
        return self.device is not None

    @property
    def server_url(self) -> str:
        return self.api.base_url

    def enrol(self, text: str) -> Enrolled:
        """Redeem an invite (typed or scanned), keep the device token safe, start sending photos."""
        request = parse_enrol_text(text)
        if request.server_url and request.server_url != self.api.base_url:
            self._switch_server(request.server_url)
        enrolled = self.api.enrol(request.code, device_name=socket.gethostname()[:60], platform=self.platform)
        self.device = StoredDevice(
            server_url=self.api.base_url,
            device_token=enrolled.device_token,
            device_id=str(enrolled.device_id),
            patient_name=enrolled.patient.display_name,
        )
        self.tokens.save(self.device)
        before = self.cached_me()
        if before is not None and before.id != enrolled.patient.id:
            # someone else's photos must never go up under this patient
            self.queue.clear()
            self.schedule.clear()
            self.cache.clear()
        self.cache.put("me", enrolled.patient)
        self.queue.retry_now()  # photos that waited for a connected phone go now
        self.start_uploads()
        return enrolled

    def disconnected(self) -> None:
        """The clinic revoked this phone: forget the token, keep the photos for the same patient's
        next enrolment (enrol() drops them if another patient enrols)."""
        self.uploads.stop()
        self.tokens.clear()
        self.device = None
        self.api.use_device_token(None)

    def _switch_server(self, server_url: str) -> None:
        self.uploads.stop()
        self.api.close()
        self.api = ApiClient(server_url, transport=self._http_transport)
        self.uploads = UploadWorker(self.queue, ApiPhotoTransport(self.api), on_change=self._upload_changed)

    def sign_out(self) -> bool:
        """Forget everything this phone holds for the patient. True when the server also revoked the
        token; False when offline (the clinic can still revoke the phone from the dashboard)."""
        revoked = True
        try:
            self.api.sign_out()
        except Offline:
            revoked = False
        except ApiError as error:
            revoked = error.status in (401, 403)  # already revoked
        self.uploads.stop()
        self.tokens.clear()
        self.queue.clear()
        self.schedule.clear()
        self.cache.clear()
        self.device = None
        self.api.use_device_token(None)
        return revoked

    # what the home screen shows

    def load_home(self) -> HomeData:
        """Fresh from the server when reachable, else the last answers kept on the phone."""
        try:
            me = self.api.me()
            injections = self.api.my_injections()
            completed = self._completed_months()
            questions = self.api.questions_due()
            safety = self.api.safety_questions()
        except Offline:
            me = self.cache.get("me", PatientSelf)
            if me is None:
                raise
            injections = self.cache.get("injections", list[PatientInjectionOut]) or []
            completed = set(self.cache.get("completed_months", list[int]) or [])
            questions = self.cache.get("questions", list[DueQuestion]) or []
            safety = self.cache.get("safety", MySafetyQuestions)
            return HomeData(me, injections, completed | self._months_taken_here(me), True, questions, safety)
        self.cache.put("me", me)
        self.cache.put("injections", injections)
        self.cache.put("completed_months", sorted(completed))
        self.cache.put("questions", questions)
        self.cache.put("safety", safety)
        return HomeData(me, injections, set(completed) | self._months_taken_here(me), False, questions, safety)

    def _completed_months(self) -> set[int]:
        return set(self.api.my_checkins().completed_months)

    def cached_me(self) -> PatientSelf | None:
        return self.cache.get("me", PatientSelf)

    def protocol(self) -> tuple[PhotoView, ...]:
        """The clinic's views in capture order (all five until the server has said otherwise)."""
        me = self.cached_me()
        if me is None or not me.protocol_views:
            return DEFAULT_PROTOCOL
        return validate_protocol(me.protocol_views)

    def _months_taken_here(self, me: PatientSelf) -> set[int]:
        """Months whose every view is in this phone's queue: done, from the patient's side."""
        views = {v.id.value for v in validate_protocol(me.protocol_views or [v.id for v in DEFAULT_PROTOCOL])}
        taken: dict[int, set[str]] = {}
        for photo in self.queue.all():
            if photo.state != PhotoState.FAILED:
                taken.setdefault(photo.checkin_month, set()).add(photo.view_id)
        return {month for month, seen in taken.items() if views <= seen}

    # photos

    def keep_photo(
        self,
        *,
        key: str,
        checkin_month: int,
        view_id: str,
        data: bytes,
        width: int,
        height: int,
        captured_at: float,
        content_type: str = "image/jpeg",
        quality: dict | None = None,
    ) -> QueuedPhoto:
        """The patient accepted a shot: keep it durably and start sending it."""
        photo = self.queue.add(
            key=key,
            checkin_month=checkin_month,
            view_id=view_id,
            data=data,
            width=width,
            height=height,
            captured_at=captured_at,
            content_type=content_type,
            quality=quality,
        )
        self.uploads.kick()
        return photo

    @staticmethod
    def new_photo_key() -> str:
        return new_idempotency_key()

    def start_uploads(self) -> None:
        if self.enrolled:
            self.uploads.start()
            self.uploads.kick()

    def _upload_changed(self, key: str) -> None:
        self._on_upload_change(key)

    # the patient's own data

    @property
    def my_data(self) -> MyData:
        """A copy of everything, and the request that the clinic delete it (settings screen)."""
        return MyData(self.api, downloads_folder(self.data_dir))

    # reminders

    def update_reminders(self, reminders: ReminderPreferences) -> PatientSelf:
        me = self.api.update_reminders(reminders)
        self.cache.put("me", me)
        return me

    def sync_reminders(self, now: datetime | None = None) -> tuple[MySchedule, SyncResult]:
        schedule = self.api.my_schedule()
        self.cache.put("schedule", schedule)
        return schedule, self.schedule.sync(schedule.reminders, now or datetime.now(UTC))

    def close(self) -> None:
        self.uploads.stop()
        self.api.close()
        self.queue.close()
        self.cache.close()
        self.settings.close()
        self.schedule.close()
