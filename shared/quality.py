"""Photo quality checks shared by the phone (live hints, check after each shot) and the server
(metrics stored with each photo): pure functions of a PIL image, nothing else.

Every figure is measured on a greyscale copy scaled to WORKING_SIZE on its long side, so a
12-megapixel photo, its preview and a camera frame give comparable numbers.
"""

from __future__ import annotations

import statistics
from enum import StrEnum
from typing import Annotated

import msgspec
from PIL import Image, ImageFilter, ImageStat

# Long side of the grey copy all metrics use: small enough for a phone, big enough to see hairs.
WORKING_SIZE = 512
# Side of the grey thumbnails compared for similarity: coarse, so framing drift does not count.
SIMILARITY_SIZE = 32

# Luminance (0-255) at or below which a pixel is as good as black: no detail in it.
NEAR_BLACK = 16
# Luminance at or above which a pixel is as good as white: scalp shine or blown-out skin.
NEAR_WHITE = 240
# Mean luminance below this: hair and scalp merge into shadow.
MIN_BRIGHTNESS = 55.0
# Mean luminance above this: thinning areas wash out and look denser or sparser than they are.
MAX_BRIGHTNESS = 205.0
# More than this share of pixels lost to black (or white) hides the change we look for.
MAX_CLIPPED_FRACTION = 0.25
# Variance of the Laplacian on the working copy below which single hairs blur together
# (calibrated on synthetic scalp texture; recalibrate on real clinic photos).
MIN_SHARPNESS = 150.0
# Shorter side in pixels under which a photo cannot show single hairs (any phone camera gives more).
MIN_SHORT_SIDE = 1080
# Correlation with the previous photo of the view below which it is likely another view or framing.
MIN_SIMILARITY = 0.5

# 4-neighbour Laplacian; scale 8 and offset 128 keep every value (-1020..1020) inside 0..255
_LAPLACIAN = ImageFilter.Kernel((3, 3), (0, 1, 0, 1, -4, 1, 0, 1, 0), scale=8, offset=128)
_LAPLACIAN_SCALE = 8


class HintId(StrEnum):
    """Stable ids of quality hints; the app maps each to words and the dashboard shows them."""

    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    BLURRY = "blurry"
    TOO_SMALL = "too_small"
    NOT_LIKE_PREVIOUS = "not_like_previous"


HINT_MESSAGES: dict[HintId, str] = {
    HintId.TOO_DARK: "The photo is too dark. Turn on more light or face a window.",
    HintId.TOO_BRIGHT: "The photo is too bright. Avoid direct sun and keep the flash off the scalp.",
    HintId.BLURRY: "The photo is blurry. Hold the phone still and tap the screen to focus.",
    HintId.TOO_SMALL: "The photo is too small. Use the main camera at full resolution.",
    HintId.NOT_LIKE_PREVIOUS: "This photo does not match your last one. Line it up with the outline and the faded image.",
}


Side = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
Share = Annotated[float, msgspec.Meta(ge=0, le=1)]


class QualityHint(msgspec.Struct, frozen=True):
    id: HintId
    message: Annotated[str, msgspec.Meta(max_length=300)]


class QualityReport(msgspec.Struct, frozen=True, kw_only=True):
    """Quality figures of one photo and the hints they lead to."""

    width: Side
    height: Side
    sharpness: Annotated[float, msgspec.Meta(ge=0, le=1e9)]  # variance of the Laplacian on the working copy
    brightness: Annotated[float, msgspec.Meta(ge=0, le=255)]  # mean luminance, 0-255
    dark_fraction: Share  # share of pixels near black
    bright_fraction: Share  # share of pixels near white
    acceptable: bool  # no hints: nothing the patient should fix
    hints: Annotated[list[QualityHint], msgspec.Meta(max_length=len(HintId))] = []
    similarity: Share | None = None  # 0..1 against the previous photo of the view, None if there is none


def working_copy(image: Image.Image) -> Image.Image:
    """A greyscale copy whose long side is WORKING_SIZE (never enlarged)."""
    grey = image if image.mode == "L" else image.convert("L")
    long_side = max(grey.size)
    if long_side <= WORKING_SIZE:
        return grey
    scale = WORKING_SIZE / long_side
    size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
    return grey.resize(size, Image.Resampling.BILINEAR, reducing_gap=3.0)


