"""What may follow a JPEG's end-of-image marker, and nothing else may.

Phones store more than the photo in one file: a gain map or depth map as further JPEG images
(MPF), and "motion photos" end with a short MP4. Those are accepted when their structure says
exactly what they are and where they end; anything else after the picture (HTML, a ZIP, a script,
a video the photo's own XMP does not describe) makes the upload a polyglot and it is refused. The
cleaned photo keeps none of it (`jpeg_rewrite` copies the picture and stops at its end).

Accepted, each checked byte for byte:
- padding (zeros, 0xFF, whitespace) at the very end;
- up to four further whole JPEG images (MPF secondary images: gain maps, depth maps);
- Google's motion photo: the primary image's XMP lists a `Container:Directory`; the items after
  the primary (`Item:Length` bytes each, in order, after the primary's `Item:Padding`) fill the
  rest of the file exactly, each a whole JPEG (image/jpeg) or a well-formed MP4 (video/mp4);
  or the older `GCamera:MicroVideo` form, whose `MicroVideoOffset` counts back from the end of
  the file to the start of a well-formed MP4 that runs to the end;
- Samsung's trailer: an "SEFH" directory closed by "SEFT" at the end of the file, whose blocks
  (each named, e.g. "MotionPhoto_Data" holding the MP4) tile the bytes after the picture.
"""

from __future__ import annotations

import re
import struct

from backend.imaging.iso_boxes import BadBoxes, boxes
from backend.imaging.jpeg_segments import APP1, SOS, MalformedJpeg, TruncatedJpeg, jpeg_end, segments

PADDING = b"\x00\xff\r\n "
MAX_TRAILING_IMAGES = 4
_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
_ITEM = re.compile(rb"<(?:\w+:)?Item\b([^>]*)>")
_ATTRIBUTE = re.compile(rb"\b(\w+):(Mime|Semantic|Length|Padding)\s*=\s*\"([^\"]*)\"")
_MICRO_VIDEO_OFFSET = re.compile(rb"\b\w+:MicroVideoOffset\s*=\s*\"(\d+)\"")
# top-level boxes an MP4 written by a phone's camera holds
_MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"meta", b"udta", b"sidx", b"mfra", b"pdin"}
# the blocks Samsung cameras write into their trailer; only the motion photo's may be large
_SAMSUNG_BLOCKS = {
    b"MotionPhoto_Data", b"MotionPhoto_Version", b"MotionPhoto_AutoPlay", b"Image_UTC_Data", b"MCC_Data",
    b"Camera_Capture_Mode_Info", b"Shot_Mode_Info", b"Color_Display_P3", b"Photo_HDR_Info", b"Interactive_Panorama_Info",
}
_SMALL_BLOCK = 4096


class UnknownTrailer(ValueError):
    """Something follows the picture that is not a container the photo describes."""


def check_jpeg_trailer(data: bytes, picture_end: int) -> None:
    """Accept what follows the primary picture (ending at `picture_end`) only if it is one of the
    containers above, whole. Raises UnknownTrailer; TruncatedJpeg for a further image cut short."""
    end = len(data)
    if not data[picture_end:].strip(PADDING):
        return
    samsung = _samsung_trailer_start(data, picture_end)
    if samsung is not None:
        end = samsung
        if not data[picture_end:end].strip(PADDING):
            return
    items = _container_items(data)
    if items is not None:
        _check_container(data, picture_end, end, items)
        return
    offset = _micro_video_offset(data)
    if offset is not None:
        video = len(data) - offset
        if not picture_end <= video <= end:
            raise UnknownTrailer("the motion photo's video is not where its XMP says")
        _check_images(data, picture_end, video)
        check_mp4(data, video, end)
        return
    _check_images(data, picture_end, end)


def check_mp4(data: bytes, start: int, end: int) -> None:
    """data[start:end] is exactly one MP4: an ftyp box first, a moov and an mdat, nothing else at the top."""
    try:
        found = [box.kind for box in boxes(data, start, end)]
    except BadBoxes as error:
        raise UnknownTrailer(f"not a whole MP4: {error}") from None
    if not found or found[0] != b"ftyp" or b"moov" not in found or b"mdat" not in found:
        raise UnknownTrailer("not an MP4")
    if not set(found) <= _MP4_BOXES:
        raise UnknownTrailer("an MP4 with boxes a camera does not write")


def _check_images(data: bytes, start: int, end: int) -> None:
    """Further whole JPEG images (at most four) from `start`, then padding only, up to `end`."""
    pos, images = start, 0
    while pos < end:
        if not data[pos:end].strip(PADDING):
            return
        if data[pos : pos + 3] != b"\xff\xd8\xff" or images == MAX_TRAILING_IMAGES:
            raise UnknownTrailer("something other than a photo follows the picture")
        try:
            pos = jpeg_end(data[:end], pos)
        except MalformedJpeg:
            raise UnknownTrailer("a damaged image follows the picture") from None
        images += 1


