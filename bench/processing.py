"""Processing benchmark: one 12-megapixel phone JPEG through process_photo against one plain
Pillow full decode of the same file, for an upright and a rotated (EXIF orientation 6) photo,
and the peak memory of a process doing it.

Targets (docs: DESIGN.md): process_photo at most 1.5x the plain decode; peak memory of a
worker under 200 MB. Run: `python bench/processing.py [--runs N]`; `--tiny` processes a small
photo once, to check that it still runs.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from backend.imaging import process_photo  # noqa: E402
from bench.photos import photo_jpeg  # noqa: E402

TIME_TARGET = 1.5
MEMORY_TARGET_MB = 200

# Runs in a fresh interpreter: peak RSS of importing the pipeline and reading the photo, then
# after processing it. VmHWM is this process's own high-water mark (ru_maxrss would also count
# the parent's memory, folded in at exec).
_MEMORY_PROBE = """
import json, sys
from backend.imaging import process_photo

def peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

data = sys.stdin.buffer.read()
before = peak_kb()
process_photo(data)
print(json.dumps({"imports_and_input_kb": before, "peak_kb": peak_kb()}))
"""


def plain_decode(data: bytes) -> None:
    Image.open(io.BytesIO(data)).load()


def median_seconds(action: Callable[[bytes], object], data: bytes, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action(data)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def peak_memory_mb(data: bytes) -> tuple[float, float]:
    """(RSS after imports and reading the photo, peak RSS after processing it), in MB."""
    probe = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE], input=data, capture_output=True, check=True, cwd=ROOT
    )
    figures = json.loads(probe.stdout)
    return figures["imports_and_input_kb"] / 1024, figures["peak_kb"] / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per figure (median reported)")
    parser.add_argument("--tiny", action="store_true", help="a 1,600 x 1,200 photo, one run")
    args = parser.parse_args()
    runs = 1 if args.tiny else args.runs
    long_side, short_side = (1600, 1200) if args.tiny else (4000, 3000)

    photos = {
        "upright (orientation 1)": photo_jpeg(long_side, short_side, orientation=1),
        "rotated (orientation 6)": photo_jpeg(short_side, long_side, orientation=6),
    }
    megapixels = long_side * short_side / 1e6
    print(f"{megapixels:.0f} MP photo-like JPEG with EXIF and GPS, median of {runs} runs, Pillow {Image.__version__}")
    verdicts = []
    for name, data in photos.items():
        process_photo(data)  # warm up: imports, code paths, allocator
        decode = median_seconds(plain_decode, data, runs)
        processed = median_seconds(process_photo, data, runs)
        ratio = processed / decode
        base_mb, peak_mb = peak_memory_mb(data)
        result = process_photo(data)
        print(f"\n{name}: {len(data) / 1e6:.1f} MB in, {len(result.image_jpeg) / 1e6:.1f} MB out, reencoded={result.reencoded}")
        print(f"  plain Pillow full decode   {decode * 1000:7.1f} ms")
        print(f"  process_photo              {processed * 1000:7.1f} ms   ratio {ratio:.2f}x (target <= {TIME_TARGET}x)")
        print(f"  worker peak RSS            {peak_mb:7.1f} MB   (imports + input {base_mb:.1f} MB; target < {MEMORY_TARGET_MB} MB)")
        verdicts.append((name, ratio <= TIME_TARGET, peak_mb < MEMORY_TARGET_MB))

    print()
    for name, fast_enough, small_enough in verdicts:
        print(f"{name}: time {'met' if fast_enough else 'MISSED'}, memory {'met' if small_enough else 'MISSED'}")


if __name__ == "__main__":
    main()
