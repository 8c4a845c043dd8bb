"""Reading a PDF back the way a person would: its text (pdftotext), fonts (pdffonts), page size
(pdfinfo) and pages drawn as PNG (pdftoppm), all from poppler-utils."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def _run(*args: str, data: bytes) -> str:
    return subprocess.run(list(args), input=data, capture_output=True, check=True).stdout.decode()


def pdf_text(data: bytes) -> str:
    return _run("pdftotext", "-layout", "-", "-", data=data)


def pdf_fonts(data: bytes) -> list[dict[str, str]]:
    """Each font: name, type and whether it is embedded ('yes'/'no')."""
    lines = _run("pdffonts", "-", data=data).splitlines()[2:]
    fonts = []
    for line in lines:
        parts = line.split()
        # name type [type] encoding emb sub uni object ID
        fonts.append({"name": parts[0], "embedded": parts[-5], "subset": parts[-4]})
    return fonts


def page_size_points(data: bytes) -> tuple[float, float]:
    info = _run("pdfinfo", "-", data=data)
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert match, info
    return round(float(match.group(1))), round(float(match.group(2)))


def pages(data: bytes) -> int:
    return int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", "-", data=data)).group(1))


def render_pages(data: bytes, name: str, *, dpi: int = 60) -> list[Path]:
    """Every page as tests/artifacts/<name>-<n>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-", str(ARTIFACTS / name)], input=data, check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))
