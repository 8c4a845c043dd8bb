"""Which colour profile a processed photo keeps.

We keep a photo's ICC profile when it is a real, modest-sized profile for the photo's colour
space: phones tag photos as Display P3, and without the tag viewers read them as sRGB and scalp
redness (a side effect clinicians look for) shifts. A profile describes a colour space, not the
patient, the place or the device owner; anything that is not a valid profile is dropped.
"""

from __future__ import annotations

import io

from PIL import Image, ImageCms

# Camera and display profiles are a few kB; anything near this is a payload, not a colour space.
MAX_ICC_BYTES = 256 * 1024

_COLOUR_SPACE_OF_MODE = {"RGB": "RGB ", "YCbCr": "RGB ", "RGBA": "RGB ", "L": "GRAY", "LA": "GRAY"}


def usable_icc_profile(photo: Image.Image) -> bytes | None:
    """The photo's embedded ICC profile if it parses and matches the photo's colours, else None."""
    profile = photo.info.get("icc_profile")
    expected_space = _COLOUR_SPACE_OF_MODE.get(photo.mode)
    if not profile or expected_space is None or len(profile) > MAX_ICC_BYTES:
        return None
    try:
        parsed = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None
    return profile if parsed.profile.xcolor_space == expected_space else None
