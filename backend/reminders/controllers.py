from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, put
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.api.params import Limit, Offset
from backend.auth.deps import PATIENT, STAFF, CurrentPatient, CurrentStaff
from backend.auth.guards import patient_only, staff_only
from backend.reminders import service
from shared.contract.reminders import MySchedule, PushTokenOut, PushTokenRegistration, ReminderHistory, ReminderState
from shared.schedule import IOS_LOCAL_NOTIFICATION_LIMIT

WindowSize = Annotated[int, QueryParameter(ge=1, le=IOS_LOCAL_NOTIFICATION_LIMIT)]
# `state` is a name Litestar reserves for handler arguments: read the query's `state` under another name
StateFilter = Annotated[ReminderState | None, QueryParameter(name="state")]


class MyRemindersController(Controller):
    """The enrolled phone's push token and its reminder schedule."""

    path = "/me"
    tags = ["me"]
    guards = [patient_only]
    dependencies = PATIENT

    @put("/device/push-token", operation_id="RegisterPushToken")
    async def register_push_token(self, patient: CurrentPatient, data: JSONBody[PushTokenRegistration]) -> PushTokenOut:
        """Register or replace the calling phone's push token (FCM for Android, APNs for iOS)."""
        return await service.register_push_token(patient, data)

    @get("/schedule", operation_id="GetMySchedule")
    async def my_schedule(self, patient: CurrentPatient, limit: WindowSize = IOS_LOCAL_NOTIFICATION_LIMIT) -> MySchedule:
        """The phone's reminders to show locally for the coming days (what the outbox would push)."""
        return await service.my_schedule(patient, limit=limit)


class ReminderHistoryController(Controller):
    tags = ["reminders"]
    guards = [staff_only]
    dependencies = STAFF

    @get("/patients/{patient_id:uuid}/reminders", operation_id="ListPatientReminders")
    async def list_reminders(
        self,
        staff: CurrentStaff,
        patient_id: FromPath[uuid.UUID],
        reminder_state: StateFilter = None,
        offset: Offset = 0,
        limit: Limit = 50,
    ) -> ReminderHistory:
        """A patient's planned and sent reminders with every delivery attempt."""
        return await service.history(staff, patient_id, state=reminder_state, offset=offset, limit=limit)
