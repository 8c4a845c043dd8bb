"""Alert emails to the clinic's clinicians and admins when a patient reports a serious side effect.

Written to the `staff_email` outbox in the transaction of the report (a hook the reports feature
calls), and delivered with the outbox mechanism the reminders use (backend/outbox): claimed under
a lease by one worker, retried with doubling backoff, failed after the last try and shown on the
dashboard. The email names no patient and no detail: a link to the report, behind sign-in.
Its Message-ID is the outbox row's, so a resend after a worker died mid-send is one email to the reader.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from tortoise.transactions import in_transaction

from backend.clinics.models import Clinic, StaffUser
from backend.outbox import LeasedTable, backoff, claim_rows, still_held
from backend.records.mailer import Fate, SendOutcome, SmtpMailer
from backend.staff.models import StaffEmail
from backend.reports import side_effects
from backend.reports.models import SideEffectReport
from backend.staff import emails as staff_emails
from shared.contract.auth import StaffRole
from shared.contract.records import EmailState

log = logging.getLogger(__name__)

SERIOUS_SIDE_EFFECT = "serious_side_effect"
DELIVER_TASK = "records.deliver_alert_emails"
EMAILS = LeasedTable("staff_email", ("id", "clinic_id", "recipient_email", "kind", "report_id", "link_id", "attempts"))
SUBJECT = "Follicle: a serious side-effect report needs review"
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class EmailPolicy:
    batch_size: int = 50
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 6
    first_retry: timedelta = timedelta(minutes=1)
    max_retry: timedelta = timedelta(hours=1)

    @classmethod
    def from_settings(cls, settings) -> EmailPolicy:
        return cls(lease=timedelta(seconds=settings.email_lease_seconds))


@dataclass
class EmailReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    not_sent: int = 0
    lost: int = 0


# --- writing the outbox ------------------------------------------------------------------------


async def queue_for_serious_report(report: SideEffectReport, now: datetime) -> None:
    """Inside the report's transaction: one email per active clinician and admin of the clinic."""
    staff = await StaffUser.filter(
        clinic_id=report.clinic_id, active=True, role__in=[StaffRole.ADMIN, StaffRole.CLINICIAN]  # type: ignore[attr-defined]
    ).values_list("id", "email")
    if staff:
        await StaffEmail.bulk_create(
            [
                StaffEmail(
                    clinic_id=report.clinic_id,  # type: ignore[attr-defined]
                    recipient_id=staff_id,
                    recipient_email=email,
                    kind=SERIOUS_SIDE_EFFECT,
                    report_id=report.id,
                    next_attempt_at=now,
                )
                for staff_id, email in staff
            ]
        )


if queue_for_serious_report not in side_effects.SERIOUS_REPORT_HOOKS:
    side_effects.SERIOUS_REPORT_HOOKS.append(queue_for_serious_report)


# --- delivering --------------------------------------------------------------------------------


@dataclass
class _Claimed:
    id: uuid.UUID
    clinic_id: uuid.UUID
    recipient_email: str
    report_id: uuid.UUID | None
    attempts: int
    kind: str = SERIOUS_SIDE_EFFECT
    link_id: uuid.UUID | None = None


@dataclass
class _Result:
    state: EmailState
    last_error: str = ""
    next_attempt_at: datetime | None = None


def _uuid(value) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(str(value))


def message(row: _Claimed, *, clinic_name: str, public_url: str, sender: str) -> EmailMessage:
    """The alert: the clinic's name and a link, nothing about the patient."""
    link = f"{public_url.rstrip('/')}/dashboard/side-effects/{row.report_id}"
    email = EmailMessage()
    email["Subject"] = SUBJECT
    email["From"] = sender
    email["To"] = row.recipient_email
    email["Message-ID"] = make_msgid(idstring=str(row.id), domain="follicle")
    email.set_content(
        f"A patient of {clinic_name} has reported a serious side effect after an injection.\n\n"
        f"Open the report (you will be asked to sign in):\n{link}\n\n"
        "This email holds no patient details on purpose. The report stays on the dashboard's alert list "
        "until a clinician or admin marks it as seen; its page also offers a MedWatch-ready summary "
        "for reporting to the FDA.\n"
    )
    return email


def compose(row: _Claimed, *, clinic_name: str, public_url: str, sender: str, secret_key: str, link_valid_hours: int) -> EmailMessage:
    """The email a row asks for: a side-effect alert, or a staff invite or password link."""
    if row.kind in staff_emails.KINDS and row.link_id is not None:
        return staff_emails.message(
            row_id=row.id, kind=row.kind, recipient=row.recipient_email, link_id=row.link_id, clinic_name=clinic_name,
            public_url=public_url, sender=sender, secret_key=secret_key, valid_hours=link_valid_hours,
        )
    return message(row, clinic_name=clinic_name, public_url=public_url, sender=sender)


