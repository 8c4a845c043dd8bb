"""The embedded default provider: no network push; the reminder stays in the outbox for the app to pull."""

from __future__ import annotations

import logging

from backend.push.message import PushMessage
from backend.push.outcome import PushOutcome

log = logging.getLogger(__name__)


class OutboxOnlyProvider:
    """Delivers to the outbox only. The app fetches its schedule and sets local notifications itself,
    so a reminder handed here counts as delivered; nothing is sent over the network."""

    name = "outbox"

    async def send(self, message: PushMessage) -> PushOutcome:
        log.debug("reminder %s left in the outbox for the app to pull", message.reminder_id)
        return PushOutcome.in_outbox()
