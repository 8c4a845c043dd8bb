from __future__ import annotations

import uuid

from litestar import Controller, MediaType, Response, get
from litestar.params import FromPath

from backend.auth.deps import PATIENT, STAFF, CurrentPatient, CurrentStaff
from backend.auth.guards import patient_only, staff_only
from backend.checkins import service, timeline
from backend.checkins.deps import TIMELINES, Timelines
from backend.photos.deps import CONTEXT, Photos
from shared.contract.checkins import CheckInOut, MyCheckIns, Timeline
from shared.errors import ErrorCode


def _json(body: bytes) -> Response[Timeline]:
    """A timeline already encoded (and cached) as JSON."""
    return Response(body, media_type=MediaType.JSON)


class MyCheckInController(Controller):
    """The patient's own check-ins and timeline."""

    path = "/me"
    tags = ["checkins"]
    guards = [patient_only]
    dependencies = {**PATIENT, **CONTEXT, **TIMELINES}

    @get("/checkins", operation_id="ListMyCheckIns")
    async def checkins(self, patient: CurrentPatient) -> MyCheckIns:
        """The patient's check-in months with their photos. Patients only, their own."""
        return await service.my_checkins(patient)

    @get("/timeline", operation_id="GetMyTimeline", errors=(ErrorCode.STORE_UNAVAILABLE,))
    async def timeline(self, patient: CurrentPatient, photos: Photos, timelines: Timelines) -> Response[Timeline]:
        """The patient's own timeline: months across, views down, injections on the same axis."""
        return _json(await timeline.patient_json(patient, photos, timelines))


class StaffCheckInController(Controller):
    """Staff read a patient's check-ins and timeline; every timeline view is audited."""

    tags = ["checkins"]
    guards = [staff_only]
    dependencies = {**STAFF, **CONTEXT, **TIMELINES}

    @get("/patients/{patient_id:uuid}/timeline", operation_id="GetPatientTimeline", errors=(ErrorCode.STORE_UNAVAILABLE,))
    async def patient_timeline(
        self, staff: CurrentStaff, photos: Photos, timelines: Timelines, patient_id: FromPath[uuid.UUID]
    ) -> Response[Timeline]:
        """A patient's timeline with short-lived photo links. Staff of the patient's clinic; audited."""
        return _json(await timeline.staff_json(staff, patient_id, photos, timelines))

    @get("/patients/{patient_id:uuid}/checkins", operation_id="ListPatientCheckIns")
    async def patient_checkins(self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> list[CheckInOut]:
        """A patient's check-in months with their photos' states. Staff of the patient's clinic."""
        return await service.patient_checkins(staff, patient_id)
