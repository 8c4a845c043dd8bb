"""Research exports: the de-identified cohort CSV and the OMOP CDM v5.4 export (admins only, audited)."""

from __future__ import annotations

from litestar import Controller, Response, get

from backend.auth.deps import STAFF, CurrentStaff
from backend.auth.guards import admin_only
from backend.auth.step_up import fresh_second_factor
from backend.exports import cohort, omop


class ExportController(Controller):
    path = "/exports"
    tags = ["exports"]
    guards = [admin_only]
    dependencies = STAFF

    @get("/cohort.csv", operation_id="ExportCohortCsv", media_type="text/csv", guards=[fresh_second_factor])
    async def cohort_csv(self, staff: CurrentStaff) -> Response[str]:
        """The clinic's research-consented patients, de-identified, one row per patient and time
        point (admins only; every export is in the audit log; a fresh second factor when two-factor
        sign-in is on). Columns: docs/cohort-export.md."""
        text = await cohort.cohort_csv(staff)
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="cohort.csv"', "Cache-Control": "no-store"},
        )

    @get("/omop.zip", operation_id="ExportOmopCdm", media_type="application/zip", guards=[fresh_second_factor])
    async def omop_zip(self, staff: CurrentStaff) -> Response[bytes]:
        """The clinic's research-consented patients as OMOP CDM v5.4 tables (person, observation_period,
        condition_occurrence, procedure_occurrence, drug_exposure with lot numbers, measurement,
        observation), one tab-separated file each, for an OHDSI network or a study (admins only;
        audited; a fresh second factor when two-factor sign-in is on). Mapping: docs/omop-export.md."""
        body = await omop.omop_zip(staff)
        return Response(
            body,
            media_type="application/zip",
            headers={"Content-Disposition": 'attachment; filename="omop-cdm-5.4.zip"', "Cache-Control": "no-store"},
        )
