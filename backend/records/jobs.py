"""Records jobs on the job runtime (backend/jobs): building a patient's ZIP, the periodic sweep of
kept ZIPs, and sending due alert emails; in whichever process runs jobs."""

from __future__ import annotations

import logging
import uuid

from dataclasses import asdict

from backend.jobs import JobRuntime
from backend.records import alert_emails, exports
from backend.records.mailer import build_mailer
from backend.reminders.runtime import worker_name

log = logging.getLogger(__name__)


def register_jobs(runtime: JobRuntime) -> None:
    store, settings = runtime.store, runtime.settings

    async def build_export(export_id: str) -> str | None:
        state = await exports.build(uuid.UUID(export_id), store=store, settings=settings)
        return state.value if state else None

    async def sweep_exports() -> None:
        report = await exports.sweep(store=store, settings=settings)
        if any(report.values()):
            log.info("data exports swept: %s", report)

    mailer = build_mailer(settings)  # a bad FOLLICLE_SMTP_SECURITY stops start-up here
    policy = alert_emails.EmailPolicy.from_settings(settings)

    async def deliver_alert_emails() -> dict[str, int]:
        """Send every alert, invite and password email due now; other workers take other batches."""
        report = await alert_emails.deliver_due_emails(
            mailer, public_url=settings.public_url, secret_key=settings.secret_key,
            link_valid_hours=settings.staff_link_valid_hours, policy=policy, worker=worker_name(),
        )
        if report.claimed:
            log.info("alert emails: %s", report)
        return asdict(report)

    runtime.register(build_export, exports.BUILD_TASK)
    runtime.register(deliver_alert_emails, alert_emails.DELIVER_TASK)
    runtime.every(settings.records_sweep_seconds, sweep_exports)
    runtime.every(settings.email_sweep_seconds, deliver_alert_emails)
