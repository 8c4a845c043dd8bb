"""A lot with more moderate-or-worse side effects than the treatment's other lots is flagged,
by the one-sided Fisher exact test with the Holm-Sidak adjustment, recomputed here with scipy/statsmodels."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from scipy.stats import fisher_exact
from statsmodels.stats.multitest import multipletests

from backend.injections.models import InjectionSession
from backend.outcomes import facts
from backend.patients.models import Patient
from backend.reports.models import SideEffectReport

# lot: (sessions, sessions with a moderate-or-worse report)
LOTS = {"EXO-BAD": (30, 14), "EXO-1": (40, 3), "EXO-2": (35, 2)}


async def _lots(clinic_id: uuid.UUID, *, research: bool = True) -> None:
    sessions, reports = [], []
    for lot, (count, bad) in LOTS.items():
        for i in range(count):
            patient = await Patient.create(
                clinic_id=clinic_id, display_name=f"{lot} {i}", record_number=f"{lot}-{i}", treatment="exosomes",
                planned_sessions=3, interval_days=30, baseline_date=date(2026, 1, 1), consent_research=research,
            )
            when = datetime(2026, 2, 1, 10, tzinfo=UTC) + timedelta(days=i)
            session = InjectionSession(
                id=uuid.uuid4(), patient_id=patient.id, clinic_id=clinic_id, status="done", scheduled_at=when,
                performed_at=when, treatment="exosomes", product="ExoCell 5B", lot_number=lot if i % 2 else lot.lower(),
            )
            sessions.append(session)
            if i < bad:
                reports.append(SideEffectReport(
                    id=uuid.uuid4(), clinic_id=clinic_id, patient_id=patient.id, injection_session_id=session.id,
                    idempotency_key=uuid.uuid4(), request_sha256="0" * 64, started_on=when.date() + timedelta(days=1),
                    needed_medical_care=False, max_severity=2, serious=False,
                ))
    await InjectionSession.bulk_create(sessions)
    await SideEffectReport.bulk_create(reports)
    await facts.rebuild(clinic_id)  # raw rows bypass the services that keep the outcome facts


def _expected() -> dict[str, tuple[float, float]]:
    total_sessions = sum(n for n, _ in LOTS.values())
    total_bad = sum(b for _, b in LOTS.values())
    p_values = {
        lot: fisher_exact([[bad, n - bad], [total_bad - bad, total_sessions - n - (total_bad - bad)]], alternative="greater")[1]
        for lot, (n, bad) in LOTS.items()
    }
    adjusted = multipletests(list(p_values.values()), method="holm-sidak")[1]
    return {lot: (p_values[lot], adj) for lot, adj in zip(p_values, adjusted)}


async def test_the_worse_lot_is_flagged_with_the_exact_test(client, world):
    await _lots(world.ids["clinic_x"])
    expected = _expected()
    answer = await client.get("/outcomes/lot-signals", headers=world.headers("clinician_x"))
    signals = answer.json()["items"]
    flagged = {(s["lot_number"], s["kind"]) for s in signals}
    assert flagged == {(lot, "moderate_or_worse") for lot, (_, adj) in expected.items() if adj < 0.05} == {("EXO-BAD", "moderate_or_worse")}
    signal = signals[0]
    assert (signal["lot_sessions"], signal["lot_events"], signal["rest_sessions"], signal["rest_events"]) == (30, 14, 75, 5)
    assert abs(signal["p_value"] - expected["EXO-BAD"][0]) < 1e-12 and abs(signal["p_adjusted"] - expected["EXO-BAD"][1]) < 1e-12
    assert "Fisher's exact test, one-sided" in answer.json()["lot_test"]
    alerts = (await client.get("/side-effects/alerts", headers=world.headers("desk_x"))).json()
    assert [s["lot_number"] for s in alerts["lot_signals"]] == ["EXO-BAD"] and alerts["total"] == 0
    outcomes = (await client.get("/outcomes", headers=world.headers("staff_x"))).json()
    by_lot = {lot["lot_number"]: lot for lot in outcomes["lots"]}
    assert set(by_lot) == set(LOTS) and [s["lot_number"] for s in by_lot["EXO-BAD"]["signals"]] == ["EXO-BAD"]
    assert by_lot["EXO-1"]["signals"] == [] and by_lot["EXO-1"]["harm"]["moderate_or_worse"]["events"] == 3


async def test_no_signal_without_research_consent_or_in_another_clinic(client, world):
    await _lots(world.ids["clinic_x"], research=False)
    assert (await client.get("/outcomes/lot-signals", headers=world.headers("staff_x"))).json()["items"] == []
    await _lots(world.ids["clinic_y"])
    assert (await client.get("/outcomes/lot-signals", headers=world.headers("staff_x"))).json()["items"] == []
    assert len((await client.get("/outcomes/lot-signals", headers=world.headers("staff_y"))).json()["items"]) == 1


async def test_the_lot_search_page_says_the_lot_is_flagged(world, browser):
    await _lots(world.ids["clinic_x"])
    staff = await browser("desk@x.example")
    page = await staff.get("/dashboard/lots", params={"lot": "exo-bad"})
    assert page.status_code == 200
    assert "Lot EXO-BAD is flagged" in page.text and "14 of 30 sessions" in page.text
    quiet = await staff.get("/dashboard/lots", params={"lot": "EXO-1"})
    assert "is flagged" not in quiet.text
    overview = await staff.get("/dashboard/lots")
    assert "Flagged lots" in overview.text and 'href="/dashboard/lots?lot=EXO-BAD"' in overview.text
