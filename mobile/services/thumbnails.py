"""Small JPEG copies of the phone's photos for tiles and the timeline (decoding a 12-megapixel
original for a 64-pixel tile would stall the screen), made once and kept beside the originals."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps


def thumbnail(original: Path, folder: Path, *, size: int = 320) -> Path | None:
    """The path of an upright thumbnail of `original` at most `size` px, made on first use;
    None when the original is gone or unreadable."""
    target = folder / f"{original.stem}-{size}.jpg"
    if target.exists():
        return target
    try:
        with Image.open(original) as image:
            image.draft("RGB", (size * 2, size * 2))
            upright = ImageOps.exif_transpose(image).convert("RGB")
            upright.thumbnail((size, size))
            folder.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(".part")
            upright.save(temporary, format="JPEG", quality=85)
            temporary.replace(target)
    except (OSError, ValueError):
        return None
    return target
