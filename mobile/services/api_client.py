"""The phone's HTTP client for the Follicle API, speaking the `shared.contract` Structs.

Synchronous (httpx): call it from a worker thread, never from the UI thread. Every failure is
raised as `ApiError` carrying the backend's stable error code and a sentence for the patient;
`ApiError.transient` tells a caller whether trying again later can help.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import msgspec

from mobile.messages import OFFLINE, SERVER_TROUBLE, patient_message
from shared.contract.long_term import MySafetyQuestions, SafetyAnswerCreate, SafetyAnswerOut, StopReasonCreate, StopReasonOut
from shared.contract.base import ErrorResponse
from shared.contract.injections import PatientInjectionOut
from shared.contract.checkins import MyCheckIns, PhotoOut, Timeline, UploadSlot, UploadSlotRequest
from shared.contract.records import DataExportOut, DeletionRequestOut, DownloadLink, MyDeletionRequest
from shared.contract.reminders import MySchedule, PushTokenOut, PushTokenRegistration
from shared.contract.reports import (
    DueQuestion,
    MySideEffectReport,
    QuestionnaireOut,
    QuestionnaireSubmit,
    SideEffectReportCreate,
)
from shared.contract.patients import Enrolled, PatientSelf, Platform, RedeemInvite, ReminderPreferences, ReminderPreferencesUpdate
from shared.errors import ErrorCode

T = TypeVar("T")
DEFAULT_SERVER_URL = "http://127.0.0.1:8000"
UPLOAD_CHUNK = 256 * 1024
ProgressCallback = Callable[[int, int], None]


class ApiError(Exception):
    """A request that did not succeed: `code` is a `shared.errors.ErrorCode` value (or `offline`)."""

    def __init__(
        self,
        code: str,
        patient_text: str,
        *,
        status: int | None = None,
        detail: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{code}: {detail or patient_text}")
        self.code = code
        self.patient_text = patient_text
        self.status = status
        self.detail = detail
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        """Whether the same request may succeed later unchanged (network, overload, server trouble)."""
        return self.status is None or self.status >= 500 or self.status in (408, 429)


class Offline(ApiError):
    """The server could not be reached, or the connection broke before an answer came."""

    def __init__(self, detail: str) -> None:
        super().__init__("offline", OFFLINE, detail=detail)


def server_url_from_env() -> str:
    return os.environ.get("FOLLICLE_SERVER_URL", DEFAULT_SERVER_URL).rstrip("/")


class ApiClient:
    """One enrolled phone's (or a not yet enrolled phone's) view of the API."""

    def __init__(
        self,
        base_url: str,
        device_token: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._device_token = device_token
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self._transport = transport
        self._http = httpx.Client(base_url=self.base_url, timeout=self._timeout, transport=transport)
        # photo bytes go straight to the store: a client of their own, without our bearer token
        self._store_http = httpx.Client(timeout=httpx.Timeout(60.0, connect=5.0), transport=transport)

    @property
    def enrolled(self) -> bool:
        return self._device_token is not None

    def use_device_token(self, token: str | None) -> None:
        self._device_token = token

    def close(self) -> None:
        self._http.close()
        self._store_http.close()

    # enrolment and the patient's own record

    def enrol(self, code: str, *, device_name: str = "", platform: Platform = Platform.DESKTOP) -> Enrolled:
        """Redeem an invite code; the answer holds the device token (the caller stores it)."""
        body = RedeemInvite(code=code.strip(), device_name=device_name[:200], platform=platform)
        enrolled = self.call("POST", "/enrol", body, Enrolled, authenticated=False)
        self._device_token = enrolled.device_token
        return enrolled

    def me(self) -> PatientSelf:
        return self.call("GET", "/me", None, PatientSelf)

    def my_injections(self) -> list[PatientInjectionOut]:
        return self.call("GET", "/me/injections", None, list[PatientInjectionOut])

    def update_reminders(self, reminders: ReminderPreferences) -> PatientSelf:
        return self.call("PUT", "/me/reminders", ReminderPreferencesUpdate(reminders=reminders), PatientSelf)

    def my_schedule(self) -> MySchedule:
        """The next reminders (soonest first, at most 64) and the questions waiting now."""
        return self.call("GET", "/me/schedule", None, MySchedule)

    def register_push_token(self, registration: PushTokenRegistration) -> PushTokenOut:
        return self.call("PUT", "/me/device/push-token", registration, PushTokenOut)

    # photos and check-ins (shared/contract/checkins.py)

    def request_upload_slot(self, request: UploadSlotRequest) -> UploadSlot:
        return self.call("POST", "/me/photos/slots", request, UploadSlot)

    def complete_photo(self, photo_id: str) -> PhotoOut:
        return self.call("POST", f"/me/photos/{photo_id}/complete", None, PhotoOut)

    def photo(self, photo_id: str) -> PhotoOut:
        return self.call("GET", f"/me/photos/{photo_id}", None, PhotoOut)

    def my_checkins(self) -> MyCheckIns:
        return self.call("GET", "/me/checkins", None, MyCheckIns)

    def my_timeline(self) -> Timeline:
        return self.call("GET", "/me/timeline", None, Timeline)

    def download(self, url: str) -> bytes:
        """The bytes behind a short-lived photo link from the timeline (the store's own URL)."""
        try:
            response = self._store_http.get(url)
        except httpx.TransportError as exc:
            raise Offline(f"download: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise error_from_response(response)
        return response.content

    # side effects and the self-assessment (shared/contract/reports.py)

    def report_side_effects(self, report: SideEffectReportCreate) -> MySideEffectReport:
        return self.call("POST", "/me/side-effects", report, MySideEffectReport)

    def submit_questionnaire(self, answers: QuestionnaireSubmit) -> QuestionnaireOut:
        return self.call("POST", "/me/questionnaires", answers, QuestionnaireOut)

    def questions_due(self) -> list[DueQuestion]:
        return self.call("GET", "/me/questions-due", None, list[DueQuestion])

    # safety check-ins and why the patient stopped (shared/contract/long_term.py)

    def safety_questions(self) -> MySafetyQuestions:
        return self.call("GET", "/me/safety-questions", None, MySafetyQuestions)

    def answer_safety(self, answer: SafetyAnswerCreate) -> SafetyAnswerOut:
        return self.call("POST", "/me/safety-answers", answer, SafetyAnswerOut)

    def tell_stop_reason(self, reason: StopReasonCreate) -> StopReasonOut:
        return self.call("POST", "/me/stop-reason", reason, StopReasonOut)

    # the patient's own records (shared/contract/records.py)

    def request_data_export(self) -> DataExportOut:
        """Start preparing a ZIP of the patient's data (or get the one being prepared)."""
        return self.call("POST", "/me/data-export", None, DataExportOut)

    def my_data_export(self) -> DataExportOut:
        return self.call("GET", "/me/data-export", None, DataExportOut)

    def data_export_link(self, export_id: str) -> DownloadLink:
        return self.call("POST", f"/me/data-export/{export_id}/link", None, DownloadLink)

    def download_to(self, url: str, path: Path, progress: ProgressCallback | None = None) -> int:
        """Stream a download link's bytes into `path` (through the store's redirect); the byte count."""
        try:
            with self._store_http.stream("GET", url, follow_redirects=True) as response:
                if response.status_code >= 400:
                    response.read()
                    raise error_from_response(response)
                total = int(response.headers.get("Content-Length") or 0)
                written = 0
                with path.open("wb") as out:
                    for chunk in response.iter_bytes(UPLOAD_CHUNK):
                        out.write(chunk)
                        written += len(chunk)
                        if progress:
                            progress(written, total)
                return written
        except httpx.TransportError as exc:
            raise Offline(f"download: {type(exc).__name__}: {exc}") from exc

    def ask_deletion(self) -> DeletionRequestOut:
        """Ask the clinic to delete the patient's data (asking again returns the same request)."""
        return self.call("POST", "/me/deletion-request", None, DeletionRequestOut)

    def my_deletion_request(self) -> MyDeletionRequest:
        return self.call("GET", "/me/deletion-request", None, MyDeletionRequest)

    def sign_out(self) -> None:
        """Revoke this phone's token on the server; the token is useless afterwards."""
        self.call("DELETE", "/me/device", None, None)
        self._device_token = None

    # the generic request

    def call(
        self,
        method: str,
        path: str,
        body: msgspec.Struct | None,
        answer: Any,
        *,
        authenticated: bool = True,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """Send `body` as JSON and decode the answer as `answer` (None: expect no body)."""
        sent_headers = {"Accept": "application/json", **(headers or {})}
        if authenticated:
            if self._device_token is None:
                raise ApiError(ErrorCode.NOT_AUTHENTICATED, patient_message(ErrorCode.NOT_AUTHENTICATED), status=401)
            sent_headers["Authorization"] = f"Bearer {self._device_token}"
        content = None
        if body is not None:
            content = msgspec.json.encode(body)
            sent_headers["Content-Type"] = "application/json"
        try:
            response = self._http.request(method, path, content=content, headers=sent_headers, params=params)
        except httpx.TransportError as exc:
            raise Offline(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise error_from_response(response)
        if answer is None or response.status_code == 204 or not response.content:
            return None
        try:
            return msgspec.json.decode(response.content, type=answer)
        except msgspec.ValidationError as exc:
            raise ApiError(
                "unexpected_answer", SERVER_TROUBLE, status=response.status_code, detail=f"{method} {path}: {exc}"
            ) from exc

    # photo bytes to the store

    def send_file(
        self,
        url: str,
        path: Path,
        *,
        method: str = "PUT",
        headers: dict[str, str] | None = None,
        form_fields: dict[str, str] | None = None,
        content_type: str = "image/jpeg",  # for the multipart part; a PUT sends only `headers`
        progress: ProgressCallback | None = None,
    ) -> None:
        """Send a file's bytes to an upload URL: a streamed PUT, or a multipart POST with `form_fields`
        (a presigned S3 POST). `progress(sent, total)` is called as bytes leave the phone."""
        total = path.stat().st_size
        try:
            if form_fields is not None:
                with path.open("rb") as handle:
                    files = {"file": (path.name, handle.read(), content_type)}
                response = self._store_http.request(method, url, data=form_fields, files=files, headers=headers)
                if progress:
                    progress(total, total)
            else:
                # exactly the headers the backend signed, and a length: S3 refuses chunked bodies
                sent_headers = {**(headers or {}), "Content-Length": str(total)}
                response = self._store_http.request(
                    method, url, content=_file_chunks(path, total, progress), headers=sent_headers
                )
        except httpx.TransportError as exc:
            raise Offline(f"upload {path.name}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise error_from_response(response)


def _file_chunks(path: Path, total: int, progress: ProgressCallback | None) -> Iterator[bytes]:
    sent = 0
    with path.open("rb") as handle:
        while chunk := handle.read(UPLOAD_CHUNK):
            yield chunk
            sent += len(chunk)
            if progress:
                progress(sent, total)


def error_from_response(response: httpx.Response) -> ApiError:
    """An ApiError from a 4xx/5xx answer: ours (`{"error": {...}}`), or a store's (S3's XML)."""
    retry_after = _retry_after(response.headers.get("Retry-After"))
    try:
        body = msgspec.json.decode(response.content, type=ErrorResponse)
        code, detail = body.error.code, body.error.message
    except (msgspec.ValidationError, msgspec.DecodeError):
        code = _code_for_status(response.status_code)
        detail = response.text[:300]
    if response.status_code >= 500 and code not in (ErrorCode.STORE_UNAVAILABLE, ErrorCode.DATABASE_UNAVAILABLE):
        text = SERVER_TROUBLE
    else:
        text = patient_message(code)
    return ApiError(code, text, status=response.status_code, detail=detail, retry_after=retry_after)


def _code_for_status(status: int) -> str:
    return {
        401: ErrorCode.NOT_AUTHENTICATED,
        403: ErrorCode.UPLOAD_URL_INVALID,  # a store refusing an expired or tampered presigned URL
        404: ErrorCode.NOT_FOUND,
        413: ErrorCode.PHOTO_TOO_LARGE,
        415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        429: ErrorCode.RATE_LIMITED,
    }.get(status, ErrorCode.STORE_UNAVAILABLE if status >= 500 else ErrorCode.VALIDATION_FAILED)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
