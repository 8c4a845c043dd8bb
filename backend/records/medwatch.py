"""A MedWatch-ready summary of one side-effect report: the fields of FDA Form 3500 (voluntary
reporting by health professionals) filled from what Follicle holds, for the clinic to file. What
Follicle does not record is left as a blank line to fill in, never guessed."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import UTC, date, datetime

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from shared.labels import AREAS, SYMPTOM_LABELS, TREATMENTS
from backend.records import history as histories
from backend.records.document import PDF, Document, safe_filename
from backend.records.history import PatientHistory, SideEffectRecord
from backend.records.pdf_kit import MARGIN, REGULAR, RULE, Paper, day, footer_canvas, styles, text
from backend.reports.models import SideEffectReport
from shared.errors import NotFound
from shared.symptoms import severity_label

TO_FILL = "(not recorded in Follicle: fill in before filing)"
SEX_WORDS = {"female": "Female", "male": "Male", "other": "Other (as recorded by the clinic)"}


def _age(birth_year: int | None, on: date) -> str:
    """Form 3500 asks for the age at the time of the event; the clinic records a birth year only."""
    if birth_year is None:
        return TO_FILL
    low = on.year - birth_year - 1
    return f"{low}-{low + 1} years (born {birth_year})"
HOW_TO_FILE = (
    "File online with FDA MedWatch (Form 3500, health professionals) or by mail or fax; FDA asks "
    "that adverse events after exosome products be reported. Patient identity stays with the clinic: "
    "the identifier below is the clinic's record number, not a name."
)


def _rows(history: PatientHistory, report: SideEffectRecord) -> list[tuple[str, list[tuple[str, str]]]]:
    tz = history.clinic_timezone
    session = history.session(report.session_id)
    felt = [f"{SYMPTOM_LABELS.get(s, s)} ({severity_label(v)})" for s, v in report.symptoms if v > 0]
    description = "Symptoms reported by the patient: " + (", ".join(felt) or "none rated above none") + "."
    if report.needed_medical_care:
        description += " The patient needed medical care (a doctor, nurse or pharmacist, or hospital)."
    if report.notes:
        description += f" Patient's own words: “{report.notes}”."
    outcome = (
        "Required medical care (check the matching 3500 outcome: hospitalisation, intervention, other serious)"
        if report.needed_medical_care
        else "Other serious (severe symptom reported by the patient)" if report.serious else "Not serious"
    )
    given = sorted((s for s in history.sessions_given if session and s.given_at <= session.given_at), key=lambda s: s.given_at)
    product = session.product if session and session.product else (TREATMENTS.get(session.treatment, session.treatment) if session else "")
    return [
        (
            "A. Patient information",
            [
                ("Patient identifier", f"{history.record_number} (clinic record number)"),
                ("Age", _age(history.birth_year, report.started_on)),
                ("Sex", SEX_WORDS.get(history.sex, TO_FILL)),
                ("Weight", TO_FILL),
            ],
        ),
        (
            "B. Adverse event",
            [
                ("Outcome", outcome),
                ("Date of event", day(report.started_on)),
                ("Date of this report", day(datetime.now(UTC), tz)),
                ("Reported to the clinic", day(report.submitted_at, tz)),
                ("Describe event", description),
                ("Relevant tests / laboratory data", TO_FILL),
                ("Other relevant history", TO_FILL),
            ],
        ),
        (
            "D. Suspect product",
            [
                ("Name", product or TO_FILL),
                ("Manufacturer / compounder", TO_FILL),
                ("Lot number", (session.lot_number if session else "") or TO_FILL),
                ("Dose / amount", f"{session.volume_ml:g} ml" if session and session.volume_ml is not None else TO_FILL),
                ("Route", "Injection into the scalp" + (f" ({', '.join(AREAS.get(a, a) for a in session.areas)})" if session and session.areas else "")),
                ("Date of this dose", day(session.given_at, tz) if session else TO_FILL),
                ("Therapy dates (sessions given)", ", ".join(day(s.given_at, tz) for s in given) or TO_FILL),
                ("Diagnosis for use", "Hair loss (indication as treated by the clinic)"),
                ("Event abated after use stopped?", TO_FILL),
                ("Event reappeared after reintroduction?", TO_FILL),
            ],
        ),
        (
            "G. Reporter (treating clinic)",
            [
                ("Clinic", history.clinic_name),
                ("Name, address, phone, email of the reporter", TO_FILL),
                ("Health professional?", TO_FILL),
                ("Occupation", TO_FILL),
            ],
        ),
    ]


def render(history: PatientHistory, report: SideEffectRecord, paper: Paper = Paper.LETTER) -> bytes:
    s = styles()
    out = io.BytesIO()
    width = paper.size[0] - 2 * MARGIN
    doc = SimpleDocTemplate(
        out, pagesize=paper.size, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 6 * mm,
        title="MedWatch summary", author=history.clinic_name, creator="Follicle",
    )
    story: list = [
        Paragraph(text(history.clinic_name), s["small"]),
        Paragraph("MedWatch-ready summary of a side-effect report", s["title"]),
        Paragraph(text(f"FDA Form 3500 fields, filled from Follicle's records. Report {report.id}."), s["small"]),
        Paragraph(text(HOW_TO_FILE), s["note"]),
    ]
    for section, fields in _rows(history, report):
        story.append(Paragraph(text(section), s["h2"]))
        cells = [[Paragraph(text(label), s["small"]), Paragraph(text(value), s["alert"] if value == TO_FILL else s["cell"])] for label, value in fields]
        table = Table(cells, colWidths=[0.32 * width, 0.68 * width], hAlign="LEFT")
        table.setStyle(
            TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR), ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE)])
        )
        story.append(table)
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph("Sections C (product availability), E (medical device) and F (other products) are not recorded in Follicle.", s["small"]))
    doc.build(story, canvasmaker=footer_canvas(f"{history.clinic_name} · MedWatch summary · confidential"))
    return out.getvalue()


async def for_staff(principal: StaffPrincipal, report_id: uuid.UUID) -> Document:
    """The summary of one report of the caller's clinic (NotFound otherwise); audited."""
    found = await SideEffectReport.filter(id=report_id, clinic_id=principal.clinic_id).only("id", "patient_id").first()
    if found is None:
        raise NotFound("No such side-effect report in your clinic.")
    history = await histories.load(found.patient_id, clinic_id=principal.clinic_id)  # type: ignore[attr-defined]
    report = next(r for r in history.side_effects if r.id == report_id)
    pdf = await asyncio.to_thread(render, history, report)
    await audit.record(
        principal, "side_effect.medwatch_pdf", "side_effect_report", report_id, patient_id=history.patient_id,
        detail={"serious": report.serious},
    )
    return Document(pdf, safe_filename("medwatch-summary", history.record_number, str(report_id)[:8], suffix=".pdf"), PDF)
