"""The registry takes signed summaries once per clinic and period, refuses forged, replayed,
disclosure-failing and departed clinics' messages (nothing stored), and pools what it holds."""

from __future__ import annotations

import math
import random

import msgspec
import numpy as np
import pytest

from shared.contract.network import HarmCell, LotSummary
from tests.backend.registry.network import NetworkClinic, arm
from tests.backend.registry.test_pooling import independent


async def pooled(registry) -> dict:
    response = await registry.get("/network/pooled")
    assert response.status_code == 200
    return response.json()


def figure(body: dict, arm_name: str, name: str, month: int | None) -> dict:
    return next(f for f in body["figures"] if (f["arm"], f["figure"], f["month"]) == (arm_name, name, month))


async def test_a_summary_is_stored_once_a_newer_replaces_it_and_an_older_is_a_replay(registry):
    clinic = NetworkClinic("North")
    await clinic.join(registry)
    rng = random.Random(1)
    first = clinic.signed(clinic.summary("2026-11", [arm("exosomes", rng)]))
    receipt = (await registry.post("/network/submissions", json=first)).json()
    assert receipt["replaced_earlier"] is False
    # the same message again (a retry after a lost answer): the same receipt, nothing doubled
    again = await registry.post("/network/submissions", json=first)
    assert again.status_code == 200 and again.json()["digest"] == receipt["digest"]
    assert (await pooled(registry))["clinics"] == 1
    newer = clinic.signed(clinic.summary("2026-11", [arm("exosomes", rng, patients=60)]))
    assert (await registry.post("/network/submissions", json=newer)).json()["replaced_earlier"] is True
    assert (await pooled(registry))["patients"] == 60
    # the first message, captured and sent again after the newer one: a replay
    replay = await registry.post("/network/submissions", json=first)
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "submission_replayed"
    assert (await pooled(registry))["patients"] == 60


async def test_a_forged_or_unknown_signature_is_refused_and_nothing_stored(registry):
    clinic, intruder = NetworkClinic("North"), NetworkClinic("Intruder")
    await clinic.join(registry)
    rng = random.Random(2)
    forged = clinic.signed(clinic.summary("2026-11", [arm("prp", rng)]), key=intruder.private_key)
    response = await registry.post("/network/submissions", json=forged)
    assert response.status_code == 403 and response.json()["error"]["code"] == "signature_invalid"
    # a genuine signature over a payload changed afterwards
    genuine = clinic.signed(clinic.summary("2026-11", [arm("prp", rng)]))
    tampered = {**genuine, "payload": genuine["payload"].replace('"patients":40', '"patients":400', 1)}
    assert (await registry.post("/network/submissions", json=tampered)).status_code == 403
    # a clinic id the registry never issued
    stranger = NetworkClinic("Stranger", clinic_id="00000000-0000-0000-0000-000000000000")
    unknown = stranger.signed(stranger.summary("2026-11", [arm("prp", rng)]))
    assert (await registry.post("/network/submissions", json=unknown)).status_code == 403
    assert (await pooled(registry))["clinics"] == 0


async def test_figures_from_fewer_than_five_patients_are_refused_whole(registry):
    clinic = NetworkClinic("North")
    await clinic.join(registry)
    rng = random.Random(3)
    small = arm("prp", rng)
    small.efficacy[0].patients = 3
    lot = LotSummary(treatment="prp", lot_number="PRP-1", patients=4, sessions=9, moderate_or_worse=1, serious=0)
    response = await registry.post("/network/submissions", json=clinic.signed(clinic.summary("2026-11", [small], [lot])))
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "disclosure_failed" and "prp month 3" in body["details"]["cells"]
    assert "lot PRP-1" in body["details"]["cells"]
    assert (await pooled(registry))["clinics"] == 0


async def test_a_clinic_that_leaves_drops_out_and_cannot_send_again(registry):
    north, south = NetworkClinic("North"), NetworkClinic("South")
    for c in (north, south):
        await c.join(registry)
    rng = random.Random(4)
    for c in (north, south):
        assert (await registry.post("/network/submissions", json=c.signed(c.summary("2026-11", [arm("exosomes", rng)])))).status_code == 200
    assert figure(await pooled(registry), "exosomes", "consensus", 6)["clinics"] == 2
    north.sequence += 1
    leave = north.signed({"clinic": north.clinic_id, "sequence": north.sequence, "action": "withdraw"})
    assert (await registry.post("/network/withdrawals", json=leave)).status_code == 204
    body = await pooled(registry)
    assert body["clinics"] == 1 and figure(body, "exosomes", "consensus", 6)["pooled"] is None
    late = await registry.post("/network/submissions", json=north.signed(north.summary("2026-12", [arm("exosomes", rng)])))
    assert late.status_code == 410 and late.json()["error"]["code"] == "clinic_left_network"
    # the withdrawal itself replayed
    assert (await registry.post("/network/withdrawals", json=leave)).status_code == 410


