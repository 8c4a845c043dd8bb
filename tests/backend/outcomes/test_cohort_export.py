"""GET /exports/cohort.csv: every value recomputed from the raw rows; admins only; audited; no name,
record number, exact date or photo link; pseudonyms stable per clinic and keyed."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re

from backend.audit.models import AuditEvent
from backend.checkins.months import month_of
from backend.exports.models import CohortExportKey
from shared.hair_loss import SeverityGrade, age_band
from tests.backend.outcomes import reference
from tests.backend.outcomes.cohort import build


async def _export(client, world, who: str = "staff_x") -> list[dict[str, str]]:
    answer = await client.get("/exports/cohort.csv", headers=world.headers(who))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["cache-control"] == "no-store"
    return list(csv.DictReader(io.StringIO(answer.text)))


async def test_every_cell_matches_the_raw_rows(client, world):
    await build(world.ids["clinic_x"])
    rows = await _export(client, world)
    raw = await reference.load(world.ids["clinic_x"])
    secret = bytes.fromhex((await CohortExportKey.get(clinic_id=world.ids["clinic_x"])).secret)
    names = {"P" + hmac.new(secret, str(pid).encode(), hashlib.sha256).hexdigest()[:20]: pid for pid in raw.patients}
    assert {r["patient"] for r in rows} == set(names)
    assert len(rows) == sum(
        len({0, *raw.consensus.get(pid, {}), *raw.answers.get(pid, {})}) for pid in raw.patients
    )
    sessions, reports = {}, {}
    for s in raw.sessions:
        sessions.setdefault(s.patient_id, []).append(s)
    for r in raw.reports:
        reports.setdefault(r.patient_id, []).append(r)
    for row in rows:
        pid = names[row["patient"]]
        p = raw.patients[pid]
        month = int(row["month"])
        assert row["arm"] == p.treatment and row["sex"] == p.sex and row["diagnosis"] == (p.diagnosis or "")
        age = None if p.birth_year is None else p.baseline_date.year - p.birth_year
        assert row["age_band"] == age_band(age).value
        grade = SeverityGrade(scale=p.grade_scale, grade=p.grade).label if p.grade_scale else ""
        assert row["baseline_grade"] == grade
        given = sessions.get(pid, [])
        assert int(row["sessions_to_date"]) == sum(
            1 for s in given if month_of(p.baseline_date, (s.performed_at or s.scheduled_at).date()) <= month
        )
        assert row["products"] == ";".join(sorted({s.product for s in given if s.product}))
        assert row["lots"] == ";".join(sorted({s.lot_number.strip().upper() for s in given if s.lot_number.strip()}))
        rated = raw.consensus.get(pid, {}).get(month)
        assert row["consensus"] == ("" if rated is None else f"{rated:g}")
        assert row["views_rated"] == ("" if rated is None else str(raw.views_rated[pid][month]))
        answered = raw.answers.get(pid, {}).get(month, {})
        assert row["q_growth"] == str(answered.get("growth", ""))
        assert row["q_appearance"] == str(answered.get("appearance", ""))
        felt = [
            r for r in reports.get(pid, [])
            if (r.max_severity >= 1 or r.needed_medical_care) and month_of(p.baseline_date, r.started_on) <= month
        ]
        assert int(row["side_effect_reports_to_date"]) == len(felt)
        assert int(row["moderate_or_worse_to_date"]) == sum(1 for r in felt if r.max_severity >= 2 or r.serious)
        assert int(row["serious_to_date"]) == sum(1 for r in felt if r.serious)
    assert any(r["consensus"] for r in rows) and any(r["q_growth"] for r in rows)


async def test_nothing_that_identifies_a_patient_leaves(client, world):
    await build(world.ids["clinic_x"])
    answer = await client.get("/exports/cohort.csv", headers=world.headers("staff_x"))
    text = answer.text
    assert "Outcome Patient" not in text and "OUT-0" not in text and "X-00" not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), "an exact date left in the export"
    assert "http" not in text and "/photos/" not in text
    for pid in (await reference.load(world.ids["clinic_x"])).patients:
        assert str(pid) not in text


async def test_pseudonyms_are_stable_per_clinic_and_keyed(client, world):
    await build(world.ids["clinic_x"])
    first = {r["patient"] for r in await _export(client, world)}
    again = {r["patient"] for r in await _export(client, world)}
    assert first == again
    await _export(client, world, "staff_y")  # clinic Y gets a key of its own
    keys = {k.clinic_id: k.secret for k in await CohortExportKey.all()}  # type: ignore[attr-defined]
    assert len(keys) == 2 and len(set(keys.values())) == 2
    assert await AuditEvent.filter(action="cohort.export", clinic_id=world.ids["clinic_x"]).count() == 2


async def test_only_admins_export(client, world):
    for who, status in (("clinician_x", 403), ("desk_x", 403), ("patient_a", 403), ("anonymous", 401)):
        answer = await client.get("/exports/cohort.csv", headers=world.headers(who))
        assert answer.status_code == status
        assert answer.json()["error"]["code"] in ("forbidden", "not_authenticated")
    assert not await AuditEvent.filter(action="cohort.export").exists()


async def test_withdrawn_research_consent_leaves_the_export(client, world):
    cohort = await build(world.ids["clinic_x"])
    before = await _export(client, world)
    leaving = cohort.consenting[:3]
    for pid in leaving:
        await client.patch(f"/patients/{pid}", json={"consent": {"care": True, "research": False}}, headers=world.headers("staff_x"))
    after = await _export(client, world)
    secret = bytes.fromhex((await CohortExportKey.get(clinic_id=world.ids["clinic_x"])).secret)
    gone = {"P" + hmac.new(secret, str(pid).encode(), hashlib.sha256).hexdigest()[:20] for pid in leaving}
    assert gone <= {r["patient"] for r in before}
    assert not gone & {r["patient"] for r in after}
    # those who never consented were never in it
    never = {"P" + hmac.new(secret, str(pid).encode(), hashlib.sha256).hexdigest()[:20] for pid in cohort.not_consenting}
    assert not never & {r["patient"] for r in before}
