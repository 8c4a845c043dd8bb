"""Coverage index benchmark: what the index adds to processing one 12-megapixel photo.

The same photo (a scalp of planted coverage, backend/demo_photos.py) through process_photo
without a view (no index) and with view="vertex" (the index on the largest thumbnail the job
already holds), runs interleaved in one process, medians reported; and the index alone.
Upright (the lossless path) and rotated (EXIF orientation 6: full decode and re-encode).

Target (DESIGN.md): the index adds at most 20% to processing. Run: `python bench/coverage.py
[--runs N]`; `--tiny` processes a small photo once, to check that it still runs.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from backend.demo_photos import planted_scalp_photo  # noqa: E402
from backend.imaging import process_photo  # noqa: E402
from shared.coverage import coverage_index  # noqa: E402

TARGET = 0.20


def rotated(data: bytes) -> bytes:
    """The same photo stored sideways with EXIF orientation 6, as many phones write it."""
    image = Image.open(io.BytesIO(data))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.transpose(Image.Transpose.ROTATE_90).save(out, format="JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per figure (median reported)")
    parser.add_argument("--tiny", action="store_true", help="a 1,200 x 1,600 photo, one run")
    args = parser.parse_args()
    runs = 1 if args.tiny else args.runs
    size = (1200, 1600) if args.tiny else (3000, 4000)
    width = (2, 4) if args.tiny else (5, 9)
    planted = planted_scalp_photo(40, skin="medium", hair="brown", size=size, hair_width=width, seed=12)
    photos = {"upright (orientation 1)": planted.jpeg, "rotated (orientation 6)": rotated(planted.jpeg)}
    print(f"{size[0] * size[1] / 1e6:.0f} MP scalp photo, planted visible scalp {planted.visible:.1f}%, median of {runs} runs")
    verdicts = []
    for name, data in photos.items():
        process_photo(data, view="vertex")  # warm up: imports, code paths, allocator
        without, with_index = [], []
        for _ in range(runs):  # interleaved, so a busy machine weighs on both alike
            started = time.perf_counter()
            process_photo(data)
            without.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = process_photo(data, view="vertex")
            with_index.append(time.perf_counter() - started)
        preview = Image.open(io.BytesIO(result.thumbnails["preview"]))
        preview.load()
        alone = []
        for _ in range(runs):
            started = time.perf_counter()
            coverage_index(preview, "vertex")
            alone.append(time.perf_counter() - started)
        base, full, index = statistics.median(without), statistics.median(with_index), statistics.median(alone)
        added = full / base - 1
        print(f"\n{name}: index {result.coverage.value} (planted {planted.visible:.1f}), measured on {preview.width} x {preview.height}")
        print(f"  process_photo without the index   {base * 1000:7.1f} ms")
        print(f"  process_photo with the index      {full * 1000:7.1f} ms   +{added * 100:.1f}% (target <= +{TARGET * 100:.0f}%)")
        print(f"  the index alone on the preview    {index * 1000:7.1f} ms   ({index / base * 100:.1f}% of processing)")
        verdicts.append((name, added <= TARGET))
    print()
    for name, met in verdicts:
        print(f"{name}: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
