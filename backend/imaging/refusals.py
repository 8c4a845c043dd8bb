"""The errors a photo upload can end with: stable codes for the app and the API, and words a
patient understands (the app may show its own words for the same codes)."""

from __future__ import annotations

from shared.errors import ErrorCode, InvalidInput, PayloadTooLarge, UnsupportedMedia

_TAKE_AGAIN = "Please take it again."


def photo_empty() -> InvalidInput:
    return InvalidInput(f"This photo arrived empty. {_TAKE_AGAIN}", code=ErrorCode.PHOTO_EMPTY)


def not_an_image() -> UnsupportedMedia:
    return UnsupportedMedia(
        "This file is not a photo. Please take the photo with the app's camera.",
        code=ErrorCode.PHOTO_NOT_AN_IMAGE,
    )


def too_many_pixels(size: tuple[int, int] | None, max_pixels: int) -> PayloadTooLarge:
    details: dict[str, int] = {"max_pixels": max_pixels}
    if size is not None:
        details |= {"width": size[0], "height": size[1]}
    return PayloadTooLarge(
        "This photo is too large to process. Please take it with the app's camera.",
        code=ErrorCode.PHOTO_TOO_MANY_PIXELS,
        details=details,
    )


def corrupt(reason: str) -> InvalidInput:
    """`reason` is a short category for support ("truncated"), never decoder output."""
    return InvalidInput(
        f"This photo could not be read. {_TAKE_AGAIN}",
        code=ErrorCode.PHOTO_CORRUPT,
        details={"reason": reason},
    )


def too_small(width: int, height: int, smallest_side: int) -> InvalidInput:
    return InvalidInput(
        f"This photo is too small to show your scalp. {_TAKE_AGAIN}",
        code=ErrorCode.PHOTO_TOO_SMALL,
        details={"width": width, "height": height, "smallest_side": smallest_side},
    )
