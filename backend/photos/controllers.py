from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from backend.auth.deps import PATIENT, STAFF, CurrentPatient, CurrentStaff
from backend.auth.guards import patient_only, staff_only
from backend.photos import service, uploads
from backend.photos.deps import CONTEXT, Photos
from shared.contract.checkins import PhotoOut, UploadSlot, UploadSlotRequest
from shared.errors import ErrorCode


class MyPhotoController(Controller):
    """The phone's side of the upload protocol, and the patient's own photos."""

    path = "/me/photos"
    tags = ["photos"]
    guards = [patient_only]
    dependencies = {**PATIENT, **CONTEXT}

    @post(
        "/slots",
        operation_id="RequestUploadSlot",
        status_code=200,
        errors=(
            ErrorCode.VIEW_NOT_IN_PROTOCOL,
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            ErrorCode.PHOTO_TOO_LARGE,
            ErrorCode.PHOTO_EMPTY,
            ErrorCode.IDEMPOTENCY_CONFLICT,
            ErrorCode.INVALID_STATE,
            ErrorCode.NOT_FOUND,
            ErrorCode.STORE_UNAVAILABLE,
        ),
    )
    async def request_slot(self, patient: CurrentPatient, photos: Photos, data: JSONBody[UploadSlotRequest]) -> UploadSlot:
        """Where to send one photo's bytes; the same idempotency key always answers the same photo. Patients only."""
        return await uploads.request_slot(patient, data, photos)

    @post(
        "/{photo_id:uuid}/complete",
        operation_id="CompleteUpload",
        status_code=200,
        errors=(
            ErrorCode.PHOTO_NOT_UPLOADED,
            ErrorCode.PHOTO_SIZE_MISMATCH,
            ErrorCode.PHOTO_CHECKSUM_MISMATCH,
            ErrorCode.PHOTO_EMPTY,
            ErrorCode.PHOTO_TOO_LARGE,
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            ErrorCode.PHOTO_NOT_AN_IMAGE,
            ErrorCode.INVALID_STATE,
            ErrorCode.STORE_UNAVAILABLE,
        ),
    )
    async def complete(self, patient: CurrentPatient, photos: Photos, photo_id: FromPath[uuid.UUID]) -> PhotoOut:
        """The phone says the bytes are in the store: check them and queue processing. Patients only, their own photo."""
        return await uploads.complete(patient, photo_id, photos)

    @get("/{photo_id:uuid}", operation_id="GetMyPhoto", errors=(ErrorCode.STORE_UNAVAILABLE,))
    async def photo(self, patient: CurrentPatient, photos: Photos, photo_id: FromPath[uuid.UUID]) -> PhotoOut:
        """One of the patient's photos: its state, a refusal's reason, links once ready. Patients only, their own."""
        return await service.my_photo(patient, photo_id, photos)


class StaffPhotoController(Controller):
    """Staff read one photo of a patient of their clinic; every view is audited."""

    tags = ["photos"]
    guards = [staff_only]
    dependencies = {**STAFF, **CONTEXT}

    @get("/photos/{photo_id:uuid}", operation_id="GetPhoto", errors=(ErrorCode.STORE_UNAVAILABLE,))
    async def photo(self, staff: CurrentStaff, photos: Photos, photo_id: FromPath[uuid.UUID]) -> PhotoOut:
        """One photo with short-lived links. Staff of the patient's clinic; audited."""
        return await service.staff_photo(staff, photo_id, photos)
