"""The decode budget: processing jobs wait for room instead of decoding past it."""

from __future__ import annotations

import asyncio

import pytest

from backend.imaging import decode_cost
from backend.photos.budget import DecodeBudget
from backend.settings import Settings
from tests.fixtures import images

PNG_SIZE = (1200, 900)


async def test_holders_past_the_budget_wait_and_one_larger_than_it_runs_alone():
    budget = DecodeBudget(100)
    together: list[set[int]] = []
    inside: set[int] = set()

    async def decode(number: int, cost: int) -> None:
        async with budget.hold(cost):
            inside.add(number)
            together.append(set(inside))
            await asyncio.sleep(0.01)
            inside.discard(number)

    await asyncio.gather(decode(1, 60), decode(2, 60), decode(3, 60), decode(4, 500), decode(5, 30))
    assert budget.peak <= 100
    assert all(not ({1, 2} <= seen or {1, 3} <= seen or {2, 3} <= seen) for seen in together)  # 60 + 60 > 100
    assert {4} in together and all(seen == {4} for seen in together if 4 in seen)  # the big one alone
    assert budget.in_use == 0


def test_the_cost_is_what_the_decode_holds():
    assert decode_cost(images.photo_png(*PNG_SIZE)) == 2 * PNG_SIZE[0] * PNG_SIZE[1]  # full decode and an upright copy
    upright = decode_cost(images.photo_jpeg(4000, 3000))
    assert upright == 2000 * 1500  # decoded at half scale, enough for the 1280 preview
    assert decode_cost(images.photo_jpeg(3000, 4000, orientation=6)) == 2 * 2000 * 1500  # reduced, and turned
    assert decode_cost(images.html_page()) == 0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # room for one PNG's decode at a time
    return settings.replace(decode_budget_pixels=2 * PNG_SIZE[0] * PNG_SIZE[1])


async def test_photos_completed_at_once_are_decoded_one_at_a_time_within_the_budget(app, phone_a, jobs):
    uploads = [images.photo_png(*PNG_SIZE) for _ in range(3)]
    answers = await asyncio.gather(*(phone_a.upload(data, content_type="image/png") for data in uploads))
    assert [a.status_code for a in answers] == [200, 200, 200]
    await jobs.wait_idle()
    budget: DecodeBudget = jobs.resources["decode_budget"]
    assert budget.peak == budget.pixels  # never two decodes at once
    for answer in answers:
        assert (await phone_a.status(answer.json()["id"])).json()["status"] == "ready"


_BURST = """
import asyncio, json
from backend.photos.budget import DecodeBudget

def resident_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024

def burst():
    # as a decode leaves it: a large buffer freed (glibc then keeps later ones in its heap), many
    # written buffers freed; without a trim the decode thread's arena keeps them all
    warm = bytearray(8_000_000)
    del warm
    held = [bytes(range(256)) * 12_000 for _ in range(60)]  # 60 x 3 MB, every page written
    del held

async def main():
    budget = DecodeBudget(100_000_000, threads=2)
    before = resident_mb()
    async with budget.hold(50_000_000):
        await budget.run(burst)
        during = resident_mb()
    after = resident_mb()
    budget.close()
    print(json.dumps({"before": before, "during": during, "after": after, "trims": budget.trims}))

asyncio.run(main())
"""


def test_memory_freed_by_a_burst_of_decodes_goes_back_to_the_system():
    """After the last decode of a burst lets go, the process's resident memory falls back (glibc),
    measured in a fresh process of its own."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from backend.photos.budget import give_back_memory

    if not sys.platform.startswith("linux") or not give_back_memory():
        pytest.skip("glibc's malloc_trim is needed")
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-c", _BURST], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["trims"] == 1
    assert seen["during"] - seen["before"] > 60  # the burst's freed memory was still held by the process
    assert seen["after"] < seen["before"] + 20, seen
