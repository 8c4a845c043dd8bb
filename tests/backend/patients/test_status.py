"""The patient list's statuses, computed in SQL, agree with the shared schedule rules in Python."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from backend.auth.principal import StaffPrincipal
from backend.clinics.models import Clinic
from backend.injections.models import InjectionSession
from backend.patients import status
from backend.patients.models import Patient
from backend.patients.status import CheckInState, ListFilter, ListSort
from shared.contract.auth import StaffRole
from shared.contract.patients import Treatment
from shared.schedule import checkin_due_on, checkin_month_for

FIRST_BASELINE = date(2023, 11, 1)
LAST_BASELINE = date(2027, 2, 28)
# month ends, leap days, year ends, and ordinary days
TODAYS = [
    date(2024, 2, 29), date(2024, 3, 1), date(2024, 3, 31), date(2025, 1, 31), date(2025, 2, 28),
    date(2025, 3, 1), date(2025, 3, 3), date(2025, 4, 30), date(2025, 5, 31), date(2025, 12, 31),
    date(2026, 1, 1), date(2026, 1, 15), date(2026, 2, 27), date(2026, 7, 4), date(2026, 11, 30),
]


def expected(baseline: date, today: date) -> tuple[CheckInState, int | None, int | None]:
    """(state, month, days until due or -days since) by the rules of shared.schedule, with no check-in done."""
    window_month = checkin_month_for(baseline, today)
    if window_month is not None:
        return CheckInState.DUE, window_month, (checkin_due_on(baseline, window_month) - today).days
    if today < baseline:
        return CheckInState.NOT_STARTED, None, None
    month = 0
    while checkin_due_on(baseline, month + 1) <= today:
        month += 1
    return CheckInState.OVERDUE, month, -(today - checkin_due_on(baseline, month)).days


def staff_of(clinic: Clinic) -> StaffPrincipal:
    return StaffPrincipal(
        staff_id=uuid.uuid4(), clinic_id=clinic.id, role=StaffRole.ADMIN, session_id=uuid.uuid4(),
        name="Test", email="t@x.example", csrf_token="", via_cookie=True,
    )


async def _clinic_with_every_baseline() -> Clinic:
    clinic = await Clinic.create(name="Sweep", timezone="UTC", protocol_views=["frontal"])
    days = (LAST_BASELINE - FIRST_BASELINE).days + 1
    await Patient.bulk_create(
        [
            Patient(
                clinic=clinic, display_name=f"P {n:05d}", record_number=(FIRST_BASELINE + timedelta(days=n)).isoformat(),
                treatment=Treatment.PRP, planned_sessions=4, interval_days=30, baseline_date=FIRST_BASELINE + timedelta(days=n),
            )
            for n in range(days)
        ]
    )
    return clinic


async def test_check_in_state_month_and_days_match_the_schedule_rules_for_every_baseline(db):
    clinic = await _clinic_with_every_baseline()
    staff = staff_of(clinic)
    for today in TODAYS:
        now = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=12)
        listing = await status.patient_list(staff, today=today, now=now, per_page=5000)
        assert listing.total == len(listing.items) == (LAST_BASELINE - FIRST_BASELINE).days + 1
        wrong = []
        for row in listing.items:
            baseline = date.fromisoformat(row.record_number)
            state, month, days = expected(baseline, today)
            got = (row.checkin_state, row.checkin_month, row.checkin_days if days is not None else None)
            if got != (state, month, days):
                wrong.append((baseline.isoformat(), got, (state, month, days)))
        assert wrong == [], f"today {today}: {wrong[:5]}"


async def test_next_injection_counts_only_sessions_still_to_come(db):
    clinic = Clinic(name="C", timezone="UTC", protocol_views=["frontal"])
    await clinic.save()
    patient = await Patient.create(
        clinic=clinic, display_name="Ann", record_number="1", treatment=Treatment.PRP, planned_sessions=4,
        interval_days=30, baseline_date=date(2026, 1, 1),
    )
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    for when, state in (
        (now - timedelta(days=20), "done"),
        (now + timedelta(days=30), "scheduled"),
        (now + timedelta(days=9), "scheduled"),
        (now + timedelta(days=2), "cancelled"),
    ):
        await InjectionSession.create(patient=patient, clinic=clinic, scheduled_at=when, status=state, treatment=Treatment.PRP)
    listing = await status.patient_list(staff_of(clinic), today=now.date(), now=now)
    assert listing.items[0].next_injection_at == now + timedelta(days=9)
    soon = await status.patient_list(staff_of(clinic), today=now.date(), now=now, show=ListFilter.INJECTION_SOON)
    assert soon.total == 0  # nine days is not within the week
    later = now + timedelta(days=3)
    soon = await status.patient_list(staff_of(clinic), today=later.date(), now=later, show=ListFilter.INJECTION_SOON)
    assert [p.display_name for p in soon.items] == ["Ann"]


async def test_search_is_case_blind_and_treats_wildcards_as_text(db):
    clinic = await Clinic.create(name="C", timezone="UTC", protocol_views=["frontal"])
    for name, record in (("Ann O'Neil", "MRN-100"), ("Bob Stone", "MRN_200"), ("Carla 100%", "X-3")):
        await Patient.create(
            clinic=clinic, display_name=name, record_number=record, treatment=Treatment.PRP, planned_sessions=1,
            interval_days=30, baseline_date=date(2026, 1, 1),
        )
    staff, today, now = staff_of(clinic), date(2026, 2, 1), datetime(2026, 2, 1, tzinfo=UTC)

    async def names(text: str) -> list[str]:
        return [p.display_name for p in (await status.patient_list(staff, today=today, now=now, text=text)).items]

    assert await names("o'neil") == ["Ann O'Neil"]
    assert await names("mrn") == ["Ann O'Neil", "Bob Stone"]
    assert await names("_") == ["Bob Stone"]  # not "any one character"
    assert await names("%") == ["Carla 100%"]  # not "anything"
    assert await names("nobody") == []


async def test_pages_cover_the_list_once_in_order_and_a_page_past_the_end_gives_the_last(db):
    clinic = await Clinic.create(name="C", timezone="UTC", protocol_views=["frontal"])
    await Patient.bulk_create(
        [
            Patient(clinic=clinic, display_name=f"Patient {n:03d}", record_number=f"R{n}", treatment=Treatment.PRP,
                    planned_sessions=1, interval_days=30, baseline_date=date(2026, 1, 1))
            for n in range(53)
        ]
    )
    staff, today, now = staff_of(clinic), date(2026, 2, 1), datetime(2026, 2, 1, tzinfo=UTC)
    seen = []
    for page in (1, 2, 3):
        listing = await status.patient_list(staff, today=today, now=now, page=page, per_page=25, sort=ListSort.NAME)
        assert listing.total == 53 and listing.pages == 3
        seen += [p.display_name for p in listing.items]
    assert seen == sorted(seen) and len(set(seen)) == 53
    past = await status.patient_list(staff, today=today, now=now, page=9, per_page=25)
    assert past.page == 3 and len(past.items) == 3


async def test_another_clinics_patients_never_appear(db):
    mine = await Clinic.create(name="Mine", timezone="UTC", protocol_views=["frontal"])
    theirs = await Clinic.create(name="Theirs", timezone="UTC", protocol_views=["frontal"])
    for clinic, name in ((mine, "Mine One"), (theirs, "Theirs One")):
        await Patient.create(clinic=clinic, display_name=name, record_number="1", treatment=Treatment.PRP,
                             planned_sessions=1, interval_days=30, baseline_date=date(2026, 1, 1))
    listing = await status.patient_list(staff_of(mine), today=date(2026, 2, 1), now=datetime(2026, 2, 1, tzinfo=UTC), text="one")
    assert [p.display_name for p in listing.items] == ["Mine One"]