def sharpness(image: Image.Image) -> float:
    """Variance of the Laplacian of the working copy: high for crisp hair, low when blurred."""
    return _sharpness(working_copy(image))


def brightness(image: Image.Image) -> float:
    """Mean luminance of the photo, 0 (black) to 255 (white)."""
    return ImageStat.Stat(working_copy(image)).mean[0]


def clipping(image: Image.Image) -> tuple[float, float]:
    """Shares of pixels near black and near white, each 0..1."""
    return _clipping(working_copy(image))


def similarity(image: Image.Image, previous: Image.Image) -> float:
    """How alike two photos look at a glance: correlation of small grey thumbnails, 0..1
    (1 the same scene, 0 unrelated or inverted). Brightness and contrast changes do not count."""
    current = _similarity_thumbnail(image)
    before = _similarity_thumbnail(previous)
    try:
        correlation = statistics.correlation(current, before)
    except statistics.StatisticsError:  # a flat grey image: alike only another flat one
        return 1.0 if current == before else 0.0
    return max(0.0, correlation)


class FrameFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Sharpness and exposure of one picture (a photo or a live preview frame), on its working copy."""

    sharpness: float
    brightness: float
    dark_fraction: float
    bright_fraction: float


def measure(image: Image.Image) -> FrameFigures:
    """Sharpness, brightness and clipping of `image`, all from one working copy."""
    grey = working_copy(image)
    dark, bright = _clipping(grey)
    return FrameFigures(
        sharpness=_sharpness(grey), brightness=ImageStat.Stat(grey).mean[0], dark_fraction=dark, bright_fraction=bright
    )


def figure_hints(figures: FrameFigures) -> list[HintId]:
    """What the patient should fix about light and focus, in the order to fix it."""
    hints: list[HintId] = []
    if figures.brightness < MIN_BRIGHTNESS or figures.dark_fraction > MAX_CLIPPED_FRACTION:
        hints.append(HintId.TOO_DARK)
    if figures.brightness > MAX_BRIGHTNESS or figures.bright_fraction > MAX_CLIPPED_FRACTION:
        hints.append(HintId.TOO_BRIGHT)
    if figures.sharpness < MIN_SHARPNESS:
        hints.append(HintId.BLURRY)
    return hints


def assess_photo(
    image: Image.Image,
    *,
    previous: Image.Image | None = None,
    full_size: tuple[int, int] | None = None,
) -> QualityReport:
    """Measure `image` and list what a patient should fix before keeping it.

    `full_size` is the photo's real size when `image` is a reduced copy of it;
    `previous` is the last accepted photo of the same view, if any."""
    width, height = full_size or image.size
    figures = measure(image)
    alike = similarity(image, previous) if previous is not None else None

    hints = figure_hints(figures)
    if min(width, height) < MIN_SHORT_SIDE:
        hints.append(HintId.TOO_SMALL)
    if alike is not None and alike < MIN_SIMILARITY:
        hints.append(HintId.NOT_LIKE_PREVIOUS)

    return QualityReport(
        width=width,
        height=height,
        sharpness=round(figures.sharpness, 2),
        brightness=round(figures.brightness, 2),
        dark_fraction=round(figures.dark_fraction, 4),
        bright_fraction=round(figures.bright_fraction, 4),
        similarity=None if alike is None else round(alike, 4),
        hints=[QualityHint(hint, HINT_MESSAGES[hint]) for hint in hints],
        acceptable=not hints,
    )


def _sharpness(grey: Image.Image) -> float:
    if grey.width < 3 or grey.height < 3:
        return 0.0
    edges = grey.filter(_LAPLACIAN).crop((1, 1, grey.width - 1, grey.height - 1))  # borders are unfiltered
    return ImageStat.Stat(edges).var[0] * _LAPLACIAN_SCALE**2


def _clipping(grey: Image.Image) -> tuple[float, float]:
    histogram = grey.histogram()
    total = grey.width * grey.height
    return sum(histogram[: NEAR_BLACK + 1]) / total, sum(histogram[NEAR_WHITE:]) / total


def _similarity_thumbnail(image: Image.Image) -> list[int]:
    grey = image if image.mode == "L" else image.convert("L")
    return list(grey.resize((SIMILARITY_SIZE, SIMILARITY_SIZE), Image.Resampling.BOX, reducing_gap=2.0).tobytes())
