"""Is a PNG's picture data all there? Its IDAT chunks must inflate to exactly the rows its header
promises. Pillow paints rows that never came as blank when the compressed stream ends cleanly
but early (a short scan), so this is counted here, streaming, without holding the pixels."""

from __future__ import annotations

import struct
import zlib

from backend.imaging import refusals

_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
# Adam7 passes: (x start, y start, x step, y step)
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_CHUNK_OUT = 1 << 20


def expected_bytes(width: int, height: int, bit_depth: int, colour_type: int, interlaced: bool) -> int:
    """The inflated size of a PNG's picture data: every row with its filter byte."""
    bits = bit_depth * _CHANNELS[colour_type]

    def rows(w: int, h: int) -> int:
        return 0 if w == 0 or h == 0 else h * (1 + (w * bits + 7) // 8)

    if not interlaced:
        return rows(width, height)
    return sum(
        rows((width - x + dx - 1) // dx if width > x else 0, (height - y + dy - 1) // dy if height > y else 0)
        for x, y, dx, dy in _ADAM7
    )


def check_png_scan(data: bytes) -> None:
    """Raise PHOTO_CORRUPT unless the IDAT data inflates to exactly what the header promises."""
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise refusals.corrupt("no image header")
    width, height, bit_depth, colour_type, _, _, interlace = struct.unpack_from(">IIBBBBB", data, 16)
    if colour_type not in _CHANNELS:
        raise refusals.corrupt("damaged structure")
    wanted = expected_bytes(width, height, bit_depth, colour_type, interlace == 1)
    inflater = zlib.decompressobj()
    produced = 0
    pos = 8
    try:
        while pos + 8 <= len(data):
            length, kind = struct.unpack_from(">I4s", data, pos)
            body = data[pos + 8 : pos + 8 + length]
            pos += 12 + length
            if kind == b"IEND":
                break
            if kind != b"IDAT":
                continue
            chunk = inflater.decompress(body, _CHUNK_OUT)
            while True:
                produced += len(chunk)
                if produced > wanted:
                    raise refusals.corrupt("more picture data than the header says")
                if not inflater.unconsumed_tail:
                    break
                chunk = inflater.decompress(inflater.unconsumed_tail, _CHUNK_OUT)
    except zlib.error:
        raise refusals.corrupt("damaged picture data") from None
    if not inflater.eof or produced != wanted:
        raise refusals.corrupt("truncated")
