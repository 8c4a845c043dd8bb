"""Shared steps of the staff-account tests: codes for the time the server reads, enrolment through
the API, the invite email's link."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from backend.records.alert_emails import deliver_due_emails
from backend.settings import Settings
from backend.staff import totp
from tests.backend.records.smtp_server import LoopbackSmtp
from tests.backend.records.test_alert_emails import mailer_for


def code_now(secret: str, steps_ahead: int = 0) -> str:
    """The code for the step the server is in (it reads the same clock), or one step later: the
    +1 step window accepts it, which lets a test use a second, newer code without waiting."""
    return totp.code_at(secret, totp.step_at(datetime.now(UTC)) + steps_ahead)


async def turn_on_two_factor(client, headers: dict[str, str]) -> tuple[str, list[str]]:
    """Enrol through the API: (secret, recovery codes)."""
    started = await client.post("/auth/two-factor", headers=headers)
    assert started.status_code == 201, started.text
    secret = started.json()["secret"]
    confirmed = await client.post("/auth/two-factor/confirm", json={"code": code_now(secret)}, headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["codes"]


async def delivered_link(smtp: LoopbackSmtp, settings: Settings, recipient: str) -> str:
    """Send what the outbox holds and read the link out of the email `recipient` got."""
    await deliver_due_emails(mailer_for(smtp.port), public_url=settings.public_url, secret_key=settings.secret_key)
    mails = [m for m in smtp.mailbox.received if recipient in m.envelope_to]
    assert mails, f"no email reached {recipient}"
    found = re.search(r"(https?://\S+/dashboard/staff-links/(\S+))", mails[-1].body)
    assert found, mails[-1].body
    return found.group(1)


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]
