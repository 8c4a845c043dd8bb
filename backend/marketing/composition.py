"""The before/after image itself, pure (no database, no store): the later photo aligned to the
earlier with the app's own alignment (`shared.alignment`: shift, scale and rotation by phase
correlation), both cropped to the same frame, labelled, watermarked with the clinic's name, as a
side-by-side PNG or a slider GIF (a divider sweeping across). Nothing else is drawn: no name,
record number, date of birth or date, and no metadata is written into the file."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from shared.alignment import Alignment, Ghost, crop_box

FONTS = Path(__file__).resolve().parents[1] / "records" / "fonts"
PANEL = (600, 800)  # one photo's panel, upright 3:4 like the capture frame
GIF_PANEL = (360, 480)
GIF_FRAMES = 16
LABEL_BAR = 64
INK, PAPER, ACCENT = (31, 42, 48), (255, 255, 255), (45, 106, 115)


@dataclass(frozen=True)
class Composed:
    data: bytes
    content_type: str
    alignment: Alignment
    crop: tuple[int, int, int, int]  # the common crop, in panel pixels


def after_label(months_apart: int) -> str:
    if months_apart <= 0:
        return "After"
    return f"After {months_apart} month{'s' if months_apart != 1 else ''}"


def framed(photo: Image.Image, size: tuple[int, int] = PANEL) -> Image.Image:
    """The photo's centre in the capture frame's 3:4 shape, at `size`, RGB."""
    rgb = photo.convert("RGB")
    return rgb.resize(size, Image.Resampling.LANCZOS, box=crop_box(rgb.size))


def align_to(before: Image.Image, after: Image.Image) -> tuple[Image.Image, Image.Image, Alignment]:
    """Both framed, the later one moved, scaled and turned onto the earlier, and the mask of where
    the moved picture has pixels (white)."""
    base, moved = framed(before), framed(after)
    found = Ghost(base).align(moved)
    width, height = base.size
    turn = math.radians(found.rotation)
    cos_s, sin_s = found.scale * math.cos(turn), found.scale * math.sin(turn)
    cx, cy = (width - 1) / 2, (height - 1) / 2
    # dx, dy are fractions of the frame; the analysis grid has the panel's aspect, so one scale serves both axes
    dx, dy = found.dx * width, found.dy * height
    # the later picture's point that shows the earlier's (x, y): Ghost.align's own mapping, in panel pixels
    coefficients = (cos_s, -sin_s, cx + dx - cos_s * cx + sin_s * cy, sin_s, cos_s, cy + dy - sin_s * cx - cos_s * cy)
    aligned = moved.transform(base.size, Image.Transform.AFFINE, coefficients, Image.Resampling.BICUBIC)
    mask = Image.new("L", moved.size, 255).transform(base.size, Image.Transform.AFFINE, coefficients, Image.Resampling.NEAREST)
    return aligned, mask, found


def common_crop(mask: Image.Image) -> tuple[int, int, int, int]:
    """The largest centred box of the panel's shape inside which the aligned photo has pixels
    everywhere: both photos are cut to it, so they show the same area."""
    width, height = mask.size
    grid = mask.load()
    low, high = 0.2, 1.0
    for _ in range(14):
        middle = (low + high) / 2
        if _covered(grid, width, height, middle):
            low = middle
        else:
            high = middle
    return _box(width, height, low)


def _box(width: int, height: int, fraction: float) -> tuple[int, int, int, int]:
    w, h = round(width * fraction), round(height * fraction)
    left, top = (width - w) // 2, (height - h) // 2
    return left, top, left + w, top + h


def _covered(grid, width: int, height: int, fraction: float) -> bool:
    left, top, right, bottom = _box(width, height, fraction)
    xs = range(left, right, max(1, (right - left) // 60))
    ys = range(top, bottom, max(1, (bottom - top) // 80))
    edges = [(x, top) for x in xs] + [(x, bottom - 1) for x in xs] + [(left, y) for y in ys] + [(right - 1, y) for y in ys]
    return all(grid[x, y] > 0 for x, y in edges)


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def _labelled(panel: Image.Image, label: str, watermark: str) -> Image.Image:
    """One photo with its label bar above and the clinic's watermark in its corner."""
    width, height = panel.size
    bar = max(32, round(LABEL_BAR * width / PANEL[0]))
    out = Image.new("RGB", (width, height + bar), PAPER)
    out.paste(panel, (0, bar))
    draw = ImageDraw.Draw(out)
    draw.text((width / 2, bar / 2), label, font=_font(round(bar * 0.5), bold=True), fill=INK, anchor="mm")
    _watermark(out, watermark, top=bar)
    return out


