"""The one reader of ISO base media boxes (HEIC photos, the MP4 of a motion photo): each box's
type and extent, in order, where they must tile their region exactly."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass


class BadBoxes(ValueError):
    """The boxes do not tile the region: cut short, overlapping, or not boxes at all."""


@dataclass(frozen=True, slots=True)
class Box:
    kind: bytes  # four bytes, e.g. b"ftyp"
    start: int
    body: int  # where the payload starts, after the header
    end: int


def boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[Box]:
    """The top-level boxes of data[start:end], which they must fill exactly. Raises BadBoxes."""
    end = len(data) if end is None else end
    pos = start
    while pos < end:
        if pos + 8 > end:
            raise BadBoxes("box header cut short")
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise BadBoxes("box header cut short")
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos  # the last box runs to the end
        if size < header or pos + size > end:
            raise BadBoxes("box cut short")
        if not all(32 <= c < 127 for c in kind):
            raise BadBoxes("not a box type")
        yield Box(kind, pos, pos + header, pos + size)
        pos += size
