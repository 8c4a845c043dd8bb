"""The one reader of a JPEG's structure: its segments in order, from the start-of-image marker to
the end-of-image marker, each scan with its entropy-coded data. Everything in Follicle that
needs to know where a JPEG's parts are (the admission checks, the lossless rewrite, the trailer
check) walks a JPEG through `segments()`; nothing else parses JPEG bytes by hand.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass

SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
SOS = 0xDA
EOI_CODE = 0xD9
TEM = 0x01
APP0, APP1, APP2, APP14, APP15 = 0xE0, 0xE1, 0xE2, 0xEE, 0xEF
COM = 0xFE
# inside entropy-coded data 0xFF is followed by 0x00 (stuffing), RSTn or more 0xFF (fill)
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


class TruncatedJpeg(ValueError):
    """The data ends before the end-of-image marker: an interrupted or cut upload."""


class MalformedJpeg(ValueError):
    """Bytes where a marker must be are not one: not a JPEG structure we can follow."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One marker and what belongs to it: `data[start:end]` is the whole segment (for a scan, its
    header and its entropy-coded data), `data[body:body_end]` the payload after the length field
    (empty for markers without one)."""

    marker: int
    start: int
    body: int
    body_end: int
    end: int

    @property
    def is_standalone(self) -> bool:
        return self.body == self.end


def segments(data: bytes, start: int = 0) -> Iterator[Segment]:
    """Every segment of the JPEG starting at `start` (its SOI), the EOI last.

    Raises TruncatedJpeg when the data ends first, MalformedJpeg when no marker stands where
    one must."""
    size = len(data)
    if data[start : start + 2] != SOI:
        raise MalformedJpeg("no start-of-image marker")
    pos = start + 2
    while True:
        if pos >= size:
            raise TruncatedJpeg("data ends before the end-of-image marker")
        if data[pos] != 0xFF:
            raise MalformedJpeg(f"expected a marker at byte {pos}")
        while pos + 1 < size and data[pos + 1] == 0xFF:
            pos += 1  # fill bytes before a marker
        if pos + 1 >= size:
            raise TruncatedJpeg("data ends inside a marker")
        marker, at = data[pos + 1], pos
        pos += 2
        if marker == EOI_CODE or marker == TEM or 0xD0 <= marker <= 0xD7:
            yield Segment(marker, at, pos, pos, pos)
            if marker == EOI_CODE:
                return
            continue
        if pos + 2 > size:
            raise TruncatedJpeg("segment header cut short")
        (length,) = struct.unpack_from(">H", data, pos)
        end = pos + length
        if length < 2 or end > size:
            raise TruncatedJpeg("segment cut short")
        body, body_end = pos + 2, end
        if marker == SOS:
            found = _NEXT_MARKER.search(data, end)
            if found is None:
                raise TruncatedJpeg("picture data ends without an end-of-image marker")
            end = found.start()
        yield Segment(marker, at, body, body_end, end)
        pos = end


def jpeg_end(data: bytes, start: int = 0) -> int:
    """The offset just past the end-of-image marker of the JPEG starting at `start`."""
    end = start
    for segment in segments(data, start):
        end = segment.end
    return end
