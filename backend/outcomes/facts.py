"""The outcome facts (models.py): worked out from the raw rows by set-based SQL, for one patient
in the transaction of every change they depend on, or for a whole clinic at once (bulk loads,
seeders; migration 0010 keeps its own frozen copy of these statements).

One definition serves both: `refresh(patient_id)` and `rebuild(clinic_id)` delete the facts in
their scope and insert them again with the same statements, differing only in the WHERE clause
on `patient`. What each fact depends on, and the change that refreshes it:

- consensus at months 3/6/12 and time to improvement: rating_consensus and the rounds' order
  (the ratings feature tells `ProgressRecorded` in the transaction of every score);
- sessions done, sessions up to month 6, per (treatment, lot) counts: injection_session and the
  baseline date (`ScheduleChanged`, told by injections, patients, enrolment);
- side effects per lot and symptom timing: side_effect_report/symptom (`ProgressRecorded`);
- completed check-ins: checkin (`CheckInCompleted`);
- self-assessment answers: questionnaire_response/answer (`ProgressRecorded`).

Research consent and the profile (sex, diagnosis, grade, birth year, arm) are not facts: the
page reads them from `patient` when it runs, so a change to them counts at once.
"""

from __future__ import annotations

import uuid
from typing import Any

from backend.db import connection
from backend.outcomes import sql

# check-in months 0..61 fit a signed 64-bit mask; follow-up kept and drop-outs count those
CHECKIN_MONTHS = 62


def _scope(patient: bool) -> str:
    return "p.clinic_id = :clinic_id" + (" AND p.id = :patient_id" if patient else "")


def patient_facts_sql(dialect: str, patient: bool) -> str:
    """Insert the outcome_patient rows of the patients in scope (every one, data or not)."""
    scope = _scope(patient)
    within = sql.moment_days(dialect, "c.baseline_date", "COALESCE(s.performed_at, s.scheduled_at)")
    answer = ",\n         ".join(
        f"MAX(CASE WHEN r.occasion_month = {month} AND a.question = '{question}' THEN a.value END) AS {column}"
        for column, question, month in _ANSWERS
    )
    answer_columns = ", ".join(column for column, _, _ in _ANSWERS)
    year, month, day = (sql.date_part(dialect, part, "s.baseline_date") for part in ("year", "month", "day"))
    return f"""WITH scope AS (
  SELECT p.id AS patient_id, p.baseline_date FROM patient p WHERE {scope}
),
{sql.patient_month_sql(patients="scope")},
rated AS (
  SELECT patient_id,
         MAX(CASE WHEN month = 3 THEN consensus END) AS c3,
         MAX(CASE WHEN month = 6 THEN consensus END) AS c6,
         MAX(CASE WHEN month = 12 THEN consensus END) AS c12,
         MIN(CASE WHEN month > 0 AND consensus >= {sql.IMPROVED_AT} THEN month END) AS improved_at,
         MAX(CASE WHEN month > 0 THEN month END) AS last_rated
  FROM patient_month GROUP BY patient_id
), given AS (
  SELECT s.patient_id, COUNT(*) AS sessions,
         SUM(CASE WHEN {within} <= {sql.DOSE_WINDOW_DAYS} THEN 1 ELSE 0 END) AS dose
  FROM injection_session s JOIN scope c ON c.patient_id = s.patient_id
  WHERE s.status = 'done'
  GROUP BY s.patient_id
), kept AS (
  SELECT ci.patient_id, SUM(CAST(1 AS BIGINT) << ci.month) AS months
  FROM checkin ci JOIN scope c ON c.patient_id = ci.patient_id
  WHERE ci.status = 'complete' AND ci.month >= 0 AND ci.month < {CHECKIN_MONTHS}
  GROUP BY ci.patient_id
), answered AS (
  SELECT r.patient_id,
         {answer}
  FROM questionnaire_response r
  JOIN scope c ON c.patient_id = r.patient_id
  JOIN questionnaire_answer a ON a.response_id = r.id
  WHERE a.question IN ('{sql.SATISFACTION_QUESTION}', '{sql.GROWTH_QUESTION}') AND r.occasion_month IN (0, 3, 6, 12)
  GROUP BY r.patient_id
)
INSERT INTO outcome_patient (patient_id, baseline_months, baseline_day, c3, c6, c12, km_month, km_improved,
                             dose6, sessions, checkins, {answer_columns})
SELECT s.patient_id, {year} * 12 + {month} - 1, {day}, rated.c3, rated.c6, rated.c12,
       COALESCE(rated.improved_at, rated.last_rated),
       CASE WHEN rated.last_rated IS NULL THEN NULL WHEN rated.improved_at IS NULL THEN 0 ELSE 1 END,
       COALESCE(g.dose, 0), COALESCE(g.sessions, 0), COALESCE(k.months, 0),
       {", ".join(f"q.{column}" for column, _, _ in _ANSWERS)}
FROM scope s
LEFT JOIN rated ON rated.patient_id = s.patient_id
LEFT JOIN given g ON g.patient_id = s.patient_id
LEFT JOIN kept k ON k.patient_id = s.patient_id
LEFT JOIN answered q ON q.patient_id = s.patient_id
"""


_ANSWERS = (
    ("sat0", sql.SATISFACTION_QUESTION, 0),
    ("sat3", sql.SATISFACTION_QUESTION, 3),
    ("sat6", sql.SATISFACTION_QUESTION, 6),
    ("sat12", sql.SATISFACTION_QUESTION, 12),
    ("growth3", sql.GROWTH_QUESTION, 3),
    ("growth6", sql.GROWTH_QUESTION, 6),
    ("growth12", sql.GROWTH_QUESTION, 12),
)


