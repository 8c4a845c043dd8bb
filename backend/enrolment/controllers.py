from __future__ import annotations

import io
import uuid

import qrcode
from litestar import Controller, Request, Response, delete, get, post
from litestar.params import JSONBody, FromPath
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.auth.deps import PATIENT, STAFF, CurrentPatient, CurrentStaff
from backend.security.client_address import client_address
from backend.auth.guards import patient_only, staff_only
from backend.enrolment import service
from shared.contract.patients import DeviceOut, Enrolled, InviteCreate, InviteOut, RedeemInvite
from shared.errors import ErrorCode


def _public_url(request: Request) -> str:
    return request.app.state.settings.public_url.rstrip("/")


class InviteController(Controller):
    tags = ["enrolment"]
    guards = [staff_only]
    dependencies = STAFF

    @post("/patients/{patient_id:uuid}/invites", operation_id="CreateInvite")
    async def create_invite(
        self, request: Request, staff: CurrentStaff, patient_id: FromPath[uuid.UUID], data: JSONBody[InviteCreate | None] = None
    ) -> InviteOut:
        """A new single-use enrolment code and link for a patient (replaces any open invite). The body is optional: without it the invite is valid for the clinic's default hours."""
        hours = data.valid_hours if data else request.app.state.settings.invite_valid_hours
        return await service.create_invite(staff, patient_id, valid_hours=hours, public_url=_public_url(request))

    @get("/patients/{patient_id:uuid}/invites", operation_id="ListInvites")
    async def list_invites(self, request: Request, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> list[InviteOut]:
        """A patient's enrolment invites, open and past."""
        return await service.list_invites(staff, patient_id, _public_url(request))

    @post("/invites/{invite_id:uuid}/revoke", operation_id="RevokeInvite", status_code=200)
    async def revoke_invite(self, request: Request, staff: CurrentStaff, invite_id: FromPath[uuid.UUID]) -> InviteOut:
        """Revoke an open invite so its code no longer enrols a phone."""
        return await service.revoke_invite(staff, invite_id, _public_url(request))

    @get("/invites/{invite_id:uuid}/qr.png", operation_id="GetInviteQr", media_type="image/png")
    async def invite_qr(self, request: Request, staff: CurrentStaff, invite_id: FromPath[uuid.UUID]) -> Response[bytes]:
        """The invite's enrolment link as a QR code PNG, for the patient's phone to scan."""
        invite = await service.get_invite(staff, invite_id)
        image = qrcode.make(service.enrol_link(_public_url(request), invite.code), box_size=8, border=2)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return Response(buffer.getvalue(), media_type="image/png", headers={"Cache-Control": "no-store"})

    @get("/patients/{patient_id:uuid}/devices", operation_id="ListDevices")
    async def list_devices(self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> list[DeviceOut]:
        """The phones enrolled for a patient, with when each was last seen."""
        return await service.list_devices(staff, patient_id)

    @post("/devices/{device_id:uuid}/revoke", operation_id="RevokeDevice", status_code=200)
    async def revoke_device(self, staff: CurrentStaff, device_id: FromPath[uuid.UUID]) -> DeviceOut:
        """Sign a patient's phone out: its device token stops working at once."""
        return await service.revoke_device(staff, device_id)


class EnrolController(Controller):
    tags = ["enrolment"]

    @post(
        "/enrol",
        operation_id="RedeemInvite",
        status_code=201,
        errors=(
            ErrorCode.INVITE_INVALID,
            ErrorCode.INVITE_EXPIRED,
            ErrorCode.INVITE_USED,
            ErrorCode.INVITE_REVOKED,
            ErrorCode.RATE_LIMITED,
        ),
        public=True,
    )
    async def redeem(self, request: Request, data: JSONBody[RedeemInvite]) -> Enrolled:
        """Enrol a phone with an invite code; answers the device token the phone then uses. Attempts are limited per address."""
        return await service.redeem(data, client_address=client_address(request), limiter=request.app.state.invite_limiter)

    @delete("/me/device", operation_id="SignOutDevice", guards=[patient_only], dependencies=PATIENT, status_code=HTTP_204_NO_CONTENT)
    async def sign_out(self, patient: CurrentPatient) -> None:
        """Sign the calling phone out: its device token stops working at once."""
        await service.sign_out_device(patient)
