"""The progress report PDF: pure rendering from a PatientHistory and the photos' JPEG bytes, run in
a thread (never on the event loop). The JPEGs are embedded as they are (no re-encoding), the fonts
are embedded subsets, and the staff copy alone shows product lots."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from shared.labels import AREAS, SESSION_STATUSES, SYMPTOM_LABELS, TREATMENTS
from backend.imaging.drawing import upright
from backend.records import gpa
from backend.records.history import PatientHistory, PhotoRecord
from backend.records.pdf_kit import MARGIN, MUTED, REGULAR, RULE, Paper, day, footer_canvas, styles, text
from shared import questionnaire as hgq
from shared.contract.injections import SessionStatus
from shared.symptoms import severity_label

PHOTO_MAX_HEIGHT = 74 * mm
GAP = 6 * mm
# photos are printed at most ~75 mm tall: 900 px on the long side is over 300 dpi there, and keeps
# a year's report well under 5 MB whatever the camera
PRINT_LONG_SIDE = 900
PRINT_QUALITY = 82


class Audience(StrEnum):
    """Who the copy is for: the clinic's copy names product lots, the patient's does not."""

    STAFF = "staff"
    PATIENT = "patient"


@dataclass(frozen=True)
class ViewPair:
    """The photos a view shows: its first and its latest month (one photo while there is one month)."""

    view: str
    first: PhotoRecord | None
    latest: PhotoRecord | None


def photo_pairs(history: PatientHistory) -> list[ViewPair]:
    pairs = []
    for view in history.views:
        photos = history.photos_of(view)
        first = photos[0] if photos else None
        latest = photos[-1] if len(photos) > 1 else None
        pairs.append(ViewPair(view, first, latest))
    return pairs


def render(
    history: PatientHistory,
    photos: Mapping[object, bytes],
    *,
    audience: Audience,
    paper: Paper = Paper.A4,
    generated_at: datetime | None = None,
) -> bytes:
    """The report as PDF bytes. `photos` maps photo ids to the JPEG shown for them (a missing one is
    named as unavailable rather than failing the report)."""
    generated_at = generated_at or datetime.now(UTC)
    s = styles()
    out = io.BytesIO()
    width, height = paper.size
    frame_width = width - 2 * MARGIN
    doc = SimpleDocTemplate(
        out,
        pagesize=paper.size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=f"Progress report: {history.display_name}",
        author=history.clinic_name,
        subject="Hair-loss treatment progress report",
        creator="Follicle",
    )
    tz = history.timezone
    story: list = [
        Paragraph(text(history.clinic_name), s["small"]),
        Paragraph("Progress report", s["title"]),
        _patient_table(history, frame_width, generated_at),
        Paragraph(text(gpa.MEANING), s["note"]),
        Paragraph("Photos", s["h2"]),
    ]
    consensus = {(c.view, c.month): c for c in history.consensus}
    for pair in photo_pairs(history):
        story.append(_view_block(history, pair, photos, consensus, frame_width, tz))
    story += _sessions(history, frame_width, audience, tz)
    story += _side_effects(history, frame_width, audience, tz)
    story += _questionnaire(history, frame_width, tz)
    story.append(Spacer(1, 6 * mm))
    story.append(
        Paragraph(
            text(
                "This report was made by Follicle from the records your clinic keeps. It shows photographs "
                "and answers as they were recorded; it is not a diagnosis. Treatment outcomes of exosome "
                "injections have not yet been established in clinical trials."
            ),
            s["small"],
        )
    )
    copy = "clinic copy" if audience == Audience.STAFF else "patient copy"
    footer = f"{history.clinic_name} · {history.display_name} · {copy} · made {day(generated_at, tz)} · confidential"
    doc.build(story, canvasmaker=footer_canvas(footer))
    return out.getvalue()


def _patient_table(history: PatientHistory, width: float, generated_at: datetime) -> Table:
    s = styles()
    months = max(0, (generated_at.date().year - history.baseline_date.year) * 12 + generated_at.date().month - history.baseline_date.month)
    given = len(history.sessions_given)
    rows = [
        ("Patient", history.display_name, "Record number", history.record_number),
        (
            "Treatment plan",
            f"{TREATMENTS.get(history.treatment, history.treatment)}, {history.planned_sessions} sessions every {history.interval_days} days",
            "Sessions given",
            f"{given} of {history.planned_sessions}",
        ),
        ("Baseline", day(history.baseline_date), "Report made", f"{day(generated_at, history.timezone)} (about month {months})"),
    ]
    cells = [[Paragraph(text(a), s["small"]), Paragraph(text(b), s["cell"]), Paragraph(text(c), s["small"]), Paragraph(text(d), s["cell"])] for a, b, c, d in rows]
    table = Table(cells, colWidths=[0.16 * width, 0.40 * width, 0.16 * width, 0.28 * width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _picture(photo: PhotoRecord | None, photos: Mapping[object, bytes], box_width: float) -> object:
    s = styles()
    if photo is None:
        return Paragraph("No photo yet", s["small"])
    data = photos.get(photo.id)
    printable = fit_for_print(data) if data else None
    if printable is None:
        return Paragraph("This photo could not be read from the store when the report was made.", s["small"])
    jpeg, (w, h) = printable
    scale = min(box_width / w, PHOTO_MAX_HEIGHT / h)
    picture = Image(io.BytesIO(jpeg), width=w * scale, height=h * scale)
    picture.hAlign = "LEFT"
    return picture


def fit_for_print(jpeg: bytes) -> tuple[bytes, tuple[int, int]] | None:
    """The photo re-encoded at print size (never enlarged); None if it cannot be decoded."""
    try:
        with upright(jpeg, draft=("RGB", (PRINT_LONG_SIDE, PRINT_LONG_SIDE))) as picture:
            picture = picture.convert("RGB")
            picture.thumbnail((PRINT_LONG_SIDE, PRINT_LONG_SIDE), PILImage.Resampling.HAMMING, reducing_gap=2.0)
            out = io.BytesIO()
            picture.save(out, format="JPEG", quality=PRINT_QUALITY)
            return out.getvalue(), picture.size
    except (OSError, ValueError):
        return None


def _caption(photo: PhotoRecord | None, first: bool, tz: str) -> str:
    if photo is None:
        return ""
    if photo.month == 0:
        return f"Baseline, {day(photo.captured_at, tz)}"
    return f"{'First photo' if first else 'Latest'}: month {photo.month}, {day(photo.captured_at, tz)}"


def _view_block(history, pair: ViewPair, photos, consensus, width: float, tz: str) -> KeepTogether:
    s = styles()
    box = (width - GAP) / 2
    pictures = [[_picture(pair.first, photos, box), _picture(pair.latest, photos, box) if pair.latest else Paragraph(
        "Only one month photographed so far." if pair.first else "", s["small"])]]
    captions = [[Paragraph(text(_caption(pair.first, True, tz)), s["small"]), Paragraph(text(_caption(pair.latest, False, tz)), s["small"])]]
    grid = Table(pictures + captions, colWidths=[box + GAP / 2, box + GAP / 2], hAlign="LEFT")
    grid.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR), ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    rated = consensus.get((pair.view, pair.latest.month)) if pair.latest else None
    if rated is not None:
        status, rest = rated.label.split(", ", 1)  # "Final" or "Provisional", then round, raters, agreement
        rating = (
            f"Blinded rating of month {rated.month} against baseline: <b>{gpa.signed(rated.score)}</b> "
            f"({text(gpa.words(rated.score))}). <b>{status}</b>, {text(rest)}."
        )
    else:
        rating = "Not rated yet in a blinded rating round."
    return KeepTogether(
        [
            CondPageBreak(PHOTO_MAX_HEIGHT + 24 * mm),
            Paragraph(text(history.view_label(pair.view)), s["h3"]),
            grid,
            Paragraph(rating, s["small"]),
            Spacer(1, 3 * mm),
        ]
    )


def _table(header: list[str], rows: list[list[str]], widths: list[float]) -> Table:
    s = styles()
    data = [[Paragraph(f"<b>{text(h)}</b>", s["cell"]) for h in header]]
    data += [[Paragraph(cell, s["cell"]) for cell in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f8f9")]),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


def _sessions(history: PatientHistory, width: float, audience: Audience, tz: str) -> list:
    s = styles()
    story: list = [CondPageBreak(40 * mm), Paragraph("Injection sessions", s["h2"])]
    if not history.sessions:
        return story + [Paragraph("No injection sessions recorded.", s["body"])]
    staff = audience == Audience.STAFF
    header = ["Date", "Status", "Treatment", "Product"] + (["Lot"] if staff else []) + ["Volume", "Areas"]
    rows = []
    for session in history.sessions:
        row = [
            text(day(session.given_at, tz)),
            text(SESSION_STATUSES.get(SessionStatus(session.status), session.status)),
            text(TREATMENTS.get(session.treatment, session.treatment)),
            text(session.product or "-"),
        ]
        if staff:
            row.append(text(session.lot_number or "-"))
        row += [
            text(f"{session.volume_ml:g} ml" if session.volume_ml is not None else "-"),
            text(", ".join(AREAS.get(a, a) for a in session.areas) or "-"),
        ]
        rows.append(row)
    fractions = [0.13, 0.09, 0.13, 0.18] + ([0.13] if staff else []) + [0.1, 0.24 if staff else 0.37]
    return story + [_table(header, rows, [f * width for f in fractions])]


def _side_effects(history: PatientHistory, width: float, audience: Audience, tz: str) -> list:
    s = styles()
    story: list = [CondPageBreak(40 * mm), Paragraph("Side effects reported", s["h2"])]
    if not history.side_effects:
        return story + [Paragraph("No side effects reported.", s["body"])]
    rows = []
    for report in history.side_effects:
        session = history.session(report.session_id)
        after = day(session.given_at, tz) if session else "-"
        if session and audience == Audience.STAFF and session.lot_number:
            after += f" (lot {session.lot_number})"
        felt = [f"{SYMPTOM_LABELS.get(sym, sym)} ({severity_label(sev)})" for sym, sev in report.symptoms if sev > 0]
        symptoms = text(", ".join(felt) or "none")
        if report.notes:
            symptoms += "<br/><font color='#5b6870'>" + text(f"“{report.notes}”") + "</font>"
        rows.append(
            [
                text(day(report.started_on)),
                text(after),
                symptoms,
                "yes" if report.needed_medical_care else "no",
                "<b>serious</b>" if report.serious else "-",
            ]
        )
    widths = [0.14, 0.2, 0.44, 0.1, 0.12]
    return story + [_table(["Started", "After the injection of", "Symptoms", "Medical care", ""], rows, [w * width for w in widths])]


def _questionnaire(history: PatientHistory, width: float, tz: str) -> list:
    s = styles()
    story: list = [CondPageBreak(50 * mm), Paragraph("Self-assessment over time", s["h2"])]
    if not history.questionnaires:
        return story + [Paragraph("No self-assessment answered yet.", s["body"])]
    story.append(
        Paragraph(
            text(
                "The patient's own view, on a scale from -3 to +3 where +3 is always the best answer "
                "and 0 means about the same. A blank means the question was not asked that time."
            ),
            s["small"],
        )
    )
    latest = {}
    for response in history.questionnaires:
        for question in hgq.questionnaire(response.version).questions:
            latest.setdefault(question.id, question.label)
    occasions = history.questionnaires[-12:]  # the last twelve occasions fit the page
    header = ["Question"] + [("Baseline" if r.occasion_month == 0 else f"Month {r.occasion_month}") for r in occasions]
    rows = []
    for question_id, label in latest.items():
        cells = [text(label)]
        for response in occasions:
            value = response.answers.get(question_id)
            cells.append("" if value is None else text(gpa.signed(value)))
        rows.append(cells)
    first = 0.3 * width
    rest = (width - first) / max(1, len(occasions))
    return story + [_table(header, rows, [first] + [rest] * len(occasions))]
