"""Signing in and out of the dashboard."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from backend.auth import service as auth
from backend.security.client_address import client_address
from backend.auth.principal import SESSION_COOKIE
from backend.dashboard.errors import SIGN_IN_PATH
from backend.dashboard.guards import PUBLIC, SIGN_IN_COOKIE, dashboard_staff
from backend.dashboard.pages import content_security_policy
from backend.settings import Settings
from backend.staff import sign_in as staff_sign_in
from shared.errors import FollicleError, RateLimited

HOME = "/dashboard/patients"
# the step between a correct password and the session (a code, or enrolment)
CHALLENGE_COOKIE = "follicle_challenge"


_DASHBOARD_PATH = re.compile(r"/dashboard/[A-Za-z0-9/_.~%?&=+-]*")


def safe_next(target: str | None) -> str:
    """Only a dashboard path of this site is a place to go after signing in (no open redirect)."""
    if target and _DASHBOARD_PATH.fullmatch(target) and ".." not in target and "//" not in target:
        return target
    return HOME


def _secure(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


def public_form(name: str, request: Request, *, status: int = 200, cookie_path: str = SIGN_IN_PATH, **context: object) -> Template:
    """A page of the signed-out part of the dashboard with a form, guarded against login CSRF by a
    double-submit token in a short-lived cookie of its own (scoped to `cookie_path`)."""
    token = secrets.token_urlsafe(24)
    settings: Settings = request.app.state.settings
    return Template(
        name,
        context={"sign_in_token": token, "next": safe_next(request.query_params.get("next")), **context},
        status_code=status,
        media_type=MediaType.HTML,
        headers={"Content-Security-Policy": content_security_policy(settings)},
        cookies=[
            Cookie(
                key=SIGN_IN_COOKIE,
                value=token,
                path=cookie_path,
                httponly=True,
                samesite="strict",
                secure=_secure(settings),
                max_age=3600,
            )
        ],
    )


def _sign_in_page(request: Request, *, message: str = "", notice: str = "", email: str = "", status: int = 200) -> Template:
    settings: Settings = request.app.state.settings
    return public_form(
        "sign_in.html", request, status=status, message=message, notice=notice, email=email,
        idle_minutes=settings.dashboard_idle_minutes,
    )


def signed_in_response(request: Request, token: str, target: str) -> Redirect:
    """Go to `target` with the new session's cookie; the sign-in step's cookies go."""
    response = Redirect(target, status_code=303)
    set_session_cookie(request, response, token)
    return response


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings: Settings = request.app.state.settings
    response.set_cookie(SESSION_COOKIE, token, path="/dashboard", httponly=True, samesite="lax", secure=_secure(settings))
    response.delete_cookie(SIGN_IN_COOKIE, path=SIGN_IN_PATH)
    response.delete_cookie(CHALLENGE_COOKIE, path=SIGN_IN_PATH)


class SignInController(Controller):
    path = "/"
    opt = {PUBLIC: True}

    @get("/", operation_id="DashboardHome", opt={PUBLIC: False})
    async def home(self) -> Redirect:
        return Redirect(HOME, status_code=303)

    @get("/sign-in", operation_id="DashboardSignInPage")
    async def sign_in_page(
        self,
        request: Request,
        expired: Annotated[bool, QueryParameter()] = False,
        signed_out: Annotated[bool, QueryParameter()] = False,
        password_set: Annotated[bool, QueryParameter()] = False,
    ) -> Response:
        if dashboard_staff(request) is not None:
            return Redirect(safe_next(request.query_params.get("next")), status_code=303)
        notice = ""
        if expired:
            minutes = request.app.state.settings.dashboard_idle_minutes
            notice = f"You were signed out after {minutes} minutes without activity. Please sign in again."
        elif signed_out:
            notice = "You are signed out."
        elif password_set:
            notice = "Your password is set. Sign in with it."
        return _sign_in_page(request, notice=notice)

    @post("/sign-in", operation_id="DashboardSignIn")
    async def sign_in(self, request: Request) -> Response:
        form = await request.form()
        email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
        settings: Settings = request.app.state.settings
        if not email or not password:
            return _sign_in_page(request, message="Enter your email and password.", email=email, status=400)
        address = client_address(request)
        try:
            staff = await auth.check_password(
                email[:254], password[:256], client_address=address, limiter=request.app.state.sign_in_limiter
            )
        except RateLimited as exc:
            return _sign_in_page(request, message=exc.message, email=email, status=429)
        except FollicleError as exc:
            return _sign_in_page(request, message=exc.message, email=email, status=401)
        target = safe_next(str(form.get("next", "")))
        step = await staff_sign_in.next_step(staff)
        if step == staff_sign_in.NextStep.SESSION:
            signed_in, _ = await auth.open_session(
                staff, kind="cookie", ttl=timedelta(hours=settings.staff_token_ttl_hours), client_address=address
            )
            return signed_in_response(request, signed_in.token, target)
        # a code (or, where the clinic requires it, enrolment) before the session opens
        token = await staff_sign_in.open_challenge(
            staff, step, now=datetime.now(UTC), minutes=settings.sign_in_challenge_minutes
        )
        page = "code" if step == staff_sign_in.NextStep.VERIFY else "enrol"
        response = Redirect(f"{SIGN_IN_PATH}/{page}?" + urlencode({"next": target}), status_code=303)
        response.set_cookie(
            CHALLENGE_COOKIE, token, path=SIGN_IN_PATH, httponly=True, samesite="strict", secure=_secure(settings),
            max_age=settings.sign_in_challenge_minutes * 60,
        )
        return response

    @post("/sign-out", operation_id="DashboardSignOut", opt={PUBLIC: False})
    async def sign_out(self, request: Request) -> Redirect:
        staff = dashboard_staff(request)
        assert staff is not None  # the signed_in guard let the request through
        await auth.sign_out(staff)
        response = Redirect(f"{SIGN_IN_PATH}?signed_out=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/dashboard")
        return response
