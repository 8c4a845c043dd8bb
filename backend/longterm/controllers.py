"""The long term over the API: the patient's safety check-ins and stop reason, the clinic's record
of them, its course setting and the durability figures."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.auth.deps import PATIENT, STAFF, CurrentPatient, CurrentStaff
from backend.auth.guards import clinical_staff, patient_only, staff_only
from backend.longterm import safety, service
from backend.longterm import settings as course_settings
from backend.outcomes import filters
from shared.contract.long_term import (
    CourseSettingIn,
    CourseSettingOut,
    DurabilityOut,
    MySafetyQuestions,
    PatientLongTerm,
    SafetyAnswerCreate,
    SafetyAnswerOut,
    StopReasonCreate,
    StopReasonOut,
)
from shared.errors import ErrorCode

Choice = Annotated[str | None, QueryParameter(max_length=40)]
Day = Annotated[str | None, QueryParameter(max_length=10)]
Product = Annotated[str | None, QueryParameter(max_length=200)]


class MySafetyController(Controller):
    """The patient's safety check-ins and, after a missed check-in, why they stopped."""

    tags = ["me", "long-term"]
    guards = [patient_only]
    dependencies = PATIENT

    @get("/me/safety-questions", operation_id="ListMySafetyQuestions")
    async def questions(self, patient: CurrentPatient) -> MySafetyQuestions:
        """Safety questions open now ("anything new?" at a monthly check-in, photo-less check-ins 3, 6 and 12 months
        after a course) and, after a missed check-in, the one-tap question why the patient stopped."""
        return await safety.my_questions(patient)

    @post(
        "/me/safety-answers",
        operation_id="AnswerSafetyCheckIn",
        errors=(
            ErrorCode.SAFETY_CHECK_IN_NOT_OPEN,
            ErrorCode.SYMPTOM_UNKNOWN,
            ErrorCode.SEVERITY_OUT_OF_RANGE,
            ErrorCode.IDEMPOTENCY_CONFLICT,
        ),
    )
    async def answer(self, patient: CurrentPatient, data: JSONBody[SafetyAnswerCreate]) -> Response[SafetyAnswerOut]:
        """Answer an open safety question; something new becomes a side-effect report on the latest session (a
        serious one alerts the clinic). The same idempotency key answers the same submission."""
        answer, created = await safety.answer(patient, data)
        return Response(answer, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @post("/me/stop-reason", operation_id="TellStopReason", errors=(ErrorCode.STOP_REASON_UNKNOWN,))
    async def stop_reason(self, patient: CurrentPatient, data: JSONBody[StopReasonCreate]) -> StopReasonOut:
        """Tell the clinic why the patient stopped coming (one tap)."""
        return await safety.tell_stop_reason(patient, data)


class LongTermController(Controller):
    """The clinic's view of the long term: a patient's answers and stop reasons, the course rule,
    and the durability figures."""

    tags = ["long-term"]
    guards = [staff_only]
    dependencies = STAFF

    @get("/patients/{patient_id:uuid}/long-term", operation_id="GetPatientLongTerm")
    async def patient_long_term(self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> PatientLongTerm:
        """A patient's stop reasons (newest first) and safety answers with the sessions and lots each is linked to."""
        return await safety.view_long_term(staff, patient_id)

    @post(
        "/patients/{patient_id:uuid}/stop-reason", operation_id="RecordStopReason", errors=(ErrorCode.STOP_REASON_UNKNOWN,)
    )
    async def record_stop_reason(
        self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID], data: JSONBody[StopReasonCreate]
    ) -> StopReasonOut:
        """Record why a patient of the clinic stopped coming."""
        return await safety.record_stop_reason(staff, patient_id, data)

    @get("/outcomes/course-setting", operation_id="GetCourseSetting")
    async def get_setting(self, staff: CurrentStaff) -> CourseSettingOut:
        """How the clinic cuts sessions into courses for the durability figures."""
        return (await course_settings.of_clinic(staff.clinic_id)).out()

    @put(
        "/outcomes/course-setting", operation_id="SetCourseSetting", guards=[clinical_staff],
        errors=(ErrorCode.COURSE_GAP_OUT_OF_RANGE,),
    )
    async def set_setting(self, staff: CurrentStaff, data: JSONBody[CourseSettingIn]) -> CourseSettingOut:
        """Set the gap that starts a new course (1-24 months) and whether a session after it is a new course or maintenance."""
        return await course_settings.update(staff, data)

    @get(
        "/outcomes/durability",
        operation_id="GetDurability",
        guards=[clinical_staff],
        errors=(ErrorCode.FILTER_VALUE_UNKNOWN, ErrorCode.DATE_RANGE_BACKWARDS, ErrorCode.GRADE_OFF_SCALE),
    )
    async def get_durability(
        self,
        staff: CurrentStaff,
        arm: Choice = None,
        sex: Choice = None,
        diagnosis: Choice = None,
        grade: Choice = None,
        age_band: Choice = None,
        baseline_from: Day = None,
        baseline_to: Day = None,
        product: Product = None,
    ) -> DurabilityOut:
        """Durability per arm over the clinic's research-consented patients (clinicians and admins): the consensus
        3, 6 and 12 months after a course's end against its value at the end, time to loss of effect (Kaplan-Meier),
        late harm per 100 patient-months (exact Poisson), stop reasons beside the drop-out bound. Through the
        disclosure layer. Audited."""
        where = filters.parse(
            arm=arm, sex=sex, diagnosis=diagnosis, grade=grade, age_band=age_band,
            baseline_from=baseline_from, baseline_to=baseline_to, product=product,
        )
        return await service.durability_for(staff, where)
