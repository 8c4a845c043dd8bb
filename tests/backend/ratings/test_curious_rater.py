"""A curious rater with the browser's developer tools open: over a round of more than 100 pairs,
everything their browser received about each image (byte size, sha256, pixel size, headers, order,
response time) tells them nothing about which side is the baseline.

Control: the same guesses made on the stored files the route used to send (the demo's baselines
are smaller, and a view's baseline repeats in every pair of it) are right almost every time, so the
guesses do find a side channel where there is one.
"""

from __future__ import annotations

import hashlib
import io
import random
import time
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy.stats import binomtest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from backend.checkins.models import CheckIn
from backend.demo_photos import scalp_photo
from backend.photos.keys import rendition_key
from backend.photos.models import Photo
from backend.ratings import presentation
from backend.ratings.images import RENDITION
from backend.ratings.models import RatingTask
from tests.backend.ratings.api import create_round, new_sitting, queue, score
from tests.backend.ratings.photos import research_patient

VIEWS = ("frontal", "vertex", "crown", "left_temple", "right_temple")
MARGIN_P = 0.001  # a guess "better than chance" is one whose hit count has p < 0.001 under 50%


@dataclass
class Seen:
    size: int
    sha: str
    scan: str
    dims: tuple[int, int]
    headers: tuple
    seconds: float


async def _stored_previews(app) -> dict:
    """Every photo's preview in the store: the demo's synthetic scalp photos (later months have more hair
    and are larger files, as in the demo)."""
    sources = {(view, month): scalp_photo(view, month) for view in VIEWS for month in (0, 3, 6)}
    months = dict(await CheckIn.all().values_list("id", "month"))
    by_photo = {}
    for photo in await Photo.all():
        scene = sources[(photo.view, months[photo.checkin_id])]  # type: ignore[attr-defined]
        data = presentation.pad(scene, len(scene) + 64, random.Random(photo.id.int))  # each photo its own file
        await app.state.store.write(rendition_key(photo.storage_token, RENDITION), data, content_type="image/jpeg")
        by_photo[photo.id] = data
    return by_photo


def _accuracy(guesses: list[bool], truth: list[bool]) -> float:
    return float(np.mean([g == t for g, t in zip(guesses, truth)]))


def _guesses(shown: list[tuple[Seen, Seen]], rng: random.Random) -> dict[str, list[bool]]:
    """Each strategy's guess, per presentation, that the baseline is on the left."""
    coin = lambda: rng.random() < 0.5  # noqa: E731
    seen_before: set[str] = set()
    smaller, repeated, faster = [], [], []
    for left, right in shown:
        smaller.append(left.size < right.size if left.size != right.size else coin())
        l_old, r_old = left.sha in seen_before, right.sha in seen_before
        repeated.append(l_old if l_old != r_old else coin())
        faster.append(left.seconds < right.seconds)
        seen_before |= {left.sha, right.sha}
    return {"smaller file": smaller, "seen before": repeated, "faster response": faster}


def _learned(shown: list[tuple[Seen, Seen]], truth: list[bool]) -> float:
    """A logistic regression over every measured difference, 5-fold cross-validated accuracy."""
    seen_before: set[str] = set()
    rows = []
    for i, (left, right) in enumerate(shown):
        rows.append([
            left.size - right.size, left.dims[0] - right.dims[0], left.dims[1] - right.dims[1],
            left.seconds - right.seconds, float(left.sha in seen_before) - float(right.sha in seen_before),
            float(left.headers == right.headers), i / len(shown),
        ])
        seen_before |= {left.sha, right.sha}
    features = np.array(rows, dtype=float)
    features = (features - features.mean(axis=0)) / np.where(features.std(axis=0) > 0, features.std(axis=0), 1)
    return float(cross_val_score(LogisticRegression(), features, np.array(truth), cv=5).mean())


