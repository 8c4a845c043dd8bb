"""Synthetic scalp photos for the demo clinic (and the browser tests' simulated phone): skin, hair
strands, and a thin patch that fills in month by month, so a timeline shows visible change."""

from __future__ import annotations

import io
import math
import random
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def scalp_photo(view: str, month: int, size: tuple[int, int] = (900, 1200)) -> bytes:
    """A synthetic scalp photo: skin, hair strands, and a thin patch that fills in month by month."""
    rng = random.Random(f"{view}-{month}")
    width, height = size
    image = Image.new("RGB", size, (214, 170, 140))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 8):  # soft light from the top
        shade = int(18 * y / height)
        draw.rectangle([0, y, width, y + 8], fill=(214 - shade, 170 - shade, 140 - shade))
    cx, cy = width * (0.5 if view in ("vertex", "crown") else 0.45), height * (0.45 if view != "frontal" else 0.25)
    thin = max(60.0, 330.0 - 55.0 * month)  # the patch's radius shrinks as hair regrows
    for _ in range(5200 + 500 * month):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        inside = (x - cx) ** 2 + (y - cy) ** 2 < thin**2
        if inside and rng.random() > 0.12 + 0.1 * month:
            continue
        length, slant = rng.uniform(25, 70), rng.uniform(-0.5, 0.5)
        colour = rng.choice([(52, 36, 28), (66, 45, 33), (40, 28, 22), (78, 56, 40)])
        draw.line([(x, y), (x + slant * length, y + length)], fill=colour, width=rng.choice([1, 2, 2, 3]))
    image = image.filter(ImageFilter.SMOOTH_MORE)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


# --- photos of known coverage -------------------------------------------------------------------
# Hair of known density drawn over scalp in linear light, then lit, white-balanced, noised and
# encoded as a camera would: the planted share of visible scalp is counted on the hair mask itself,
# so it is the truth the coverage index (shared/coverage.py) is held to.

SKIN_TONES: dict[str, tuple[int, int, int]] = {  # sRGB of the scalp at the demo's exposure
    "light": (196, 150, 128),
    "medium": (164, 118, 88),
    "dark": (112, 76, 56),
}
HAIR_COLOURS: dict[str, tuple[tuple[int, int, int], ...]] = {  # sRGB, a few shades a strand
    "black": ((28, 24, 22), (36, 30, 27), (22, 19, 18)),
    "brown": ((70, 48, 34), (84, 58, 40), (60, 41, 30)),
    "blond": ((150, 122, 70), (165, 136, 82), (140, 112, 64)),
    "grey": ((188, 188, 192), (204, 204, 206), (170, 171, 175)),
}


@dataclass(frozen=True, slots=True)
class PlantedPhoto:
    jpeg: bytes
    visible: float  # planted share of the region where scalp shows, 0..100
    size: tuple[int, int]


def _to_linear(srgb: np.ndarray) -> np.ndarray:
    c = srgb / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _to_srgb(linear: np.ndarray) -> np.ndarray:
    c = np.clip(linear, 0.0, 1.0)
    encoded = np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1 / 2.4) - 0.055)
    return np.round(encoded * 255.0).astype(np.uint8)


