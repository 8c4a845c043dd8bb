"""Where a camera frame sits against the ghost (the same view's last accepted photo): its shift,
scale and rotation, estimated on small grey copies by phase correlation (Fourier-Mellin: the
magnitude spectrum ignores shift, and in log-polar form turns scale and rotation into shifts).

numpy only (python-for-android and kivy-ios both have recipes for it) and Pillow; no Kivy.
Frames are compared as the viewfinder shows them: the centre of the picture cropped to the upright
3:4 frame ("cover"), so a landscape camera frame and a portrait photo line up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

FRAME_ASPECT = 3 / 4  # width / height of the upright capture frame (mobile/screens/viewfinder.py)
ANALYSIS_WIDTH, ANALYSIS_HEIGHT = 96, 128  # the grey copy alignment runs on
_SQUARE = 128  # the spectrum is taken on a square (padded) so rotation stays a rotation
_ANGLE_BINS = 180  # log-polar angles over half a turn (the magnitude spectrum is symmetric): 1 degree each
_RADIUS_BINS = 128
_MIN_RADIUS, _MAX_RADIUS = 2.0, _SQUARE / 2 - 1
_LOG_STEP = math.log(_MAX_RADIUS / _MIN_RADIUS) / (_RADIUS_BINS - 1)
_EPS = 1e-9


@dataclass(frozen=True)
class Alignment:
    """How the frame's picture sits against the ghost's: `dx`, `dy` as fractions of the frame's
    width and height (positive: the picture lies right of / below where the ghost has it), `scale`
    (above 1: it looks bigger, the phone is closer), `rotation` in degrees (positive: turned
    clockwise as seen on the screen), and `match` 0..1, how alike the two look once lined up
    (low: another scene, or too little overlap to trust the rest)."""

    dx: float
    dy: float
    scale: float
    rotation: float
    match: float


def crop_box(size: tuple[int, int], aspect: float = FRAME_ASPECT) -> tuple[int, int, int, int]:
    """The centred box of an image of `size` with the frame's aspect (what a "cover" view shows)."""
    width, height = size
    if width / height > aspect:
        inner = round(height * aspect)
        left = (width - inner) // 2
        return left, 0, left + inner, height
    inner = round(width / aspect)
    top = (height - inner) // 2
    return 0, top, width, top + inner


def analysis_grey(image: Image.Image) -> np.ndarray:
    """The frame-shaped centre of `image` as a float32 grey array of ANALYSIS_HEIGHT x ANALYSIS_WIDTH."""
    small = image.resize(
        (ANALYSIS_WIDTH, ANALYSIS_HEIGHT), Image.Resampling.BILINEAR, box=crop_box(image.size), reducing_gap=2.0
    )
    return np.asarray(small if small.mode == "L" else small.convert("L"), dtype=np.float32)


def _window() -> np.ndarray:
    return np.outer(np.hanning(ANALYSIS_HEIGHT), np.hanning(ANALYSIS_WIDTH)).astype(np.float32)


def _highpass() -> np.ndarray:
    """Reddy and Chatterji's emphasis filter for the centred spectrum: damps the lowest
    frequencies, which every scene shares and which would pin the log-polar peak at zero."""
    fy = np.fft.fftshift(np.fft.fftfreq(_SQUARE))[:, None]
    fx = np.fft.fftshift(np.fft.fftfreq(_SQUARE))[None, :]
    x = np.cos(np.pi * fy) * np.cos(np.pi * fx)
    return ((1.0 - x) * (2.0 - x)).astype(np.float32)


def _log_polar_grid() -> tuple[np.ndarray, np.ndarray]:
    angles = np.arange(_ANGLE_BINS) * (np.pi / _ANGLE_BINS)
    radii = _MIN_RADIUS * np.exp(np.arange(_RADIUS_BINS) * _LOG_STEP)
    centre = _SQUARE / 2
    rows = centre - np.outer(np.sin(angles), radii)  # y runs down the array
    cols = centre + np.outer(np.cos(angles), radii)
    return rows.astype(np.float32), cols.astype(np.float32)


