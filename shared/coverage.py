"""The scalp coverage index: the share of a view's scalp region where scalp is visible rather
than covered by hair, 0 to 100, from a photo's pixels alone (no model, nothing learned).

It is an index of visible scalp, not a hair count: more hair (or thicker hair) reads lower.

Method 1, step by step (every step is a plain array operation, numpy only):
1. the view's region of the photo (REGIONS), at most WORKING_SIDE pixels on the long side;
2. pure pixels, those whose 3x3 neighbourhood is flat along the main colour axis, are split in two
   (Otsu); the median colour of each side is its endmember: one is scalp, the other hair. Hair is
   the darker one, unless one is near neutral and the other is not (grey and white hair are
   neutral, scalp skin never is);
3. every channel is divided by the scalp colour, so an exposure change or a white-balance shift
   (a gain per channel, measured on the same photo) cancels out;
4. the region's mean colour is unmixed along the scalp-to-hair axis: a pixel narrower than a hair
   is a linear mix of the two in these gamma-encoded values (resampling averages them), so the mean
   gives the hair-covered share whatever the resolution;
5. the index is 100 x (1 - hair share), clipped to 0..100.

A photo that cannot support a figure gets a refusal with its reason, never a guess: too dark,
overexposed, shine on the hair (wet, or styled with product), scalp and hair not told apart, or a
view the method does not measure (the temples show skin beside the hair that is not scalp).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec
import numpy as np
from PIL import Image

from shared.views import ViewId

METHOD = "1"  # stored with every figure; a new method gets a new id and a recompute
METHODS: tuple[str, ...] = ("1",)

# Long side the index works at: hairs stay a few pixels wide, a 12 MP photo costs a 1/2 reduction.
WORKING_SIDE = 2100
# The part of the frame measured per view, (left, top, right, bottom) as fractions of the upright
# frame, inside the app's outline guide: the middle of the top for vertex and crown, the band just
# behind the hairline for the frontal view (shared/views.py draws the hairline at y 0.26-0.34).
REGIONS: dict[ViewId, tuple[float, float, float, float]] = {
    ViewId.VERTEX: (0.2, 0.2, 0.8, 0.8),
    ViewId.CROWN: (0.2, 0.2, 0.8, 0.8),
    ViewId.FRONTAL: (0.25, 0.06, 0.75, 0.24),
}

# Luminance (0..1) of the brighter endmember below which hair and scalp drown in shadow and noise.
MIN_BRIGHT_LUMINANCE = 0.2
# Share of region pixels with a channel at the top of the scale above which the light washed it out.
MAX_CLIPPED_SHARE = 0.1
# Share of region pixels that are specular highlights above which the hair is wet or has product.
MAX_SHINE_SHARE = 0.02
# Smallest scalp-to-hair difference (per channel, relative to the scalp) that can be measured.
MIN_CONTRAST = 0.12
# A pixel is pure when its 3x3 neighbourhood spans less than this share of the region's colour range.
PURE_SPAN = 0.12
# Saturation under which a colour is near neutral (grey or white hair), and the share of the other
# endmember's saturation it must stay under to be taken for hair.
NEUTRAL_SATURATION = 0.16
NEUTRAL_RATIO = 0.5
# Hue difference (degrees) past which the yellower endmember is hair (blond): scalp skin is redder.
BLOND_HUE_GAP = 10.0
# Peaks of the pure pixels' histogram count when at least this share of the highest, and the
# outermost two lie at least this share of the colour range apart.
MIN_PEAK_GAP = 0.2
MIN_PEAK_HEIGHT = 0.001
MIN_PEAK_PIXELS = 4.0
PEAK_PROMINENCE = 1.5

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


class CoverageRefusal(StrEnum):
    """Why a photo has no coverage figure: stable ids the dashboard maps to words."""

    TOO_DARK = "too_dark"
    OVEREXPOSED = "overexposed"
    SHINE = "shine"
    NO_CONTRAST = "no_contrast"
    VIEW_NOT_MEASURED = "view_not_measured"


REFUSAL_MESSAGES: dict[CoverageRefusal, str] = {
    CoverageRefusal.TOO_DARK: "Too dark to tell scalp from hair: retake in more light.",
    CoverageRefusal.OVEREXPOSED: "The light washed the scalp out: retake without direct sun or flash.",
    CoverageRefusal.SHINE: "The hair shines (wet, or styled with product): the index needs dry hair without product.",
    CoverageRefusal.NO_CONTRAST: "Scalp and hair cannot be told apart in this photo (no scalp shows, or they look alike).",
    CoverageRefusal.VIEW_NOT_MEASURED: "The index is measured on the vertex, crown and frontal views only.",
}


class CoverageReading(msgspec.Struct, frozen=True, kw_only=True):
    """One photo's coverage index under one method: a figure, or the reason there is none."""

    method: Annotated[str, msgspec.Meta(max_length=20)]
    value: Annotated[float, msgspec.Meta(ge=0, le=100)] | None = None  # % of the region where scalp shows
    refusal: CoverageRefusal | None = None
    message: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    scalp: tuple[float, float, float] | None = None  # endmember colours (0..1), for whoever checks
    hair: tuple[float, float, float] | None = None


