"""The OMOP CDM v5.4 export of a clinic's research-consented patients, so a clinic can join an OHDSI
network or a university study with the tools those already run.

Tables: person, observation_period, condition_occurrence (the hair-loss diagnosis),
procedure_occurrence (each session given), drug_exposure (the product of each session, with its
`lot_number`), measurement (the blinded consensus at each rated month) and observation (each
side-effect symptom with its severity, each self-assessment answer). Standard concept ids only where
the id is known and checked (MAPPING below, docs/omop-export.md); everywhere else concept 0 with the
clinic's own code in the `*_source_value` column, which is always filled. No names or record
numbers: `person_source_value` is the clinic's keyed pseudonym (the cohort CSV's), and `person_id`
numbers the pseudonyms in order. Dates are exact (the CDM needs them). Set-based: six statements
whatever the clinic's size.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.db import connection
from backend.exports.pseudonyms import clinic_secret, pseudonym
from backend.outcomes import sql
from backend.outcomes.filters import OutcomeFilter
from shared.schedule import checkin_due_on

CDM_VERSION = "5.4"
NO_MATCHING_CONCEPT = 0
EHR = 32817  # Type Concept "EHR": the record was made in the clinic's own system
GENDER = {"male": 8507, "female": 8532}  # Gender vocabulary: MALE, FEMALE; anything else 0
# every standard concept the export writes, with its vocabulary entry (the test's vocabulary subset)
MAPPING: dict[int, tuple[str, str, str, str, str]] = {
    # concept_id: (concept_name, domain_id, vocabulary_id, concept_class_id, concept_code)
    NO_MATCHING_CONCEPT: ("No matching concept", "Metadata", "None", "Undefined", "No matching concept"),
    8507: ("MALE", "Gender", "Gender", "Gender", "M"),
    8532: ("FEMALE", "Gender", "Gender", "Gender", "F"),
    EHR: ("EHR", "Type Concept", "Type Concept", "Type Concept", "OMOP4976890"),
}
SOURCE_WIDTH = 50  # the CDM's varchar(50) source values

TABLES: dict[str, tuple[str, ...]] = {
    "person": (
        "person_id", "gender_concept_id", "year_of_birth", "race_concept_id", "ethnicity_concept_id",
        "person_source_value", "gender_source_value",
    ),
    "observation_period": (
        "observation_period_id", "person_id", "observation_period_start_date", "observation_period_end_date",
        "period_type_concept_id",
    ),
    "condition_occurrence": (
        "condition_occurrence_id", "person_id", "condition_concept_id", "condition_start_date",
        "condition_type_concept_id", "condition_source_value",
    ),
    "procedure_occurrence": (
        "procedure_occurrence_id", "person_id", "procedure_concept_id", "procedure_date",
        "procedure_type_concept_id", "procedure_source_value",
    ),
    "drug_exposure": (
        "drug_exposure_id", "person_id", "drug_concept_id", "drug_exposure_start_date", "drug_exposure_end_date",
        "drug_type_concept_id", "quantity", "lot_number", "drug_source_value", "dose_unit_source_value",
    ),
    "measurement": (
        "measurement_id", "person_id", "measurement_concept_id", "measurement_date", "measurement_type_concept_id",
        "value_as_number", "measurement_source_value", "value_source_value",
    ),
    "observation": (
        "observation_id", "person_id", "observation_concept_id", "observation_date", "observation_type_concept_id",
        "value_as_number", "observation_source_value", "value_source_value",
    ),
}


@dataclass
class OmopExport:
    """Rows per CDM table (column order as TABLES), and the patients left out with the reason."""

    tables: dict[str, list[tuple[Any, ...]]]
    left_out_no_birth_year: int

    def count(self, table: str) -> int:
        return len(self.tables[table])


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _id(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _source(value: str) -> str:
    return value.strip()[:SOURCE_WIDTH]


async def _rows(statement: str, params: dict[str, Any], dialect: str) -> list[dict[str, Any]]:
    text, values = sql.bind(statement, params, dialect)
    return await connection().execute_query_dict(text, values)


async def build(clinic_id: uuid.UUID) -> OmopExport:
    """The clinic's research-consented patients as OMOP CDM rows (no audit: callers audit)."""
    dialect = sql.dialect_of(connection())
    params = sql.filter_params(OutcomeFilter(), clinic_id)
    cohort = f"WITH {sql.cohort_sql(dialect, OutcomeFilter())}"
    secret = await clinic_secret(clinic_id)
    people = await _rows(f"{cohort} SELECT * FROM cohort", params, dialect)
    # the CDM needs a year of birth: a patient without one cannot be a person row
    kept = [p for p in people if p["birth_year"] is not None]
    named = sorted((pseudonym(secret, _id(p["patient_id"])), p) for p in kept)
    person_of: dict[uuid.UUID, int] = {}
    baseline_of: dict[uuid.UUID, date] = {}
    tables: dict[str, list[tuple[Any, ...]]] = {name: [] for name in TABLES}
    for number, (name, p) in enumerate(named, start=1):
        pid = _id(p["patient_id"])
        person_of[pid], baseline_of[pid] = number, _day(p["baseline_date"])
        tables["person"].append(
            (number, GENDER.get(p["sex"], NO_MATCHING_CONCEPT), int(p["birth_year"]), NO_MATCHING_CONCEPT,
             NO_MATCHING_CONCEPT, name, _source(p["sex"] or ""))
        )
        if p["diagnosis"]:
            tables["condition_occurrence"].append(
                (number, number, NO_MATCHING_CONCEPT, baseline_of[pid], EHR, _source(p["diagnosis"]))
            )
    last_seen = dict(baseline_of)

    def seen(pid: uuid.UUID, day: date) -> None:
        last_seen[pid] = max(last_seen[pid], day)

    sessions = await _rows(
        f"{cohort} SELECT s.patient_id, COALESCE(s.performed_at, s.scheduled_at) AS given_at, s.treatment, s.product,"
        " s.lot_number, s.volume_ml FROM injection_session s JOIN cohort c ON c.patient_id = s.patient_id"
        " WHERE s.status = 'done' ORDER BY given_at, s.id",
        params, dialect,
    )
    for row in sessions:
        pid = _id(row["patient_id"])
        if pid not in person_of:
            continue
        day = _day(row["given_at"])
        seen(pid, day)
        tables["procedure_occurrence"].append(
            (len(tables["procedure_occurrence"]) + 1, person_of[pid], NO_MATCHING_CONCEPT, day, EHR,
             _source(f"follicle:{row['treatment']}"))
        )
        if row["product"] or row["lot_number"]:
            volume = None if row["volume_ml"] is None else float(row["volume_ml"])
            tables["drug_exposure"].append(
                (len(tables["drug_exposure"]) + 1, person_of[pid], NO_MATCHING_CONCEPT, day, day, EHR, volume,
                 _source(row["lot_number"].upper()) or None, _source(row["product"] or row["treatment"]),
                 "mL" if volume is not None else None)
            )
    consensus = await _rows(
        f"{cohort}, {sql.patient_month_sql()} SELECT patient_id, month, consensus, views FROM patient_month"
        " ORDER BY patient_id, month",
        params, dialect,
    )
    for row in consensus:
        pid = _id(row["patient_id"])
        if pid not in person_of:
            continue
        month = int(row["month"])
        day = checkin_due_on(baseline_of[pid], month)
        seen(pid, day)
        tables["measurement"].append(
            (len(tables["measurement"]) + 1, person_of[pid], NO_MATCHING_CONCEPT, day, EHR, float(row["consensus"]),
             f"follicle:gpa_consensus:m{month}", f"{float(row['consensus']):g} ({int(row['views'])} views)")
        )
    symptoms = await _rows(
        f"{cohort} SELECT r.patient_id, r.started_on, y.symptom, y.severity, r.serious FROM side_effect_report r"
        " JOIN cohort c ON c.patient_id = r.patient_id JOIN side_effect_symptom y ON y.report_id = r.id"
        " ORDER BY r.started_on, y.id",
        params, dialect,
    )
    for row in symptoms:
        pid = _id(row["patient_id"])
        if pid not in person_of:
            continue
        day = _day(row["started_on"])
        seen(pid, day)
        tables["observation"].append(
            (len(tables["observation"]) + 1, person_of[pid], NO_MATCHING_CONCEPT, day, EHR, int(row["severity"]),
             _source(f"follicle:side_effect:{row['symptom']}"), "serious" if row["serious"] else "severity 0-3")
        )
    answers = await _rows(
        f"{cohort} SELECT r.patient_id, r.answered_at, r.version, a.question, a.value FROM questionnaire_response r"
        " JOIN cohort c ON c.patient_id = r.patient_id JOIN questionnaire_answer a ON a.response_id = r.id"
        " ORDER BY r.answered_at, a.id",
        params, dialect,
    )
    for row in answers:
        pid = _id(row["patient_id"])
        if pid not in person_of:
            continue
        day = _day(row["answered_at"])
        seen(pid, day)
        tables["observation"].append(
            (len(tables["observation"]) + 1, person_of[pid], NO_MATCHING_CONCEPT, day, EHR, int(row["value"]),
             _source(f"follicle:hgq{int(row['version'])}:{row['question']}"), None)
        )
    for pid, number in person_of.items():
        tables["observation_period"].append((number, number, baseline_of[pid], last_seen[pid], EHR))
    tables["observation_period"].sort()
    return OmopExport(tables=tables, left_out_no_birth_year=len(people) - len(kept))


