"""Two-factor sign-in in the dashboard: the code after the password, enrolment where the clinic
requires it (both before a session exists, held by the challenge cookie), a member's own
enrolment from their account page, and step-up before exports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from backend.auth import service as auth
from backend.clinics.models import StaffUser
from backend.dashboard.controllers.sign_in import (
    CHALLENGE_COOKIE,
    public_form,
    safe_next,
    set_session_cookie,
    signed_in_response,
)
from backend.dashboard.errors import SIGN_IN_PATH
from backend.dashboard.guards import PUBLIC
from backend.dashboard.pages import render, staff_of
from backend.security.client_address import client_address
from backend.staff import sign_in as staff_sign_in
from backend.staff import two_factor
from backend.staff.models import SignInChallenge
from shared.errors import FollicleError, NotAuthenticated, RateLimited

Next = Annotated[str | None, QueryParameter(max_length=500)]


def _now() -> datetime:
    return datetime.now(UTC)


def _status(exc: FollicleError) -> int:
    return 429 if isinstance(exc, RateLimited) else 401 if isinstance(exc, NotAuthenticated) else 409


def _back_to_sign_in() -> Redirect:
    response = Redirect(f"{SIGN_IN_PATH}?expired=0", status_code=303)
    response.delete_cookie(CHALLENGE_COOKIE, path=SIGN_IN_PATH)
    return response


async def _challenge(request: Request, purpose: staff_sign_in.NextStep) -> tuple[SignInChallenge, StaffUser] | None:
    try:
        found, staff = await staff_sign_in.challenge(request.cookies.get(CHALLENGE_COOKIE), now=_now())
    except NotAuthenticated:
        return None
    return (found, staff) if found.purpose == purpose.value else None


async def _open_session(request: Request, staff: StaffUser) -> str:
    settings = request.app.state.settings
    signed_in, _ = await auth.open_session(
        staff, kind="cookie", ttl=timedelta(hours=settings.staff_token_ttl_hours),
        client_address=client_address(request), second_factor=True,
    )
    return signed_in.token


class SignInStepController(Controller):
    """After the password: the pages that finish signing in. Open to anyone holding the challenge."""

    path = "/sign-in"
    opt = {PUBLIC: True}

    @get("/code", operation_id="DashboardSignInCodePage")
    async def code_page(self, request: Request) -> Response:
        if await _challenge(request, staff_sign_in.NextStep.VERIFY) is None:
            return _back_to_sign_in()
        return public_form("two_factor/sign_in_code.html", request, message="")

    @post("/code", operation_id="DashboardSignInCode")
    async def code(self, request: Request) -> Response:
        held = await _challenge(request, staff_sign_in.NextStep.VERIFY)
        if held is None:
            return _back_to_sign_in()
        found, staff = held
        form = await request.form()
        try:
            await two_factor.check_code(
                staff, str(form.get("code", ""))[:64], limiter=request.app.state.sign_in_limiter,
                address=client_address(request), now=_now(),
            )
        except FollicleError as exc:
            return public_form("two_factor/sign_in_code.html", request, status=_status(exc), message=exc.message, code=exc.code)
        if not await staff_sign_in.finish_challenge(found.id, now=_now()):
            return _back_to_sign_in()
        return signed_in_response(request, await _open_session(request, staff), safe_next(str(form.get("next", ""))))

    @get("/enrol", operation_id="DashboardSignInEnrolPage")
    async def enrol_page(self, request: Request) -> Response:
        held = await _challenge(request, staff_sign_in.NextStep.ENROL)
        if held is None:
            return _back_to_sign_in()
        _, staff = held
        enrolment = await two_factor.pending_enrolment(staff) or await two_factor.start_enrolment(staff)
        return public_form("two_factor/sign_in_enrol.html", request, enrolment=enrolment, message="", email=staff.email)

    @post("/enrol", operation_id="DashboardSignInEnrol")
    async def enrol(self, request: Request) -> Response:
        held = await _challenge(request, staff_sign_in.NextStep.ENROL)
        if held is None:
            return _back_to_sign_in()
        found, staff = held
        form = await request.form()
        try:
            codes = await two_factor.confirm_enrolment(
                staff, str(form.get("code", ""))[:64], limiter=request.app.state.sign_in_limiter,
                address=client_address(request), now=_now(),
            )
        except FollicleError as exc:
            enrolment = await two_factor.pending_enrolment(staff)
            if enrolment is None:
                return _back_to_sign_in()
            return public_form(
                "two_factor/sign_in_enrol.html", request, status=_status(exc), enrolment=enrolment, message=exc.message,
                email=staff.email,
            )
        if not await staff_sign_in.finish_challenge(found.id, now=_now()):
            return _back_to_sign_in()
        token = await _open_session(request, staff)
        response = public_form(
            "two_factor/recovery_codes.html", request, codes=codes, continue_to=safe_next(str(form.get("next", ""))),
        )
        set_session_cookie(request, response, token)
        return response


class AccountPagesController(Controller):
    """A member's own account: two-factor sign-in on or off, recovery codes left."""

    path = "/account"

    @get("/", operation_id="DashboardAccount")
    async def account(self, request: Request) -> Template:
        staff = staff_of(request)
        return render(
            "two_factor/account.html", request, two_factor_on=await two_factor.is_on(staff.staff_id),
            codes_left=await two_factor.unused_recovery_codes(staff.staff_id),
        )

    @post("/two-factor/start", operation_id="DashboardStartTwoFactor")
    async def start(self, request: Request) -> Response:
        staff = await StaffUser.get(id=staff_of(request).staff_id)
        try:
            await two_factor.start_enrolment(staff)
        except FollicleError as exc:
            return render("error.html", request, status=409, code=exc.code, message=exc.message)
        return Redirect("/dashboard/account/two-factor", status_code=303)

    @get("/two-factor", operation_id="DashboardTwoFactorPage")
    async def enrol_page(self, request: Request) -> Response:
        enrolment = await two_factor.pending_enrolment(await StaffUser.get(id=staff_of(request).staff_id))
        if enrolment is None:
            return Redirect("/dashboard/account", status_code=303)
        return render("two_factor/enrol.html", request, enrolment=enrolment, message="")

    @post("/two-factor", operation_id="DashboardConfirmTwoFactor")
    async def confirm(self, request: Request) -> Response:
        principal = staff_of(request)
        staff = await StaffUser.get(id=principal.staff_id)
        form = await request.form()
        try:
            codes = await two_factor.confirm_enrolment(
                staff, str(form.get("code", ""))[:64], limiter=request.app.state.sign_in_limiter,
                address=principal.address, now=_now(), session_id=principal.session_id,
            )
        except FollicleError as exc:
            enrolment = await two_factor.pending_enrolment(staff)
            if enrolment is None:
                return Redirect("/dashboard/account", status_code=303)
            return render("two_factor/enrol.html", request, status=_status(exc), enrolment=enrolment, message=exc.message)
        return render("two_factor/recovery_codes.html", request, codes=codes, continue_to="/dashboard/account")


class StepUpPagesController(Controller):
    """A fresh code before an export that asks for one (`step_up_required` sends the member here)."""

    path = "/step-up"

    @get("/", operation_id="DashboardStepUpPage")
    async def step_up_page(self, request: Request, next: Next = None) -> Template:
        return render("two_factor/step_up.html", request, next=safe_next(next), message="")

    @post("/", operation_id="DashboardStepUp")
    async def step_up(self, request: Request) -> Response:
        form = await request.form()
        target = safe_next(str(form.get("next", "")))
        try:
            await two_factor.step_up(
                staff_of(request), str(form.get("code", ""))[:64], limiter=request.app.state.sign_in_limiter, now=_now()
            )
        except FollicleError as exc:
            return render("two_factor/step_up.html", request, status=_status(exc), next=target, message=exc.message)
        return Redirect(target, status_code=303)

