"""The staff-account API: admins invite, change roles, deactivate and send password links; every
member sets up two-factor sign-in and steps up before exports; a link sets a password."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from litestar import Controller, Request, patch, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.auth.deps import STAFF, CurrentStaff
from backend.auth.guards import admin_only, staff_only
from backend.clinics.models import StaffUser
from backend.security.client_address import client_address
from backend.staff import service, two_factor
from shared.contract.staff import (
    PasswordChoice,
    RecoveryCodes,
    SecondFactor,
    StaffInviteCreate,
    StaffMemberOut,
    StaffUpdate,
    TwoFactorEnrolment,
)
from shared.errors import ErrorCode


def _now() -> datetime:
    return datetime.now(UTC)


class StaffAdminController(Controller):
    path = "/clinic/staff"
    tags = ["clinic"]
    guards = [admin_only]
    dependencies = STAFF

    @post("/invites", operation_id="InviteStaff", errors=(ErrorCode.EMAIL_TAKEN,))
    async def invite(self, request: Request, staff: CurrentStaff, data: JSONBody[StaffInviteCreate]) -> StaffMemberOut:
        """Invite a new member by email: they get a single-use, expiring link to choose a password."""
        hours = request.app.state.settings.staff_link_valid_hours
        return await service.invite(staff, data, now=_now(), valid_hours=hours)

    @patch("/{staff_id:uuid}", operation_id="ChangeStaffRole", errors=(ErrorCode.LAST_ADMIN, ErrorCode.STAFF_INACTIVE))
    async def change_role(self, staff: CurrentStaff, staff_id: FromPath[uuid.UUID], data: JSONBody[StaffUpdate]) -> StaffMemberOut:
        """Give a member another role (their sessions end; they sign in again). The clinic's last
        admin cannot be demoted."""
        return await service.change_role(staff, staff_id, data.role)

    @post(
        "/{staff_id:uuid}/deactivate", operation_id="DeactivateStaff", status_code=200,
        errors=(ErrorCode.LAST_ADMIN, ErrorCode.INVALID_STATE),
    )
    async def deactivate(self, staff: CurrentStaff, staff_id: FromPath[uuid.UUID]) -> StaffMemberOut:
        """Deactivate a member: their sessions and API tokens end at once, their audit history
        stays. Not the clinic's last admin, and not yourself."""
        return await service.deactivate(staff, staff_id, now=_now())

    @post(
        "/{staff_id:uuid}/password-link", operation_id="SendStaffPasswordLink", status_code=HTTP_204_NO_CONTENT,
        errors=(ErrorCode.STAFF_INACTIVE,),
    )
    async def password_link(self, request: Request, staff: CurrentStaff, staff_id: FromPath[uuid.UUID]) -> None:
        """Email a member a single-use, expiring link to set a new password (their invite again if
        they never chose one)."""
        hours = request.app.state.settings.staff_link_valid_hours
        await service.send_password_link(staff, staff_id, now=_now(), valid_hours=hours)


class TwoFactorController(Controller):
    path = "/auth"
    tags = ["auth"]
    guards = [staff_only]
    dependencies = STAFF

    @post("/two-factor", operation_id="StartTwoFactor", errors=(ErrorCode.TWO_FACTOR_ALREADY_ON,))
    async def start(self, staff: CurrentStaff) -> TwoFactorEnrolment:
        """Start two-factor sign-in for the caller: a new TOTP secret (RFC 6238, 6 digits, 30 s) to put
        into an authenticator app; confirm it with a code to turn it on."""
        enrolment = await two_factor.start_enrolment(await StaffUser.get(id=staff.staff_id))
        return TwoFactorEnrolment(secret=enrolment.secret, otpauth_uri=enrolment.uri)

    @post(
        "/two-factor/confirm", operation_id="ConfirmTwoFactor", status_code=200,
        errors=(ErrorCode.SECOND_FACTOR_INVALID, ErrorCode.RATE_LIMITED, ErrorCode.INVALID_STATE, ErrorCode.TWO_FACTOR_ALREADY_ON),
    )
    async def confirm(self, request: Request, staff: CurrentStaff, data: JSONBody[SecondFactor]) -> RecoveryCodes:
        """Turn two-factor sign-in on with a code from the new secret; answers ten single-use
        recovery codes, shown this once (only their digests are kept)."""
        codes = await two_factor.confirm_enrolment(
            await StaffUser.get(id=staff.staff_id), data.code, limiter=request.app.state.sign_in_limiter,
            address=client_address(request), now=_now(), session_id=staff.session_id,
        )
        return RecoveryCodes(codes=codes)

    @post(
        "/step-up", operation_id="StepUp", status_code=HTTP_204_NO_CONTENT,
        errors=(ErrorCode.SECOND_FACTOR_INVALID, ErrorCode.RECOVERY_CODE_USED, ErrorCode.RATE_LIMITED),
    )
    async def step_up(self, request: Request, staff: CurrentStaff, data: JSONBody[SecondFactor]) -> None:
        """Give a fresh second factor in this session (a TOTP or recovery code); exports that ask
        for one (`step_up_required`) are open for the next few minutes."""
        await two_factor.step_up(staff, data.code, limiter=request.app.state.sign_in_limiter, now=_now())


class StaffLinkController(Controller):
    path = "/staff-links"
    tags = ["auth"]

    @post(
        "/{token:str}/password", operation_id="SetStaffPassword", status_code=HTTP_204_NO_CONTENT, public=True,
        errors=(ErrorCode.STAFF_LINK_INVALID, ErrorCode.STAFF_LINK_EXPIRED, ErrorCode.STAFF_LINK_USED),
    )
    async def set_password(self, request: Request, token: FromPath[str], data: JSONBody[PasswordChoice]) -> None:
        """Choose a password with the single-use link of an invite or reset email (the token is the
        link's last part); the member's other sessions end."""
        settings = request.app.state.settings
        await service.set_password(
            token[:200], data.password, secret_key=settings.secret_key, now=_now(), address=client_address(request)
        )
