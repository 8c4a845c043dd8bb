"""The dashboard's routers and templates, wired into the app by `backend.app.create_app`."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from backend.api.request import DashboardRequest
from backend.dashboard import format, safety
from backend.dashboard.controllers.audit import AuditPagesController
from backend.dashboard.controllers.injections import InjectionPagesController, LotSearchController
from backend.dashboard.controllers.patients import InvitePagesController, PatientPagesController
from backend.dashboard.controllers.durability import DurabilityPagesController, StopReasonPagesController
from backend.dashboard.controllers.outcomes import OutcomePagesController
from backend.dashboard.controllers.photos import PhotoPagesController
from backend.dashboard.controllers.records import RecordPagesController
from backend.dashboard.controllers.ratings import RatingPagesController
from backend.dashboard.controllers.side_effects import SideEffectPagesController
from backend.dashboard.controllers.sign_in import SignInController
from backend.dashboard.controllers.marketing import MarketingPagesController
from backend.dashboard.controllers.network import NetworkPagesController
from backend.dashboard.controllers.staff import StaffLinkPagesController, StaffPagesController
from backend.dashboard.controllers.two_factor import AccountPagesController, SignInStepController, StepUpPagesController
from backend.dashboard.errors import EXCEPTION_HANDLERS
from backend.dashboard.guards import csrf_protected, signed_in

HERE = Path(__file__).parent
PREFIX = "/dashboard"

# patient data: never cached, never framed (the page's Content-Security-Policy is set by
# `pages.render`, as it names the photo store's address)
SECURITY_HEADERS = [
    ResponseHeader(name="Cache-Control", value="no-store"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
]


def dashboard_router() -> Router:
    return Router(
        path=PREFIX,
        route_handlers=[
            SignInController,
            PatientPagesController,
            InvitePagesController,
            PhotoPagesController,
            InjectionPagesController,
            LotSearchController,
            SideEffectPagesController,
            AuditPagesController,
            RecordPagesController,
            OutcomePagesController,
            DurabilityPagesController,
            StopReasonPagesController,
            RatingPagesController,
            SignInStepController,
            StaffPagesController,
            StaffLinkPagesController,
            AccountPagesController,
            StepUpPagesController,
            MarketingPagesController,
            NetworkPagesController,
        ],
        guards=[signed_in, csrf_protected],
        before_request=safety.count_unacknowledged,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_class=DashboardRequest,
        response_headers=SECURITY_HEADERS,
        include_in_schema=False,
    )


def static_router() -> Router:
    return create_static_files_router(
        path=f"{PREFIX}/static",
        directories=[HERE / "static"],
        name="dashboard_static",
        cache_control=CacheControlHeader(max_age=3600, private=True),
        include_in_schema=False,
    )


def template_config() -> TemplateConfig:
    return TemplateConfig(
        directory=HERE / "templates",
        engine=JinjaTemplateEngine,
        engine_callback=lambda engine: format.register(engine.engine),
    )
