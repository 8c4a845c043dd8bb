"""Photo processing for the upload job: sniff the type, refuse what is not a safe photo,
strip metadata, apply orientation, write thumbnails and quality metrics. Pure functions,
no storage or queue: the job that calls them owns those."""

from backend.imaging.processing import (
    DEFAULT_MAX_PIXELS,
    DEFAULT_THUMBNAILS,
    ProcessedPhoto,
    decode_cost,
    process_photo,
)
from backend.imaging.sniff import CONTENT_TYPES, SNIFF_BYTES, sniff_image_type

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_THUMBNAILS",
    "SNIFF_BYTES",
    "ProcessedPhoto",
    "decode_cost",
    "process_photo",
    "sniff_image_type",
]