async def deliver_due_emails(
    mailer: SmtpMailer | None,
    *,
    public_url: str,
    sender: str = "",
    secret_key: str = "",
    link_valid_hours: int = 72,
    clock: Clock = utcnow,
    policy: EmailPolicy = EmailPolicy(),
    worker: str = "worker",
    max_batches: int | None = None,
) -> EmailReport:
    """Claim and send batches until nothing is due. Safe to run on any number of workers at once."""
    report = EmailReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        now = clock()
        token, rows = await claim_rows(EMAILS, now, worker=worker, lease=policy.lease, limit=policy.batch_size)
        if not rows:
            break
        batches += 1
        claimed = [
            _Claimed(
                id=_uuid(r["id"]), clinic_id=_uuid(r["clinic_id"]), recipient_email=r["recipient_email"],
                report_id=_uuid(r["report_id"]), attempts=int(r["attempts"]),
                kind=r["kind"], link_id=_uuid(r["link_id"]),
            )
            for r in rows
        ]
        report.claimed += len(claimed)
        if mailer is None:
            results = {row.id: _Result(EmailState.NOT_SENT, "no SMTP server is configured (FOLLICLE_SMTP_HOST)") for row in claimed}
        else:
            names = dict(await Clinic.filter(id__in=list({r.clinic_id for r in claimed})).values_list("id", "name"))
            messages = [
                compose(
                    row, clinic_name=names.get(row.clinic_id, "your clinic"), public_url=public_url,
                    sender=sender or mailer.sender, secret_key=secret_key, link_valid_hours=link_valid_hours,
                )
                for row in claimed
            ]
            outcomes = await mailer.send(messages)
            results = {row.id: _settle(row, outcome, clock(), policy) for row, outcome in zip(claimed, outcomes, strict=True)}
        await _record(token, results, clock(), report)
    return report


def _settle(row: _Claimed, outcome: SendOutcome, now: datetime, policy: EmailPolicy) -> _Result:
    if outcome.fate == Fate.SENT:
        return _Result(EmailState.SENT)
    if outcome.fate == Fate.REFUSED:
        return _Result(EmailState.FAILED, f"refused by the mail server: {outcome.detail}")
    if row.attempts >= policy.max_attempts:
        return _Result(EmailState.FAILED, f"not delivered after {row.attempts} tries: {outcome.detail}")
    wait = backoff(row.attempts, first=policy.first_retry, maximum=policy.max_retry)
    return _Result(EmailState.PENDING, outcome.detail, now + wait)


async def _record(token: uuid.UUID, results: dict[uuid.UUID, _Result], now: datetime, report: EmailReport) -> None:
    async with in_transaction():
        held = await still_held(StaffEmail, list(results), token)
        groups: dict[tuple, list[uuid.UUID]] = defaultdict(list)
        for row_id, result in results.items():
            if row_id in held:
                groups[(result.state, result.last_error[:500], result.next_attempt_at)].append(row_id)
        for (state, last_error, next_attempt_at), ids in groups.items():
            values: dict = {"state": state, "last_error": last_error, "claim_token": None, "claimed_by": None, "updated_at": now}
            if state == EmailState.SENT:
                values["sent_at"] = now
            if next_attempt_at is not None:
                values["next_attempt_at"] = next_attempt_at
            await StaffEmail.filter(id__in=ids, claim_token=token).update(**values)
    report.lost += len(results) - len(held)
    for row_id, result in results.items():
        if row_id not in held:
            continue
        if result.state == EmailState.SENT:
            report.sent += 1
        elif result.state == EmailState.PENDING:
            report.retrying += 1
        elif result.state == EmailState.FAILED:
            report.failed += 1
        elif result.state == EmailState.NOT_SENT:
            report.not_sent += 1


# --- what the dashboard shows ------------------------------------------------------------------


@dataclass(frozen=True)
class EmailStatus:
    recipient_email: str
    state: EmailState
    attempts: int
    last_error: str
    sent_at: datetime | None


@dataclass
class ClinicEmailTrouble:
    """Alert emails of the clinic that failed, newest first, with the report each was about."""

    failed: list[tuple[uuid.UUID | None, uuid.UUID | None, EmailStatus]] = field(default_factory=list)  # (patient, report, email)


async def for_reports(clinic_id: uuid.UUID, report_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[EmailStatus]]:
    if not report_ids:
        return {}
    rows = await StaffEmail.filter(clinic_id=clinic_id, report_id__in=report_ids).order_by("recipient_email")
    found: dict[uuid.UUID, list[EmailStatus]] = defaultdict(list)
    for row in rows:
        found[row.report_id].append(_status(row))  # type: ignore[attr-defined]
    return found


async def failed_for_clinic(clinic_id: uuid.UUID, limit: int = 20) -> ClinicEmailTrouble:
    rows = (
        await StaffEmail.filter(clinic_id=clinic_id, state=EmailState.FAILED, kind=SERIOUS_SIDE_EFFECT)
        .order_by("-updated_at")
        .limit(limit)
        .select_related("report")
    )
    return ClinicEmailTrouble(
        failed=[(r.report.patient_id if r.report else None, r.report_id, _status(r)) for r in rows]  # type: ignore[attr-defined]
    )


def _status(row: StaffEmail) -> EmailStatus:
    return EmailStatus(
        recipient_email=row.recipient_email, state=EmailState(row.state), attempts=row.attempts,
        last_error=row.last_error, sent_at=row.sent_at,
    )
