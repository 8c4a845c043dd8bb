from __future__ import annotations

from tests.backend.dashboard.conftest import browser  # noqa: F401  (the signed-in browser fixture)
from tests.backend.records.test_alert_emails import smtp  # noqa: F401  (a real SMTP server on loopback)
