"""Full decode of a photo into upright 8-bit pixels a JPEG can hold (the re-encoding path)."""

from __future__ import annotations

from PIL import Image

# EXIF orientation -> the transpose that makes the picture upright
UPRIGHT_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_JPEG_READY_MODES = ("RGB", "L", "YCbCr")
_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def decode_upright(photo: Image.Image, orientation: int, *, keep_ycbcr: bool = False) -> Image.Image:
    """Decode `photo` in full and return its pixels upright, as RGB, L (or YCbCr when
    `keep_ycbcr`, for a YCbCr-coded JPEG: no colour conversion in and out). Transparency is
    laid on white; the result carries no metadata (`info` is empty). Each intermediate is freed
    as soon as the next exists, so peak memory stays near two copies of the photo.
    Raises what the decoder raises on damaged data."""
    if keep_ycbcr:
        photo.draft("YCbCr", None)
    photo.load()
    picture = _jpeg_ready(photo)
    if picture is not photo:
        photo.close()
    transpose = UPRIGHT_TRANSPOSE.get(orientation)
    if transpose is not None:
        upright = picture.transpose(transpose)
        picture.close()
        picture = upright
    picture.info = {}  # pixels only from here on: no metadata may ride along to an encoder
    return picture


def _jpeg_ready(picture: Image.Image) -> Image.Image:
    """`picture` itself if a JPEG can hold its mode, else an 8-bit RGB or L copy."""
    if picture.mode in _JPEG_READY_MODES:
        return picture
    if picture.mode in _SIXTEEN_BIT_MODES:
        return picture.convert("I").point(lambda value: value / 256).convert("L")
    if picture.mode in ("1", "F"):
        return picture.convert("L")
    if picture.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in picture.info:
        with_alpha = picture.convert("RGBA")
        on_white = Image.new("RGB", picture.size, "white")
        on_white.paste(with_alpha, mask=with_alpha.getchannel("A"))
        return on_white
    return picture.convert("RGB")