def measured_views() -> tuple[ViewId, ...]:
    return tuple(REGIONS)


def refused(reason: CoverageRefusal, method: str = METHOD) -> CoverageReading:
    return CoverageReading(method=method, refusal=reason, message=REFUSAL_MESSAGES[reason])


def coverage_index(image: Image.Image, view: str, *, method: str = METHOD) -> CoverageReading:
    """The coverage index of an upright photo of `view`: a value 0..100, or a refusal with its
    reason. Raises ValueError for a method id that does not exist."""
    if method not in METHODS:
        raise ValueError(f"unknown coverage method {method!r}")
    try:
        region_box = REGIONS[ViewId(view)]
    except (ValueError, KeyError):
        return refused(CoverageRefusal.VIEW_NOT_MEASURED, method)
    pixels = _region(image, region_box)
    return _measure(pixels, method)


def _region(image: Image.Image, box: tuple[float, float, float, float]) -> np.ndarray:
    """The region as a 3 x H x W float32 array (one plane a channel) of gamma-encoded values 0..1."""
    width, height = image.size
    crop = image.crop((round(box[0] * width), round(box[1] * height), round(box[2] * width), round(box[3] * height)))
    factor = 1
    while max(width, height) // factor > WORKING_SIDE:
        factor += 1
    if factor > 1:
        crop = crop.reduce(factor)
    if crop.mode != "RGB":
        crop = crop.convert("RGB")
    planes = np.moveaxis(np.asarray(crop), 2, 0).astype(np.float32)
    planes *= np.float32(1 / 255)
    return planes


def _measure(planes: np.ndarray, method: str) -> CoverageReading:
    red, green, blue = planes
    if red.size < 64:
        return refused(CoverageRefusal.NO_CONTRAST, method)
    brightest = np.maximum(np.maximum(red, green), blue)
    if float((brightest >= 0.985).mean()) > MAX_CLIPPED_SHARE:
        return refused(CoverageRefusal.OVEREXPOSED, method)

    sample = planes[:, ::4, ::4].reshape(3, -1)
    axis = _main_axis(sample)
    along = axis[0] * red + axis[1] * green + axis[2] * blue  # each pixel's place on the main colour axis
    low, high = np.percentile(along[::4, ::4], [0.5, 99.5])
    span = float(high - low)
    if span <= 1e-4:
        return refused(CoverageRefusal.NO_CONTRAST, method)
    pure = _flat_neighbourhood(along) < PURE_SPAN * span
    pure_values = along[1:-1:2, 1:-1:2][pure]
    if pure_values.size < 32:
        return refused(CoverageRefusal.NO_CONTRAST, method)
    pure_colours = np.stack([plane[1:-1:2, 1:-1:2][pure] for plane in planes], axis=1)
    split = _valley_between_peaks(pure_values, float(low), span)
    if split is None:
        return refused(CoverageRefusal.NO_CONTRAST, method)
    # means, not medians: the region's mean mixes every shade of the hair by its area
    a = pure_colours[pure_values <= split].mean(axis=0)
    b = pure_colours[pure_values > split].mean(axis=0)
    if np.isnan(a).any() or np.isnan(b).any():
        return refused(CoverageRefusal.NO_CONTRAST, method)
    scalp, hair = _which_is_scalp(a, b)

    if float(max(scalp @ _LUMA, hair @ _LUMA)) < MIN_BRIGHT_LUMINANCE:
        return refused(CoverageRefusal.TOO_DARK, method)
    # the brightest a dry strand or the scalp gets: highlights are what shines beyond it
    pure_brightest = pure_colours.max(axis=1)
    dry_top = max(
        float(np.percentile(pure_brightest[pure_values <= split], 90)),
        float(np.percentile(pure_brightest[pure_values > split], 90)),
    )
    if _shine_share(planes, brightest, dry_top) > MAX_SHINE_SHARE:
        return refused(CoverageRefusal.SHINE, method)
    scalp_safe = np.maximum(scalp, 1e-3)
    toward_hair = 1.0 - hair / scalp_safe  # the scalp-to-hair axis, each channel relative to the scalp
    contrast = float(np.sqrt((toward_hair**2).sum() / 3.0))
    if contrast < MIN_CONTRAST:
        return refused(CoverageRefusal.NO_CONTRAST, method)
    mean = np.array([plane.mean(dtype=np.float64) for plane in planes])
    hair_share = float(((1.0 - mean / scalp_safe) @ toward_hair) / (toward_hair @ toward_hair))
    value = round(min(100.0, max(0.0, 100.0 * (1.0 - hair_share))), 2)
    return CoverageReading(
        method=method,
        value=value,
        scalp=tuple(round(float(c), 4) for c in scalp),  # type: ignore[arg-type]
        hair=tuple(round(float(c), 4) for c in hair),  # type: ignore[arg-type]
    )


