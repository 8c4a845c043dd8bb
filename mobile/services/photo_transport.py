"""The upload protocol of shared/contract/checkins.py (slot, bytes, complete) over the API client,
in the shape the upload worker drives."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import msgspec

from mobile.services.api_client import ApiClient, ApiError
from mobile.services.upload_queue import QueuedPhoto, UploadTarget
from mobile.services.upload_worker import SlotAnswer
from shared.contract.checkins import PhotoOut, PhotoStatus, UploadSlotRequest
from shared.quality import QualityReport

# a rejected photo is refused for good: the status code only marks the error as not transient
REJECTED_STATUS = 422


class ApiPhotoTransport:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def request_slot(self, photo: QueuedPhoto) -> SlotAnswer:
        slot = self.api.request_upload_slot(slot_request(photo))
        photo_id = str(slot.photo_id)
        if slot.status == PhotoStatus.REJECTED:
            raise rejected(self.api.photo(photo_id))
        if slot.status in (PhotoStatus.UPLOADED, PhotoStatus.READY):
            return SlotAnswer(photo_id=photo_id, target=None, already_completed=True)
        if slot.already_uploaded or slot.upload is None:
            return SlotAnswer(photo_id=photo_id, target=None, already_uploaded=True)
        upload = slot.upload
        return SlotAnswer(
            photo_id=photo_id,
            target=UploadTarget(
                url=upload.url,
                method=upload.method,
                headers=dict(upload.headers),
                form_fields=dict(upload.fields) if upload.method == "POST" else None,
                expires_at=upload.expires_at.timestamp(),
            ),
        )

    def send(self, photo: QueuedPhoto, target: UploadTarget, progress: Callable[[int, int], None]) -> None:
        self.api.send_file(
            target.url,
            photo.path,
            method=target.method,
            headers=target.headers,
            form_fields=target.form_fields,
            content_type=photo.content_type,
            progress=progress,
        )

    def complete(self, photo: QueuedPhoto) -> PhotoStatus:
        assert photo.photo_id is not None
        answer = self.api.complete_photo(photo.photo_id)
        if answer.status == PhotoStatus.REJECTED:
            raise rejected(answer)
        return PhotoStatus(answer.status)

    def status(self, photo: QueuedPhoto) -> PhotoStatus:
        assert photo.photo_id is not None
        answer = self.api.photo(photo.photo_id)
        if answer.status == PhotoStatus.REJECTED:
            raise rejected(answer)
        return PhotoStatus(answer.status)


def slot_request(photo: QueuedPhoto) -> UploadSlotRequest:
    quality = None
    if photo.quality:
        try:
            quality = msgspec.convert(photo.quality, QualityReport)
        except msgspec.ValidationError:
            quality = None  # an older app's figures: the backend measures its own anyway
    return UploadSlotRequest(
        checkin_month=photo.checkin_month,
        view=photo.view_id,
        sha256=photo.sha256,
        size=photo.size,
        content_type=photo.content_type,
        idempotency_key=uuid.UUID(photo.key),
        captured_at=datetime.fromtimestamp(photo.captured_at, UTC),
        width=photo.width or None,
        height=photo.height or None,
        phone_quality=quality,
    )


def rejected(photo: PhotoOut) -> ApiError:
    from mobile.messages import patient_message

    code = photo.rejection.code if photo.rejection else "photo_corrupt"
    return ApiError(code, patient_message(code), status=REJECTED_STATUS, detail=photo.rejection.message if photo.rejection else "")
