from __future__ import annotations

import pytest

from tests.backend.records.smtp_server import LoopbackSmtp


@pytest.fixture
def smtp():
    server = LoopbackSmtp().start()
    try:
        yield server
    finally:
        server.stop()


from tests.backend.dashboard.conftest import browser  # noqa: E402,F401  (the signed-in browser fixture)
