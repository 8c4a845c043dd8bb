"""The progress report PDF: what staff and the patient see in it, paper sizes, embedded fonts, the
pages drawn as pictures, size for a year of photos, tenancy and the audit trail."""

from __future__ import annotations

from PIL import Image

from backend.audit.models import AuditEvent
from tests.backend.records.conftest import seed_long_history
from tests.backend.records.pdf_tools import page_size_points, pages, pdf_fonts, pdf_text, render_pages

A4 = (595, 842)  # 210 x 297 mm in points
LETTER = (612, 792)  # 8.5 x 11 in


async def test_the_clinic_copy_shows_photos_sessions_with_lots_side_effects_and_answers(client, world, history):
    answer = await client.get(f"/patients/{history.patient_id}/report.pdf", headers=world.headers("staff_x"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'attachment; filename="progress-report-X-001.pdf"'
    assert answer.headers["cache-control"] == "no-store"
    data = answer.content
    assert data.startswith(b"%PDF-")
    words = " ".join(pdf_text(data).split())
    for expected in (
        "Clinic X", "Progress report", "Patient A", "X-001", "Exosomes, 4 sessions every 30 days",
        "Frontal hairline", "Vertex", "Baseline, ", "Latest: month 2",
        "Blinded rating of month 2 against baseline: +1.5 (between slightly increased and moderately increased). "
        "Final, Spring round, median of 3 raters, agreement alpha 0.72 (tentative, 40 pairs)",
        "Not rated yet in a blinded rating round", "greatly increased",
        "Injection sessions", "LOT-A1", "LOT-B2", "4 ml", "Vertex, Crown",
        "Side effects reported", "Swelling (severe)", "serious",
        "Self-assessment over time", "Satisfaction with appearance", "Baseline", "-1", "clinic copy",
    ):
        assert expected in words, expected
    assert page_size_points(data) == A4
    fonts = pdf_fonts(data)
    assert fonts and all(f["embedded"] == "yes" for f in fonts), fonts
    assert {f["name"].split("+")[-1] for f in fonts} == {"DejaVuSans", "DejaVuSans-Bold"}

    drawn = render_pages(data, "records-progress-report-staff")
    assert len(drawn) == pages(data) >= 2
    with Image.open(drawn[0]) as first:
        colours = first.convert("RGB").getcolors(1 << 20)
    # the scalp photos are drawn on the first page: plenty of skin tones, not just text on white
    skin = sum(n for n, (r, g, b) in colours if r > 150 and 110 < g < 190 and 80 < b < 160 and r - b > 40)
    assert skin > 0.05 * first.width * first.height


async def test_the_patients_own_copy_has_no_lot_numbers(client, world, history):
    answer = await client.get("/me/report.pdf", headers=world.headers("patient_a"))
    assert answer.status_code == 200, answer.text
    words = " ".join(pdf_text(answer.content).split())
    assert "Patient A" in words and "patient copy" in words and "ExoCell" in words
    assert "LOT-A1" not in words and "LOT-B2" not in words and "Lot" not in words
    render_pages(answer.content, "records-progress-report-patient")


async def test_us_letter_on_request(client, world, history):
    answer = await client.get(f"/patients/{history.patient_id}/report.pdf?paper=letter", headers=world.headers("staff_x"))
    assert answer.status_code == 200
    assert page_size_points(answer.content) == LETTER
    bad = await client.get(f"/patients/{history.patient_id}/report.pdf?paper=a3", headers=world.headers("staff_x"))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_failed"


async def test_a_patient_with_nothing_yet_gets_a_report_that_says_so(client, world):
    answer = await client.get(f"/patients/{world.ids['patient_b']}/report.pdf", headers=world.headers("staff_x"))
    assert answer.status_code == 200
    words = " ".join(pdf_text(answer.content).split())
    assert "No photo yet" in words and "No side effects reported" in words and "No self-assessment answered yet" in words


async def test_another_clinics_patient_is_not_found_and_nothing_is_audited(client, world, history):
    answer = await client.get(f"/patients/{history.patient_id}/report.pdf", headers=world.headers("staff_y"))
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert not await AuditEvent.filter(action="record.report_pdf").exists()


async def test_each_reading_is_audited_once_with_who_read_it(client, world, history):
    await client.get(f"/patients/{history.patient_id}/report.pdf", headers=world.headers("clinician_x"))
    await client.get("/me/report.pdf", headers=world.headers("patient_a"))
    events = await AuditEvent.filter(action="record.report_pdf").order_by("id")
    assert [(e.actor_kind, e.patient_id) for e in events] == [("staff", history.patient_id), ("patient", history.patient_id)]


async def test_a_failed_audit_write_fails_the_request(client, world, history, monkeypatch):
    from tortoise.exceptions import OperationalError

    async def broken(*args, **kwargs):
        raise OperationalError("audit table unavailable")

    monkeypatch.setattr(AuditEvent, "create", broken)
    answer = await client.get(f"/patients/{history.patient_id}/report.pdf", headers=world.headers("staff_x"))
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("application/json")


async def test_a_year_of_photos_stays_under_5_mb(app, client, world):
    await seed_long_history(app, world.ids["patient_a"], months=12)
    answer = await client.get(f"/patients/{world.ids['patient_a']}/report.pdf", headers=world.headers("staff_x"))
    assert answer.status_code == 200
    assert len(answer.content) < 5 * 1024 * 1024, len(answer.content)
    assert "Latest: month 11" in " ".join(pdf_text(answer.content).split())


async def test_a_patient_gets_only_their_own_report(client, world, history):
    answer = await client.get("/me/report.pdf", headers=world.headers("patient_b"))
    assert answer.status_code == 200
    words = " ".join(pdf_text(answer.content).split())
    assert "Patient B" in words and "X-002" in words
    assert "Patient A" not in words and "X-001" not in words and "Swelling" not in words and "Latest: month" not in words
