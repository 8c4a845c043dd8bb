"""The OMOP CDM v5.4 export loads into PostgreSQL under the official DDL, primary keys and foreign-key
constraints (vendored in backend/exports/omop_cdm_5_4) with no row refused, and its counts are the
clinic's own outcome figures."""

from __future__ import annotations

import asyncio
import io
import os
import zipfile
from datetime import date
from pathlib import Path

import pytest

from backend.clinics.models import Clinic
from backend.exports import omop
from backend.outcomes import queries
from backend.outcomes import service as outcomes
from backend.outcomes.demo import WORSE_LOT, seed_outcomes_cohort
from backend.outcomes.filters import OutcomeFilter
from backend.patients.models import Patient

DDL = Path(omop.__file__).parent / "omop_cdm_5_4"
PG_URL = os.environ.get("FOLLICLE_TEST_DATABASE_URL", "")
OMOP_URL = os.environ.get("FOLLICLE_TEST_OMOP_DATABASE_URL") or (PG_URL + "_omop" if PG_URL else "")
TODAY = date(2026, 6, 15)


def cdm_script(name: str, schema: str) -> str:
    return (DDL / f"OMOPCDM_postgresql_5.4_{name}.sql").read_text().replace("@cdmDatabaseSchema", schema)


def vocabulary_subset() -> dict[str, list[tuple]]:
    """The vocabulary rows the export's concepts need (a full OHDSI vocabulary from Athena has them
    all; this is the part the export uses). Entries describing vocabularies, domains and classes
    point at concept 0, which is itself loaded."""
    concepts = [
        (cid, name, domain, vocab, cls, None if cid == 0 else "S", code, date(1970, 1, 1), date(2099, 12, 31), None)
        for cid, (name, domain, vocab, cls, code) in omop.MAPPING.items()
    ]
    vocabularies = sorted({c[3] for c in concepts})
    domains = sorted({c[2] for c in concepts})
    classes = sorted({c[4] for c in concepts})
    return {
        "concept": concepts,
        "vocabulary": [(v, v, None, None, 0) for v in vocabularies],
        "domain": [(d, d, 0) for d in domains],
        "concept_class": [(c, c, 0) for c in classes],
    }


async def fresh_database(url: str) -> None:
    import asyncpg

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    server, name = url.rsplit("/", 1)
    conn = await asyncpg.connect(server.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}{worker and "_" + worker}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}{worker and "_" + worker}"')
    finally:
        await conn.close()


async def load_into_cdm(export: omop.OmopExport) -> dict[str, int]:
    """DDL and primary keys, the vocabulary subset, then every constraint, then the export's rows
    with the constraints on: a row breaking any of them raises. The count of each table."""
    import asyncpg

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    await fresh_database(OMOP_URL)
    conn = await asyncpg.connect(OMOP_URL.replace("postgres://", "postgresql://", 1) + (worker and "_" + worker))
    try:
        await conn.execute("CREATE SCHEMA cdm")
        await conn.execute(cdm_script("ddl", "cdm"))
        await conn.execute(cdm_script("primary_keys", "cdm"))
        # the vocabulary tables refer to each other in a circle: they are loaded before the constraints
        for table, rows in vocabulary_subset().items():
            await conn.copy_records_to_table(table, records=rows, schema_name="cdm")
        await conn.execute(cdm_script("constraints", "cdm"))
        for table, columns in omop.TABLES.items():
            async with conn.transaction():
                await conn.copy_records_to_table(table, records=export.tables[table], columns=columns, schema_name="cdm")
        counts = {t: await conn.fetchval(f"SELECT count(*) FROM cdm.{t}") for t in omop.TABLES}
        constraints = await conn.fetchval(
            "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
            " WHERE n.nspname = 'cdm' AND c.contype = 'f'"
        )
        counts["lot_sessions"] = await conn.fetchval(
            "SELECT count(*) FROM cdm.drug_exposure WHERE lot_number = $1", WORSE_LOT
        )
        counts["month3"] = await conn.fetchval(
            "SELECT count(*) FROM cdm.measurement WHERE measurement_source_value = 'follicle:gpa_consensus:m3'"
        )
        counts["female"] = await conn.fetchval("SELECT count(*) FROM cdm.person WHERE gender_concept_id = 8532")
        counts["foreign_keys"] = constraints
        return counts
    finally:
        await conn.close()


