from __future__ import annotations

import random

import pytest

from backend.imaging import process_photo
from backend.imaging.drawing import upright
from shared.errors import ErrorCode, FollicleError
from tests.fixtures import images

UPLOADS = {
    "jpeg": lambda: images.photo_jpeg(480, 360),
    "rotated jpeg": lambda: images.photo_jpeg(360, 480, orientation=6),
    "progressive jpeg": lambda: images.photo_jpeg(480, 360, progressive=True),
    "png": lambda: images.photo_png(480, 360),
    "webp": lambda: images.photo_webp(480, 360),
    "heic": lambda: images.heic_photo(480, 360),
}
PHOTO_ERRORS = {
    ErrorCode.PHOTO_CORRUPT,
    ErrorCode.PHOTO_NOT_AN_IMAGE,
    ErrorCode.PHOTO_TOO_SMALL,
    ErrorCode.PHOTO_TOO_MANY_PIXELS,
    ErrorCode.PHOTO_EMPTY,
}


def damaged(original: bytes, rng: random.Random) -> bytes:
    """One way uploads get damaged: flipped bytes, a cut, or inserted junk."""
    data = bytearray(original)
    how = rng.choice(["flip", "flip-header", "cut", "insert"])
    if how == "flip":
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif how == "flip-header":
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(min(len(data), 600))] = rng.randrange(256)
    elif how == "cut":
        del data[rng.randrange(1, len(data)) :]
    else:
        at = rng.randrange(len(data))
        data[at:at] = rng.randbytes(rng.randint(1, 300))
    return bytes(data)


@pytest.mark.parametrize("kind", UPLOADS)
def test_a_damaged_upload_ends_in_a_clean_photo_or_a_stable_code(kind):
    rng = random.Random(kind)
    original = UPLOADS[kind]()
    for _ in range(40):
        try:
            result = process_photo(damaged(original, rng))
        except FollicleError as refused:
            assert refused.code in PHOTO_ERRORS
        else:
            stored = upright(result.image_jpeg)  # whatever is kept decodes in full, drawn upright
            assert stored.size == (result.width, result.height)
