"""Claiming outbox rows under a lease, shared by every outbox table.

A table that uses it has the columns `id`, `state` ('pending', 'sending', ...), `attempts`,
`next_attempt_at`, `claim_token`, `claimed_by` and `updated_at`. A claim takes up to `limit` rows
that are due (pending, or sending with a lease that ended: their worker died) in one statement
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, one conditional UPDATE on SQLite, which runs one writer at
a time), marks them 'sending' with a claim token and the lease's end, and counts the attempt. The
worker then writes its results in a transaction that first checks (`still_held`) the rows still
carry its token: a worker that lost its lease writes nothing over the new owner's work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import Tortoise
from tortoise.models import Model


@dataclass(frozen=True)
class LeasedTable:
    """An outbox table and the columns a claim hands back (fixed names, never user input)."""

    table: str
    returning: tuple[str, ...]

    def claim_sql(self, dialect: str) -> str:
        if dialect == "postgres":
            columns = ", ".join(f"r.{c}" for c in self.returning)
            return f"""
UPDATE {self.table} AS r
SET state = 'sending', claim_token = $1, claimed_by = $2, next_attempt_at = $3,
    attempts = r.attempts + 1, updated_at = $4
FROM (
    SELECT id FROM {self.table}
    WHERE state IN ('pending', 'sending') AND next_attempt_at <= $4
    ORDER BY next_attempt_at
    LIMIT $5
    FOR UPDATE SKIP LOCKED
) AS due
WHERE r.id = due.id
RETURNING {columns}
"""
        return f"""
UPDATE {self.table}
SET state = 'sending', claim_token = ?, claimed_by = ?, next_attempt_at = ?,
    attempts = attempts + 1, updated_at = ?
WHERE id IN (
    SELECT id FROM {self.table}
    WHERE state IN ('pending', 'sending') AND next_attempt_at <= ?
    ORDER BY next_attempt_at
    LIMIT ?
)
RETURNING {", ".join(self.returning)}
"""


def _dialect() -> str:
    return "postgres" if Tortoise.get_connection("default").capabilities.dialect == "postgres" else "sqlite"


async def claim_rows(
    table: LeasedTable, now: datetime, *, worker: str, lease: timedelta, limit: int
) -> tuple[uuid.UUID, list[dict[str, Any]]]:
    """(claim token, the claimed rows' `returning` columns as the driver gives them)."""
    token = uuid.uuid4()
    lease_end = now + lease
    conn = Tortoise.get_connection("default")
    dialect = _dialect()
    # execute_query_dict: the asyncpg client's execute_query drops the rows an UPDATE returns
    if dialect == "postgres":
        rows = await conn.execute_query_dict(table.claim_sql(dialect), [token, worker, lease_end, now, limit])
    else:
        rows = await conn.execute_query_dict(table.claim_sql(dialect), [str(token), worker, lease_end, now, now, limit])
    return token, rows


async def still_held(model: type[Model], ids: list[uuid.UUID], token: uuid.UUID) -> set[uuid.UUID]:
    """Inside the caller's transaction: which of `ids` are still 'sending' under `token`, locked, so
    a worker re-claiming them after the lease ended waits for this commit."""
    rows = await model.filter(id__in=ids, claim_token=token, state="sending").select_for_update().only("id")
    return {row.id for row in rows}


def backoff(attempt: int, *, first: timedelta, maximum: timedelta, retry_after: float | None = None) -> timedelta:
    """The wait before try `attempt + 1`: doubling per try from `first`, or what the service asked, capped."""
    wait = first * (2 ** max(0, attempt - 1))
    if retry_after is not None:
        wait = max(wait, timedelta(seconds=retry_after))
    return min(wait, maximum)
