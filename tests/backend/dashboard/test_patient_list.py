"""The patient list page: statuses a clinician acts on, search, filter, sort, pages, and a clinic of
10,000 patients answered with the same few queries as a clinic of ten."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta

from backend.clinics.models import Clinic
from backend.db import QueryCounter
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from shared.contract.patients import Treatment


def names_in(html: str) -> list[str]:
    return re.findall(r'class="patient-link" href="/dashboard/patients/[^"]+">([^<]+)</a>', html)


async def _add(clinic_id, name: str, record: str, baseline: date) -> Patient:
    return await Patient.create(
        clinic_id=clinic_id, display_name=name, record_number=record, treatment=Treatment.EXOSOMES,
        planned_sessions=4, interval_days=30, baseline_date=baseline,
    )


async def test_the_list_shows_who_is_due_overdue_and_when_the_next_injection_is(world, browser):
    today = datetime.now(UTC).date()
    clinic = world.ids["clinic_x"]
    await Clinic.filter(id=clinic).update(timezone="UTC")
    due = await _add(clinic, "Dana Due", "D-1", today - timedelta(days=1))  # month 0 window open
    await _add(clinic, "Olly Overdue", "O-1", today - timedelta(days=20))  # month 0 closed, month 1 not yet open
    await _add(clinic, "Fay Future", "F-1", today + timedelta(days=60))
    await InjectionSession.create(
        patient=due, clinic_id=clinic, scheduled_at=datetime.now(UTC) + timedelta(days=3), treatment=Treatment.EXOSOMES
    )
    staff = await browser("admin@x.example")
    page = await staff.get("/dashboard/patients")
    assert page.status_code == 200
    row = {name: page.text.split(f">{name}</a>")[1].split("</tr>")[0] for name in ("Dana Due", "Olly Overdue", "Fay Future")}
    assert "Baseline due" in row["Dana Due"] and "1 day ago" in row["Dana Due"]
    assert "Baseline overdue" in row["Olly Overdue"] and "due 20 days ago" in row["Olly Overdue"]
    assert "Starts" in row["Fay Future"]
    assert "None scheduled" not in row["Dana Due"]
    assert "None scheduled" in row["Olly Overdue"]


async def test_search_filter_and_sort_change_the_list(world, browser):
    today = datetime.now(UTC).date()
    clinic = world.ids["clinic_x"]
    await Clinic.filter(id=clinic).update(timezone="UTC")
    await _add(clinic, "Olly Overdue", "O-1", today - timedelta(days=20))
    await _add(clinic, "Zed Overdue", "O-2", today - timedelta(days=50))
    staff = await browser("admin@x.example")
    by_record = await staff.get("/dashboard/patients?q=x-00")
    assert names_in(by_record.text) == ["Patient A", "Patient B"]
    overdue = await staff.get("/dashboard/patients?show=checkin_overdue&sort=checkin")
    assert set(names_in(overdue.text)) >= {"Olly Overdue", "Zed Overdue"}
    assert "Dana" not in overdue.text
    by_name_desc_not_offered = await staff.get("/dashboard/patients?sort=sideways")
    assert by_name_desc_not_offered.status_code == 400


async def test_htmx_gets_only_the_table_back(world, browser):
    staff = await browser("admin@x.example")
    partial = await staff.get("/dashboard/patients?q=Patient+A", headers={"HX-Request": "true", "HX-Target": "patient-table"})
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert names_in(partial.text) == ["Patient A"]
    assert "Showing 1–1 of 1 patient" in " ".join(partial.text.split())


def _page_work(counter: QueryCounter) -> int:
    """Statements the page itself runs: the session's once-a-minute "last seen" touch may fall in
    either measurement on a slow machine, and is not the page's work."""
    return sum(1 for statement in counter.statements if "last_seen_at" not in statement)


async def test_ten_thousand_patients_stay_paginated_with_a_fixed_number_of_queries(world, browser):
    clinic = world.ids["clinic_x"]
    staff = await browser("admin@x.example")
    with QueryCounter() as small:
        await staff.get("/dashboard/patients?sort=checkin")

    today = date.today()
    await Patient.bulk_create(
        [
            Patient(
                clinic_id=clinic, display_name=f"Seeded {n:05d}", record_number=f"S-{n:05d}", treatment=Treatment.PRP,
                planned_sessions=4, interval_days=30, baseline_date=today - timedelta(days=n % 400),
            )
            for n in range(10_000)
        ],
        batch_size=1000,
    )
    ids = await Patient.filter(clinic_id=clinic, record_number__startswith="S-").limit(2500).values_list("id", flat=True)
    soon = datetime.now(UTC) + timedelta(days=2)
    await InjectionSession.bulk_create(
        [InjectionSession(patient_id=pid, clinic_id=clinic, scheduled_at=soon + timedelta(hours=i % 48), treatment=Treatment.PRP)
         for i, pid in enumerate(ids)],
        batch_size=1000,
    )
    for sort in ("name", "checkin", "next_injection", "last_upload", "side_effects"):
        started = time.perf_counter()
        with QueryCounter() as big:
            page = await staff.get(f"/dashboard/patients?sort={sort}&page=3")
        elapsed = time.perf_counter() - started
        print(f"10,000 patients, sort={sort}: {big.count} queries, {elapsed * 1000:.0f} ms")
        assert page.status_code == 200
        assert len(names_in(page.text)) == 25
        assert "of 10,002 patients" in page.text
        assert _page_work(big) == _page_work(small), big.statements
    filtered = await staff.get("/dashboard/patients?show=injection_soon&sort=next_injection")
    assert "of 2,500 patients" in filtered.text
