"""Blinded rating in a real browser: two raters score a round of 22 presentations (20 pairs, 2 shown
again) with the keyboard, one undoes a score, the agreement page shows what an independent
computation here finds, and nothing either rater's browser received leads back to a patient.

Screenshots: tests/artifacts/dashboard/20-rater-view*.png, 20-rater-reasons-tablet*.png, 21-rater-done.png,
22-agreement.png."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import httpx
import numpy as np
import pytest

from tests.backend.ratings.test_statistics import _alpha_by_hand, _icc21_by_hand, _kappa_by_hand
from tests.e2e import seed as seeding
from tests.e2e.conftest import CHROMIUM, SKIP_REASON, shot

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(SKIP_REASON, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser

SECOND_RATER = "second.rater@northside.example"
SECOND_PASSWORD = "second-rater-password"


def _rows(database_url: str, sql: str) -> list[tuple]:
    """Read the server's database directly: the test's oracle, never the rater's browser."""
    if database_url.startswith("sqlite://"):
        with sqlite3.connect(database_url.removeprefix("sqlite://")) as db:
            return db.execute(sql).fetchall()

    async def fetch() -> list[tuple]:
        import asyncpg

        conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
        try:
            return [tuple(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()

    # Playwright's sync API keeps an event loop running in this thread: query from another one
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, fetch()).result()


@dataclass
class Received:
    """Everything one browser received: every response's URL, status, headers and body."""

    urls: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)  # the dashboard's own CSS and JS, the same for everyone
    images: list[bytes] = field(default_factory=list)

    def record(self, response) -> None:
        self.urls.append(response.url)
        self.texts.append(response.url)
        static = "/dashboard/static/" in response.url
        self.texts.extend(
            f"{k}: {v}"
            for k, v in response.all_headers().items()
            # the server's clock when it answered, and the mtime of the dashboard's own files: the same
            # for every rater and nothing of a patient's (an image's Last-Modified is still scanned)
            if k != "date" and not (static and k == "last-modified")
        )
        try:
            body = response.body()
        except Exception:  # a redirect has no body to read
            return
        if response.headers.get("content-type", "").startswith("image/"):
            self.images.append(body)  # compressed bytes: scanned for long values only, below
            return
        (self.code if static else self.texts).append(body.decode("latin-1"))


