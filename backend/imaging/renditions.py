"""Smaller renditions of a photo (thumbnails) and JPEG encoding of any rendition."""

from __future__ import annotations

import io
from collections.abc import Iterable

from PIL import Image

# Dashboard thumbnails: good enough to compare months side by side, a few dozen kB each.
THUMBNAIL_QUALITY = 85
# Full size from a non-JPEG source (PNG, WebP, HEIC): visually lossless for scalp detail.
FULL_SIZE_QUALITY = 92
_SUBSAMPLING_420 = 2
# Box-reduce by the whole factor before filtering: 3x faster from 12 MP, same look at this size.
_REDUCING_GAP = 1.0
# Hamming: as sharp as bicubic for downscaling by less than 2x, at bilinear's cost (a third less).
_FILTER = Image.Resampling.HAMMING


def fit_within(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """`size` scaled so its longer side is `long_side`, aspect kept; never enlarged."""
    width, height = size
    scale = long_side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def make_thumbnails(
    picture: Image.Image,
    sizes: Iterable[tuple[str, int]],
    *,
    full_size: tuple[int, int] | None = None,
) -> dict[str, Image.Image]:
    """One rendition of `picture` per (name, long side), largest first, each scaled from the
    next larger one so a 12-megapixel picture is scaled down only once. `full_size` is the
    photo's real size when `picture` is a reduced decode of it (the aspect is taken from it)."""
    renditions: dict[str, Image.Image] = {}
    source = picture
    for name, long_side in sorted(sizes, key=lambda entry: entry[1], reverse=True):
        target = fit_within(full_size or picture.size, long_side)
        target = (min(target[0], picture.width), min(target[1], picture.height))
        if source.size != target:
            source = source.resize(target, _FILTER, reducing_gap=_REDUCING_GAP)
        renditions[name] = source
    return renditions


def encode_jpeg(
    picture: Image.Image,
    *,
    quality: int = THUMBNAIL_QUALITY,
    qtables: dict[int, list[int]] | None = None,
    subsampling: int = _SUBSAMPLING_420,
    icc_profile: bytes | None = None,
) -> bytes:
    """`picture` as a baseline JPEG with no metadata other than `icc_profile`; `qtables`
    (a source JPEG's quantisation tables) take the place of `quality` when given."""
    out = io.BytesIO()
    # an explicit empty comment: Pillow would otherwise copy the source photo's comment
    options: dict[str, object] = {"subsampling": subsampling, "comment": b""}
    if qtables:
        options["qtables"] = qtables
    else:
        options["quality"] = quality
    if icc_profile:
        options["icc_profile"] = icc_profile
    picture.save(out, "JPEG", **options)
    return out.getvalue()
