"""Open an uploaded photo and check it from its headers alone, before any pixel is decoded."""

from __future__ import annotations

import io
import struct
import warnings

from PIL import ExifTags, Image

from backend.imaging import refusals
from backend.imaging.heic import enable_heic
from backend.imaging.sniff import SNIFF_BYTES, sniff_image_type

# Below this on the shorter side a photo is smaller than the dashboard thumbnail: nothing to rate.
SMALLEST_SIDE = 320

# Pillow's name for each sniffed type: opening is restricted to it, so no other decoder is tried.
_PILLOW_FORMAT = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heic": "HEIF"}

# What Pillow and its plugins raise on headers they cannot make sense of.
HEADER_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, KeyError)


def open_photo(data: bytes, *, max_pixels: int) -> tuple[Image.Image, str]:
    """Open `data` lazily and return (image, kind) with kind "jpeg", "png", "webp" or "heic".

    Only headers are read: the photo's pixels are not decoded or allocated here, so a
    decompression bomb is refused at the cost of reading its header. Raises FollicleError
    with PHOTO_EMPTY, PHOTO_NOT_AN_IMAGE, PHOTO_CORRUPT, PHOTO_TOO_MANY_PIXELS or PHOTO_TOO_SMALL."""
    if not data:
        raise refusals.photo_empty()
    kind = sniff_image_type(data[:SNIFF_BYTES])
    if kind is None:
        raise refusals.not_an_image()
    if kind == "heic":
        enable_heic()
    try:
        with warnings.catch_warnings():
            # Pillow warns past its own pixel limit (ours, max_pixels, decides below) and about
            # damaged EXIF, which is common and thrown away anyway
            warnings.simplefilter("ignore")
            photo = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[kind]])
    except Image.DecompressionBombError:
        # past twice Pillow's own limit Pillow refuses before telling the size
        raise refusals.too_many_pixels(None, max_pixels) from None
    except HEADER_ERRORS as error:
        raise refusals.corrupt("unreadable header") from error
    width, height = photo.size
    if width * height > max_pixels:
        raise refusals.too_many_pixels(photo.size, max_pixels)
    if min(width, height) < SMALLEST_SIDE:
        raise refusals.too_small(width, height, SMALLEST_SIDE)
    return photo, kind


def orientation_of(photo: Image.Image) -> int:
    """The EXIF (or XMP) orientation tag, 1..8; 1 (upright) when absent or nonsensical."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # damaged EXIF is common and is thrown away anyway
            value = photo.getexif().get(ExifTags.Base.Orientation, 1)
    except HEADER_ERRORS:
        return 1  # unreadable EXIF: nothing trustworthy to apply
    return value if isinstance(value, int) and 1 <= value <= 8 else 1
