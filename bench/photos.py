"""Phone-like scalp photos for the benchmarks and the tests: a scalp scene (hair strands above a
wavy hairline, skin, side light, sensor noise, a corner mark) saved as a phone would, with EXIF
(make, model, orientation, GPS), XMP with GPS, an IPTC caption naming the patient and a comment.

Every function builds its bytes in memory and returns them; nothing is written to disk.
Sizes are the size the patient sees (after EXIF orientation), as a phone would show them.
"""

from __future__ import annotations

import io
import random
import struct

from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageFilter

# A filename an attacker would give a non-image so it looks like a scalp photo.
DISGUISED_FILENAME = "frontal.jpg"

# Where the fixture photo was "taken": tests assert that none of this survives processing.
CLINIC_LATITUDE = (52.0, 22.0, 7.5)
CLINIC_LONGITUDE = (4.0, 53.0, 12.25)
CAMERA_MAKE = "Apple"
CAMERA_MODEL = "iPhone 15 Pro"
PATIENT_CAPTION = "Jane Doe, MRN 0042, frontal"

# A pure colour the generator paints in the top-left corner of what the patient sees,
# so tests can tell whether orientation was applied (and not mirrored).
CORNER_MARK = (0, 200, 0)

SKIN = (222, 176, 148)
HAIR = (52, 36, 28)

# Orientation tag -> transpose that turns the upright picture into the stored pixels
# (the inverse of what a viewer applies).
_STORED_FROM_UPRIGHT = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def scalp_scene(width: int = 1200, height: int = 900, *, seed: int = 0, hairline: float = 0.45) -> Image.Image:
    """An upright RGB picture that behaves like a scalp photo: hair strands above a wavy
    hairline, skin below, side lighting, sensor noise, and a CORNER_MARK square top-left."""
    rng = random.Random(seed)
    scene = Image.new("RGB", (width, height), SKIN)

    # side light: brightness falls from 100% on the left to about 70% on the right
    light = Image.linear_gradient("L").rotate(90).resize((width, height)).point(lambda v: 255 - v * 80 // 255)
    scene = ImageChops.multiply(scene, Image.merge("RGB", (light, light, light)))

    hair_region = Image.new("L", (width, height), 0)
    edge = [(0, 0)]
    for step in range(33):
        x = width * step / 32
        wave = 0.06 * height * (1 - ((2 * step / 32) - 1) ** 2)  # the hairline recedes at the temples
        edge.append((x, hairline * height + wave))
    edge.append((width, 0))
    ImageDraw.Draw(hair_region).polygon(edge, fill=255)
    hair_region = hair_region.filter(ImageFilter.GaussianBlur(max(1, width // 300)))
    scene.paste(Image.new("RGB", scene.size, HAIR), mask=hair_region.point(lambda v: v * 3 // 4))

    strands = ImageDraw.Draw(scene)
    stroke = max(1, round(width / 1000))
    length = height * 0.05
    for _ in range(width * height // 450):
        x = rng.uniform(0, width)
        y = rng.uniform(0, height * (hairline + 0.08))
        dx = rng.uniform(-0.35, 0.35) * length
        shade = rng.randint(10, 90)
        strands.line([(x, y), (x + dx, y + length * rng.uniform(0.6, 1.2))], fill=(shade, shade * 3 // 4, shade // 2), width=stroke)

    noise = Image.effect_noise((width, height), 10)
    scene = ImageChops.add(scene, Image.merge("RGB", (noise, noise, noise)), scale=1.0, offset=-128)

    mark = max(8, min(width, height) // 12)
    scene.paste(CORNER_MARK, (0, 0, mark, mark))
    return scene


def camera_exif(orientation: int = 1, *, gps: bool = True) -> Image.Exif:
    """EXIF as a phone writes it: make, model, time, orientation and (optionally) a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MAKE
    exif[ExifTags.Base.Model] = CAMERA_MODEL
    exif[ExifTags.Base.DateTime] = "2026:11:02 08:15:00"
    exif[ExifTags.Base.Orientation] = orientation
    if gps:
        position = exif.get_ifd(ExifTags.IFD.GPSInfo)
        position[ExifTags.GPS.GPSLatitudeRef] = "N"
        position[ExifTags.GPS.GPSLatitude] = CLINIC_LATITUDE
        position[ExifTags.GPS.GPSLongitudeRef] = "E"
        position[ExifTags.GPS.GPSLongitude] = CLINIC_LONGITUDE
    return exif


def _iptc_segment(caption: str) -> bytes:
    """An APP13 Photoshop/IPTC segment holding a caption (record 2, dataset 120)."""
    text = caption.encode()
    record = b"\x1c\x02\x78" + struct.pack(">H", len(text)) + text
    if len(record) % 2:
        record += b"\x00"
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(record)) + record
    body = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(body) + 2) + body


def _xmp_packet() -> bytes:
    return (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="52,22.125N"'
        b' exif:GPSLongitude="4,53.2042E"/></rdf:RDF></x:xmpmeta>'
    )


def photo_jpeg(
    width: int = 1200,
    height: int = 900,
    *,
    orientation: int = 1,
    gps: bool = True,
    seed: int = 0,
    quality: int = 90,
    scene: Image.Image | None = None,
    icc_profile: bytes | None = None,
    **jpeg_options: object,
) -> bytes:
    """A phone-style JPEG that shows a `width` x `height` scalp photo (or `scene`) once its
    orientation tag is applied; it carries EXIF (make, model, orientation, GPS), XMP with GPS,
    an IPTC caption naming the patient and a comment, like real photos that went through an
    editing app; `icc_profile` and other Pillow JPEG options (progressive=True, ...) pass through."""
    upright = scene if scene is not None else scalp_scene(width, height, seed=seed)
    stored_transpose = _STORED_FROM_UPRIGHT[orientation]
    stored = upright.transpose(stored_transpose) if stored_transpose is not None else upright
    out = io.BytesIO()
    stored.save(
        out,
        "JPEG",
        quality=quality,
        exif=camera_exif(orientation, gps=gps),
        xmp=_xmp_packet(),
        comment=PATIENT_CAPTION.encode(),
        **({"icc_profile": icc_profile} if icc_profile else {}),
        **jpeg_options,
    )
    jpeg = out.getvalue()
    return jpeg[:2] + _iptc_segment(PATIENT_CAPTION) + jpeg[2:]
