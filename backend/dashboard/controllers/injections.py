"""Recording and editing injection sessions, scheduling the next one, and the lot search."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from backend.dashboard import forms, service
from backend.dashboard.pages import photo_context, public_url, render, staff_of
from backend.outcomes import service as outcomes
from shared.contract.auth import StaffRole
from shared.errors import ErrorCode, FollicleError


def _clinical(request: Request) -> bool:
    return staff_of(request).role != StaffRole.FRONT_DESK



class InjectionPagesController(Controller):
    @post("/patients/{patient_id:uuid}/injections", operation_id="DashboardRecordSession")
    async def record_session(self, request: Request, patient_id: FromPath[uuid.UUID]) -> Response:
        form = await request.form()
        staff = staff_of(request)
        clock = await service.clinic_clock(staff)
        try:
            session = forms.injection_create(form, clock.tz, clinical=_clinical(request))
            follow_up = forms.next_session(form, clock.tz, session.treatment)
            await service.record_session(staff, patient_id, session, follow_up)
        except (forms.FormProblem, FollicleError) as exc:
            if isinstance(exc, FollicleError) and exc.code == ErrorCode.NOT_FOUND:
                raise
            trouble = forms.problem(exc)
            data = await service.patient_page(staff, patient_id, public_url(request), photo_context(request))
            return render(
                "patients/detail.html", request, status=trouble.status, data=data,
                session_values=forms.form_values(form), session_problem=trouble,
            )
        return Redirect(f"/dashboard/patients/{patient_id}#sessions", status_code=303)

    @get("/injections/{session_id:uuid}/edit", operation_id="DashboardEditSessionForm")
    async def edit_session_form(
        self, request: Request, session_id: FromPath[uuid.UUID], record: Annotated[bool, QueryParameter()] = False
    ) -> Template:
        """The session's form; `record` opens a scheduled session ready to be recorded as given."""
        staff = staff_of(request)
        session, patient = await service.session_form(staff, session_id)
        clock = await service.clinic_clock(staff)
        values = {
            "scheduled_at": session.scheduled_at,
            "status": "done" if record and _clinical(request) else session.status,
            "treatment": session.treatment,
            "product": session.product,
            "lot_number": session.lot_number,
            "volume_ml": "" if session.volume_ml is None else f"{session.volume_ml:g}",
            "areas": list(session.areas),
            "notes": session.notes,
        }
        return render(
            "injections/edit.html", request, session=session, patient=patient, clock=clock, values=values,
            problem=None, recording=record,
        )

    @post("/injections/{session_id:uuid}", operation_id="DashboardUpdateSession")
    async def update_session(self, request: Request, session_id: FromPath[uuid.UUID]) -> Response:
        form = await request.form()
        staff = staff_of(request)
        session, patient = await service.session_for_edit(staff, session_id)
        clock = await service.clinic_clock(staff)
        try:
            await service.update_session(staff, session_id, forms.injection_update(form, clock.tz, clinical=_clinical(request)))
        except (forms.FormProblem, FollicleError) as exc:
            trouble = forms.problem(exc)
            return render(
                "injections/edit.html", request, status=trouble.status, session=session, patient=patient,
                clock=clock, values=forms.form_values(form), problem=trouble,
            )
        return Redirect(f"/dashboard/patients/{patient.id}#sessions", status_code=303)


class LotSearchController(Controller):
    path = "/lots"

    @get("/", operation_id="DashboardLotSearch")
    async def lot_search(
        self, request: Request, lot: Annotated[str | None, QueryParameter(max_length=64)] = None
    ) -> Template:
        staff = staff_of(request)
        lot = (lot or "").strip()
        signals = await outcomes.signals_for_clinic(staff)
        if not lot:
            return render("lots.html", request, lot="", hits=None, clock=await service.clinic_clock(staff), signals=signals)
        clock, hits = await service.lot_search(staff, lot)
        return render("lots.html", request, lot=lot, hits=hits, clock=clock, signals=signals)