def lot_facts_sql(dialect: str, patient: bool) -> str:
    """Insert the outcome_lot rows: per patient and (treatment, lot) the done sessions, and how
    many were followed by a side effect of each kind (see sql.harm_sql for the kinds)."""
    onset = sql.date_days(dialect, "COALESCE(s.performed_at, s.scheduled_at)", "r.started_on")
    felt = "(r.max_severity >= 1 OR r.needed_medical_care = :yes)"
    return f"""WITH scope AS (
  SELECT p.id AS patient_id FROM patient p WHERE {_scope(patient)}
), flags AS (
  SELECT r.injection_session_id AS session_id,
         MAX(CASE WHEN {felt} THEN 1 ELSE 0 END) AS any_effect,
         MAX(CASE WHEN r.max_severity >= {sql.MODERATE} OR r.serious = :yes THEN 1 ELSE 0 END) AS moderate,
         MAX(CASE WHEN r.serious = :yes THEN 1 ELSE 0 END) AS serious,
         MAX(CASE WHEN {onset} > {sql.LATE_AFTER_DAYS} AND {felt} THEN 1 ELSE 0 END) AS late
  FROM side_effect_report r
  JOIN injection_session s ON s.id = r.injection_session_id
  JOIN scope c ON c.patient_id = s.patient_id
  GROUP BY r.injection_session_id
)
INSERT INTO outcome_lot (patient_id, treatment, lot_number, product, sessions, with_any, with_moderate,
                         with_serious, with_late)
SELECT s.patient_id, s.treatment, UPPER(TRIM(s.lot_number)), MAX(s.product), COUNT(*),
       SUM(COALESCE(f.any_effect, 0)), SUM(COALESCE(f.moderate, 0)), SUM(COALESCE(f.serious, 0)),
       SUM(COALESCE(f.late, 0))
FROM injection_session s
JOIN scope c ON c.patient_id = s.patient_id
LEFT JOIN flags f ON f.session_id = s.id
WHERE s.status = 'done'
GROUP BY s.patient_id, s.treatment, UPPER(TRIM(s.lot_number))
"""


def symptom_facts_sql(dialect: str, patient: bool) -> str:
    """Insert the outcome_symptom rows: each symptom felt (mild or worse) after a done session,
    its onset and how long it was reported for (see sql.symptoms_sql)."""
    onset = sql.date_days(dialect, "COALESCE(s.performed_at, s.scheduled_at)", "MIN(r.started_on)")
    lasted = (
        "CAST(julianday(MAX(date(r.submitted_at))) - julianday(MIN(r.started_on)) AS INTEGER)"
        if dialect == "sqlite"
        else "(MAX(CAST(r.submitted_at AT TIME ZONE 'UTC' AS DATE)) - MIN(r.started_on))"
    )
    return f"""WITH scope AS (
  SELECT p.id AS patient_id FROM patient p WHERE {_scope(patient)}
)
INSERT INTO outcome_symptom (patient_id, session_id, symptom, onset_days, reported_days)
SELECT s.patient_id, s.id, sy.symptom, {onset}, {lasted}
FROM injection_session s
JOIN scope c ON c.patient_id = s.patient_id
JOIN side_effect_report r ON r.injection_session_id = s.id
JOIN side_effect_symptom sy ON sy.report_id = r.id AND sy.severity >= 1
WHERE s.status = 'done'
GROUP BY s.id, s.patient_id, sy.symptom, s.performed_at, s.scheduled_at
"""


PATIENT, LOTS, SYMPTOMS = "outcome_patient", "outcome_lot", "outcome_symptom"
TABLES = (PATIENT, LOTS, SYMPTOMS)
_INSERTS = {PATIENT: patient_facts_sql, LOTS: lot_facts_sql, SYMPTOMS: symptom_facts_sql}


def statements(dialect: str, patient: bool, tables: tuple[str, ...] = TABLES) -> list[str]:
    """Delete, then insert again, these facts of the patients in scope."""
    scope = f"patient_id IN (SELECT p.id FROM patient p WHERE {_scope(patient)})"
    return [
        *(f"DELETE FROM {table} WHERE {scope}" for table in tables),
        *(_INSERTS[table](dialect, patient) for table in tables),
    ]


async def _run(conn: Any, params: dict[str, Any], patient: bool, tables: tuple[str, ...] = TABLES) -> None:
    dialect = sql.dialect_of(conn)
    for statement in statements(dialect, patient, tables):
        text, values = sql.bind(statement, {**params, "yes": True}, dialect)
        await conn.execute_query(text, values)


async def refresh(patient_id: uuid.UUID, tables: tuple[str, ...] = TABLES) -> None:
    """Work these facts of the patient out again; call inside the transaction of the change."""
    conn = connection()
    dialect = sql.dialect_of(conn)
    rows = await conn.execute_query_dict(*sql.bind("SELECT clinic_id FROM patient WHERE id = :id", {"id": patient_id}, dialect))
    if rows:
        await _run(conn, {"clinic_id": rows[0]["clinic_id"], "patient_id": patient_id}, True, tables)


async def rebuild(clinic_id: uuid.UUID | str, conn: Any = None) -> None:
    """Work out the facts of every patient of the clinic (a bulk load, a seeder)."""
    await _run(conn or connection(), {"clinic_id": clinic_id}, patient=False)

