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

from backend.imaging import refusals
from backend.imaging.file_end import DamagedStructure, TruncatedPhoto, end_of
from backend.imaging.opening import open_photo
from backend.imaging.sniff import SNIFF_BYTES, sniff_image_type
from shared.errors import ErrorCode, UnsupportedMedia

# the declared content types each sniffed format may arrive as
DECLARED_TYPES = {
    "jpeg": {"image/jpeg"},
    "png": {"image/png"},
    "webp": {"image/webp"},
    "heic": {"image/heic", "image/heif"},
}
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
    _check_trailing(kind, data, _end(kind, data, 0))
    return kind


def _check_trailing(kind: str, data: bytes, end: int) -> None:
    images = 0
    while end < len(data):
        rest = data[end:]
        if not rest.strip(_PADDING):
            return
        if kind == "jpeg" and rest.startswith(b"\xff\xd8\xff") and images < _MAX_TRAILING_IMAGES:
            end = _end(kind, data, end)  # a gain map or depth map after the main picture
            images += 1
            continue
        raise refusals.not_an_image()


def _end(kind: str, data: bytes, start: int) -> int:
    try:
        return end_of(kind, data, start)
    except TruncatedPhoto:
        raise refusals.corrupt("truncated") from None
    except DamagedStructure:
        raise refusals.corrupt("damaged structure") from None
