from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.api.params import Limit, LotFilter, Offset
from backend.auth.deps import PATIENT, STAFF, CurrentPatient, CurrentStaff
from backend.auth.guards import clinical_staff, patient_only, staff_only
from backend.reports import due, questionnaires, side_effects
from shared.contract.patients import Treatment
from shared.contract.reports import (
    DueQuestion,
    MySideEffectReport,
    QuestionnaireOut,
    QuestionnaireSubmit,
    ReportAnnotationCreate,
    SideEffectReportCreate,
    SideEffectReportOut,
    SideEffectReportPage,
)
from shared.errors import ErrorCode


def _stored(created: bool) -> int:
    # 201 for a new report, 200 when a retry got the stored one back
    return HTTP_201_CREATED if created else HTTP_200_OK


class MyReportController(Controller):
    """The patient's own side-effect reports and self-assessments, from their phone."""

    tags = ["me", "reports"]
    guards = [patient_only]
    dependencies = PATIENT

    @post(
        "/me/side-effects",
        operation_id="SubmitSideEffectReport",
        errors=(
            ErrorCode.SYMPTOM_UNKNOWN,
            ErrorCode.SEVERITY_OUT_OF_RANGE,
            ErrorCode.IDEMPOTENCY_CONFLICT,
            ErrorCode.INJECTION_NOT_GIVEN,
            ErrorCode.NOT_FOUND,
        ),
    )
    async def submit_side_effects(
        self, patient: CurrentPatient, data: JSONBody[SideEffectReportCreate]
    ) -> Response[MySideEffectReport]:
        """Report side effects after an injection session; a serious one alerts the clinic. The same idempotency key answers the same report."""
        report, created = await side_effects.submit(patient, data)
        return Response(report, status_code=_stored(created))

    @get("/me/side-effects", operation_id="ListMySideEffectReports")
    async def list_side_effects(self, patient: CurrentPatient) -> list[MySideEffectReport]:
        """The patient's own side-effect reports."""
        return await side_effects.list_own(patient)

    @post(
        "/me/questionnaires",
        operation_id="SubmitQuestionnaire",
        errors=(
            ErrorCode.QUESTION_UNKNOWN,
            ErrorCode.ANSWER_OFF_SCALE,
            ErrorCode.ANSWERS_INCOMPLETE,
            ErrorCode.QUESTIONNAIRE_VERSION_UNKNOWN,
            ErrorCode.QUESTIONNAIRE_ALREADY_ANSWERED,
            ErrorCode.IDEMPOTENCY_CONFLICT,
        ),
    )
    async def submit_questionnaire(
        self, patient: CurrentPatient, data: JSONBody[QuestionnaireSubmit]
    ) -> Response[QuestionnaireOut]:
        """Answer the self-assessment questionnaire due this check-in month. The same idempotency key answers the same submission."""
        answers, created = await questionnaires.submit(patient, data)
        return Response(answers, status_code=_stored(created))

    @get("/me/questionnaires", operation_id="ListMyQuestionnaires")
    async def list_questionnaires(self, patient: CurrentPatient) -> list[QuestionnaireOut]:
        """The patient's own questionnaire answers, by check-in month."""
        return await questionnaires.list_own(patient)

    @get("/me/questions-due", operation_id="ListMyDueQuestions")
    async def questions_due(self, patient: CurrentPatient) -> list[DueQuestion]:
        """What the patient is asked now: the questionnaire due and sessions awaiting a side-effect report."""
        return await due.questions_due(patient.patient_id)


class SideEffectController(Controller):
    """The clinic's side-effect reports: lists, notes and acknowledgement (the alert list, which
    adds the outcomes' lot signals, is `backend.outcomes.controllers.SideEffectAlertController`)."""

    tags = ["reports"]
    guards = [staff_only]
    dependencies = STAFF

    @get("/side-effects", operation_id="ListSideEffectReports")
    async def list_reports(
        self,
        staff: CurrentStaff,
        lot: LotFilter = None,
        treatment: Annotated[Treatment | None, QueryParameter()] = None,
        serious: Annotated[bool | None, QueryParameter()] = None,
        acknowledged: Annotated[bool | None, QueryParameter()] = None,
        offset: Offset = 0,
        limit: Limit = 50,
    ) -> SideEffectReportPage:
        """The clinic's side-effect reports, newest first, filterable by seriousness and acknowledgement."""
        return await side_effects.search(
            staff, lot=lot, treatment=treatment, serious=serious, acknowledged=acknowledged, offset=offset, limit=limit
        )

    @get("/side-effects/{report_id:uuid}", operation_id="GetSideEffectReport")
    async def get_report(self, staff: CurrentStaff, report_id: FromPath[uuid.UUID]) -> SideEffectReportOut:
        """One side-effect report of the clinic, with its notes."""
        return await side_effects.view(staff, report_id)

    @post("/side-effects/{report_id:uuid}/annotations", operation_id="AnnotateSideEffectReport", guards=[clinical_staff])
    async def annotate(
        self, staff: CurrentStaff, report_id: FromPath[uuid.UUID], data: JSONBody[ReportAnnotationCreate]
    ) -> SideEffectReportOut:
        """Add a clinician's note to a side-effect report."""
        return await side_effects.annotate(staff, report_id, data)

    @post(
        "/side-effects/{report_id:uuid}/acknowledge",
        operation_id="AcknowledgeSideEffectReport",
        guards=[clinical_staff],
        status_code=HTTP_200_OK,
        errors=(ErrorCode.INVALID_STATE,),
    )
    async def acknowledge(self, staff: CurrentStaff, report_id: FromPath[uuid.UUID]) -> SideEffectReportOut:
        """Mark a side-effect report as seen by a clinician (takes it off the alert list)."""
        return await side_effects.acknowledge(staff, report_id)

    @get("/patients/{patient_id:uuid}/side-effects", operation_id="ListPatientSideEffectReports")
    async def list_for_patient(self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> list[SideEffectReportOut]:
        """A patient's side-effect reports."""
        return await side_effects.list_for_patient(staff, patient_id)

    @get("/patients/{patient_id:uuid}/questionnaires", operation_id="ListPatientQuestionnaires")
    async def list_questionnaires(self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> list[QuestionnaireOut]:
        """A patient's questionnaire answers, by check-in month."""
        return await questionnaires.list_for_patient(staff, patient_id)