_WINDOW = _window()
_HIGHPASS = _highpass()
_LP_ROWS, _LP_COLS = _log_polar_grid()
_LP_WINDOW = np.hanning(_RADIUS_BINS).astype(np.float32)[None, :]  # the radius axis does not wrap
_PAD_TOP = (_SQUARE - ANALYSIS_HEIGHT) // 2
_PAD_LEFT = (_SQUARE - ANALYSIS_WIDTH) // 2


def sample(image: np.ndarray, rows: np.ndarray, cols: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """Bilinear samples of `image` at fractional (`rows`, `cols`); `fill` outside it."""
    height, width = image.shape
    r0 = np.floor(rows).astype(np.intp)
    c0 = np.floor(cols).astype(np.intp)
    fr = rows - r0
    fc = cols - c0
    inside = (r0 >= 0) & (c0 >= 0) & (r0 < height - 1) & (c0 < width - 1)
    r0 = np.clip(r0, 0, height - 2)
    c0 = np.clip(c0, 0, width - 2)
    top = image[r0, c0] * (1 - fc) + image[r0, c0 + 1] * fc
    bottom = image[r0 + 1, c0] * (1 - fc) + image[r0 + 1, c0 + 1] * fc
    return np.where(inside, top * (1 - fr) + bottom * fr, fill).astype(np.float32)


class _FixedSampler:
    """Bilinear sampling at points that never change (the log-polar grid): weights worked out once."""

    def __init__(self, shape: tuple[int, int], rows: np.ndarray, cols: np.ndarray) -> None:
        height, width = shape
        r0 = np.clip(np.floor(rows).astype(np.intp), 0, height - 2)
        c0 = np.clip(np.floor(cols).astype(np.intp), 0, width - 2)
        fr, fc = rows - r0, cols - c0
        self._flat = (r0 * width + c0).ravel()
        self._width = width
        self._weights = [((1 - fr) * (1 - fc)).ravel(), ((1 - fr) * fc).ravel(), (fr * (1 - fc)).ravel(), (fr * fc).ravel()]
        self._shape = rows.shape

    def __call__(self, image: np.ndarray) -> np.ndarray:
        flat = image.ravel()
        w = self._width
        top_left, top_right, bottom_left, bottom_right = self._weights
        values = (
            flat[self._flat] * top_left
            + flat[self._flat + 1] * top_right
            + flat[self._flat + w] * bottom_left
            + flat[self._flat + w + 1] * bottom_right
        )
        return values.reshape(self._shape).astype(np.float32)


_LOG_POLAR = _FixedSampler((_SQUARE, _SQUARE), _LP_ROWS, _LP_COLS)


def _standardised(grey: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance: brightness and contrast do not count."""
    centred = grey - grey.mean()
    spread = float(centred.std())
    return centred / spread if spread > 1e-3 else centred


def _log_polar_spectrum(standard: np.ndarray) -> np.ndarray:
    padded = np.zeros((_SQUARE, _SQUARE), dtype=np.float32)
    padded[_PAD_TOP : _PAD_TOP + ANALYSIS_HEIGHT, _PAD_LEFT : _PAD_LEFT + ANALYSIS_WIDTH] = standard * _WINDOW
    magnitude = np.abs(np.fft.fftshift(np.fft.fft2(padded))).astype(np.float32) * _HIGHPASS
    polar = _LOG_POLAR(np.log1p(magnitude))
    return np.fft.fft2(_standardised(polar) * _LP_WINDOW)


def _phase_correlate(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """(rows, cols, peak): the shift that carries b's picture onto a's (spectra given), to a
    fraction of a pixel, and the correlation peak's height (1: the same picture moved)."""
    cross = a * np.conj(b)
    surface = np.fft.ifft2(cross / (np.abs(cross) + _EPS)).real
    height, width = surface.shape
    peak_row, peak_col = np.unravel_index(int(np.argmax(surface)), surface.shape)
    peak = float(surface[peak_row, peak_col])

    def refine(before: float, at: float, after: float) -> float:
        bend = before - 2 * at + after
        return 0.0 if bend >= 0 else max(-0.5, min(0.5, 0.5 * (before - after) / bend))

    row = peak_row + refine(surface[peak_row - 1, peak_col], peak, surface[(peak_row + 1) % height, peak_col])
    col = peak_col + refine(surface[peak_row, peak_col - 1], peak, surface[peak_row, (peak_col + 1) % width])
    row = row - height if row > height / 2 else row
    col = col - width if col > width / 2 else col
    return float(row), float(col), peak


class Ghost:
    """The reference a frame is compared with, prepared once per view (spectra cached)."""

    def __init__(self, image: Image.Image) -> None:
        self.grey = analysis_grey(image)
        self._standard = _standardised(self.grey)
        self._log_polar = _log_polar_spectrum(self._standard)
        self._spectrum = np.fft.fft2(self._standard * _WINDOW)

    def align(self, frame: Image.Image | np.ndarray) -> Alignment:
        """Where `frame` (a picture, or an analysis_grey array of one) sits against this ghost."""
        grey = frame if isinstance(frame, np.ndarray) else analysis_grey(frame)
        standard = _standardised(grey)

        # scale and rotation: a shift of the log-polar magnitude spectra
        angle_bins, log_bins, _ = _phase_correlate(_log_polar_spectrum(standard), self._log_polar)
        # the angle axis runs anticlockwise on screen; the spectrum turns with the picture
        rotation = -angle_bins * 180.0 / _ANGLE_BINS
        scale = math.exp(-log_bins * _LOG_STEP)  # a bigger picture has a smaller spectrum

        # undo them, then the shift is a plain phase correlation
        centre_row, centre_col = (ANALYSIS_HEIGHT - 1) / 2, (ANALYSIS_WIDTH - 1) / 2
        turn = math.radians(rotation)
        cos_s, sin_s = scale * math.cos(turn), scale * math.sin(turn)
        rows, cols = np.mgrid[0:ANALYSIS_HEIGHT, 0:ANALYSIS_WIDTH].astype(np.float32)
        rows -= centre_row
        cols -= centre_col
        # the frame point showing the ghost's (row, col), before any shift: scale and turn clockwise
        unturned = sample(standard, centre_row + sin_s * cols + cos_s * rows, centre_col + cos_s * cols - sin_s * rows)
        shift_rows, shift_cols, _ = _phase_correlate(np.fft.fft2(unturned * _WINDOW), self._spectrum)
        # that shift is in the ghost's frame of reference: turn and scale it into the frame's
        dy = sin_s * shift_cols + cos_s * shift_rows
        dx = cos_s * shift_cols - sin_s * shift_rows

        # how alike they look once lined up, over the part of the frame that covers the ghost
        lined_rows = centre_row + dy + sin_s * cols + cos_s * rows
        lined_cols = centre_col + dx + cos_s * cols - sin_s * rows
        lined = sample(grey, lined_rows, lined_cols, fill=np.nan)
        covered = ~np.isnan(lined)
        return Alignment(
            dx=dx / ANALYSIS_WIDTH,
            dy=dy / ANALYSIS_HEIGHT,
            scale=scale,
            rotation=rotation,
            match=_correlation(lined[covered], self.grey[covered], _WINDOW[covered]),
        )


def _correlation(a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> float:
    """Weighted Pearson correlation of two pictures' pixels, 0 when negative or undefined."""
    total = float(weight.sum())
    if a.size < 16 or total < 1.0:
        return 0.0
    a = a - float((a * weight).sum()) / total
    b = b - float((b * weight).sum()) / total
    spread = math.sqrt(float((weight * a * a).sum()) * float((weight * b * b).sum()))
    return max(0.0, float((weight * a * b).sum()) / spread) if spread > _EPS else 0.0


def frame_motion(previous: np.ndarray, current: np.ndarray) -> float:
    """How far the picture moved between two analysis frames, as a fraction of the frame's width."""
    rows, cols, _ = _phase_correlate(np.fft.fft2(_standardised(current) * _WINDOW), np.fft.fft2(_standardised(previous) * _WINDOW))
    return math.hypot(rows, cols) / ANALYSIS_WIDTH
