"""The application factory: `create_app(settings)` builds everything; nothing happens at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from backend.api.caching import no_store_unless_set
from backend.openapi import publish_contract
from backend.api.request import ApiRequest
from backend.api.text import ControlCharacterMiddleware
from backend.audit_log.controllers import AuditController
from backend.auth.controllers import AuthController
from backend.auth.principal import PrincipalMiddleware
from backend.checkins.controllers import MyCheckInController, StaffCheckInController
from backend.checkins.timeline_cache import TimelineCache
from backend.clinics.controllers import ClinicController
from backend.dashboard.router import dashboard_router, static_router, template_config
from backend.db import close_database, open_database
from backend.enrolment.controllers import EnrolController, InviteController
from backend.errors import EXCEPTION_HANDLERS
from backend.exports.controllers import ExportController
from backend.health import health
from backend.injections.controllers import InjectionController, MyInjectionController
from backend.jobs import JobRegistration, jobs_lifespan
from backend.longterm.controllers import LongTermController, MySafetyController
from backend.network.service import NetworkHttp
from backend.outcomes.controllers import OutcomeController, SideEffectAlertController
from backend.patients import changes
from backend.patients.changes import (
    CheckInCompleted,
    PhotoRefused,
    ProgressRecorded,
    QuestionsAnswered,
    RatingsReleased,
    Reactions,
    ScheduleChanged,
)
from backend.patients.controllers import MeController, PatientController
from backend.records.controllers import ExportDownloadController, MyRecordsController, StaffRecordsController
from backend.ratings.images import RenderedSides
from backend.ratings.controllers import PatientConsensusController, RatingImageController, RatingRoundController
from backend.coverage.controllers import CoverageController
from backend.photos.controllers import MyPhotoController, StaffPhotoController
from backend.photos.uploads import slot_open
from backend.reports.controllers import MyReportController, SideEffectController
from backend.reminders.controllers import MyRemindersController, ReminderHistoryController
from backend.security.client_address import TrustedProxies
from backend.security.passwords import use_cost
from backend.security.attempt_store import counting_store
from backend.security.rate_limit import AddressLimiter, SignInLimiter, SignInLimits
from backend.settings import Settings
from backend.marketing.controllers import MyMarketingController, StaffMarketingController
from backend.staff.controllers import StaffAdminController, StaffLinkController, TwoFactorController
from backend.storage import storage_lifespan
from backend.storage.controllers import LocalStoreController

log = logging.getLogger(__name__)

# JSON bodies are small; photo bytes never pass through JSON routes
MAX_JSON_BODY = 256 * 1024


def route_handlers() -> list:
    return [
        health,
        AuthController,
        ClinicController,
        StaffAdminController,
        TwoFactorController,
        StaffLinkController,
        MyMarketingController,
        StaffMarketingController,
        PatientController,
        MeController,
        InviteController,
        EnrolController,
        InjectionController,
        MyInjectionController,
        AuditController,
        MyReportController,
        SideEffectController,
        SideEffectAlertController,
        MyRemindersController,
        ReminderHistoryController,
        MyPhotoController,
        StaffPhotoController,
        CoverageController,
        MyCheckInController,
        StaffCheckInController,
        LocalStoreController,
        StaffRecordsController,
        MyRecordsController,
        ExportDownloadController,
        OutcomeController,
        LongTermController,
        MySafetyController,
        ExportController,
        RatingRoundController,
        PatientConsensusController,
        RatingImageController,
        dashboard_router(),
        static_router(),
    ]


def job_registrations() -> list[JobRegistration]:
    """Every feature's `register_jobs`: the API (in-memory broker) and `follicle worker` call each once."""
    from backend.backups.jobs import register_jobs as backup_jobs
    from backend.records.jobs import register_jobs as records_jobs
    from backend.photos.jobs import register_jobs as photo_jobs
    from backend.network.jobs import register_jobs as network_jobs
    from backend.reminders.jobs import register_jobs as reminder_jobs

    return [reminder_jobs, photo_jobs, records_jobs, backup_jobs, network_jobs]


def patient_reactions() -> Reactions:
    """Which feature answers which patient change, in the order they run (backend.patients.changes).
    Every process that changes patients wires these: the API's lifespan, `follicle worker`, the CLI."""
    from backend.checkins import reactions as timeline
    from backend.outcomes import reactions as outcomes
    from backend.reminders import reactions as reminders

    return {
        ScheduleChanged: [reminders.schedule_changed, timeline.schedule_changed, outcomes.schedule_changed],
        CheckInCompleted: [reminders.checkin_completed, outcomes.checkin_completed],
        QuestionsAnswered: [reminders.questions_answered],
        PhotoRefused: [reminders.photo_refused],
        ProgressRecorded: [outcomes.progress_recorded],
        RatingsReleased: [outcomes.ratings_released],
    }


async def connect(database_url: str, *, pool_size: int | None = None) -> None:
    """Open the database for a process outside the API (a benchmark, a test's seeding, a script) and
    wire the same reactions, so what it changes replans reminders and refreshes facts as the API would."""
    await open_database(database_url, pool_size=pool_size)
    changes.wire(patient_reactions())


def sign_in_limits(settings: Settings) -> SignInLimits:
    return SignInLimits(
        per_account_and_address=settings.sign_in_attempts,
        per_account=settings.sign_in_account_attempts,
        per_address=settings.sign_in_address_attempts,
        window_seconds=settings.sign_in_window_seconds,
    )


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    use_cost(settings.password_cost())

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await open_database(settings.database_url, pool_size=settings.database_pool_size)
        changes.wire(patient_reactions())
        try:
            yield
        finally:
            await close_database()
            await attempts.__aexit__(None, None, None)  # a Redis store closes its connections

    attempts = counting_store(settings.redis_url, f"{settings.redis_namespace}:attempts")
    state = State(
        {
            "settings": settings,
            "trusted_proxies": TrustedProxies.parse(settings.trusted_proxies),
            "sign_in_limiter": SignInLimiter(attempts, sign_in_limits(settings)),
            "invite_limiter": AddressLimiter(
                attempts, kind="invite", attempts=settings.invite_attempts, window_seconds=settings.invite_window_seconds
            ),
            "timeline_cache": TimelineCache(settings.timeline_cache_entries),
            "upload_gate": slot_open,
            "rating_images": RenderedSides(),
            "network_http": NetworkHttp(),
        }
    )
    app = Litestar(
        route_handlers=route_handlers(),
        lifespan=[lifespan, storage_lifespan(settings), jobs_lifespan(settings, job_registrations())],
        middleware=[ControlCharacterMiddleware(), PrincipalMiddleware()],
        before_send=[no_store_unless_set],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        state=state,
        stores={"attempts": attempts},
        request_class=ApiRequest,
        template_config=template_config(),
        request_max_body_size=MAX_JSON_BODY,
        openapi_config=OpenAPIConfig(
            title="Follicle API",
            version="0.1.0",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
            use_handler_docstrings=True,
        ),
        debug=settings.debug,
    )
    publish_contract(app)
    return app
