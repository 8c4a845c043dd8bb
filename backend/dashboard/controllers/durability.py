"""The durability page: does the effect last after a course, what appears later, why patients stop.
Its own page beside the outcomes page, with the clinic's course rule."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from backend.auth.guards import clinical_staff
from backend.dashboard import forms
from backend.dashboard.pages import render, staff_of
from backend.longterm import safety, service
from backend.longterm import settings as course_settings
from backend.outcomes import filters
from backend.outcomes.service import TREATMENT_LABELS
from shared.contract.long_term import CourseSettingIn, StopReasonCreate
from shared.contract.patients import Treatment
from shared.errors import ErrorCode, FollicleError, InvalidInput

Choice = Annotated[str | None, QueryParameter(max_length=40)]
Product = Annotated[str | None, QueryParameter(max_length=200)]


class DurabilityPagesController(Controller):
    path = "/outcomes/durability"
    guards = [clinical_staff]

    @get("/", operation_id="DashboardDurability")
    async def page(self, request: Request, arm: Choice = None, product: Product = None) -> Template:
        typed = {"arm": arm, "product": product}
        arms = {t.value: TREATMENT_LABELS[t] for t in Treatment}
        try:
            where = filters.parse(arm=arm, product=product)
        except FollicleError as exc:
            return render("durability/page.html", request, status=400, result=None, typed=typed, arms=arms, problem=exc)
        result = await service.durability_for(staff_of(request), where)
        return render("durability/page.html", request, result=result, typed=typed, arms=arms, problem=None)

    @post("/course-setting", operation_id="DashboardSetCourseSetting")
    async def set_course(self, request: Request) -> Redirect:
        form = await request.form()
        try:
            data = msgspec.convert(
                {"gap_months": int(forms.text(form, "gap_months") or "0"), "after_gap": forms.text(form, "after_gap")},
                CourseSettingIn,
            )
        except (ValueError, msgspec.ValidationError):
            raise InvalidInput("The gap must be a whole number of months from 1 to 24.", code=ErrorCode.COURSE_GAP_OUT_OF_RANGE) from None
        await course_settings.update(staff_of(request), data)
        return Redirect("/dashboard/outcomes/durability", status_code=303)


class StopReasonPagesController(Controller):
    """The patient page's "why they stopped" form (any staff member may record it)."""

    path = "/patients"

    @post("/{patient_id:uuid}/stop-reason", operation_id="DashboardRecordStopReason")
    async def record(self, request: Request, patient_id: FromPath[uuid.UUID]) -> Redirect:
        form = await request.form()
        try:
            data = msgspec.convert({"reason": forms.text(form, "reason"), "note": forms.text(form, "note")}, StopReasonCreate)
        except msgspec.ValidationError:
            raise InvalidInput("Choose a reason; a note can be up to 4000 characters.") from None
        await safety.record_stop_reason(staff_of(request), patient_id, data)
        return Redirect(f"/dashboard/patients/{patient_id}#long-term", status_code=303)
