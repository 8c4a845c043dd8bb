"""Read a JPEG's segment markers, independently of the code under test."""

from __future__ import annotations

import struct

APP1_EXIF_XMP = 0xE1
APP2_ICC = 0xE2
APP13_IPTC = 0xED
COMMENT = 0xFE
START_OF_SCAN = 0xDA


def header_markers(jpeg: bytes) -> list[int]:
    """Marker codes of every segment before the first scan."""
    assert jpeg[:2] == b"\xff\xd8"
    markers, pos = [], 2
    while pos < len(jpeg):
        assert jpeg[pos] == 0xFF
        marker = jpeg[pos + 1]
        markers.append(marker)
        if marker == START_OF_SCAN:
            return markers
        (length,) = struct.unpack_from(">H", jpeg, pos + 2)
        pos += 2 + length
    return markers
