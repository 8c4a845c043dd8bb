from __future__ import annotations

import uuid

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from backend.auth.deps import PATIENT, STAFF, CurrentPatient, CurrentStaff
from backend.auth.guards import patient_only, staff_only
from backend.checkins import service, timeline, uploads
from backend.checkins.service import PhotoContext
from shared.contract.checkins import CheckInOut, MyCheckIns, PhotoOut, Timeline, UploadSlot, UploadSlotRequest


def photo_context(request: Request) -> PhotoContext:
    """What the photo services need from the running app (also used by the dashboard's pages)."""
    state = request.app.state
    return PhotoContext(
        settings=state.settings,
        store=state.store,
        jobs=getattr(state, "jobs", None),
        health=getattr(state, "store_health", None),
    )


CONTEXT = {"photos": Provide(photo_context, sync_to_thread=False)}
Photos = NamedDependency[PhotoContext]


class MyPhotoController(Controller):
    """The phone's side of the upload protocol, and the patient's own check-ins and timeline."""

    path = "/me"
    tags = ["photos"]
    guards = [patient_only]
    dependencies = {**PATIENT, **CONTEXT}

    @post("/photos/slots", operation_id="RequestUploadSlot", status_code=200)
    async def request_slot(self, patient: CurrentPatient, photos: Photos, data: JSONBody[UploadSlotRequest]) -> UploadSlot:
        return await uploads.request_slot(patient, data, photos)

    @post("/photos/{photo_id:uuid}/complete", operation_id="CompleteUpload", status_code=200)
    async def complete(self, patient: CurrentPatient, photos: Photos, photo_id: FromPath[uuid.UUID]) -> PhotoOut:
        return await uploads.complete(patient, photo_id, photos)

    @get("/photos/{photo_id:uuid}", operation_id="GetMyPhoto")
    async def photo(self, patient: CurrentPatient, photos: Photos, photo_id: FromPath[uuid.UUID]) -> PhotoOut:
        return await service.my_photo(patient, photo_id, photos)

    @get("/checkins", operation_id="ListMyCheckIns")
    async def checkins(self, patient: CurrentPatient) -> MyCheckIns:
        return await service.my_checkins(patient)

    @get("/timeline", operation_id="GetMyTimeline")
    async def timeline(self, patient: CurrentPatient, photos: Photos) -> Timeline:
        return await timeline.for_patient(patient, photos)


class StaffPhotoController(Controller):
    """Staff read a patient's photos; every view of a photo is audited."""

    tags = ["photos"]
    guards = [staff_only]
    dependencies = {**STAFF, **CONTEXT}

    @get("/patients/{patient_id:uuid}/timeline", operation_id="GetPatientTimeline")
    async def patient_timeline(self, staff: CurrentStaff, photos: Photos, patient_id: FromPath[uuid.UUID]) -> Timeline:
        return await timeline.for_staff(staff, patient_id, photos)

    @get("/patients/{patient_id:uuid}/checkins", operation_id="ListPatientCheckIns")
    async def patient_checkins(self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> list[CheckInOut]:
        return await service.patient_checkins(staff, patient_id)

    @get("/photos/{photo_id:uuid}", operation_id="GetPhoto")
    async def photo(self, staff: CurrentStaff, photos: Photos, photo_id: FromPath[uuid.UUID]) -> PhotoOut:
        return await service.staff_photo(staff, photo_id, photos)
