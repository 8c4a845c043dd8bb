"""The staff page, for the clinic's admins: every member with role, two-factor and last sign-in;
invite by email, change a role, deactivate, send a password link; require two-factor for the
clinic. And the signed-out page where an invite or password link sets a password."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from backend.auth.guards import admin_only
from backend.clinics import service as clinics
from backend.dashboard import service
from backend.dashboard.controllers.sign_in import public_form
from backend.dashboard.errors import SIGN_IN_PATH, error_page
from backend.dashboard.guards import PUBLIC
from backend.dashboard.pages import render, staff_of
from backend.security.client_address import client_address
from backend.staff import links
from backend.staff import service as staff_accounts
from backend.staff import two_factor
from backend.errors import status_for
from shared.contract.auth import StaffRole
from shared.contract.clinics import ClinicUpdate
from shared.contract.staff import StaffInviteCreate
from shared.errors import FollicleError, InvalidInput

STAFF_PAGE = "/dashboard/staff"
# what the page says after a change (by key, so nothing typed is reflected into the page)
DONE = {
    "invited": "Invite sent. The link works once and expires; resend it from the list if it does.",
    "role": "Role changed. Their sessions ended: they sign in again with the new role.",
    "deactivated": "Deactivated. Their sessions and API tokens have ended; their audit history stays.",
    "link": "Password link sent. Their current password works until they use it.",
    "required": "Two-factor sign-in is now required. Staff without it set it up at their next sign-in.",
    "not_required": "Two-factor sign-in is no longer required for the clinic.",
}
Done = Annotated[str | None, QueryParameter(max_length=20)]


def _now() -> datetime:
    return datetime.now(UTC)


class StaffPagesController(Controller):
    path = "/staff"
    guards = [admin_only]

    @get("/", operation_id="DashboardStaff")
    async def staff_page(self, request: Request, done: Done = None) -> Template:
        return await _page(request, notice=DONE.get(done or "", ""))

    @post("/invite", operation_id="DashboardInviteStaff")
    async def invite(self, request: Request) -> Response:
        form = await request.form()
        typed = {k: str(form.get(k, "")).strip()[:254] for k in ("email", "name", "role")}
        try:
            data = msgspec.convert(typed, StaffInviteCreate)
        except msgspec.ValidationError:
            problem = InvalidInput("Enter the new member's name, a valid email address and a role.")
            return await _page(request, status=400, problem=problem, typed=typed)
        hours = request.app.state.settings.staff_link_valid_hours
        return await _act(request, staff_accounts.invite(staff_of(request), data, now=_now(), valid_hours=hours), "invited", typed=typed)

    @post("/{staff_id:uuid}/role", operation_id="DashboardChangeStaffRole")
    async def role(self, request: Request, staff_id: FromPath[uuid.UUID]) -> Response:
        form = await request.form()
        role = str(form.get("role", ""))
        if role not in {r.value for r in StaffRole}:
            return await _page(request, status=400, problem=InvalidInput("Choose a role."))
        return await _act(request, staff_accounts.change_role(staff_of(request), staff_id, StaffRole(role)), "role")

    @post("/{staff_id:uuid}/deactivate", operation_id="DashboardDeactivateStaff")
    async def deactivate(self, request: Request, staff_id: FromPath[uuid.UUID]) -> Response:
        return await _act(request, staff_accounts.deactivate(staff_of(request), staff_id, now=_now()), "deactivated")

    @post("/{staff_id:uuid}/password-link", operation_id="DashboardSendStaffPasswordLink")
    async def password_link(self, request: Request, staff_id: FromPath[uuid.UUID]) -> Response:
        hours = request.app.state.settings.staff_link_valid_hours
        return await _act(request, staff_accounts.send_password_link(staff_of(request), staff_id, now=_now(), valid_hours=hours), "link")

    @post("/two-factor", operation_id="DashboardRequireTwoFactor")
    async def require(self, request: Request) -> Response:
        form = await request.form()
        required = form.get("required") == "on"
        change = clinics.update_clinic(staff_of(request), ClinicUpdate(require_two_factor=required))
        return await _act(request, change, "required" if required else "not_required")


async def _act(request: Request, change, done: str, typed: dict | None = None) -> Response:
    try:
        await change
    except FollicleError as exc:
        if status_for(exc) == 404:  # another clinic's member: nothing says they exist
            return error_page(request, 404, exc.code, exc.message)
        return await _page(request, status=status_for(exc), problem=exc, typed=typed)
    return Redirect(f"{STAFF_PAGE}?done={done}", status_code=303)


async def _page(request: Request, *, status: int = 200, notice: str = "", problem: FollicleError | None = None, typed: dict | None = None) -> Template:
    principal = staff_of(request)
    members = await staff_accounts.list_members(principal)
    clinic = await clinics.get_clinic(principal)
    clock = await service.clinic_clock(principal)
    return render(
        "staff/page.html", request, status=status, members=members, clinic=clinic, clock=clock, notice=notice,
        problem=problem, typed=typed or {}, roles=list(StaffRole),
        me_two_factor=await two_factor.is_on(principal.staff_id),
    )


class StaffLinkPagesController(Controller):
    """The page an invite or password email links to (signed out: the link is the credential)."""

    path = "/staff-links"  # links.PATH, under the dashboard router
    opt = {PUBLIC: True}

    @get("/{token:str}", operation_id="DashboardStaffLinkPage")
    async def link_page(self, request: Request, token: FromPath[str]) -> Response:
        try:
            link, staff = await staff_accounts.open_link(token[:200], secret_key=request.app.state.settings.secret_key, now=_now())
        except FollicleError as exc:
            return error_page(request, status_for(exc), exc.code, exc.message)
        return _link_form(request, token, link.purpose, staff.email)

    @post("/{token:str}", operation_id="DashboardSetStaffPassword")
    async def set_password(self, request: Request, token: FromPath[str]) -> Response:
        form = await request.form()
        password, again = str(form.get("password", ""))[:256], str(form.get("password_again", ""))[:256]
        settings = request.app.state.settings
        try:
            link, staff = await staff_accounts.open_link(token[:200], secret_key=settings.secret_key, now=_now())
        except FollicleError as exc:
            return error_page(request, status_for(exc), exc.code, exc.message)
        if password != again:
            return _link_form(request, token, link.purpose, staff.email, message="The two passwords are not the same.", status=400)
        try:
            await staff_accounts.set_password(
                token[:200], password, secret_key=settings.secret_key, now=_now(), address=client_address(request)
            )
        except FollicleError as exc:
            return _link_form(request, token, link.purpose, staff.email, message=exc.message, status=status_for(exc))
        return Redirect(f"{SIGN_IN_PATH}?password_set=1", status_code=303)


def _link_form(request: Request, token: str, purpose: str, email: str, *, message: str = "", status: int = 200) -> Template:
    return public_form(
        "staff/set_password.html", request, status=status, cookie_path=links.PATH.rstrip("/"), token=token,
        purpose=purpose, email=email, message=message,
    )
