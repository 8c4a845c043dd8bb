"""Marketing consent from the phone, and the clinic's view of it with its before/after images."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from backend.audit import service as audit
from backend.auth.deps import PATIENT, STAFF, CurrentPatient, CurrentStaff
from backend.auth.guards import clinical_staff, patient_only
from backend.marketing import before_after, service
from backend.patients import service as patients
from shared.contract.marketing import (
    BeforeAfterCreate,
    BeforeAfterOut,
    MarketingConsentGrant,
    MarketingConsentOut,
    MyMarketingConsent,
    PatientMarketing,
)
from shared.errors import ErrorCode


def _now() -> datetime:
    return datetime.now(UTC)


class MyMarketingController(Controller):
    path = "/me/marketing-consent"
    tags = ["marketing"]
    guards = [patient_only]
    dependencies = PATIENT

    @get("/", operation_id="GetMyMarketingConsent")
    async def mine(self, patient: CurrentPatient) -> MyMarketingConsent:
        """What the patient allows the clinic to use in its marketing now (apart from care and research)."""
        return await service.mine(patient, now=_now())

    @post("/", operation_id="GrantMarketingConsent")
    async def grant(self, patient: CurrentPatient, data: JSONBody[MarketingConsentGrant]) -> MarketingConsentOut:
        """Let the clinic use all photos, or the chosen ones, in its marketing, for some months or until
        withdrawn. Nothing names the patient in what it makes (no name, record number or birth date)."""
        return await service.grant(patient, data, now=_now())

    @post("/withdraw", operation_id="WithdrawMarketingConsent", status_code=200)
    async def withdraw(self, request: Request, patient: CurrentPatient) -> MyMarketingConsent:
        """Withdraw every marketing consent at once: the clinic's saved before/after images of the
        patient are deleted, and none can be made again until a new consent."""
        return await service.withdraw(patient, patient.patient_id, patient.clinic_id, now=_now(), store=request.app.state.store)


class StaffMarketingController(Controller):
    tags = ["marketing"]
    guards = [clinical_staff]
    dependencies = STAFF

    @get("/patients/{patient_id:uuid}/marketing", operation_id="GetPatientMarketing")
    async def patient_marketing(self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> PatientMarketing:
        """A patient's marketing consents (app or signed paper form) and the clinic's saved before/after images."""
        consents, live, summary = await service.for_staff(staff, patient_id, now=_now())
        images = await before_after.images_of(staff, patient_id)
        await audit.read(staff, "marketing.consent.view", patient_id=patient_id)
        return PatientMarketing(
            consents=[service.consent_out(c) for c in consents], live=live, images=images,
            last_withdrawn_at=summary.last_withdrawn_at, images_deleted=summary.images_deleted,
        )

    @post(
        "/patients/{patient_id:uuid}/before-after", operation_id="CreateBeforeAfter",
        errors=(ErrorCode.NO_MARKETING_CONSENT, ErrorCode.PHOTOS_NOT_COMPARABLE, ErrorCode.STORE_UNAVAILABLE),
    )
    async def create(self, request: Request, staff: CurrentStaff, patient_id: FromPath[uuid.UUID], data: JSONBody[BeforeAfterCreate]) -> BeforeAfterOut:
        """Make a before/after image of two ready photos of one view (the later aligned to the earlier,
        both cropped alike, labelled, with the clinic's watermark and nothing naming the patient);
        both photos must be under the patient's live marketing consent."""
        return await before_after.make(staff, patient_id, data, store=request.app.state.store, now=_now())

    @get(
        "/before-after/{image_id:uuid}/image", operation_id="GetBeforeAfterImage", media_type="image/png",
        errors=(ErrorCode.NO_MARKETING_CONSENT, ErrorCode.STORE_UNAVAILABLE),
    )
    async def image(self, request: Request, staff: CurrentStaff, image_id: FromPath[uuid.UUID]) -> Response[bytes]:
        """The saved image (PNG, or GIF for a slider), while the consent still covers its photos; each
        export is in the audit log."""
        data, content_type = await before_after.image_bytes(staff, image_id, store=request.app.state.store, now=_now())
        return Response(
            data, media_type=content_type,
            headers={"Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="before-after-{image_id}.{content_type.split("/")[1]}"'},
        )

    @post("/patients/{patient_id:uuid}/marketing/withdraw", operation_id="WithdrawPatientMarketingConsent", status_code=200)
    async def withdraw(self, request: Request, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> MyMarketingConsent:
        """Record the patient's withdrawal (told to the clinic in person or in writing): every marketing
        consent ends and the clinic's before/after images of them are deleted."""
        patient = await patients.get_for_staff(staff, patient_id)
        return await service.withdraw(staff, patient.id, staff.clinic_id, now=_now(), store=request.app.state.store)
