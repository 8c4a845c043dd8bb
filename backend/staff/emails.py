"""The emails of staff accounts (an invite, a password reset): written to the `staff_email`
outbox in the transaction that made the link, sent by the outbox's workers with the alert emails
(backend/records/alert_emails.py), over the same SMTP settings. The link is sealed again at send
time from the row's link id, so the outbox holds no secret."""

from __future__ import annotations

import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

from backend.staff.models import StaffEmail
from backend.staff import links

STAFF_INVITE = "staff_invite"
PASSWORD_RESET = "password_reset"
KINDS = (STAFF_INVITE, PASSWORD_RESET)
KIND_OF_PURPOSE = {"invite": STAFF_INVITE, "reset": PASSWORD_RESET}


async def queue(*, clinic_id: uuid.UUID, staff_id: uuid.UUID, email: str, link_id: uuid.UUID, purpose: str, now: datetime) -> None:
    """Inside the link's transaction: one email to the member."""
    await StaffEmail.create(
        clinic_id=clinic_id, recipient_id=staff_id, recipient_email=email, kind=KIND_OF_PURPOSE[purpose],
        link_id=link_id, next_attempt_at=now,
    )


def message(
    *, row_id: uuid.UUID, kind: str, recipient: str, link_id: uuid.UUID, clinic_name: str, public_url: str,
    sender: str, secret_key: str, valid_hours: int,
) -> EmailMessage:
    url = links.url_for(link_id, public_url=public_url, secret_key=secret_key)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = recipient
    email["Message-ID"] = make_msgid(idstring=str(row_id), domain="follicle")
    if kind == STAFF_INVITE:
        email["Subject"] = f"Follicle: you are invited to {clinic_name}"
        opening = f"{clinic_name} has invited you to its Follicle dashboard. Choose your password here:"
    else:
        email["Subject"] = "Follicle: set a new password"
        opening = f"An admin of {clinic_name} sent you a link to set a new Follicle password:"
    email.set_content(
        f"{opening}\n\n{url}\n\n"
        f"The link works once and for {valid_hours} hours. If you did not expect this email, ignore it: "
        "nothing changes until the link is used.\n"
    )
    return email
