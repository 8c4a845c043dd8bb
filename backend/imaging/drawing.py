"""Opening a stored photo to draw its pixels: upright, whatever orientation tag it carries.

A JPEG taken turned is stored as the phone wrote its picture (never re-encoded) with one EXIF
orientation tag (`processing.process_photo`); browsers and photo viewers apply it themselves.
Code that draws a stored photo's pixels (the PDF report, before/after images, anything that
crops, measures or composes them) opens it with `upright(data)` so the tag is applied once here.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps


def upright(data: bytes, *, draft: tuple[str, tuple[int, int]] | None = None) -> Image.Image:
    """The stored photo `data` decoded and turned upright (its orientation tag applied and
    removed). `draft` ("RGB", (w, h)) lets the JPEG decoder reduce the scale first; (w, h) is in
    upright terms, so a turned photo's is swapped before it reaches the decoder."""
    picture = Image.open(io.BytesIO(data))
    if draft is not None:
        mode, (width, height) = draft
        turned = picture.getexif().get(0x0112, 1) in (5, 6, 7, 8)
        picture.draft(mode, (height, width) if turned else (width, height))
    picture.load()
    turned_picture = ImageOps.exif_transpose(picture)
    if turned_picture is not picture:
        picture.close()
    return turned_picture
