"""The de-identified cohort CSV: one row per research-consented patient and time point.

Time points are the baseline (month 0) and every month with a consensus rating or a
self-assessment. No names, record numbers, exact dates or photo links leave: the patient is a
keyed pseudonym, ages are bands, time is months since the baseline. Five set-based statements,
whatever the clinic's size. The columns are documented in docs/cohort-export.md.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.checkins.months import month_of
from backend.db import connection
from backend.exports.pseudonyms import clinic_secret, pseudonym
from backend.outcomes import sql
from backend.outcomes.filters import OutcomeFilter
from shared import questionnaire as hgq
from shared.hair_loss import age_band, all_grades

QUESTIONS = tuple(q.id for q in hgq.current().questions)
COLUMNS = (
    "patient", "arm", "sex", "age_band", "diagnosis", "baseline_grade", "month",
    "sessions_to_date", "products", "lots", "consensus", "views_rated",
    *(f"q_{q}" for q in QUESTIONS),
    "side_effect_reports_to_date", "moderate_or_worse_to_date", "serious_to_date",
)
GRADE_LABELS = {g.key: g.label for g in all_grades()}


@dataclass
class _Patient:
    arm: str
    sex: str
    age_band: str
    diagnosis: str
    grade: str
    baseline: date
    session_months: list[int] = field(default_factory=list)
    products: set[str] = field(default_factory=set)
    lots: set[str] = field(default_factory=set)
    consensus: dict[int, tuple[float, int]] = field(default_factory=dict)
    answers: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    reports: list[tuple[int, bool, bool]] = field(default_factory=list)  # month, moderate+, serious


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _id(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def _rows(statement: str, params: dict[str, Any], dialect: str) -> list[dict[str, Any]]:
    text, values = sql.bind(statement, params, dialect)
    return await connection().execute_query_dict(text, values)


async def _patients(clinic_id: uuid.UUID) -> dict[uuid.UUID, _Patient]:
    dialect = sql.dialect_of(connection())
    where = OutcomeFilter()
    params = sql.filter_params(where, clinic_id)
    cohort = f"WITH {sql.cohort_sql(dialect, where)}"
    patients: dict[uuid.UUID, _Patient] = {}
    for row in await _rows(f"{cohort} SELECT * FROM cohort", params, dialect):
        grade = f"{row['grade_scale']}:{int(row['grade'])}" if row["grade_scale"] and row["grade"] is not None else ""
        age = None if row["age"] is None else int(row["age"])
        patients[_id(row["patient_id"])] = _Patient(
            arm=row["arm"], sex=row["sex"], age_band=age_band(age).value, diagnosis=row["diagnosis"] or "",
            grade=GRADE_LABELS.get(grade, ""), baseline=_day(row["baseline_date"]),
        )
    sessions = await _rows(
        f"{cohort} SELECT s.patient_id, COALESCE(s.performed_at, s.scheduled_at) AS given_at, s.product, s.lot_number"
        " FROM injection_session s JOIN cohort c ON c.patient_id = s.patient_id WHERE s.status = 'done'",
        params, dialect,
    )
    for row in sessions:
        patient = patients[_id(row["patient_id"])]
        patient.session_months.append(month_of(patient.baseline, _day(row["given_at"])))
        if row["product"]:
            patient.products.add(row["product"].strip())
        if row["lot_number"]:
            patient.lots.add(row["lot_number"].strip().upper())
    consensus = await _rows(
        f"{cohort}, {sql.patient_month_sql()} SELECT patient_id, month, consensus, views FROM patient_month",
        params, dialect,
    )
    for row in consensus:
        patients[_id(row["patient_id"])].consensus[int(row["month"])] = (float(row["consensus"]), int(row["views"]))
    answers = await _rows(
        f"{cohort} SELECT r.patient_id, r.occasion_month, a.question, a.value FROM questionnaire_response r"
        " JOIN cohort c ON c.patient_id = r.patient_id JOIN questionnaire_answer a ON a.response_id = r.id",
        params, dialect,
    )
    for row in answers:
        patients[_id(row["patient_id"])].answers[int(row["occasion_month"])][row["question"]] = int(row["value"])
    reports = await _rows(
        f"{cohort} SELECT r.patient_id, r.started_on, r.max_severity, r.serious, r.needed_medical_care"
        " FROM side_effect_report r JOIN cohort c ON c.patient_id = r.patient_id"
        " WHERE r.max_severity >= 1 OR r.needed_medical_care = :yes",
        params, dialect,
    )
    for row in reports:
        patient = patients[_id(row["patient_id"])]
        serious = bool(row["serious"])
        patient.reports.append(
            (month_of(patient.baseline, _day(row["started_on"])), serious or int(row["max_severity"]) >= sql.MODERATE, serious)
        )
    return patients


def _rows_of(name: str, patient: _Patient) -> list[list[object]]:
    months = sorted({0, *patient.consensus, *patient.answers})
    out = []
    for month in months:
        rated = patient.consensus.get(month)
        answered = patient.answers.get(month, {})
        reports = [r for r in patient.reports if r[0] <= month]
        out.append([
            name, patient.arm, patient.sex, patient.age_band, patient.diagnosis, patient.grade, month,
            sum(1 for m in patient.session_months if m <= month),
            ";".join(sorted(patient.products)), ";".join(sorted(patient.lots)),
            "" if rated is None else f"{rated[0]:g}", "" if rated is None else rated[1],
            *("" if answered.get(q) is None else answered[q] for q in QUESTIONS),
            len(reports), sum(1 for r in reports if r[1]), sum(1 for r in reports if r[2]),
        ])
    return out


async def cohort_csv(principal: StaffPrincipal) -> str:
    """The clinic's de-identified cohort as CSV text; the export is audited."""
    secret = await clinic_secret(principal.clinic_id)
    patients = await _patients(principal.clinic_id)
    named = sorted(((pseudonym(secret, pid), patient) for pid, patient in patients.items()), key=lambda p: p[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = 0
    for name, patient in named:
        for row in _rows_of(name, patient):
            writer.writerow(row)
            rows += 1
    async with in_transaction():
        await audit.record(
            principal, "cohort.export", "clinic", principal.clinic_id, detail={"patients": len(patients), "rows": rows}
        )
    return buffer.getvalue()
