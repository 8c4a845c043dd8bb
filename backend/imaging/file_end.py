"""Where a photo file's own data ends, per format, from its structure alone (no decoding): a
JPEG's end-of-image marker (through the one segment reader), a PNG's IEND chunk, a WebP's RIFF
length, the last ISO box of a HEIC. Raises TruncatedPhoto when the data stops first."""

from __future__ import annotations

import struct

from backend.imaging.iso_boxes import BadBoxes, boxes
from backend.imaging.jpeg_segments import MalformedJpeg, TruncatedJpeg, jpeg_end


class TruncatedPhoto(ValueError):
    """The file ends before its own structure says it does."""


class DamagedStructure(ValueError):
    """The file's structure cannot be followed."""


def end_of(kind: str, data: bytes, start: int = 0) -> int:
    """The offset just past the photo of `kind` ("jpeg", "png", "webp", "heic") starting at `start`."""
    if kind == "jpeg":
        try:
            return jpeg_end(data, start)
        except TruncatedJpeg as error:
            raise TruncatedPhoto(str(error)) from None
        except MalformedJpeg as error:
            raise DamagedStructure(str(error)) from None
    return _END_OF[kind](data, start)


def _png_end(data: bytes, start: int) -> int:
    pos = start + 8
    size = len(data)
    while True:
        if pos + 8 > size:
            raise TruncatedPhoto("png chunk header cut short")
        length, kind = struct.unpack_from(">I4s", data, pos)
        pos += 12 + length
        if pos > size:
            raise TruncatedPhoto("png chunk cut short")
        if kind == b"IEND":
            return pos


def _webp_end(data: bytes, start: int) -> int:
    (length,) = struct.unpack_from("<I", data, start + 4)
    end = start + 8 + length + (length & 1)
    if end > len(data) + (length & 1):
        raise TruncatedPhoto("webp data cut short")
    return min(end, len(data))


def _heic_end(data: bytes, start: int) -> int:
    """ISO base media boxes one after another to the end of the file."""
    end = start
    try:
        for box in boxes(data, start):
            end = box.end
    except BadBoxes as error:
        raise TruncatedPhoto(str(error)) from None
    return end


_END_OF = {"png": _png_end, "webp": _webp_end, "heic": _heic_end}
