"""The rows the durability section is worked out from: five set-based statements over the same
`cohort` CTE as the outcomes page (the clinic's research-consented patients passing the filters),
none per patient. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from backend.db import connection
from backend.outcomes import sql
from backend.outcomes.filters import OutcomeFilter


@dataclass
class History:
    """What the durability figures need of one patient."""

    arm: str
    baseline_on: date
    sessions: list[tuple[date, str]] = field(default_factory=list)  # (day, product), done only
    consensus: dict[int, float] = field(default_factory=dict)  # check-in month: consensus
    reports: list[tuple[date, bool]] = field(default_factory=list)  # (started_on, serious), felt only
    completed: set[int] = field(default_factory=set)  # completed check-in months
    contacts: list[date] = field(default_factory=list)  # days the patient was last heard of
    stop_reason: str | None = None
    rated: list[tuple[date, float]] | None = None  # (due day, consensus) of rated months, filled by durability


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def statements(dialect: str, where: OutcomeFilter) -> dict[str, str]:
    cohort = sql.cohort_sql(dialect, where)
    felt = "(r.max_severity >= 1 OR r.needed_medical_care = :yes)"
    return {
        "patients": f"WITH {cohort} SELECT patient_id, arm, baseline_date FROM cohort",
        "sessions": f"""WITH {cohort}
SELECT s.patient_id, COALESCE(s.performed_at, s.scheduled_at) AS given_at, s.product
FROM injection_session s JOIN cohort c ON c.patient_id = s.patient_id WHERE s.status = 'done'""",
        "consensus": f"WITH {cohort},\n{sql.patient_month_sql('cohort')}\nSELECT patient_id, month, consensus FROM patient_month",
        "reports": f"""WITH {cohort}
SELECT r.patient_id, r.started_on, r.serious FROM side_effect_report r JOIN cohort c ON c.patient_id = r.patient_id
WHERE {felt}""",
        "checkins": f"""WITH {cohort}
SELECT ci.patient_id, ci.month, ci.completed_at FROM checkin ci JOIN cohort c ON c.patient_id = ci.patient_id
WHERE ci.status = 'complete'""",
        "answers": f"""WITH {cohort}
SELECT a.patient_id, a.answered_at FROM safety_answer a JOIN cohort c ON c.patient_id = a.patient_id""",
        "reasons": f"""WITH {cohort}
SELECT sr.patient_id, sr.reason, sr.recorded_at FROM stop_reason sr JOIN cohort c ON c.patient_id = sr.patient_id""",
    }


async def histories(clinic_id: object, where: OutcomeFilter) -> dict[str, History]:
    """Every cohort patient's history, keyed by patient id (as text)."""
    conn = connection()
    dialect = sql.dialect_of(conn)
    params = sql.filter_params(where, clinic_id)
    rows: dict[str, list[dict[str, Any]]] = {}
    for name, statement in statements(dialect, where).items():
        text, values = sql.bind(statement, params, dialect)
        rows[name] = await conn.execute_query_dict(text, values)
    found = {str(r["patient_id"]): History(arm=r["arm"], baseline_on=_day(r["baseline_date"])) for r in rows["patients"]}
    for r in rows["sessions"]:
        found[str(r["patient_id"])].sessions.append((_day(r["given_at"]), r["product"]))
    for r in rows["consensus"]:
        found[str(r["patient_id"])].consensus[int(r["month"])] = float(r["consensus"])
    for r in rows["reports"]:
        history = found[str(r["patient_id"])]
        history.reports.append((_day(r["started_on"]), bool(r["serious"])))
        history.contacts.append(_day(r["started_on"]))
    for r in rows["checkins"]:
        history = found[str(r["patient_id"])]
        history.completed.add(int(r["month"]))
        if r["completed_at"] is not None:
            history.contacts.append(_day(r["completed_at"]))
    for r in rows["answers"]:
        found[str(r["patient_id"])].contacts.append(_day(r["answered_at"]))
    for r in sorted(rows["reasons"], key=lambda r: str(r["recorded_at"])):  # the newest one counts
        found[str(r["patient_id"])].stop_reason = r["reason"]
    for history in found.values():
        history.sessions.sort()
    return found
