"""What `complete` checks in the uploaded bytes before it accepts a photo: cheap checks that need
no decoding, so a bad upload gets a clear 4xx at once and nothing of it is kept.

- the magic bytes say it is a photo format we accept, and the type the phone declared;
- the header is sane: not a decompression bomb, not too small (backend.imaging.opening);
- the file is whole: a JPEG reaches its end-of-image marker, a PNG its IEND chunk, a WebP or
  HEIC its declared length (an interrupted upload is refused here, not later);
- nothing follows the picture but padding or further JPEG images (the gain map or depth map a
  phone stores after the main JPEG): a ZIP, HTML or script glued on (a polyglot) is refused.

The background job then decodes the picture itself (backend.imaging.process_photo).
"""

from __future__ import annotations

import re
import struct

from backend.imaging import SNIFF_BYTES, sniff_image_type
from backend.imaging import refusals
from backend.imaging.opening import open_photo
from shared.errors import ErrorCode, UnsupportedMedia

# the declared content types each sniffed format may arrive as
DECLARED_TYPES = {
    "jpeg": {"image/jpeg"},
    "png": {"image/png"},
    "webp": {"image/webp"},
    "heic": {"image/heic", "image/heif"},
}
# inside entropy-coded data 0xFF is followed by 0x00 (stuffing), RSTn or more 0xFF (fill)
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_SOS, _EOI, _TEM = 0xDA, 0xD9, 0x01
_MAX_TRAILING_IMAGES = 4
_PADDING = b"\x00\xff\r\n "


def admit_upload(data: bytes, *, declared_type: str, max_pixels: int) -> str:
    """Check an uploaded photo and return its kind ("jpeg", "png", "webp", "heic").

    Raises FollicleError: PHOTO_EMPTY, PHOTO_NOT_AN_IMAGE (not a photo, or a photo with another
    file glued on), UNSUPPORTED_MEDIA_TYPE (the bytes are not the declared type), PHOTO_CORRUPT
    (cut short or unreadable header), PHOTO_TOO_MANY_PIXELS, PHOTO_TOO_SMALL."""
    if not data:
        raise refusals.photo_empty()
    kind = sniff_image_type(data[:SNIFF_BYTES])
    if kind is None:
        raise refusals.not_an_image()
    if declared_type not in DECLARED_TYPES[kind]:
        raise UnsupportedMedia(
            "This photo is not of the type the app announced. Please take it again with the app.",
            code=ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            details={"declared": declared_type, "found": kind},
        )
    photo, _ = open_photo(data, max_pixels=max_pixels)
    photo.close()
    end = _END_OF[kind](data, 0)
    _check_trailing(kind, data, end)
    return kind


def _check_trailing(kind: str, data: bytes, end: int) -> None:
    images = 0
    while end < len(data):
        rest = data[end:]
        if not rest.strip(_PADDING):
            return
        if kind == "jpeg" and rest.startswith(b"\xff\xd8\xff") and images < _MAX_TRAILING_IMAGES:
            end = _jpeg_end(data, end)  # a gain map or depth map after the main picture
            images += 1
            continue
        raise refusals.not_an_image()


def _jpeg_end(data: bytes, start: int) -> int:
    """The offset just past the end-of-image marker of the JPEG starting at `start`."""
    pos = start + 2
    size = len(data)
    while True:
        if pos + 1 >= size:
            raise refusals.corrupt("truncated")
        if data[pos] != 0xFF:
            raise refusals.corrupt("damaged structure")
        while pos + 1 < size and data[pos + 1] == 0xFF:
            pos += 1  # fill bytes before a marker
        if pos + 1 >= size:
            raise refusals.corrupt("truncated")
        marker = data[pos + 1]
        pos += 2
        if marker == _EOI:
            return pos
        if marker == _TEM or 0xD0 <= marker <= 0xD7:
            continue  # markers without a length
        if pos + 2 > size:
            raise refusals.corrupt("truncated")
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2 or pos + length > size:
            raise refusals.corrupt("truncated")
        pos += length
        if marker == _SOS:
            found = _NEXT_MARKER.search(data, pos)
            if found is None:
                raise refusals.corrupt("truncated")
            pos = found.start()


def _png_end(data: bytes, start: int) -> int:
    pos = start + 8
    size = len(data)
    while True:
        if pos + 8 > size:
            raise refusals.corrupt("truncated")
        length, kind = struct.unpack_from(">I4s", data, pos)
        pos += 12 + length
        if pos > size:
            raise refusals.corrupt("truncated")
        if kind == b"IEND":
            return pos


def _webp_end(data: bytes, start: int) -> int:
    (length,) = struct.unpack_from("<I", data, start + 4)
    end = start + 8 + length + (length & 1)
    if end > len(data) + (length & 1):
        raise refusals.corrupt("truncated")
    return min(end, len(data))


def _heic_end(data: bytes, start: int) -> int:
    """ISO base media boxes one after another to the end of the file."""
    pos = start
    size = len(data)
    while pos < size:
        if pos + 8 > size:
            raise refusals.corrupt("truncated")
        (box,) = struct.unpack_from(">I", data, pos)
        if box == 1:
            if pos + 16 > size:
                raise refusals.corrupt("truncated")
            (box,) = struct.unpack_from(">Q", data, pos + 8)
        elif box == 0:
            return size  # the last box runs to the end of the file
        if box < 8 or pos + box > size:
            raise refusals.corrupt("truncated")
        pos += box
    return pos


_END_OF = {"jpeg": _jpeg_end, "png": _png_end, "webp": _webp_end, "heic": _heic_end}