async def test_a_curious_rater_cannot_tell_the_baseline_from_what_their_browser_received(client, world, app, capsys):
    for i in range(10):  # 10 patients x 5 views x months 3 and 6, besides patients A and B's 4 pairs
        await research_patient(world.ids["clinic_x"], f"Curious {i}", f"C-{i:03}", months=(0, 3, 6), views=VIEWS)
    stored = await _stored_previews(app)
    rnd = await create_round(client, world, raters=("clinician@x.example",), months=[3, 6], views=list(VIEWS))
    assert rnd["pairs"] >= 100

    sitting, shown, tokens = new_sitting(), [], []
    answer = await queue(client, world, "clinician_x", rnd["id"], sitting)
    while answer["pair"] is not None:
        pair, sides = answer["pair"], []
        for side in ("left", "right"):  # the order a browser asks for them
            started = time.perf_counter()
            image = await client.get(pair[f"{side}_url"])
            seconds = time.perf_counter() - started
            assert image.status_code == 200
            sides.append(Seen(
                size=len(image.content), sha=hashlib.sha256(image.content).hexdigest(),
                scan=hashlib.sha256(presentation.scan_of(image.content)).hexdigest(),
                dims=Image.open(io.BytesIO(image.content)).size,
                headers=tuple(sorted((k, v) for k, v in image.headers.items() if k != "date")), seconds=seconds,
            ))
        shown.append((sides[0], sides[1]))
        tokens.append(pair["token"])
        given = await score(client, world, "clinician_x", rnd["id"], pair["token"], 0, sitting=sitting)
        assert given.status_code == 200, given.text
        answer = given.json()
    tasks = {t.token: t for t in await RatingTask.filter(token__in=tokens).select_related("pair")}
    truth = [tasks[token].baseline_left for token in tokens]
    assert len(shown) >= 100 and any(tasks[t].repeat for t in tokens)

    # what is the same for every image, and what is never the same twice
    every = [seen for pair in shown for seen in pair]
    assert {s.size for s in every} == {presentation.IMAGE_BYTES}
    assert {s.dims for s in every} == {presentation.CANVAS}
    assert len({s.headers for s in every}) == 1
    assert len({s.sha for s in every}) == len(every)  # no two responses share a sha256
    assert len({s.scan for s in every}) == len(every)  # nor the picture data without the padding

    rng = random.Random(2026)
    figures = {name: _accuracy(g, truth) for name, g in _guesses(shown, rng).items()}
    figures["logistic regression (all features)"] = _learned(shown, truth)
    n = len(shown)
    for name, accuracy in figures.items():
        hits = round(accuracy * n)
        assert binomtest(hits, n, 0.5).pvalue > MARGIN_P, f"{name}: {accuracy:.1%} of {n}"

    # control: the stored files, as the route sent them before, give the baseline away
    plain = []
    for token in tokens:
        pair = tasks[token].pair
        base, follow = stored[pair.baseline_photo_id], stored[pair.followup_photo_id]  # type: ignore[attr-defined]
        left, right = (base, follow) if tasks[token].baseline_left else (follow, base)
        plain.append(tuple(
            Seen(size=len(d), sha=hashlib.sha256(d).hexdigest(), scan="", dims=(0, 0), headers=(), seconds=0.0)
            for d in (left, right)
        ))
    control = {name: _accuracy(g, truth) for name, g in _guesses(plain, rng).items() if name != "faster response"}
    for name, accuracy in control.items():  # far better than chance, where the old route gave it away
        assert binomtest(round(accuracy * n), n, 0.5, alternative="greater").pvalue < MARGIN_P, name
    assert control["smaller file"] > 0.95
    with capsys.disabled():
        half = 3.29 * np.sqrt(0.25 / n)
        print(f"\ncurious rater over {n} presentations ({rnd['pairs']} pairs); chance band 50% +/- {half:.1%} (p=0.001)")
        for name, accuracy in {**figures, **{f"control: {k}": v for k, v in control.items()}}.items():
            print(f"  {name:40s} {accuracy:6.1%}")