def _round(client: httpx.Client, admin: dict) -> tuple[str, dict[str, str]]:
    """The timeline patient consents to research; a clinician joins; the admin draws a round."""
    seeded_patient = client.get("/patients", params={"q": "Alex Morgan"}, headers=admin).json()["items"][0]
    assert client.patch(
        f"/patients/{seeded_patient['id']}", json={"consent": {"care": True, "research": True}}, headers=admin
    ).status_code == 200
    second = client.post(
        "/clinic/staff", json={"email": SECOND_RATER, "name": "Dr Second Rater", "role": "clinician", "password": SECOND_PASSWORD},
        headers=admin,
    )
    assert second.status_code == 201, second.text
    me = client.get("/auth/me", headers=admin).json()
    created = client.post(
        "/ratings/rounds",
        json={"name": "Autumn panel", "months": [1, 2, 3, 4], "rater_ids": [me["id"], second.json()["id"]]},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["pairs"] == 20 and body["retest_pairs"] == 2
    return body["id"], {me["email"]: me["id"], SECOND_RATER: second.json()["id"]}


def _intended(month: int, view: str, rater: int) -> int:
    """What each rater means to score (follow-up against baseline): regrowth with the months, and
    a point of disagreement on some views."""
    base = min(3, month - 1)
    wobble = {("vertex", 1): 1, ("crown", 0): -1, ("left_temple", 1): -1}.get((view, rater), 0)
    return max(-3, min(3, base + wobble))


def _rate_queue(page, live_server, round_id: str, email: str, password: str, rater: int, tasks: dict, undo: bool) -> Received:
    received = Received()
    page.on("response", received.record)
    page.goto(f"/dashboard/sign-in?next=/dashboard/ratings/{round_id}/rate")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/dashboard/ratings/{round_id}/rate")
    count = page.locator("#rater-count")
    for done in range(22):
        expect(count).to_have_text(f"{done} of 22")
        expect(page.locator("#rater[data-state=ready]")).to_have_count(1)
        expect(page.locator("#rater-left")).to_have_attribute("src", re.compile(r"^blob:"))
        current = page.locator("#rater").get_attribute("data-shown")
        month, view, baseline_left, _ = tasks[current]  # the test's oracle; the browser knows none of it
        press = _intended(month, view, rater) * (1 if baseline_left else -1)
        if undo and done == 5:
            wrong = -3 if press != -3 else 3
            page.keyboard.press(str(wrong + 4))
            expect(count).to_have_text(f"{done + 1} of 22")
            expect(page.locator("#rater[data-state=ready]")).to_have_count(1)
            expect(page.get_by_role("button", name=re.compile("Undo"))).to_be_enabled()
            shot(page, "20-rater-view-before-undo", full_page=False)
            page.keyboard.press("z")
            expect(count).to_have_text(f"{done} of 22")
            expect(page.locator("#rater[data-state=ready]")).to_have_count(1)
            assert page.locator("#rater").get_attribute("data-shown") == current  # the undone pair comes back
        if done == 3 and rater == 0:
            page.keyboard.press("+")
            page.keyboard.press("+")
            shot(page, "20-rater-view-zoomed", full_page=False)
            page.keyboard.press("0")
        if done == 2:
            shot(page, f"20-rater-view-{rater}", full_page=False)
        if done == 4 and rater == 0:
            _reasons_fit_at_tablet_width(page)
        page.keyboard.press(str(press + 4))
    expect(page.get_by_role("heading", name="Your queue is done")).to_be_visible()
    expect(count).to_have_text("22 of 22")
    shot(page, f"21-rater-done-{rater}", full_page=False)
    page.remove_listener("response", received.record)
    return received


def _reasons_fit_at_tablet_width(page) -> None:
    """At tablet width, upright and on its side, "cannot rate" puts a row of reasons in the scale's
    place that a rater sees whole: on screen without scrolling, no button cut or pushed past the
    edge, no label clipped; Esc brings the scale back."""
    for name, width, height in (("tablet", 768, 1024), ("tablet-landscape", 1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        scale = page.get_by_role("group", name="Score")
        expect(scale).to_be_visible()
        box = scale.bounding_box()
        assert box and box["y"] + box["height"] <= height, f"the scale is below the fold at {width}x{height}"
        page.keyboard.press("u")
        reasons = page.get_by_role("group", name="Why this pair cannot be rated")
        expect(reasons).to_be_visible()
        expect(scale).to_be_hidden()
        shot(page, f"20-rater-reasons-{name}", full_page=False)
        assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("document.documentElement.clientWidth")
        row = reasons.bounding_box()
        assert row and row["y"] + row["height"] <= height, f"the reasons are below the fold at {width}x{height}"
        buttons = reasons.get_by_role("button").all()
        assert [b.inner_text().split()[-1] for b in buttons] == ["Blurred", "angle", "differently", "Lighting", "Back"]
        for button in buttons:
            box = button.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, button.inner_text()
            assert button.evaluate("b => b.scrollWidth <= b.clientWidth && b.scrollHeight <= b.clientHeight"), button.inner_text()
        page.keyboard.press("Escape")
        expect(reasons).to_be_hidden()
        expect(scale).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 860})


def test_two_raters_score_a_round_blinded_with_the_keyboard_and_the_agreement_page_agrees(chromium, live_server):
    seeded = live_server.seeded
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        signed = client.post("/auth/sign-in", json={"email": seeding.ADMIN_X, "password": seeding.PASSWORD})
        admin = {"Authorization": f"Bearer {signed.json()['token']}"}
        round_id, staff_ids = _round(client, admin)
    db = live_server.database_url
    rows = _rows(
        db,
        "SELECT t.token, p.month, p.view, t.baseline_left, t.repeat, s.email, p.id FROM rating_task t "
        "JOIN rating_pair p ON p.id = t.pair_id JOIN rating_rater r ON r.id = t.rater_id "
        f"JOIN staff_user s ON s.id = r.staff_id WHERE t.round_id = '{round_id}'",
    )
    tasks = {token: (month, view, bool(left), str(pair)) for token, month, view, left, _, _, pair in rows}

    raters = [(seeding.ADMIN_X, seeding.PASSWORD), (SECOND_RATER, SECOND_PASSWORD)]
    received = []
    for index, (email, password) in enumerate(raters):
        context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
        context.set_default_timeout(15_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        received.append(_rate_queue(page, live_server, round_id, email, password, index, tasks, undo=index == 0))
        if index == 1:
            page.get_by_role("link", name="See the agreement").click()
            expect(page.get_by_role("heading", name="Rater agreement")).to_be_visible()
            shot(page, "22-agreement")
            _agreement_matches_an_independent_computation(page, tasks)
            page.set_viewport_size({"width": 768, "height": 1024})
            page.goto(f"/dashboard/ratings/{round_id}")
            shot(page, "23-round-tablet")
        context.close()
        assert errors == []

    # the undone score is kept, withdrawn, and the pair was scored again
    withdrawn = _rows(db, f"SELECT count(*) FROM rating_score s JOIN rating_task t ON t.id = s.task_id WHERE t.round_id = '{round_id}' AND s.withdrawn_at IS NOT NULL")
    assert withdrawn == [(1,)]
    _nothing_leads_back_to_a_patient(received, db, seeded)


def _agreement_matches_an_independent_computation(page, tasks: dict) -> None:
    pairs = sorted({pair for (_, _, _, pair) in tasks.values()})
    info = {pair: (month, view) for (month, view, _, pair) in tasks.values()}
    matrix = np.array([[_intended(*info[p], rater) for p in pairs] for rater in range(2)], dtype=float)

    def shown(selector: str) -> float:
        return float(page.locator(selector).first.inner_text().strip().rstrip("%"))

    overall = 'tr[data-view="all"]'
    assert shown(f"{overall} td.alpha .figure") == round(_alpha_by_hand(matrix, list(range(-3, 4))), 3)
    assert shown(f"{overall} td.icc .figure") == round(_icc21_by_hand(matrix.T), 3)
    assert shown("#agreement-kappas td.kappa .figure") == round(_kappa_by_hand(matrix[0], matrix[1], list(range(-3, 4))), 3)
    # 4 pairs a view, 2 repeats a rater: below the minimum, said in words, never a number or NaN
    expect(page.locator('tr[data-view="frontal"] td.icc')).to_have_text("too few pairs")
    expect(page.locator('tr[data-view="vertex"] td.alpha')).to_have_text("too few pairs")
    assert "nan" not in page.locator("main").inner_text().lower().split()
    for cell in page.locator("#agreement-retest td.identical").all():
        assert cell.inner_text() == "too few pairs"
    assert page.locator("#agreement-retest tbody tr").count() == 2


def _nothing_leads_back_to_a_patient(received: list[Received], db: str, seeded) -> None:
    photos = _rows(db, "SELECT id, storage_token, patient_id, captured_at FROM photo")
    patients = _rows(db, "SELECT id, display_name, record_number, baseline_date FROM patient")
    sessions = _rows(db, "SELECT lot_number, product, scheduled_at FROM injection_session")
    pairs = _rows(db, "SELECT id, baseline_photo_id, followup_photo_id FROM rating_pair")
    forbidden: list[str] = []
    for pid, name, record, baseline in patients:
        forbidden += [str(pid), name, record, *_date_forms(baseline)]
    for photo_id, storage_token, _, captured in photos:
        forbidden += [str(photo_id), storage_token, *_date_forms(captured)]
    for lot, product, when in sessions:
        forbidden += [lot, product, *_date_forms(when)] if lot else [*_date_forms(when)]
    forbidden += [str(p[0]) for p in pairs]
    forbidden = sorted({f for f in forbidden if f})
    # specific lots and record numbers are among the values; the navigation's "Lot search" names none
    words = ["exosomes?", "prp", "platelet", "microneedling", "combination", "treatment", "months?", "baseline", "follow-up"]
    values = "|".join(re.escape(f) for f in forbidden)
    pattern = re.compile(r"(?<![A-Za-z0-9_-])(" + values + "|" + "|".join(words) + r")(?![A-Za-z0-9_-])", re.I)
    in_code = re.compile(r"(?<![A-Za-z0-9_-])(" + values + r")(?![A-Za-z0-9_-])", re.I)
    for rater in received:
        assert rater.urls and rater.images and rater.code, "nothing was recorded"
        assert any("/ratings/images/" in u for u in rater.urls)
        for text in rater.code:
            assert in_code.search(text) is None
        for text in rater.texts:
            found = pattern.search(text)
            assert found is None, f"a rater's browser received {found.group(0)!r} in: {text[max(0, found.start() - 80): found.end() + 80]!r}"
        for url in rater.urls:
            assert "/store/objects/" not in url and "photos/" not in url  # no store URL or object key
        long_values = [f.encode() for f in forbidden if len(f) >= 8]
        for image in rater.images:
            assert b"Exif" not in image and b"<x:xmpmeta" not in image  # no metadata in the bytes
            assert not [v for v in long_values if v in image]


def _date_forms(value) -> list[str]:
    """A date as ISO, as the dashboard writes it ("5 Jul 2026") and day/month/year."""
    if value is None:
        return []
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if hasattr(value, "hour"):  # a datetime
        value = value.date()
    return [value.isoformat(), f"{value.day} {value:%b %Y}", f"{value:%d/%m/%Y}"]