def _main_axis(sample: np.ndarray) -> np.ndarray:
    """The direction along which the region's colours (3 x N) spread most (first principal component)."""
    covariance = np.cov(sample.astype(np.float64))
    _, vectors = np.linalg.eigh(covariance)
    axis = vectors[:, -1]
    if axis @ _LUMA < 0:  # point it toward brighter colours, so the order of the two sides is fixed
        axis = -axis
    return axis.astype(np.float32)


def _flat_neighbourhood(along: np.ndarray) -> np.ndarray:
    """For every second inner pixel of every second row, the span (max - min) of `along` over its
    3x3 neighbourhood (a sample of the region is enough to find its two colours)."""
    top = np.maximum(np.maximum(along[:-2:2], along[1:-1:2]), along[2::2])
    bottom = np.minimum(np.minimum(along[:-2:2], along[1:-1:2]), along[2::2])
    high = np.maximum(np.maximum(top[:, :-2:2], top[:, 1:-1:2]), top[:, 2::2])
    low = np.minimum(np.minimum(bottom[:, :-2:2], bottom[:, 1:-1:2]), bottom[:, 2::2])
    return high - low


def _valley_between_peaks(values: np.ndarray, low: float, span: float) -> float | None:
    """Where to split pure pixels into scalp and hair: the emptiest point of their histogram
    between its outermost clear peaks (a hair colour's shades make peaks of their own, and the
    scalp-to-hair gap is the widest valley); None when there is one colour only."""
    bins = 96
    counts, edges = np.histogram(values, bins=bins, range=(low, low + span))
    smooth = np.convolve(counts.astype(np.float64), np.array([1, 2, 3, 2, 1], dtype=np.float64) / 9.0, mode="same")
    inner = smooth[1:-1]
    peaks = np.flatnonzero((inner >= smooth[:-2]) & (inner >= smooth[2:]) & (inner > 0)) + 1
    peaks = [int(p) for p in peaks if smooth[p] >= max(MIN_PEAK_HEIGHT * smooth.max(), MIN_PEAK_PIXELS)]
    # an outer peak counts only when it stands clearly above the valley inside it
    while len(peaks) >= 2 and smooth[peaks[0]] < PEAK_PROMINENCE * smooth[peaks[0] : peaks[1] + 1].min():
        peaks.pop(0)
    while len(peaks) >= 2 and smooth[peaks[-1]] < PEAK_PROMINENCE * smooth[peaks[-2] : peaks[-1] + 1].min():
        peaks.pop()
    if len(peaks) < 2 or peaks[-1] - peaks[0] < MIN_PEAK_GAP * bins:
        return None
    left, right = peaks[0], peaks[-1]
    valley = left + int(np.argmin(smooth[left : right + 1]))
    return float(edges[valley] + (edges[1] - edges[0]) / 2)


def _saturation(colour: np.ndarray) -> float:
    top = float(colour.max())
    return 0.0 if top <= 1e-6 else (top - float(colour.min())) / top


def _hue(colour: np.ndarray) -> float:
    """Hue in degrees (0 red, 60 yellow) of a warm colour; what scalp and blond hair differ by."""
    r, g, b = (float(c) for c in colour)
    top, bottom = max(r, g, b), min(r, g, b)
    if top - bottom <= 1e-6:
        return 0.0
    if top == r:
        return (60.0 * (g - b) / (top - bottom)) % 360.0
    if top == g:
        return 60.0 * (b - r) / (top - bottom) + 120.0
    return 60.0 * (r - g) / (top - bottom) + 240.0


def _which_is_scalp(darker: np.ndarray, brighter: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(scalp, hair) from the two endmembers. Hair is the darker one, unless one is near neutral
    and the other clearly coloured (grey or white hair: the neutral one is hair), or both are
    coloured and one is clearly yellower (blond hair: scalp skin is redder)."""
    sat_dark, sat_bright = _saturation(darker), _saturation(brighter)
    if sat_bright < NEUTRAL_SATURATION and sat_bright < NEUTRAL_RATIO * sat_dark:
        return darker, brighter
    if sat_dark < NEUTRAL_SATURATION and sat_dark < NEUTRAL_RATIO * sat_bright:
        return brighter, darker
    if min(sat_dark, sat_bright) >= NEUTRAL_SATURATION:
        hue_dark, hue_bright = _hue(darker), _hue(brighter)
        if hue_bright - hue_dark > BLOND_HUE_GAP and hue_bright < 90.0:
            return darker, brighter
    return brighter, darker


def _shine_share(planes: np.ndarray, brightest: np.ndarray, top: float) -> float:
    """Share of pixels that are specular highlights: near white, near neutral and well above the
    brightest pure scalp or hair (`top`); dry hair without product has none of these."""
    threshold = max(0.75, top + 0.5 * (1.0 - top))
    candidates = brightest > threshold
    count = int(candidates.sum())
    if count == 0:
        return 0.0
    red, green, blue = (plane[candidates] for plane in planes)
    darkest = np.minimum(np.minimum(red, green), blue)
    neutral = (brightest[candidates] - darkest) < 0.12
    return float(neutral.sum()) / brightest.size
