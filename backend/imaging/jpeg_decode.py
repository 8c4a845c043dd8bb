"""Decode JPEG picture data strictly, through libjpeg-turbo (simplejpeg): data that ends early or
covers less than the frame header promises is refused, whatever follows it. libjpeg-turbo only
warns about such data ("premature end of data segment") and fills the rest grey, which is what
Pillow shows; simplejpeg's strict mode turns those warnings into errors."""

from __future__ import annotations

import simplejpeg
from PIL import Image

from backend.imaging import refusals

_COLOURSPACE = {"RGB": "RGB", "L": "GRAY"}


def decode_strict(data: bytes, mode: str, *, at_least: tuple[int, int] = (0, 0)) -> Image.Image:
    """`data` decoded in `mode` ("RGB" or "L") at the smallest DCT scale still at least `at_least`
    (full size by default). Raises PHOTO_CORRUPT on cut-short or damaged picture data."""
    try:
        array = simplejpeg.decode_jpeg(
            data, colorspace=_COLOURSPACE[mode], min_width=at_least[0], min_height=at_least[1], strict=True
        )
    except ValueError as error:
        raise refusals.corrupt("truncated" if "premature" in str(error).lower() else "damaged picture data") from None
    if mode == "L":
        array = array[:, :, 0]
    return Image.fromarray(array, mode)


def check_scan(data: bytes) -> None:
    """Read every byte of picture data at the smallest scale (for JPEGs Pillow decodes itself,
    e.g. CMYK): PHOTO_CORRUPT when it is cut short or damaged."""
    try:
        simplejpeg.decode_jpeg(data, colorspace="GRAY", min_factor=8, strict=True)
    except ValueError as error:
        raise refusals.corrupt("truncated" if "premature" in str(error).lower() else "damaged picture data") from None


def decodable(mode: str) -> bool:
    return mode in _COLOURSPACE
