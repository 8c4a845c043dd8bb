"""Reading the clinic's enrolment QR code from a picture (a camera frame or an image file).

zxing-cpp on the desktop (a wheel on PyPI), pyzbar on Android (python-for-android has libzbar and
pyzbar recipes). `available()` is False when neither is installed; the enrol screen then offers
only the typed code.
"""

from __future__ import annotations

from PIL import Image


def available() -> bool:
    return _zxing() is not None or _pyzbar() is not None


def decode_qr(image: Image.Image) -> str | None:
    """The text of the first QR code found in `image`, or None."""
    rgb = image.convert("RGB")
    zxing = _zxing()
    if zxing is not None:
        for result in zxing.read_barcodes(rgb):
            if result.text:
                return result.text
        return None
    pyzbar = _pyzbar()
    if pyzbar is not None:
        for symbol in pyzbar.decode(rgb):
            return symbol.data.decode("utf-8", "replace")
    return None


def _zxing():
    try:
        import zxingcpp
    except ImportError:
        return None
    return zxingcpp


def _pyzbar():
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError):  # OSError: the zbar shared library is missing
        return None
    return pyzbar
