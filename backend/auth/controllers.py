from __future__ import annotations

from datetime import UTC, datetime, timedelta

from litestar import Controller, Request, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.auth import service
from backend.staff import sign_in as staff_sign_in
from backend.auth.deps import STAFF, CurrentStaff
from backend.security.client_address import client_address
from backend.auth.guards import staff_only
from shared.contract.auth import SignedIn, SignIn, StaffOut
from shared.errors import ErrorCode


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post(
        "/sign-in",
        operation_id="SignIn",
        status_code=200,
        errors=(
            ErrorCode.INVALID_CREDENTIALS, ErrorCode.RATE_LIMITED, ErrorCode.SECOND_FACTOR_REQUIRED,
            ErrorCode.SECOND_FACTOR_INVALID, ErrorCode.RECOVERY_CODE_USED, ErrorCode.TWO_FACTOR_ENROLMENT_REQUIRED,
        ),
        public=True,
    )
    async def sign_in(self, request: Request, data: JSONBody[SignIn]) -> SignedIn:
        """Sign a staff member in with email and password (and, when two-factor sign-in is on for them,
        `code`: the TOTP code of their authenticator app or a recovery code); answers a bearer token.
        Where the clinic requires two-factor, a member without it must set it up in the dashboard first."""
        settings = request.app.state.settings
        return await staff_sign_in.api_sign_in(
            data.email,
            data.password,
            data.code,
            address=client_address(request),
            limiter=request.app.state.sign_in_limiter,
            ttl=timedelta(hours=settings.staff_token_ttl_hours),
            now=datetime.now(UTC),
        )

    @post("/sign-out", operation_id="SignOut", guards=[staff_only], dependencies=STAFF, status_code=HTTP_204_NO_CONTENT)
    async def sign_out(self, staff: CurrentStaff) -> None:
        """End the caller's own staff session (its token stops working at once)."""
        await service.sign_out(staff)

    @get("/me", operation_id="GetSignedInStaff", guards=[staff_only], dependencies=STAFF)
    async def me(self, staff: CurrentStaff) -> StaffOut:
        """The signed-in staff member: name, email, role and clinic."""
        return StaffOut(id=staff.staff_id, clinic_id=staff.clinic_id, email=staff.email, name=staff.name, role=staff.role)
