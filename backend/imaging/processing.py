"""The photo-processing step of the upload job: from the uploaded bytes to a clean, upright JPEG,
its thumbnails and its quality metrics, or a refusal with a stable error code."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, JpegImagePlugin

from backend.imaging import jpeg_decode, refusals
from backend.imaging.admission import check_whole_file
from backend.imaging.colour import usable_icc_profile
from backend.imaging.jpeg_rewrite import NotRewritable, TruncatedJpeg, rewrite_without_metadata
from backend.imaging.opening import HEADER_ERRORS, open_photo, orientation_of
from backend.imaging.renditions import FULL_SIZE_QUALITY, encode_jpeg, fit_within, make_thumbnails
from backend.imaging.png_scan import check_png_scan
from backend.imaging.upright import UPRIGHT_TRANSPOSE, decode_upright
from shared.coverage import CoverageReading, coverage_index
from shared.errors import FollicleError
from shared.quality import WORKING_SIZE, QualityReport, assess_photo

DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_THUMBNAILS: tuple[tuple[str, int], ...] = (("thumb", 320), ("preview", 1280))

# What decoders raise on damaged picture data (truncated, corrupt, unsupported coding).
DECODE_ERRORS = (*HEADER_ERRORS, RuntimeError)

_SUBSAMPLING_444 = 0
_SUBSAMPLING_420 = 2


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    image_jpeg: bytes  # the full-size upright photo, no metadata (an ICC colour profile at most)
    thumbnails: dict[str, bytes]  # a JPEG per thumbnail name, e.g. "thumb", "preview"
    width: int  # of the upright photo
    height: int
    content_type: str  # of image_jpeg and the thumbnails: always image/jpeg
    metrics: QualityReport
    source_type: str  # what was uploaded: "jpeg", "png", "webp" or "heic"
    reencoded: bool  # False when the uploaded JPEG's picture data was kept byte for byte
    coverage: CoverageReading | None = None  # the coverage index of the view, when the view is known


def process_photo(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    thumbnail_sizes: Sequence[tuple[str, int]] = DEFAULT_THUMBNAILS,
    previous_thumbnail: bytes | None = None,
    view: str | None = None,
) -> ProcessedPhoto:
    """Turn an uploaded photo into what Follicle stores.

    Promises: `image_jpeg` is a JPEG with no EXIF but its orientation, no GPS, XMP, IPTC, comments
    or bytes after its end, only a valid ICC colour profile if the upload had one; it is upright,
    or (a JPEG taken turned) carries the one EXIF orientation tag that browsers, viewers and
    `backend.imaging.drawing.upright` apply where it is drawn, so it is never re-encoded;
    thumbnails fit their long side and are never enlarged; metrics come from shared.quality,
    with similarity against `previous_thumbnail` (the stored thumbnail of the previous photo
    of the same view) when given; with `view`, the coverage index of shared.coverage, measured
    on the largest thumbnail, which is upright (a figure, or the reason there is none). A JPEG keeps
    its compressed picture data unchanged (no generation loss, decoded only at reduced scale, the
    thumbnails turned upright); any other photo is decoded in full, turned upright and re-encoded.

    Raises FollicleError: PHOTO_EMPTY, PHOTO_NOT_AN_IMAGE, PHOTO_CORRUPT, PHOTO_TOO_SMALL and
    PHOTO_TOO_MANY_PIXELS (from the header, before any pixel is decoded). Picture data cut short
    or shorter than its header promises is PHOTO_CORRUPT whatever follows it; anything glued
    after the picture but padding or further JPEG images is PHOTO_NOT_AN_IMAGE."""
    photo, kind = open_photo(data, max_pixels=max_pixels)
    check_whole_file(kind, data)
    if kind == "png":
        check_png_scan(data)
    orientation = orientation_of(photo)
    icc_profile = usable_icc_profile(photo)
    full_size = photo.size if orientation < 5 else (photo.height, photo.width)

    lossless = None
    photo_mode, stored_size = photo.mode, photo.size
    if kind == "jpeg" and jpeg_decode.decodable(photo.mode):
        lossless = _without_metadata(data, icc_profile, orientation)
    if lossless is not None:
        photo.close()
        largest = max([long_side for _, long_side in thumbnail_sizes], default=0)
        picture = jpeg_decode.decode_strict(
            lossless, photo_mode, at_least=fit_within(stored_size, max(largest, WORKING_SIZE))
        )
        transpose = UPRIGHT_TRANSPOSE.get(orientation)
        if transpose is not None:  # the reduced decode is turned; the stored photo keeps the tag
            upright = picture.transpose(transpose)
            picture.close()
            picture = upright
        image_jpeg = lossless
    else:
        picture, image_jpeg = _reencode(photo, data, kind, orientation, icc_profile)

    renditions = make_thumbnails(picture, thumbnail_sizes, full_size=full_size)
    measured = max(renditions.values(), key=lambda rendition: rendition.width, default=picture)
    return ProcessedPhoto(
        image_jpeg=image_jpeg,
        thumbnails={name: encode_jpeg(rendition, icc_profile=icc_profile) for name, rendition in renditions.items()},
        width=full_size[0],
        height=full_size[1],
        content_type="image/jpeg",
        metrics=assess_photo(measured, previous=_previous_picture(previous_thumbnail), full_size=full_size),
        source_type=kind,
        reencoded=lossless is None,
        coverage=coverage_index(measured, view) if view is not None else None,
    )


def _without_metadata(data: bytes, icc_profile: bytes | None, orientation: int) -> bytes | None:
    """The upload rewritten losslessly without metadata but its orientation; None when only
    re-encoding will do."""
    try:
        return rewrite_without_metadata(data, icc_profile=icc_profile, orientation=orientation)
    except TruncatedJpeg as error:
        raise refusals.corrupt("truncated") from error
    except NotRewritable:
        return None


def _reencode(
    photo: Image.Image, data: bytes, kind: str, orientation: int, icc_profile: bytes | None
) -> tuple[Image.Image, bytes]:
    """Decode in full, turn upright, encode as JPEG: (upright picture, its JPEG)."""
    settings = _full_size_settings(photo, kind)
    if kind == "jpeg" and jpeg_decode.decodable(photo.mode):
        mode = photo.mode
        photo.close()
        picture = jpeg_decode.decode_strict(data, mode)
        transpose = UPRIGHT_TRANSPOSE.get(orientation)
        if transpose is not None:
            upright = picture.transpose(transpose)
            picture.close()
            picture = upright
    else:
        if kind == "jpeg":
            jpeg_decode.check_scan(data)
        try:
            picture = decode_upright(photo, orientation, keep_ycbcr=_coded_as_ycbcr(photo, kind))
        except DECODE_ERRORS as error:
            raise refusals.corrupt("damaged picture data") from error
    return picture, encode_jpeg(picture, icc_profile=icc_profile, **settings)


def _coded_as_ycbcr(photo: Image.Image, kind: str) -> bool:
    """A colour JPEG stored as YCbCr can be decoded to YCbCr, skipping two colour conversions."""
    if kind != "jpeg" or photo.mode != "RGB":
        return False
    return photo.info.get("adobe_transform", 1) != 0 and bytes(layer[0] for layer in photo.layer) != b"RGB"


def _full_size_settings(photo: Image.Image, kind: str) -> dict[str, object]:
    """Encoder settings for the full-size photo: a JPEG source keeps its own quantisation tables,
    so the result is as detailed (and as large) as what the phone wrote."""
    tables = getattr(photo, "quantization", None) if kind == "jpeg" else None
    if tables:
        full_chroma = JpegImagePlugin.get_sampling(photo) == _SUBSAMPLING_444
        return {"qtables": dict(tables), "subsampling": _SUBSAMPLING_444 if full_chroma else _SUBSAMPLING_420}
    return {"quality": FULL_SIZE_QUALITY, "subsampling": _SUBSAMPLING_420}


def _previous_picture(previous_thumbnail: bytes | None) -> Image.Image | None:
    """The previous photo's stored thumbnail, or None when absent or unreadable
    (a missing comparison must not block a new photo)."""
    if not previous_thumbnail:
        return None
    try:
        previous = Image.open(io.BytesIO(previous_thumbnail), formats=["JPEG", "PNG"])
        if previous.width * previous.height > 4 * WORKING_SIZE * WORKING_SIZE:
            return None  # a thumbnail is small; anything larger is not one
        previous.load()
    except DECODE_ERRORS:
        return None
    return previous


def decode_cost(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> int:
    """How many pixels `process_photo(data)` holds decoded at its peak, from the header alone
    (0 for what it refuses before decoding): a JPEG is decoded at a reduced scale (turned upright
    into a second, small copy when it was taken turned); any other photo in full, and turned
    upright into a second copy."""
    try:
        photo, kind = open_photo(data, max_pixels=max_pixels)
    except FollicleError:
        return 0
    with photo:
        width, height = photo.size
        if kind == "jpeg" and jpeg_decode.decodable(photo.mode):
            largest = max([side for _, side in DEFAULT_THUMBNAILS], default=0)
            target = fit_within((width, height), max(largest, WORKING_SIZE))
            scale = 1
            while scale < 8 and width // (scale * 2) >= target[0] and height // (scale * 2) >= target[1]:
                scale *= 2
            turned = 2 if orientation_of(photo) != 1 else 1  # the reduced decode and its upright copy
            return turned * (width // scale) * (height // scale)
        return 2 * width * height
