"""Rewrite a JPEG without its metadata, losslessly: the compressed picture is copied byte for
byte, so the result decodes to exactly the same pixels as the original.

Kept: SOI, quantisation and Huffman tables, frame header, restart interval, every scan with its
entropy-coded data, EOI; the colour-interpretation markers (JFIF, Adobe) rebuilt from their
few meaningful fields; an ICC profile only if the caller passes one; an EXIF orientation (one
tag in an EXIF segment made here, nothing else of the phone's EXIF) if the caller passes one, so
a rotated photo is stored as it was taken and turned where it is drawn.
Dropped: every other APPn segment (EXIF with GPS, XMP, IPTC/Photoshop, MPF second images,
maker notes), comments, and anything after the end-of-image marker (polyglot payloads).
"""

from __future__ import annotations

import struct

from backend.imaging.jpeg_segments import (
    APP0,
    APP14,
    APP15,
    COM,
    EOI,
    EOI_CODE,
    SOI,
    SOS,
    MalformedJpeg,
    TruncatedJpeg,
    segments,
)

__all__ = ["NotRewritable", "TruncatedJpeg", "icc_segments", "orientation_segment", "rewrite_without_metadata"]

# DHT, DAC, DQT, DRI, DNL, EXP and every start-of-frame type: what a decoder needs
_PICTURE_SEGMENTS = {0xC4, 0xCC, 0xDB, 0xDD, 0xDC, 0xDF} | {
    code for code in range(0xC0, 0xD0) if code not in (0xC4, 0xC8, 0xCC)
}
_ICC_HEADER = b"ICC_PROFILE\x00"
_ICC_CHUNK = 65_519  # 65535 - length field - ICC header - sequence bytes


class NotRewritable(ValueError):
    """A structure this rewriter does not copy blindly; the caller should re-encode instead."""


def rewrite_without_metadata(data: bytes, *, icc_profile: bytes | None = None, orientation: int = 1) -> bytes:
    """Return `data` (a JPEG) with all metadata removed and nothing after its end-of-image
    marker, decoding to identical pixels; embed `icc_profile` if given, and an EXIF segment
    holding only `orientation` when it is not 1 (upright).

    Raises TruncatedJpeg when the picture data is cut short, NotRewritable for any
    structure it does not understand (the caller then decodes and re-encodes)."""
    jfif: bytes | None = None
    adobe: bytes | None = None
    picture: list[bytes | memoryview] = []
    view = memoryview(data)
    try:
        for segment in segments(data):
            marker = segment.marker
            if marker == EOI_CODE:
                break
            body = view[segment.body : segment.body_end]
            if marker == SOS or marker in _PICTURE_SEGMENTS:
                picture.append(view[segment.start : segment.end])
            elif marker == APP0 and jfif is None and bytes(body[:5]) == b"JFIF\x00":
                jfif = _jfif_segment(bytes(body))
            elif marker == APP14 and adobe is None and bytes(body[:5]) == b"Adobe" and len(body) >= 12:
                adobe = _adobe_segment(body[11])
            elif segment.is_standalone or not (APP0 <= marker <= APP15 or marker == COM):
                raise NotRewritable(f"unexpected marker 0x{marker:02X}")
    except MalformedJpeg as error:
        raise NotRewritable(str(error)) from None
    if not picture:
        raise NotRewritable("no picture segments")
    icc = icc_segments(icc_profile) if icc_profile else []
    # JFIF must follow SOI; both decide how decoders read the colours, so both keep their place
    colour_markers = [segment for segment in (jfif, adobe) if segment is not None]
    turn = [orientation_segment(orientation)] if orientation != 1 else []
    return b"".join([SOI, *colour_markers[:1], *turn, *colour_markers[1:], *icc, *picture, EOI])


def orientation_segment(orientation: int) -> bytes:
    """An APP1 EXIF segment with one entry, the orientation (TIFF tag 274), and nothing else."""
    if not 1 <= orientation <= 8:
        raise ValueError(f"EXIF orientation {orientation} is not 1-8")
    # little-endian TIFF header, IFD0 at offset 8: one SHORT entry, then no next IFD
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + struct.pack("<HHIHH", 274, 3, 1, orientation, 0)
    tiff += struct.pack("<I", 0)
    body = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", 2 + len(body)) + body


def icc_segments(profile: bytes) -> list[bytes]:
    """The APP2 segments that embed `profile` in a JPEG, in sequence."""
    chunks = [profile[i : i + _ICC_CHUNK] for i in range(0, len(profile), _ICC_CHUNK)]
    if len(chunks) > 255:
        raise ValueError("ICC profile too large for a JPEG")
    return [
        b"\xff\xe2" + struct.pack(">H", 2 + len(_ICC_HEADER) + 2 + len(chunk)) + _ICC_HEADER + bytes((n, len(chunks))) + chunk
        for n, chunk in enumerate(chunks, start=1)
    ]


def _jfif_segment(body: bytes) -> bytes:
    """A JFIF APP0 with the source's version and pixel density, and no embedded thumbnail."""
    if len(body) < 12:
        raise NotRewritable("short JFIF segment")
    fields = body[5:12]  # version (2), density unit (1), x and y density (2 + 2)
    return b"\xff\xe0\x00\x10JFIF\x00" + fields + b"\x00\x00"


def _adobe_segment(transform: int) -> bytes:
    """An Adobe APP14 carrying only the colour transform flag decoders need (RGB vs YCbCr)."""
    return b"\xff\xee\x00\x0eAdobe" + struct.pack(">HHHB", 100, 0, 0, transform)
