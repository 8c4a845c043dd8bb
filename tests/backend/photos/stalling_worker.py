"""A `follicle worker` whose photo processing stalls forever after it starts (and says so in a
file): the test kills this process mid-job with SIGKILL."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import backend.photos.processing as photo_jobs
from backend.cli import main

MARKER = Path(sys.argv[1])


def stall(*args, **kwargs):
    MARKER.write_text("processing")
    while True:
        time.sleep(1)


photo_jobs.process_photo = stall

if __name__ == "__main__":
    sys.exit(main(["worker"]))
