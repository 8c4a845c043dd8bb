"""What every Follicle PDF shares: the embedded fonts (DejaVu Sans, shipped in ./fonts, so any name
prints and every viewer shows the same letters), paper sizes, paragraph styles, and the page footer
with "page N of M"."""

from __future__ import annotations

import functools
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdf_canvas

FONTS = Path(__file__).with_name("fonts")
REGULAR = "FollicleSans"
BOLD = "FollicleSans-Bold"
INK = colors.HexColor("#1f2a30")
MUTED = colors.HexColor("#5b6870")
RULE = colors.HexColor("#c9d2d6")
ACCENT = colors.HexColor("#2d6a73")
ALERT = colors.HexColor("#a3322a")
MARGIN = 16 * mm


class Paper(StrEnum):
    A4 = "a4"
    LETTER = "letter"

    @property
    def size(self) -> tuple[float, float]:
        return A4 if self is Paper.A4 else LETTER


@functools.cache
def register_fonts() -> None:
    """Register the TrueType fonts with reportlab once per process (subset and embedded in each PDF),
    and store images as binary rather than ASCII85 text: a quarter smaller, and no pure-Python
    encoding of every photo's bytes (reportlab's C accelerator is a separate package)."""
    rl_config.useA85 = 0
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=13, textColor=INK)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10.5, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11),
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=18, leading=22, spaceAfter=2),
        "h2": ParagraphStyle("h2", parent=body, fontName=BOLD, fontSize=12.5, leading=16, spaceBefore=10, spaceAfter=4, textColor=ACCENT),
        "h3": ParagraphStyle("h3", parent=body, fontName=BOLD, fontSize=10.5, leading=14, spaceBefore=6, spaceAfter=3),
        "note": ParagraphStyle(
            "note", parent=body, fontSize=9, leading=12.5, backColor=colors.HexColor("#eef4f5"),
            borderPadding=(5, 6, 5, 6), spaceBefore=6, spaceAfter=8,
        ),
        "alert": ParagraphStyle("alert", parent=body, fontName=BOLD, textColor=ALERT),
    }


def text(value: object) -> str:
    """Plain text made safe for a reportlab Paragraph (which reads a little XML)."""
    return escape(str(value)).replace("\n", "<br/>")


def day(value: date | datetime | None, tz: str = "UTC") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        try:
            value = value.astimezone(ZoneInfo(tz)).date()
        except (KeyError, ValueError):
            value = value.date()
    return f"{value.day} {value:%b %Y}"


def footer_canvas(footer: str):
    """A canvas class that writes `footer` and "page N of M" at the foot of every page."""
    register_fonts()

    class FooterCanvas(pdf_canvas.Canvas):
        def __init__(self, *args, **kwargs) -> None:
            # reportlab's default first font is Helvetica, which is never embedded: start in ours
            kwargs["initialFontName"] = REGULAR
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._draw_footer(number, total)
                super().showPage()
            super().save()

        def _draw_footer(self, number: int, total: int) -> None:
            width, _ = self._pagesize
            self.saveState()
            self.setStrokeColor(RULE)
            self.line(MARGIN, 12 * mm, width - MARGIN, 12 * mm)
            self.setFont(REGULAR, 7.5)
            self.setFillColor(MUTED)
            self.drawString(MARGIN, 8 * mm, footer)
            self.drawRightString(width - MARGIN, 8 * mm, f"Page {number} of {total}")
            self.restoreState()

    return FooterCanvas
