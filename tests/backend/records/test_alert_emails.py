"""Serious side effects reported out: every clinician and admin gets an email through the outbox,
against a real SMTP server on loopback that checks what arrives: a link, no patient detail, each
email once; the server down means retries with backoff, then failed and shown on the dashboard."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from backend.records.alert_emails import EmailPolicy, deliver_due_emails
from backend.records.mailer import SmtpMailer
from backend.staff.models import StaffEmail
from backend.settings import Settings
from tests.backend.dashboard.conftest import browser  # noqa: F401 - fixture
from tests.backend.records.smtp_server import LoopbackSmtp
from tests.backend.reports.bodies import side_effect_body

RECIPIENTS = ["admin@x.example", "clinician@x.example"]  # not the front desk, not clinic Y


@pytest.fixture
def smtp():
    server = LoopbackSmtp().start()
    try:
        yield server
    finally:
        server.stop()


def mailer_for(port: int) -> SmtpMailer:
    return SmtpMailer(Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", smtp_timeout_seconds=5,
                               smtp_from="Follicle <alerts@clinic-x.example>"))


async def report(client, world, *, serious: bool = True) -> str:
    symptoms = [{"symptom": "swelling", "severity": 3 if serious else 1}, {"symptom": "pain", "severity": 2}]
    answer = await client.post(
        "/me/side-effects", json=side_effect_body(world.ids["injection_a"], symptoms=symptoms, notes="Face swollen, went to A&E"),
        headers=world.headers("patient_a"),
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_every_clinician_and_admin_gets_a_link_and_nothing_about_the_patient(client, world, smtp):
    report_id = await report(client, world)
    assert sorted(await StaffEmail.filter(report_id=report_id).values_list("recipient_email", flat=True)) == RECIPIENTS
    sent = await deliver_due_emails(mailer_for(smtp.port), public_url="https://follicle.clinic-x.example")
    assert (sent.sent, sent.failed) == (2, 0)
    arrived = smtp.mailbox.received
    assert sorted(to for mail in arrived for to in mail.envelope_to) == RECIPIENTS
    for mail in arrived:
        assert mail.message["Subject"] == "Follicle: a serious side-effect report needs review"
        assert f"https://follicle.clinic-x.example/dashboard/side-effects/{report_id}" in mail.body
        text = (str(mail.message["Subject"]) + mail.body).lower()
        for secret in ("patient a", "x-001", "swell", "pain", "a&e", "lot-a1", "exocell"):
            assert secret not in text, secret
    again = await deliver_due_emails(mailer_for(smtp.port), public_url="https://follicle.clinic-x.example")
    assert again.claimed == 0 and len(smtp.mailbox.received) == 2  # nothing sent twice
    assert set(await StaffEmail.all().values_list("state", flat=True)) == {"sent"}


async def test_a_report_that_is_not_serious_emails_no_one(client, world, smtp):
    await report(client, world, serious=False)
    assert not await StaffEmail.exists()


async def test_two_workers_at_once_send_each_email_once(client, world, smtp):
    for _ in range(3):
        await report(client, world)
    policy = EmailPolicy(batch_size=2)
    reports = await asyncio.gather(
        *(deliver_due_emails(mailer_for(smtp.port), public_url="http://x", policy=policy, worker=f"w{n}") for n in range(2))
    )
    assert sum(r.sent for r in reports) == 6
    ids = [mail.message["Message-ID"] for mail in smtp.mailbox.received]
    assert len(ids) == len(set(ids)) == 6


async def test_the_server_down_means_backoff_then_failed_on_the_dashboard_and_nothing_lost(client, world, smtp, browser):
    report_id = await report(client, world)
    smtp.stop()
    clock = Clock()
    policy = EmailPolicy(max_attempts=4)
    waits = []
    for attempt in range(1, 5):
        result = await deliver_due_emails(mailer_for(smtp.port), public_url="http://x", clock=clock, policy=policy)
        assert result.claimed == 2, attempt
        rows = await StaffEmail.filter(report_id=report_id)
        assert {r.attempts for r in rows} == {attempt}
        if attempt < 4:
            assert {r.state for r in rows} == {"pending"} and all("Connect" in r.last_error or "refused" in r.last_error.lower() for r in rows)
            waits.append(rows[0].next_attempt_at - clock.now)
            # nothing is tried again before its time
            assert (await deliver_due_emails(mailer_for(smtp.port), public_url="http://x", clock=clock, policy=policy)).claimed == 0
            clock.now = rows[0].next_attempt_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert {r.state for r in await StaffEmail.filter(report_id=report_id)} == {"failed"}

    admin = await browser("admin@x.example")
    page = await admin.get("/dashboard/patients")
    assert "2 alert emails could not be sent" in page.text
    patient_page = await admin.get(f"/dashboard/patients/{world.ids['patient_a']}")
    assert "not delivered after 4 tries" in patient_page.text

    # a later report while the server is still down waits; once it is back, it goes, once
    later_id = await report(client, world)
    assert (await deliver_due_emails(mailer_for(smtp.port), public_url="http://x", clock=clock, policy=policy)).retrying == 2
    smtp.start()
    clock.now += timedelta(minutes=1)
    delivered = await deliver_due_emails(mailer_for(smtp.port), public_url="http://x", clock=clock, policy=policy)
    assert delivered.sent == 2
    assert sorted(to for mail in smtp.mailbox.received for to in mail.envelope_to) == RECIPIENTS
    assert all(f"/dashboard/side-effects/{later_id}" in mail.body for mail in smtp.mailbox.received)


async def test_without_smtp_settings_emails_are_kept_in_the_outbox_only(client, world):
    await report(client, world)
    result = await deliver_due_emails(None, public_url="http://x")
    assert result.not_sent == 2
    rows = await StaffEmail.all()
    assert {r.state for r in rows} == {"not_sent"} and all("FOLLICLE_SMTP_HOST" in r.last_error for r in rows)