@pytest.mark.today("2026-06-15")
async def test_the_export_holds_the_clinics_research_patients_and_nothing_naming_them(client, world):
    clinic = await Clinic.get(id=world.ids["clinic_x"])
    await seed_outcomes_cohort(clinic, today=TODAY)
    export = await omop.build(clinic.id)
    research = await Patient.filter(clinic=clinic, consent_research=True).count()
    assert export.count("person") == research == 200  # the world's own patients gave no research consent
    assert export.count("observation_period") == research
    names = {p.display_name for p in await Patient.filter(clinic=clinic)} | {
        p.record_number for p in await Patient.filter(clinic=clinic)
    }
    text = zipfile.ZipFile(io.BytesIO(omop.to_zip(export))).read("person.tsv").decode()
    assert text.splitlines()[0].split("\t") == list(omop.TABLES["person"])
    assert not any(name in text for name in names)
    # withdrawing research consent takes the patient out at once
    leaving = await Patient.filter(clinic=clinic, consent_research=True).first()
    leaving.consent_research = False
    await leaving.save()
    assert (await omop.build(clinic.id)).count("person") == research - 1


@pytest.mark.today("2026-06-15")
async def test_the_export_staff_download_is_audited(client, world):
    clinic = await Clinic.get(id=world.ids["clinic_x"])
    await seed_outcomes_cohort(clinic, today=TODAY)
    response = await client.get("/exports/omop.zip", headers=world.headers("staff_x"))
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    files = set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    assert {f"{t}.tsv" for t in omop.TABLES} <= files
    audit = (await client.get("/audit", headers=world.headers("staff_x"), params={"action": "omop.export"})).json()
    assert audit["items"] and audit["items"][0]["detail"]["persons"] == 200
    assert (await client.get("/exports/omop.zip", headers=world.headers("clinician_x"))).status_code == 403


@pytest.mark.skipif(not OMOP_URL, reason="needs PostgreSQL (FOLLICLE_TEST_DATABASE_URL) for the OMOP CDM")
@pytest.mark.postgres
@pytest.mark.today("2026-06-15")
async def test_the_export_loads_under_the_official_cdm_constraints_and_counts_the_clinics_figures(client, world):
    clinic = await Clinic.get(id=world.ids["clinic_x"])
    await seed_outcomes_cohort(clinic, today=TODAY)
    export = await omop.build(clinic.id)
    figures = outcomes.build(await queries.aggregates(clinic.id, OutcomeFilter(), TODAY), OutcomeFilter())
    counts = await asyncio.wait_for(load_into_cdm(export), timeout=120)

    # every foreign key of the official script is in force
    assert counts["foreign_keys"] == cdm_script("constraints", "cdm").count("FOREIGN KEY") > 150
    assert counts["person"] == counts["observation_period"] == figures.patients == 200
    assert counts["procedure_occurrence"] == sum(arm.sessions_given for arm in figures.arms)
    assert counts["drug_exposure"] == counts["procedure_occurrence"]  # every demo session names its product
    worse = next(lot for lot in figures.lots if lot.lot_number == WORSE_LOT)
    assert counts["lot_sessions"] == worse.harm.sessions
    month3 = [m for arm in figures.arms for m in arm.efficacy if m.month == 3]
    assert counts["month3"] == sum(m.consensus.n for m in month3)
    female = sum(c.patients or 0 for arm in figures.arms for c in arm.baseline_mix.sex if c.key == "female")
    assert counts["female"] == female > 0
    assert counts["condition_occurrence"] == await Patient.filter(
        clinic=clinic, consent_research=True, diagnosis__isnull=False
    ).count()
