"""Synthetic camera frames made from a real scalp-like photo: the picture moved, scaled, turned,
blurred or darkened as a hand-held phone would see it, with fresh sensor noise on every frame."""

from __future__ import annotations

import functools
import io
import math
import random

from PIL import Image, ImageChops, ImageEnhance, ImageFilter

from backend.demo_photos import scalp_photo

FRAME_SIZE = (810, 1080)  # the upright 3:4 centre of a 1920 x 1080 preview
CAMERA_SIZE = (1080, 1440)  # a phone's upright frame with enough pixels to pass the quality gate


@functools.cache
def scalp(size: tuple[int, int] = FRAME_SIZE) -> Image.Image:
    """Last month's accepted frontal photo: the ghost, and the scene every frame shows."""
    return Image.open(io.BytesIO(scalp_photo("frontal", 3, size))).convert("RGB")


def moved(picture: Image.Image, *, dx: float = 0.0, dy: float = 0.0, scale: float = 1.0, degrees: float = 0.0) -> Image.Image:
    """`picture` as the camera sees it when it sits `dx`, `dy` (fractions of the frame) right and
    down of where it was, `scale` times bigger, turned `degrees` clockwise on the screen."""
    width, height = picture.size
    cx, cy, tx, ty = width / 2, height / 2, dx * width, dy * height
    turn = math.radians(degrees)
    a, b = math.cos(turn) / scale, math.sin(turn) / scale
    d, e = -b, a
    coefficients = (a, b, cx - a * (cx + tx) - b * (cy + ty), d, e, cy - d * (cx + tx) - e * (cy + ty))
    return picture.transform(
        picture.size, Image.Transform.AFFINE, coefficients, resample=Image.Resampling.BILINEAR, fillcolor=(96, 80, 70)
    )


def blurred(picture: Image.Image, radius: float = 5.0) -> Image.Image:
    return picture.filter(ImageFilter.GaussianBlur(radius))


def dark(picture: Image.Image, factor: float = 0.2) -> Image.Image:
    return ImageEnhance.Brightness(picture).enhance(factor)


def with_noise(picture: Image.Image, seed: int, sigma: float = 4.0) -> Image.Image:
    """Sensor noise, different on each frame."""
    random.seed(seed)
    noise = Image.effect_noise(picture.size, sigma)
    return ImageChops.add(picture, Image.merge("RGB", (noise, noise, noise)), scale=1.0, offset=-128)