def planted_scalp_photo(
    visible: float,
    *,
    skin: str = "light",
    hair: str = "brown",
    size: tuple[int, int] = (1500, 2000),
    region: tuple[float, float, float, float] = (0.2, 0.2, 0.8, 0.8),
    stops: float = 0.0,
    white_balance: tuple[float, float, float] = (1.0, 1.0, 1.0),
    shine: bool = False,
    seed: int = 0,
    hair_width: tuple[int, int] = (3, 5),
) -> PlantedPhoto:
    """A scalp photo whose `region` shows scalp over about `visible` percent of its area (the
    returned `visible` is the exact planted share). `stops` changes the exposure (+1 is twice the
    light), `white_balance` multiplies each linear channel, `shine` adds the specular streaks of
    wet or product-styled hair."""
    rng = random.Random(seed)
    width, height = size
    shade = Image.new("L", size, 0)  # 0 scalp, else which of the hair colour's shades covers it
    shine_mask = Image.new("L", size, 0)
    draw_shade, draw_shine = ImageDraw.Draw(shade), ImageDraw.Draw(shine_mask)
    box = (round(region[0] * width), round(region[1] * height), round(region[2] * width), round(region[3] * height))
    target_hair = 1.0 - visible / 100.0
    direction = rng.uniform(0, math.pi)
    styled_spread = 0.25 if shine else 1.2
    covered = 0.0
    batch, drawn = 400, 0
    while covered < target_hair - 0.004:
        for _ in range(batch):
            x, y = rng.uniform(-60, width + 60), rng.uniform(-60, height + 60)
            angle = direction + rng.uniform(-styled_spread, styled_spread)
            length = rng.uniform(40, 140) * (2.0 if shine else 1.0)
            end = (x + math.cos(angle) * length, y + math.sin(angle) * length)
            line_width = rng.randint(*hair_width)
            draw_shade.line([(x, y), end], fill=rng.randint(1, 3), width=line_width)
            if shine and rng.random() < 0.3:
                draw_shine.line([(x, y), end], fill=255, width=max(1, line_width - 2))
        drawn += batch
        covered = float((np.asarray(shade.crop(box)) > 0).mean())
        if 0 < covered < 1:  # strands fall at random, so the covered share grows as 1 - exp(-k n)
            needed = drawn * math.log(1 - min(target_hair, 0.999)) / math.log(1 - covered)
            batch = max(10, int((needed - drawn) * 0.85))
    shades = np.asarray(shade)
    hair_mask = shades > 0
    planted = 100.0 * (1.0 - float(hair_mask[box[1] : box[3], box[0] : box[2]].mean()))

    np_rng = np.random.default_rng(seed)
    skin_linear = _to_linear(np.array(SKIN_TONES[skin], dtype=np.float64))
    picture = np.empty((height, width, 3), dtype=np.float32)
    picture[:] = skin_linear.astype(np.float32)
    for index, colour in enumerate(HAIR_COLOURS[hair], start=1):
        picture[(shades == index) & hair_mask] = _to_linear(np.array(colour, dtype=np.float64)).astype(np.float32)
    if shine:
        streaks = np.asarray(shine_mask) > 0
        picture[streaks] = 1.4  # a specular highlight outshines white paper
    # soft light falling off from the top left, skin blotches, the exposure and the white balance
    ys = np.linspace(-0.5, 0.5, height, dtype=np.float32)[:, None]
    xs = np.linspace(-0.5, 0.5, width, dtype=np.float32)[None, :]
    # the room's light puts light skin two stops under white, so +1 stop does not clip it
    light = (1.0 - 0.12 * xs - 0.16 * ys) * np.float32(0.6 * 2.0**stops)
    picture *= light[:, :, None]
    picture *= np.asarray(white_balance, dtype=np.float32)
    picture += np_rng.normal(0.0, 0.004, size=picture.shape).astype(np.float32) * np.sqrt(np.maximum(picture, 0.01) / 0.2)
    image = Image.fromarray(_to_srgb(picture), "RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return PlantedPhoto(jpeg=out.getvalue(), visible=round(planted, 3), size=size)


@dataclass(frozen=True)
class ScalpLook:
    """One demo patient's scalp for the coverage index: skin, hair, the visible scalp (%) of each
    measured view at baseline and how many points it falls a month as hair regrows."""

    skin: str
    hair: str
    start: dict[str, float]
    fall_per_month: float
    size: tuple[int, int] = (720, 960)

    def visible(self, view: str, month: int) -> float:
        return max(5.0, self.start[view] - self.fall_per_month * month)

    def photo(self, view: str, month: int, *, frame: int = 0) -> bytes:
        """The view's photo of the month; a second frame is the same density of hair in another
        layout, in a touch more light (a re-capture)."""
        return planted_scalp_photo(
            self.visible(view, month), skin=self.skin, hair=self.hair, size=self.size, hair_width=(2, 4),
            seed=zlib.crc32(f"{view}-{month}-{frame}".encode()), stops=0.15 * frame,
        ).jpeg
