"""HEIC support (iPhone photos) through pillow-heif, switched on by the processing code only."""

from __future__ import annotations

import functools


@functools.cache
def enable_heic() -> None:
    """Let Pillow open HEIC files; idempotent. Extra images stored beside the photo
    (thumbnails, depth maps, auxiliary images) are not read: we never keep them."""
    import pillow_heif  # loaded on first HEIC only: JPEG-only workers skip libheif entirely

    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
