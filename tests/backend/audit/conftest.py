"""Audit tests: requests arrive through a trusted proxy (127.0.0.1) that names the client, and
`audit_offline` makes every audit insert fail in the database itself (a trigger), as a full or
broken audit table would."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tortoise import Tortoise

CLIENT = "203.0.113.9"  # the address the proxy says the request came from
THROUGH_PROXY = {"X-Forwarded-For": CLIENT}

_SQLITE_ON = "CREATE TRIGGER audit_offline BEFORE INSERT ON audit_event BEGIN SELECT RAISE(ABORT, 'audit log offline'); END"
_SQLITE_OFF = "DROP TRIGGER IF EXISTS audit_offline"
_PG_ON = """
DROP TRIGGER IF EXISTS audit_offline ON audit_event;
CREATE OR REPLACE FUNCTION audit_offline() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit log offline'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_offline BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_offline();
"""
_PG_OFF = "DROP TRIGGER IF EXISTS audit_offline ON audit_event; DROP FUNCTION IF EXISTS audit_offline();"


@pytest.fixture
def settings(settings):
    return settings.replace(trusted_proxies="127.0.0.1/32")


class AuditSwitch:
    """Turns the audit table's writes off (every insert refused by a trigger) and on again."""

    def __init__(self) -> None:
        self.off = False

    @staticmethod
    def _postgres() -> bool:
        return Tortoise.get_connection("default").capabilities.dialect == "postgres"

    async def break_writes(self) -> None:
        await Tortoise.get_connection("default").execute_script(_PG_ON if self._postgres() else _SQLITE_ON)
        self.off = True

    async def mend(self) -> None:
        await Tortoise.get_connection("default").execute_script(_PG_OFF if self._postgres() else _SQLITE_OFF)
        self.off = False


@pytest.fixture
async def audit_switch(client) -> AsyncIterator[AuditSwitch]:
    switch = AuditSwitch()
    try:
        yield switch
    finally:
        if switch.off:  # the PostgreSQL test database is reused: never leave the trigger behind
            await switch.mend()


from tests.backend.dashboard.conftest import browser  # noqa: E402,F401  (the signed-in dashboard client)
