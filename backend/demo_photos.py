"""Synthetic scalp photos for the demo clinic (and the browser tests' simulated phone): skin, hair
strands, and a thin patch that fills in month by month, so a timeline shows visible change."""

from __future__ import annotations

import io
import random

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