def to_zip(export: OmopExport) -> bytes:
    """One tab-separated file per table (header row, ISO dates, empty for null), as OHDSI loads them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, columns in TABLES.items():
            text = io.StringIO()
            writer = csv.writer(text, delimiter="\t", lineterminator="\n")
            writer.writerow(columns)
            for row in export.tables[table]:
                writer.writerow("" if v is None else v.isoformat() if isinstance(v, date) else v for v in row)
            archive.writestr(f"{table}.tsv", text.getvalue())
        archive.writestr(
            "README.txt",
            f"OMOP CDM v{CDM_VERSION} export from Follicle. Research-consented patients only; "
            f"{export.left_out_no_birth_year} left out for want of a year of birth. "
            "Concepts: 0 unless listed in docs/omop-export.md; source values hold the clinic's codes.\n",
        )
    return buffer.getvalue()


async def omop_zip(principal: StaffPrincipal) -> bytes:
    """The clinic's OMOP export as a ZIP of tab-separated files; the export is audited."""
    export = await build(principal.clinic_id)
    async with in_transaction():
        await audit.record(
            principal, "omop.export", "clinic", principal.clinic_id,
            detail={"persons": export.count("person"), "left_out_no_birth_year": export.left_out_no_birth_year},
        )
    return to_zip(export)
