"""A patient's marketing page: their marketing consents (from the app, or a signed paper form the
staff upload), the withdrawal and what it deleted, and the before/after maker (a view, two dates,
side by side or a slider GIF) with the clinic's saved images."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from backend.audit import service as audit
from backend.auth.guards import clinical_staff
from backend.dashboard import service as dashboard
from backend.dashboard.pages import render, staff_of
from backend.errors import status_for
from backend.marketing import before_after
from backend.marketing import service as marketing
from backend.patients import service as patients
from shared.contract.marketing import CONSENT_MONTHS, BeforeAfterCreate, MarketingConsentGrant
from shared.errors import FollicleError, InvalidInput

DONE = {
    "made": "Before/after image saved. It can be downloaded while the patient's marketing consent lasts.",
    "paper": "Signed paper form recorded and kept with the consent.",
    "withdrawn": "Marketing consent withdrawn.",
}
Choice = Annotated[str | None, QueryParameter(max_length=40)]


def _now() -> datetime:
    return datetime.now(UTC)


class MarketingPagesController(Controller):
    guards = [clinical_staff]

    @get("/patients/{patient_id:uuid}/marketing", operation_id="DashboardPatientMarketing")
    async def page(self, request: Request, patient_id: FromPath[uuid.UUID], done: Choice = None, view: Choice = None) -> Template:
        return await _page(request, patient_id, notice=DONE.get(done or "", ""), view=view)

    @post("/patients/{patient_id:uuid}/before-after", operation_id="DashboardMakeBeforeAfter")
    async def make(self, request: Request, patient_id: FromPath[uuid.UUID]) -> Response:
        form = await request.form()
        try:
            data = BeforeAfterCreate(
                before_photo_id=uuid.UUID(str(form.get("before", ""))), after_photo_id=uuid.UUID(str(form.get("after", ""))),
                layout="slider" if form.get("layout") == "slider" else "side_by_side",
            )
        except ValueError:
            return await _page(request, patient_id, status=400, problem=InvalidInput("Choose a before and an after photo."))
        try:
            await before_after.make(staff_of(request), patient_id, data, store=request.app.state.store, now=_now())
        except FollicleError as exc:
            return await _page(request, patient_id, status=status_for(exc), problem=exc, view=str(form.get("view", "")))
        return Redirect(f"/dashboard/patients/{patient_id}/marketing?done=made", status_code=303)

    @post(
        "/patients/{patient_id:uuid}/marketing/paper", operation_id="DashboardRecordPaperConsent",
        request_max_body_size=marketing.MAX_FORM_BYTES + 64 * 1024,
    )
    async def paper(self, request: Request, patient_id: FromPath[uuid.UUID]) -> Response:
        form = await request.form()
        upload = form.get("form")
        try:
            if not isinstance(upload, UploadFile):
                raise InvalidInput("Attach the signed form (PDF).")
            signed_on = date.fromisoformat(str(form.get("signed_on", "")))
            months = str(form.get("months", ""))
            grant = MarketingConsentGrant(
                all_photos=form.get("scope") != "photos",
                photo_ids=[uuid.UUID(str(p)) for p in form.getall("photo_ids", [])] if form.get("scope") == "photos" else [],
                months=int(months) if months.isdigit() else None,
            )
            pdf = await upload.read()
            await marketing.record_paper(
                staff_of(request), patient_id, pdf=pdf, signed_on=signed_on, grant_data=grant, store=request.app.state.store, now=_now()
            )
        except ValueError:
            return await _page(request, patient_id, status=400, problem=InvalidInput("Enter the date on the form and choose the photos."))
        except FollicleError as exc:
            return await _page(request, patient_id, status=status_for(exc), problem=exc)
        return Redirect(f"/dashboard/patients/{patient_id}/marketing?done=paper", status_code=303)

    @post("/patients/{patient_id:uuid}/marketing/withdraw", operation_id="DashboardWithdrawMarketing")
    async def withdraw(self, request: Request, patient_id: FromPath[uuid.UUID]) -> Redirect:
        principal = staff_of(request)
        patient = await patients.get_for_staff(principal, patient_id)
        await marketing.withdraw(principal, patient.id, principal.clinic_id, now=_now(), store=request.app.state.store)
        return Redirect(f"/dashboard/patients/{patient_id}/marketing?done=withdrawn", status_code=303)

    @get("/before-after/{image_id:uuid}/image", operation_id="DashboardBeforeAfterImage")
    async def image(self, request: Request, image_id: FromPath[uuid.UUID]) -> Response[bytes]:
        data, content_type = await before_after.image_bytes(staff_of(request), image_id, store=request.app.state.store, now=_now())
        download = request.query_params.get("download") == "1"
        headers = {"Cache-Control": "no-store"}
        if download:
            headers["Content-Disposition"] = f'attachment; filename="before-after-{image_id}.{content_type.split("/")[1]}"'
        return Response(data, media_type=content_type, headers=headers)

    @get("/marketing-consents/{consent_id:uuid}/form.pdf", operation_id="DashboardSignedConsentForm")
    async def signed_form(self, request: Request, consent_id: FromPath[uuid.UUID]) -> Response[bytes]:
        data = await marketing.signed_form(staff_of(request), consent_id, request.app.state.store)
        return Response(data, media_type="application/pdf", headers={"Cache-Control": "no-store", "Content-Disposition": "attachment; filename=\"marketing-consent.pdf\""})


async def _page(
    request: Request, patient_id: uuid.UUID, *, status: int = 200, notice: str = "", problem: FollicleError | None = None,
    view: str | None = None,
) -> Template:
    principal = staff_of(request)
    patient = await patients.record_for_staff(principal, patient_id)
    consents, live, summary = await marketing.for_staff(principal, patient_id, now=_now())
    photos = await before_after.photos_by_view(principal, patient_id)
    images = await before_after.images_of(principal, patient_id, url_prefix="/dashboard")
    live_rows = await marketing.live_consents(patient_id, _now())
    usable = {str(p.id) for ps in photos.values() for p in ps if marketing.covers(live_rows, p.id)}
    chosen_view = view if view in photos else next(iter(photos), None)
    clock = await dashboard.clinic_clock(principal)
    await audit.read(principal, "marketing.consent.view", patient_id=patient_id)
    return render(
        "marketing/page.html", request, status=status, patient=patient, consents=consents, live=live, summary=summary,
        photos=photos, chosen_view=chosen_view, usable=usable, images=images, notice=notice, problem=problem, clock=clock,
        months_choices=CONSENT_MONTHS,
    )
