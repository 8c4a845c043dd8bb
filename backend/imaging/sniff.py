"""Tell what kind of picture an upload is from its first bytes, never from its name or claimed type."""

from __future__ import annotations

# Read this many bytes from the start of an upload before calling sniff_image_type.
SNIFF_BYTES = 64

CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heic": "image/heic",
}

# ISO base media brands of HEVC-coded HEIF pictures (what iPhones write); AVIF is not accepted.
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
_GENERIC_HEIF_BRANDS = {b"mif1", b"msf1"}


def sniff_image_type(head: bytes) -> str | None:
    """Return "jpeg", "png", "webp" or "heic" when `head` (the first SNIFF_BYTES bytes of a
    file) starts like one of the photo formats Follicle accepts, else None (HTML, scripts,
    archives, empty files, other image formats)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if _is_heic(head):
        return "heic"
    return None


def _is_heic(head: bytes) -> bool:
    """An ISO 'ftyp' box naming an HEVC HEIF brand as its major or a compatible brand."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    if major in _HEIC_BRANDS:
        return True
    if major not in _GENERIC_HEIF_BRANDS:
        return False
    # generic HEIF: look for an HEVC brand among the compatible brands (skip minor version)
    brands_end = min(box_size, len(head))
    compatible = {head[i : i + 4] for i in range(16, brands_end - 3, 4)}
    return bool(compatible & _HEIC_BRANDS)