async def test_bad_messages_get_a_4xx_with_a_code(registry):
    clinic = NetworkClinic("North")
    await clinic.join(registry)
    bad_key = await registry.post("/network/clinics", json={"name": "X", "public_key": "A" * 44})
    assert bad_key.status_code == 400 and bad_key.json()["error"]["code"] == "validation_failed"
    again = await registry.post("/network/clinics", json={"name": "North", "public_key": clinic.public_key})
    assert again.status_code == 409
    not_json = clinic.signed("{not json")
    assert (await registry.post("/network/submissions", json=not_json)).json()["error"]["code"] == "malformed_json"
    extra = await registry.post("/network/submissions", json={**clinic.signed("{}"), "extra": 1})
    assert extra.status_code == 400
    rng = random.Random(9)
    hidden = clinic.summary("2026-11", [arm("prp", rng)])
    hidden.arms[0].products = ["PRP\x1b[2J kit"]
    control = await registry.post("/network/submissions", json=clinic.signed(hidden))
    assert control.status_code == 400 and control.json()["error"]["code"] == "control_character"


async def test_only_the_newest_period_of_each_clinic_is_pooled(registry):
    clinic = NetworkClinic("North")
    await clinic.join(registry)
    rng = random.Random(5)
    await registry.post("/network/submissions", json=clinic.signed(clinic.summary("2026-10", [arm("prp", rng, patients=30)])))
    await registry.post("/network/submissions", json=clinic.signed(clinic.summary("2026-11", [arm("prp", rng, patients=50)])))
    assert (await pooled(registry))["patients"] == 50


async def test_pooled_figures_equal_the_formulas_on_the_clinics_own_numbers(registry):
    rng = random.Random(6)
    clinics = [NetworkClinic(f"Clinic {i}") for i in range(6)]
    sent = {}
    for c in clinics:
        await c.join(registry)
        summary = c.summary("2026-11", [arm("exosomes", rng, effect=rng.uniform(0.4, 1.4), patients=rng.randint(20, 60))])
        sent[c.clinic_id] = summary
        response = await registry.post("/network/submissions", json=c.signed(summary))
        assert response.status_code == 200, response.text
    body = await pooled(registry)
    for month in (3, 6, 12):
        cells = [next(x for x in s.arms[0].efficacy if x.month == month) for s in sent.values()]
        expected = independent([x.mean for x in cells], [x.sd**2 / x.patients for x in cells], "dl")
        got = figure(body, "exosomes", "consensus", month)
        assert got["clinics"] == 6 and got["patients"] == sum(x.patients for x in cells)
        for name in ("estimate", "low", "high", "tau2", "i2"):
            assert got["pooled"][name] == pytest.approx(expected[name], rel=1e-7), (month, name)
        assert (got["pooled"]["prediction_low"], got["pooled"]["prediction_high"]) == pytest.approx(expected["prediction"])
        share = [(x.improved, x.patients) for x in cells]
        logits = [math.log(a / (n - a)) for a, n in share]
        expected = independent(logits, [1 / a + 1 / (n - a) for a, n in share], "dl")
        assert figure(body, "exosomes", "improved", month)["pooled"]["estimate"] == pytest.approx(expected["estimate"])
    harm = [s.arms[0].harm for s in sent.values()]
    expected = independent(
        [math.log(h.moderate_or_worse / (h.sessions - h.moderate_or_worse)) for h in harm],
        [1 / h.moderate_or_worse + 1 / (h.sessions - h.moderate_or_worse) for h in harm], "dl",
    )
    assert figure(body, "exosomes", "harm", None)["pooled"]["estimate"] == pytest.approx(expected["estimate"])
    assert np.isfinite(figure(body, "exosomes", "harm", None)["pooled"]["tau2"])


async def test_a_lot_bad_at_two_clinics_is_flagged_with_both_counted(registry):
    from scipy.stats import fisher_exact

    north, south, east = NetworkClinic("North"), NetworkClinic("South"), NetworkClinic("East")
    rng = random.Random(7)
    lots = {
        north: [("EXO-1", 60, 3), ("EXO-BAD", 40, 10)],
        south: [("EXO-1", 50, 2), ("EXO-BAD", 45, 11)],
        east: [("EXO-2", 80, 4)],
    }
    for c, rows in lots.items():
        await c.join(registry)
        summary = c.summary("2026-11", [arm("exosomes", rng)], [
            LotSummary(treatment="exosomes", product="ExoCell", lot_number=lot, patients=10, sessions=s,
                       moderate_or_worse=e, serious=0) for lot, s, e in rows
        ])
        response = await registry.post("/network/submissions", json=c.signed(summary))
        assert response.status_code == 200, response.text
    signals = (await registry.get("/network/lot-signals")).json()["items"]
    assert [(s["lot_number"], s["kind"], s["clinics"]) for s in signals] == [("EXO-BAD", "moderate_or_worse", 2)]
    signal = signals[0]
    assert (signal["lot_sessions"], signal["lot_events"]) == (85, 21)
    assert (signal["rest_sessions"], signal["rest_events"]) == (190, 9)
    _, p = fisher_exact([[21, 64], [9, 181]], alternative="greater")
    assert signal["p_value"] == pytest.approx(p)
    page = (await registry.get("/")).text
    assert "EXO-BAD" in page and "2 clinics" in page


async def test_the_page_shows_forest_plots_and_marks_the_viewing_clinic(registry):
    rng = random.Random(8)
    clinics = [NetworkClinic(f"C{i}") for i in range(3)]
    for c in clinics:
        await c.join(registry)
        await registry.post("/network/submissions", json=c.signed(c.summary("2026-11", [arm("prp", rng)])))
    html = (await registry.get("/", params={"clinic": clinics[0].clinic_id})).text
    assert html.count("<figure>") == 4  # consensus and improved at months 6 and 12
    assert "Your clinic" in msgspec.json.encode(html).decode() or "Your clinic's rows" in html
    assert "3</strong> clinics" in html
