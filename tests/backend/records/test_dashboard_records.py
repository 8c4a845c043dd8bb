"""Records on the dashboard: the deletion request on the patient page and in the patient list and
its completion by an admin, the MedWatch summary of a serious report, and the report downloads."""

from __future__ import annotations

from backend.audit.models import AuditEvent
from backend.patients.models import Patient
from tests.backend.dashboard.conftest import browser  # noqa: F401 - fixture
from tests.backend.records.pdf_tools import pdf_text, render_pages


async def test_staff_see_the_request_in_the_list_and_on_the_page_and_an_admin_completes_it(client, world, browser):
    await client.post("/me/deletion-request", headers=world.headers("patient_a"))
    clinician = await browser("clinician@x.example")
    listing = await clinician.get("/dashboard/patients?show=deletion_requested")
    assert "Patient A" in listing.text and "Patient B" not in listing.text
    assert "Asked to delete their data" in listing.text
    page = await clinician.get(f"/dashboard/patients/{world.ids['patient_a']}")
    assert "Patient A asked for their data to be deleted" in page.text
    assert "An admin of the clinic completes the request" in page.text and "confirm_record_number" not in page.text
    refused = await clinician.post(f"/dashboard/patients/{world.ids['patient_a']}/delete", {"confirm_record_number": "X-001"})
    assert refused.status_code == 403

    admin = await browser("admin@x.example")
    wrong = await admin.post(f"/dashboard/patients/{world.ids['patient_a']}/delete", {"confirm_record_number": "X-002"})
    assert wrong.status_code == 400 and "Nothing was deleted" in wrong.text
    assert await Patient.filter(id=world.ids["patient_a"]).exists()
    done = await admin.post(f"/dashboard/patients/{world.ids['patient_a']}/delete", {"confirm_record_number": "X-001"})
    assert done.status_code == 303 and done.headers["location"] == "/dashboard/patients?deleted=1"
    assert not await Patient.filter(id=world.ids["patient_a"]).exists()
    (completed,) = await AuditEvent.filter(action="deletion_request.complete")
    assert completed.actor_kind == "staff"
    assert "asked for their data to be deleted" not in (await admin.get("/dashboard/patients")).text


async def test_a_serious_report_offers_a_medwatch_summary_with_the_form_3500_fields(client, world, browser, history):
    clinician = await browser("clinician@x.example")
    page = await clinician.get(f"/dashboard/patients/{history.patient_id}")
    serious = history.reports[0]
    assert f"/dashboard/side-effects/{serious.id}/medwatch.pdf" in page.text
    assert f"/dashboard/side-effects/{history.reports[1].id}/medwatch.pdf" not in page.text  # not serious
    summary = await clinician.get(f"/dashboard/side-effects/{serious.id}/medwatch.pdf")
    assert summary.status_code == 200 and summary.headers["content-type"] == "application/pdf"
    words = " ".join(pdf_text(summary.content).split())
    for field in (
        "Patient identifier", "X-001 (clinic record number)", "Age", "Sex", "Outcome", "Date of event", "Describe event",
        "Swelling (severe)", "Suspect product", "ExoCell", "Lot number LOT-A1", "Manufacturer / compounder",
        "not recorded in Follicle: fill in before filing", "Clinic X",
    ):
        assert field in words, field
    assert "Patient A" not in words  # the identifier is the record number, never the name
    assert "Age (not recorded in Follicle" in words and "Sex (not recorded in Follicle" in words

    await Patient.filter(id=history.patient_id).update(sex="male", birth_year=1980)
    summary = await clinician.get(f"/dashboard/side-effects/{serious.id}/medwatch.pdf")
    words = " ".join(pdf_text(summary.content).split())
    born = serious.started_on.year - 1980
    assert f"Age {born - 1}-{born} years (born 1980)" in words and "Sex Male" in words
    render_pages(summary.content, "records-medwatch")
    assert await AuditEvent.filter(action="side_effect.medwatch_pdf").count() == 2
    # the link in the alert email lands on the report, with its acknowledgement and notes
    landing = await clinician.get(f"/dashboard/side-effects/{serious.id}")
    assert landing.status_code == 200 and f'id="report-{serious.id}"' in landing.text
    assert f"/dashboard/side-effects/{serious.id}/acknowledge" in landing.text


async def test_the_patient_page_downloads_the_report_and_the_fhir_bundle(client, world, browser, history):
    desk = await browser("desk@x.example")
    pdf = await desk.get(f"/dashboard/patients/{history.patient_id}/report.pdf?paper=letter")
    assert pdf.status_code == 200 and "Progress report" in pdf_text(pdf.content)
    bundle = await desk.get(f"/dashboard/patients/{history.patient_id}/fhir.json")
    assert bundle.status_code == 200 and bundle.json()["resourceType"] == "Bundle"
    assert (await desk.get(f"/dashboard/side-effects/{history.reports[0].id}/medwatch.pdf")).status_code == 403
