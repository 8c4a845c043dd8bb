"""What an upload must be, checked in two places:

- `admit_head`: what `complete` checks on the first HEAD_BYTES of the upload, without reading the
  rest (the API tier never reads a whole photo): the magic bytes say it is a photo format we
  accept, and the type the phone declared; where the picture's header lies within those bytes
  (a JPEG's frame header, a PNG's IHDR), its size: not a decompression bomb, not too small.
- `check_whole_file`: what the processing job checks on every byte before it decodes anything:
  the file is whole (a JPEG reaches its end-of-image marker, a PNG its IEND chunk, a WebP or HEIC
  its declared length) and nothing follows the picture but padding or, after a JPEG, a container
  the photo's own structure describes (backend.imaging.trailers: gain maps, motion photos): a
  ZIP, HTML or script glued on (a polyglot) is refused.

The job then decodes the picture itself (backend.imaging.process_photo), which refuses picture
data cut short or too short for the size its header claims, whatever follows it.
"""

from __future__ import annotations

import struct

from backend.imaging import refusals
from backend.imaging.file_end import DamagedStructure, TruncatedPhoto, end_of
from backend.imaging.jpeg_segments import SOS, MalformedJpeg, TruncatedJpeg, segments
from backend.imaging.opening import SMALLEST_SIDE, open_photo
from backend.imaging.sniff import SNIFF_BYTES, sniff_image_type
from backend.imaging.trailers import PADDING, UnknownTrailer, check_jpeg_trailer
from shared.errors import ErrorCode, UnsupportedMedia

# what `complete` reads of an upload: enough for a phone JPEG's headers (EXIF with its thumbnail
# stays under 64 kB by the format's own segment limit) and every PNG's IHDR
HEAD_BYTES = 64 * 1024
# the declared content types each sniffed format may arrive as
DECLARED_TYPES = {
    "jpeg": {"image/jpeg"},
    "png": {"image/png"},
    "webp": {"image/webp"},
    "heic": {"image/heic", "image/heif"},
}
# start-of-frame markers: every SOFn except DHT (C4), JPG (C8) and DAC (CC)
_FRAMES = {code for code in range(0xC0, 0xD0) if code not in (0xC4, 0xC8, 0xCC)}


def admit_head(head: bytes, *, size: int, declared_type: str, max_pixels: int) -> str:
    """Check the first bytes of an upload of `size` bytes; its kind ("jpeg", "png", "webp", "heic").

    Raises FollicleError: PHOTO_EMPTY, PHOTO_NOT_AN_IMAGE, UNSUPPORTED_MEDIA_TYPE (the bytes are
    not the declared type), PHOTO_CORRUPT (an unreadable header), PHOTO_TOO_MANY_PIXELS,
    PHOTO_TOO_SMALL. A header beyond `head` is left to the processing job, which checks it first."""
    if not head or size == 0:
        raise refusals.photo_empty()
    kind = sniff_image_type(head[:SNIFF_BYTES])
    if kind is None:
        raise refusals.not_an_image()
    if declared_type not in DECLARED_TYPES[kind]:
        raise UnsupportedMedia(
            "This photo is not of the type the app announced. Please take it again with the app.",
            code=ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            details={"declared": declared_type, "found": kind},
        )
    whole = len(head) >= size
    if whole:
        photo, _ = open_photo(head, max_pixels=max_pixels)
        photo.close()
        check_whole_file(kind, head)
        return kind
    found = _HEADER_SIZE.get(kind, _no_header_size)(head)
    if found is not None:
        width, height = found
        if width * height > max_pixels:
            raise refusals.too_many_pixels(found, max_pixels)
        if min(width, height) < SMALLEST_SIDE:
            raise refusals.too_small(width, height, SMALLEST_SIDE)
    return kind


def check_whole_file(kind: str, data: bytes) -> None:
    """The photo's own structure ends where its bytes do, but for padding or (after a JPEG) a
    container its structure describes (backend.imaging.trailers). Raises PHOTO_CORRUPT (cut
    short, damaged structure) or PHOTO_NOT_AN_IMAGE (anything else glued on)."""
    end = _end(kind, data, 0)
    if kind != "jpeg":
        if data[end:].strip(PADDING):
            raise refusals.not_an_image()
        return
    try:
        check_jpeg_trailer(data, end)
    except UnknownTrailer:
        raise refusals.not_an_image() from None
    except TruncatedJpeg:
        raise refusals.corrupt("truncated") from None


def _end(kind: str, data: bytes, start: int) -> int:
    try:
        return end_of(kind, data, start)
    except TruncatedPhoto:
        raise refusals.corrupt("truncated") from None
    except DamagedStructure:
        raise refusals.corrupt("damaged structure") from None


def _jpeg_header_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) from the frame header, if it lies within `head`."""
    try:
        for segment in segments(head):
            if segment.marker in _FRAMES and segment.body_end - segment.body >= 5:
                height, width = struct.unpack_from(">HH", head, segment.body + 1)
                return width, height
            if segment.marker == SOS:
                break
    except TruncatedJpeg:
        return None  # the headers run past the bytes read: the job checks them
    except MalformedJpeg:
        raise refusals.corrupt("damaged structure") from None
    raise refusals.corrupt("no frame header")


def _png_header_size(head: bytes) -> tuple[int, int] | None:
    if len(head) < 24 or head[12:16] != b"IHDR":
        raise refusals.corrupt("no image header")
    width, height = struct.unpack_from(">II", head, 16)
    return width, height


def _no_header_size(head: bytes) -> None:
    return None  # WebP and HEIC: the job opens the header before anything is decoded


_HEADER_SIZE = {"jpeg": _jpeg_header_size, "png": _png_header_size}