def _xmp(data: bytes) -> bytes | None:
    """The primary image's XMP packet (its first APP1 XMP segment), if any."""
    try:
        for segment in segments(data):
            if segment.marker == APP1 and data[segment.body : segment.body + len(_XMP_HEADER)] == _XMP_HEADER:
                return data[segment.body + len(_XMP_HEADER) : segment.body_end]
            if segment.marker == SOS:
                return None
    except (TruncatedJpeg, MalformedJpeg):
        return None
    return None


def _container_items(data: bytes) -> list[dict[bytes, bytes]] | None:
    xmp = _xmp(data)
    if xmp is None or b"Directory" not in xmp:
        return None
    items = []
    for match in _ITEM.finditer(xmp):
        attributes = {name: value for _, name, value in _ATTRIBUTE.findall(match.group(1))}
        if b"Mime" in attributes:
            items.append(attributes)
    return items or None


def _micro_video_offset(data: bytes) -> int | None:
    xmp = _xmp(data)
    found = _MICRO_VIDEO_OFFSET.search(xmp) if xmp else None
    return int(found.group(1)) if found else None


def _check_container(data: bytes, picture_end: int, end: int, items: list[dict[bytes, bytes]]) -> None:
    """The directory's items after the primary fill data[picture_end + padding:end] exactly."""
    primary, *others = items
    if primary.get(b"Semantic") != b"Primary" or primary.get(b"Mime") != b"image/jpeg":
        raise UnknownTrailer("the container's first item is not the photo")
    pos = picture_end + _number(primary.get(b"Padding", b"0"))
    for item in others:
        length = _number(item.get(b"Length", b""))
        item_end = pos + length
        if length == 0 or item_end > end:
            raise UnknownTrailer("a container item runs past the file")
        mime = item[b"Mime"]
        if mime == b"video/mp4":
            check_mp4(data, pos, item_end)
        elif mime == b"image/jpeg":
            try:
                if jpeg_end(data[:item_end], pos) != item_end:
                    raise UnknownTrailer("a container image is not the length its directory says")
            except (TruncatedJpeg, MalformedJpeg):
                raise UnknownTrailer("a container image is damaged") from None
        else:
            raise UnknownTrailer("a container item of a kind a photo does not carry")
        pos = item_end
    if data[pos:end].strip(PADDING):
        raise UnknownTrailer("bytes the container does not describe follow its items")


def _number(text: bytes) -> int:
    if not text.isdigit() or len(text) > 12:
        raise UnknownTrailer("a container length that is not a number")
    return int(text)


def _samsung_trailer_start(data: bytes, picture_end: int) -> int | None:
    """Where Samsung's trailer begins, when the file ends with one whose blocks tile the bytes
    from there to its directory; None when there is none. Raises UnknownTrailer when one is
    there but does not hold together."""
    if len(data) < 16 or data[-4:] != b"SEFT":
        return None
    (directory_length,) = struct.unpack_from("<I", data, len(data) - 8)
    directory = len(data) - 8 - directory_length
    if directory < picture_end or data[directory : directory + 4] != b"SEFH" or directory_length < 12:
        raise UnknownTrailer("a damaged Samsung trailer")
    (count,) = struct.unpack_from("<I", data, directory + 8)
    if 12 + 12 * count > directory_length:
        raise UnknownTrailer("a damaged Samsung trailer")
    spans = []
    for n in range(count):
        _, _, offset, length = struct.unpack_from("<HHII", data, directory + 12 + 12 * n)
        start = directory - offset
        if start < picture_end or start + length > directory:
            raise UnknownTrailer("a Samsung block outside its trailer")
        spans.append((start, start + length))
    spans.sort()
    first = spans[0][0] if spans else directory
    pos = first
    for start, stop in spans:
        if start != pos:
            raise UnknownTrailer("Samsung blocks with gaps between them")
        _check_samsung_block(data, start, stop)
        pos = stop
    if pos != directory:
        raise UnknownTrailer("bytes between Samsung's blocks and their directory")
    return first


def _check_samsung_block(data: bytes, start: int, stop: int) -> None:
    """A block: 2 bytes, its type (2 bytes), its name's length (4 bytes, little-endian), the name, the data."""
    if stop - start < 8:
        raise UnknownTrailer("a damaged Samsung block")
    (name_length,) = struct.unpack_from("<I", data, start + 4)
    name = data[start + 8 : start + 8 + name_length]
    if name not in _SAMSUNG_BLOCKS or start + 8 + name_length > stop:
        raise UnknownTrailer("a Samsung block of a kind a camera does not write")
    payload = start + 8 + name_length
    if name == b"MotionPhoto_Data":
        check_mp4(data, payload, stop)
    elif stop - payload > _SMALL_BLOCK:
        raise UnknownTrailer("a Samsung block larger than its kind")
