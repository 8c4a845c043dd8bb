"""Running the outcome statements: five statements for the whole clinic, whatever its size, over
the outcome facts (facts.py); on PostgreSQL the five run at once."""

from __future__ import annotations

import asyncio
import calendar
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from backend.db import connection
from backend.outcomes import sql
from backend.outcomes.filters import OutcomeFilter
from shared.schedule import checkin_window

# a check-in month counts as due once its window has closed
_WINDOW = checkin_window(date(2000, 1, 1), 0)
CLOSES_AFTER_DAYS = (_WINDOW.closes_on - _WINDOW.due_on).days


@dataclass(frozen=True)
class Aggregates:
    ratings: list[dict[str, Any]]
    cohort: list[dict[str, Any]]
    harm: list[dict[str, Any]]
    symptoms: list[dict[str, Any]]
    questionnaire: list[dict[str, Any]]


# For the read-only statements of one page, in their own transaction. PostgreSQL's JIT compiled
# these short scans for longer than they ran (seconds of a 15 s page on the benchmark), and the
# default work_mem sent their hash aggregates to disk.
_POSTGRES_SETTINGS = "SET LOCAL jit = off; SET LOCAL work_mem = '32MB'"


async def _rows(statement: str, params: dict[str, Any], dialect: str, conn: Any = None) -> list[dict[str, Any]]:
    text, values = sql.bind(statement, params, dialect)
    return await (conn or connection()).execute_query_dict(text, values)


def reference_params(today: date) -> dict[str, int]:
    """Today less the days a check-in window stays open: the day up to which months are due."""
    ref = today - timedelta(days=CLOSES_AFTER_DAYS)
    return {
        "ref_year": ref.year,
        "ref_month": ref.month,
        "ref_day": ref.day,
        "ref_dim": calendar.monthrange(ref.year, ref.month)[1],
    }


async def aggregates(clinic_id: uuid.UUID, where: OutcomeFilter, today: date) -> Aggregates:
    dialect = sql.dialect_of(connection())
    params = {**sql.filter_params(where, clinic_id), **reference_params(today)}
    statements = {
        "ratings": sql.ratings_sql(dialect, where),
        "cohort": sql.cohort_mix_sql(dialect, where),
        "harm": sql.harm_sql(dialect, where),
        "symptoms": sql.symptoms_sql(dialect, where),
        "questionnaire": sql.questionnaire_sql(dialect, where),
    }
    if dialect == "postgres":
        # independent read-only statements: each on a connection of its own, at the same time
        # (so never call this inside a transaction: the five would share its one connection)
        found = await asyncio.gather(*(_read(statement, params, dialect) for statement in statements.values()))
    else:
        found = [await _read(statement, params, dialect) for statement in statements.values()]
    return Aggregates(**dict(zip(statements, found)))


async def _read(statement: str, params: dict[str, Any], dialect: str) -> list[dict[str, Any]]:
    async with in_transaction() as conn:
        if dialect == "postgres":
            await conn.execute_script(_POSTGRES_SETTINGS)
        return await _rows(statement, params, dialect, conn)


async def harm_only(clinic_id: uuid.UUID, where: OutcomeFilter, today: date) -> list[dict[str, Any]]:
    """The harm rows alone (for lot signals outside the outcomes page)."""
    dialect = sql.dialect_of(connection())
    return await _read(sql.harm_sql(dialect, where), sql.filter_params(where, clinic_id), dialect)
