"""Sending email through SMTP (aiosmtplib), one connection per batch, each message's fate told apart:
taken by the server, refused for good (5xx for that recipient), or worth trying again (the server
unreachable, a timeout, a 4xx). Built from the FOLLICLE_SMTP_* settings; None without a host."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from enum import StrEnum

import aiosmtplib

from backend.settings import Settings
from shared.errors import InvalidInput

log = logging.getLogger(__name__)

SECURITY = ("starttls", "tls", "none")


class Fate(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class SendOutcome:
    fate: Fate
    detail: str = ""


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        if settings.smtp_security not in SECURITY:
            raise InvalidInput(f"FOLLICLE_SMTP_SECURITY must be one of {', '.join(SECURITY)}, not {settings.smtp_security!r}")
        self.settings = settings
        self.sender = settings.smtp_from

    def _client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username or None,
            password=s.smtp_password or None,
            timeout=s.smtp_timeout_seconds,
            use_tls=s.smtp_security == "tls",
            start_tls=True if s.smtp_security == "starttls" else False,
        )

    async def send(self, messages: list[EmailMessage]) -> list[SendOutcome]:
        """Send each message; never raises: a failure is the outcome of the messages it touched."""
        if not messages:
            return []
        client = self._client()
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            reason = _describe(exc)
            log.warning("SMTP server %s:%s unreachable: %s", self.settings.smtp_host, self.settings.smtp_port, reason)
            return [SendOutcome(Fate.RETRY, reason)] * len(messages)
        outcomes: list[SendOutcome] = []
        try:
            for message in messages:
                outcomes.append(await self._one(client, message))
                if not client.is_connected:
                    # the server hung up: the rest wait for the next round
                    outcomes += [SendOutcome(Fate.RETRY, "the mail server closed the connection")] * (len(messages) - len(outcomes))
                    break
        finally:
            if client.is_connected:
                try:
                    await client.quit()
                except (aiosmtplib.SMTPException, OSError):
                    client.close()
        return outcomes

    async def _one(self, client: aiosmtplib.SMTP, message: EmailMessage) -> SendOutcome:
        try:
            errors, _ = await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            fate = Fate.RETRY if any(400 <= c < 500 for c in codes) else Fate.REFUSED
            return SendOutcome(fate, _describe(exc))
        except aiosmtplib.SMTPResponseException as exc:
            return SendOutcome(Fate.RETRY if 400 <= exc.code < 500 else Fate.REFUSED, _describe(exc))
        except (aiosmtplib.SMTPException, OSError) as exc:
            return SendOutcome(Fate.RETRY, _describe(exc))
        if errors:
            return SendOutcome(Fate.REFUSED, "; ".join(f"{who}: {resp.code} {resp.message}" for who, resp in errors.items())[:500])
        return SendOutcome(Fate.SENT)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def build_mailer(settings: Settings) -> SmtpMailer | None:
    """The mailer the settings ask for; None when no SMTP host is set (emails stay in the outbox)."""
    return SmtpMailer(settings) if settings.smtp_host else None
