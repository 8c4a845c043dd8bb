"""A file that leaves Follicle (a PDF, a FHIR Bundle), with the name a browser or phone saves it under."""

from __future__ import annotations

import re
from dataclasses import dataclass

PDF = "application/pdf"


@dataclass(frozen=True)
class Document:
    data: bytes
    filename: str
    media_type: str


def safe_filename(*parts: str, suffix: str) -> str:
    """'progress-report-X-001.pdf': letters, digits, dots and dashes only (record numbers may hold '/')."""
    stem = "-".join(re.sub(r"[^A-Za-z0-9.-]+", "-", part).strip("-.") for part in parts if part)
    return f"{stem or 'record'}{suffix}"
