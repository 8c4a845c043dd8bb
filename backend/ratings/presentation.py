"""Every image a rater receives is rendered for that one presentation (pure: bytes in, bytes out).

What a rater's browser can measure must say nothing about which side is the baseline:
- the same pixel size for every image (`CANVAS`, the photo fitted and letterboxed on neutral grey),
  the same encoder and quality (`QUALITY`, 4:2:0, baseline, no metadata), the same JFIF header;
- the same byte length for every image (`IMAGE_BYTES`): the encoded picture is padded with a
  comment segment up to that length, so Content-Length and the body size are one figure;
- never the same bytes twice: each rendering shifts the picture by a random offset of up to
  `JITTER` pixels and nudges a few random pixels by one level (both invisible at any zoom), and
  the padding is random, so a baseline shown in five pairs arrives as five unrelated files.

The rng is the caller's (`secrets.SystemRandom()` in the app), so a test can draw it seeded.
"""

from __future__ import annotations

import io
import random

from PIL import Image

CANVAS = (960, 1280)  # width, height of every rater image (portrait, as the views are taken)
QUALITY = 85
IMAGE_BYTES = 786_432  # 768 KiB: every rater image is exactly this long
JITTER = 6  # the largest shift of the picture, in pixels, each way
NUDGED_PIXELS = 96  # pixels moved by one grey level per rendering
BACKGROUND = (128, 128, 128)
_QUALITY_FLOOR = 60  # a photo too detailed for IMAGE_BYTES at QUALITY is encoded a step lower
_COM = b"\xff\xfe"
_MAX_SEGMENT = 65_533  # a comment segment's payload at most (its length field counts itself)


class TooLarge(ValueError):
    """The picture does not fit IMAGE_BYTES even at the lowest quality allowed."""


def render(source_jpeg: bytes, rng: random.Random, *, image_bytes: int = IMAGE_BYTES) -> bytes:
    """The photo as one presentation's JPEG: CANVAS pixels, exactly `image_bytes` long."""
    with Image.open(io.BytesIO(source_jpeg)) as opened:
        opened.draft("RGB", (CANVAS[0] + 2 * JITTER, CANVAS[1] + 2 * JITTER))
        photo = opened.convert("RGB")
    picture = _placed(photo, rng)
    _nudge(picture, rng)
    for quality in range(QUALITY, _QUALITY_FLOOR - 1, -5):
        encoded = _encode(picture, quality)
        room = image_bytes - len(encoded)
        if room == 0 or room >= 4:
            return pad(encoded, image_bytes, rng)
    raise TooLarge(f"a rater image does not fit {image_bytes} bytes")


def _placed(photo: Image.Image, rng: random.Random) -> Image.Image:
    """The photo fitted inside the canvas plus the jitter margin, then a CANVAS-sized window of it
    at a random offset."""
    box = (CANVAS[0] + 2 * JITTER, CANVAS[1] + 2 * JITTER)
    scale = min(box[0] / photo.width, box[1] / photo.height)
    size = (max(1, round(photo.width * scale)), max(1, round(photo.height * scale)))
    fitted = photo.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    framed = Image.new("RGB", box, BACKGROUND)
    framed.paste(fitted, ((box[0] - size[0]) // 2, (box[1] - size[1]) // 2))
    dx, dy = rng.randint(0, 2 * JITTER), rng.randint(0, 2 * JITTER)
    return framed.crop((dx, dy, dx + CANVAS[0], dy + CANVAS[1]))


def _nudge(picture: Image.Image, rng: random.Random) -> None:
    pixels = picture.load()
    for _ in range(NUDGED_PIXELS):
        x, y = rng.randrange(CANVAS[0]), rng.randrange(CANVAS[1])
        r, g, b = pixels[x, y]
        step = rng.choice((-1, 1))
        pixels[x, y] = (min(255, max(0, r + step)), min(255, max(0, g + step)), min(255, max(0, b + step)))


def _encode(picture: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=quality, subsampling=2, optimize=False, progressive=False)
    return out.getvalue()


def pad(encoded: bytes, length: int, rng: random.Random) -> bytes:
    """`encoded` (a JPEG starting with SOI) grown to exactly `length` bytes by random comment
    segments right after SOI: valid JPEG that every decoder skips."""
    room = length - len(encoded)
    if room < 0 or (0 < room < 4):
        raise TooLarge(f"cannot pad {len(encoded)} bytes to {length}")
    segments = []
    while room > 0:
        payload = min(_MAX_SEGMENT, room - 4)
        if room - (payload + 4) in (1, 2, 3):  # leave at least a whole segment's header for the rest
            payload -= 4
        segments.append(_COM + (payload + 2).to_bytes(2, "big") + rng.randbytes(payload))
        room -= payload + 4
    return encoded[:2] + b"".join(segments) + encoded[2:]


def scan_of(jpeg: bytes) -> bytes:
    """The bytes of a JPEG without its comment segments: what a rendering changes besides padding."""
    out, i = bytearray(jpeg[:2]), 2
    while i + 4 <= len(jpeg) and jpeg[i] == 0xFF:
        marker = jpeg[i + 1]
        if marker == 0xDA:  # start of scan: the rest is picture data
            break
        length = int.from_bytes(jpeg[i + 2 : i + 4], "big")
        if marker != 0xFE:
            out += jpeg[i : i + 2 + length]
        i += 2 + length
    out += jpeg[i:]
    return bytes(out)
