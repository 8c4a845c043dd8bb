"""Signing in and out of the dashboard."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Annotated

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
from shared.errors import FollicleError, RateLimited

HOME = "/dashboard/patients"


_DASHBOARD_PATH = re.compile(r"/dashboard/[A-Za-z0-9/_.~%?&=+-]*")


def safe_next(target: str | None) -> str:
    """Only a dashboard path of this site is a place to go after signing in (no open redirect)."""
    if target and _DASHBOARD_PATH.fullmatch(target) and ".." not in target and "//" not in target:
        return target
    return HOME


def _secure(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


def _sign_in_page(request: Request, *, message: str = "", notice: str = "", email: str = "", status: int = 200) -> Template:
    token = secrets.token_urlsafe(24)
    settings: Settings = request.app.state.settings
    return Template(
        "sign_in.html",
        context={
            "sign_in_token": token,
            "message": message,
            "notice": notice,
            "email": email,
            "next": safe_next(request.query_params.get("next")),
            "idle_minutes": settings.dashboard_idle_minutes,
        },
        status_code=status,
        media_type=MediaType.HTML,
        headers={"Content-Security-Policy": content_security_policy(settings)},
        cookies=[
            Cookie(
                key=SIGN_IN_COOKIE,
                value=token,
                path=SIGN_IN_PATH,
                httponly=True,
                samesite="strict",
                secure=_secure(settings),
                max_age=3600,
            )
        ],
    )


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
    ) -> Response:
        if dashboard_staff(request) is not None:
            return Redirect(safe_next(request.query_params.get("next")), status_code=303)
        notice = ""
        if expired:
            minutes = request.app.state.settings.dashboard_idle_minutes
            notice = f"You were signed out after {minutes} minutes without activity. Please sign in again."
        elif signed_out:
            notice = "You are signed out."
        return _sign_in_page(request, notice=notice)

    @post("/sign-in", operation_id="DashboardSignIn")
    async def sign_in(self, request: Request) -> Response:
        form = await request.form()
        email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
        settings: Settings = request.app.state.settings
        if not email or not password:
            return _sign_in_page(request, message="Enter your email and password.", email=email, status=400)
        try:
            signed_in, _ = await auth.sign_in(
                email[:254],
                password[:256],
                client_address=client_address(request),
                limiter=request.app.state.sign_in_limiter,
                kind="cookie",
                ttl=timedelta(hours=settings.staff_token_ttl_hours),
            )
        except RateLimited as exc:
            return _sign_in_page(request, message=exc.message, email=email, status=429)
        except FollicleError as exc:
            return _sign_in_page(request, message=exc.message, email=email, status=401)
        response = Redirect(safe_next(str(form.get("next", ""))), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            signed_in.token,
            path="/dashboard",
            httponly=True,
            samesite="lax",
            secure=_secure(settings),
        )
        response.delete_cookie(SIGN_IN_COOKIE, path=SIGN_IN_PATH)
        return response

    @post("/sign-out", operation_id="DashboardSignOut", opt={PUBLIC: False})
    async def sign_out(self, request: Request) -> Redirect:
        staff = dashboard_staff(request)
        assert staff is not None  # the signed_in guard let the request through
        await auth.sign_out(staff)
        response = Redirect(f"{SIGN_IN_PATH}?signed_out=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/dashboard")
        return response
