"""Running the outcome statements: five statements for the whole clinic, whatever its size."""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

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


async def _rows(statement: str, params: dict[str, Any], dialect: str) -> list[dict[str, Any]]:
    text, values = sql.bind(statement, params, dialect)
    return await connection().execute_query_dict(text, values)


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
    params = {
        **sql.filter_params(where, clinic_id),
        **reference_params(today),
        "satisfaction": sql.SATISFACTION_QUESTION,
        "growth": sql.GROWTH_QUESTION,
    }
    return Aggregates(
        ratings=await _rows(sql.ratings_sql(dialect, where), params, dialect),
        cohort=await _rows(sql.cohort_mix_sql(dialect, where), params, dialect),
        harm=await _rows(sql.harm_sql(dialect, where), params, dialect),
        symptoms=await _rows(sql.symptoms_sql(dialect, where), params, dialect),
        questionnaire=await _rows(sql.questionnaire_sql(dialect, where), params, dialect),
    )


async def harm_only(clinic_id: uuid.UUID, where: OutcomeFilter, today: date) -> list[dict[str, Any]]:
    """The harm rows alone (for lot signals outside the outcomes page)."""
    dialect = sql.dialect_of(connection())
    return await _rows(sql.harm_sql(dialect, where), sql.filter_params(where, clinic_id), dialect)
