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
