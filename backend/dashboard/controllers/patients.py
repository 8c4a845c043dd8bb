"""The patient list, adding and editing a patient, the patient page, and invites."""

from __future__ import annotations

import functools
import io
import uuid
from typing import Annotated
from zoneinfo import available_timezones

import qrcode
import qrcode.image.svg
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest

from backend.dashboard import forms, service
from backend.dashboard.pages import photo_context, public_url, render, staff_of
from backend.enrolment import service as enrolment
from backend.patients import service as patients
from backend.patients.status import ListFilter, ListSort
from shared.contract.patients import Treatment
from shared.errors import ErrorCode, FollicleError
from shared.hair_loss import DIAGNOSIS_LABELS, GradeScale, SCALE_LABELS, SEX_LABELS, all_grades

PER_PAGE = 25
Text = Annotated[str | None, QueryParameter(max_length=200)]
Page = Annotated[int, QueryParameter(ge=1, le=100_000)]


@functools.cache
def timezones() -> tuple[str, ...]:
    """Region/City names, the suggestions of the form's timezone field."""
    return tuple(sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))))


def _patient_form(request: Request, *, patient=None, values=None, problem=None, status: int = 200, tz: str = "UTC") -> Template:
    return render(
        "patients/form.html",
        request,
        status=status,
        patient=patient,
        values=values or {},
        problem=problem,
        treatments=list(Treatment),
        sexes=SEX_LABELS,
        diagnoses=DIAGNOSIS_LABELS,
        grade_groups=[(SCALE_LABELS[s], [g for g in all_grades() if g.scale == s]) for s in GradeScale],
        timezones=timezones(),
        default_tz=tz,
    )


class PatientPagesController(Controller):
    path = "/patients"

    @get("/", operation_id="DashboardPatientList")
    async def patient_list(
        self,
        request: HTMXRequest,
        q: Text = None,
        show: Annotated[ListFilter, QueryParameter()] = ListFilter.ALL,
        sort: Annotated[ListSort, QueryParameter()] = ListSort.NAME,
        page: Page = 1,
    ) -> Template:
        data = await service.patient_list(staff_of(request), text=q, show=show, sort=sort, page=page, per_page=PER_PAGE)
        context = {"data": data, "q": q or "", "show": show, "sort": sort, "filters": list(ListFilter), "sorts": list(ListSort)}
        # htmx asks for the table alone when the search, filter, sort or page changes
        template = "patients/_table.html" if request.htmx and request.htmx.target == "patient-table" else "patients/list.html"
        return render(template, request, **context)

    @get("/new", operation_id="DashboardNewPatientForm")
    async def new_patient_form(self, request: Request) -> Template:
        clock = await service.clinic_clock(staff_of(request))
        values = {"baseline_date": clock.today.isoformat(), "planned_sessions": 4, "interval_days": 30, "consent_care": "on"}
        return _patient_form(request, values=values, tz=clock.tz)

    @post("/", operation_id="DashboardCreatePatient")
    async def create_patient(self, request: Request) -> Response:
        form = await request.form()
        try:
            created = await patients.create(staff_of(request), forms.patient_create(form))
        except (forms.FormProblem, FollicleError) as exc:
            trouble = forms.problem(exc)
            return _patient_form(request, values=forms.form_values(form), problem=trouble, status=trouble.status)
        return Redirect(f"/dashboard/patients/{created.id}", status_code=303)

    @get("/{patient_id:uuid}", operation_id="DashboardPatientPage")
    async def patient_page(self, request: Request, patient_id: FromPath[uuid.UUID]) -> Template:
        data = await service.patient_page(staff_of(request), patient_id, public_url(request), photo_context(request))
        return render("patients/detail.html", request, data=data)

    @get("/{patient_id:uuid}/edit", operation_id="DashboardEditPatientForm")
    async def edit_patient_form(self, request: Request, patient_id: FromPath[uuid.UUID]) -> Template:
        patient = await patients.view(staff_of(request), patient_id)
        values = {
            "display_name": patient.display_name,
            "record_number": patient.record_number,
            "treatment": patient.plan.treatment,
            "planned_sessions": patient.plan.planned_sessions,
            "interval_days": patient.plan.interval_days,
            "baseline_date": patient.baseline_date.isoformat(),
            "timezone": patient.timezone,
            "consent_care": "on" if patient.consent.care else None,
            "consent_research": "on" if patient.consent.research else None,
            "sex": patient.profile.sex,
            "birth_year": patient.profile.birth_year or "",
            "diagnosis": patient.profile.diagnosis or "",
            "baseline_grade": patient.profile.baseline_grade.key if patient.profile.baseline_grade else "",
        }
        return _patient_form(request, patient=patient, values=values, tz=patient.timezone)

    @post("/{patient_id:uuid}", operation_id="DashboardUpdatePatient")
    async def update_patient(self, request: Request, patient_id: FromPath[uuid.UUID]) -> Response:
        form = await request.form()
        staff = staff_of(request)
        try:
            await patients.update(staff, patient_id, forms.patient_update(form))
        except (forms.FormProblem, FollicleError) as exc:
            if isinstance(exc, FollicleError) and exc.code == ErrorCode.NOT_FOUND:
                raise
            trouble = forms.problem(exc)
            patient = await patients.record_for_staff(staff, patient_id)
            return _patient_form(request, patient=patient, values=forms.form_values(form), problem=trouble, status=trouble.status)
        return Redirect(f"/dashboard/patients/{patient_id}", status_code=303)

    @post("/{patient_id:uuid}/invites", operation_id="DashboardCreateInvite")
    async def create_invite(self, request: Request, patient_id: FromPath[uuid.UUID]) -> Redirect:
        settings = request.app.state.settings
        invite = await enrolment.create_invite(
            staff_of(request), patient_id, valid_hours=settings.invite_valid_hours, public_url=public_url(request)
        )
        return Redirect(f"/dashboard/invites/{invite.id}", status_code=303)


class InvitePagesController(Controller):
    path = "/invites"

    @get("/{invite_id:uuid}", operation_id="DashboardInviteCard")
    async def invite_card(self, request: Request, invite_id: FromPath[uuid.UUID]) -> Template:
        staff = staff_of(request)
        invite = await enrolment.get_invite(staff, invite_id)
        patient = await patients.record_for_staff(staff, invite.patient_id)  # type: ignore[attr-defined]
        clock = await service.clinic_clock(staff)
        link = enrolment.enrol_link(public_url(request), invite.code)
        return render(
            "invite.html",
            request,
            invite=enrolment.invite_out(invite, public_url(request)),
            patient=patient,
            clock=clock,
            qr_svg=_qr_svg(link),
        )


def _qr_svg(link: str) -> str:
    """The enrolment link as an inline SVG: crisp on screen and on paper, no image request."""
    image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]