def _watermark(image: Image.Image, text: str, *, top: int) -> None:
    if not text:
        return
    width, height = image.size
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    font = _font(max(12, width // 28))
    margin = max(8, width // 40)
    box = draw.textbbox((0, 0), text, font=font)
    x, y = width - (box[2] - box[0]) - margin, height - (box[3] - box[1]) - margin * 1.5
    draw.text((x + 1, y + 1), text, font=font, fill=(0, 0, 0, 110))
    draw.text((x, y), text, font=font, fill=(255, 255, 255, 170))
    image.paste(Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB"))


def compose(
    before: Image.Image, after: Image.Image, *, after_text: str, watermark: str, layout: str = "side_by_side"
) -> Composed:
    """The finished image: "side_by_side" (PNG) or "slider" (animated GIF)."""
    aligned, mask, found = align_to(before, after)
    crop = common_crop(mask)
    first = framed(before).crop(crop)
    second = aligned.crop(crop)
    if layout == "slider":
        data = _slider_gif(first, second, after_text=after_text, watermark=watermark)
        return Composed(data, "image/gif", found, crop)
    gap = 12
    left, right = _labelled(first.resize(PANEL, Image.Resampling.LANCZOS), "Before", watermark), _labelled(
        second.resize(PANEL, Image.Resampling.LANCZOS), after_text, watermark
    )
    sheet = Image.new("RGB", (left.width + right.width + gap, left.height), PAPER)
    sheet.paste(left, (0, 0))
    sheet.paste(right, (left.width + gap, 0))
    out = io.BytesIO()
    sheet.save(out, format="PNG", optimize=True)  # Pillow writes no text chunks unless given pnginfo
    return Composed(out.getvalue(), "image/png", found, crop)


def _slider_gif(first: Image.Image, second: Image.Image, *, after_text: str, watermark: str) -> bytes:
    """A divider sweeps left to right and back: the earlier photo left of it, the later right."""
    a = first.resize(GIF_PANEL, Image.Resampling.LANCZOS)
    b = second.resize(GIF_PANEL, Image.Resampling.LANCZOS)
    width, height = GIF_PANEL
    frames = []
    positions = [round(width * (0.1 + 0.8 * i / (GIF_FRAMES - 1))) for i in range(GIF_FRAMES)]
    for split in positions + positions[-2:0:-1]:
        frame = b.copy()
        frame.paste(a.crop((0, 0, split, height)), (0, 0))
        draw = ImageDraw.Draw(frame)
        draw.line([(split, 0), (split, height)], fill=PAPER, width=3)
        bar = _labelled(frame, "", watermark)
        bar_draw = ImageDraw.Draw(bar)
        font = _font(max(14, width // 20), bold=True)
        top = bar.height - height
        bar_draw.text((width * 0.25, top / 2), "Before", font=font, fill=INK, anchor="mm")
        bar_draw.text((width * 0.75, top / 2), after_text, font=font, fill=ACCENT, anchor="mm")
        frames.append(bar.quantize(colors=128, method=Image.Quantize.MEDIANCUT))
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=90, loop=0, optimize=False)
    return out.getvalue()
