"""The audit log for the clinic's admins: filtered by patient, staff member, action and days, paged,
exported as CSV (itself audited); malformed filters are refused with stable codes."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from backend.audit.models import AuditEvent
from backend.clinics.models import StaffUser
from tests.backend.audit.conftest import CLIENT, THROUGH_PROXY


async def _two_readers(client, world) -> tuple[StaffUser, StaffUser]:
    """The clinician reads patient A twice; the admin reads patient B once; one of the clinician's
    reads is moved to 10 January 2026."""
    clinician = await StaffUser.get(email="clinician@x.example")
    admin = await StaffUser.get(email="admin@x.example")
    for who, patient in (("clinician_x", "patient_a"), ("clinician_x", "patient_a"), ("staff_x", "patient_b")):
        await client.get(f"/patients/{world.ids[patient]}", headers={**world.headers(who), **THROUGH_PROXY})
    first = await AuditEvent.filter(action="patient.view").order_by("id").first()
    await AuditEvent.filter(id=first.id).update(at=datetime(2026, 1, 10, 12, tzinfo=UTC))
    return clinician, admin


def _rows(page_html: str) -> int:
    body = page_html.split("<tbody>")[1].split("</tbody>")[0]
    return body.count("<tr>")


async def test_the_page_filters_by_staff_member_action_patient_and_days(client, world, browser):
    clinician, admin = await _two_readers(client, world)
    staff = await browser("admin@x.example")
    by_clinician = await staff.get(f"/dashboard/audit?staff={clinician.id}&action=patient.view")
    assert "2 events by clinician" in by_clinician.text and _rows(by_clinician.text) == 2
    assert CLIENT in by_clinician.text  # the "from" column
    about_b = await staff.get(f"/dashboard/audit?patient={world.ids['patient_b']}&action=patient.view")
    assert "1 event about Patient B" in about_b.text and "Admin X" in about_b.text
    by_record = await staff.get("/dashboard/audit?record=%20x-002%20&action=patient.view")  # as typed: any case, spaces
    assert "1 event about Patient B" in by_record.text and _rows(by_record.text) == 1
    patient_page = await staff.get(f"/dashboard/patients/{world.ids['patient_b']}")
    assert f'href="/dashboard/audit?patient={world.ids["patient_b"]}"' in patient_page.text  # the admin's way in
    january = await staff.get("/dashboard/audit?action=patient.view&from=2026-01-01&to=2026-01-31")
    assert "1 event" in january.text and _rows(january.text) == 1
    one_day = await staff.get("/dashboard/audit?action=patient.view&from=2026-01-10&to=2026-01-10")
    assert _rows(one_day.text) == 1
    the_next_day = await staff.get("/dashboard/audit?action=patient.view&from=2026-01-11&to=2026-01-11")
    assert "0 events" in the_next_day.text


async def test_the_page_is_paged_fifty_at_a_time_keeping_the_filter(client, world, browser):
    clinician = await StaffUser.get(email="clinician@x.example")
    await AuditEvent.bulk_create([
        AuditEvent(clinic_id=world.ids["clinic_x"], actor_kind="staff", actor_id=clinician.id, action="patient.view",
                   subject_type="patient", subject_id=str(world.ids["patient_a"]), patient_id=world.ids["patient_a"])
        for _ in range(60)
    ])
    staff = await browser("admin@x.example")
    first = await staff.get(f"/dashboard/audit?staff={clinician.id}")
    assert "Page 1 of 2" in first.text and _rows(first.text) == 50
    assert f'href="/dashboard/audit?staff={clinician.id}&amp;page=2"' in first.text
    second = await staff.get(f"/dashboard/audit?staff={clinician.id}&page=2")
    assert _rows(second.text) == 10


async def test_malformed_filters_are_refused_with_stable_codes(world, browser):
    staff = await browser("admin@x.example")
    for query, code in [
        ("from=2026-02-30", "filter_value_unknown"),
        ("from=2026-03-01&to=2026-02-01", "date_range_backwards"),
        ("staff=not-a-staff-id", "filter_value_unknown"),
        ("patient=42", "filter_value_unknown"),
        ("action=photo.view;drop", "filter_value_unknown"),
        ("record=NO-SUCH-RECORD", "filter_value_unknown"),
    ]:
        answer = await staff.get(f"/dashboard/audit?{query}")
        assert answer.status_code == 400, query
        assert code in answer.text, query
        assert (await staff.get(f"/dashboard/audit/export.csv?{query}")).status_code == 400, query
    assert (await staff.get("/dashboard/audit?page=0")).status_code == 400


async def test_the_api_filters_the_same_way(client, world):
    clinician, _ = await _two_readers(client, world)
    admin = world.headers("staff_x")
    mine = (await client.get(f"/audit?staff_id={clinician.id}&action=patient.view", headers=admin)).json()
    assert mine["total"] == 2 and {e["actor_id"] for e in mine["items"]} == {str(clinician.id)}
    january = (await client.get("/audit?action=patient.view&from=2026-01-01&to=2026-01-31", headers=admin)).json()
    assert january["total"] == 1 and january["items"][0]["address"] == CLIENT
    for query, code in [
        ("from=2026-03-01&to=2026-02-01", "date_range_backwards"),
        ("from=yesterday", "validation_failed"),
        ("staff_id=42", "validation_failed"),
        ("action=DROP%20TABLE", "filter_value_unknown"),
        ("limit=501", "validation_failed"),
    ]:
        answer = await client.get(f"/audit?{query}", headers=admin)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == code, query
    assert (await client.get("/audit", headers=world.headers("clinician_x"))).status_code == 403


async def test_the_csv_export_is_for_admins_and_is_itself_audited(client, world, browser):
    clinician, _ = await _two_readers(client, world)
    clinician_browser = await browser("clinician@x.example")  # a sign-in: the clinician is its subject
    await AuditEvent.create(
        clinic_id=world.ids["clinic_x"], actor_kind="staff", actor_id=clinician.id, action="patient.update",
        subject_type="patient", subject_id=str(world.ids["patient_a"]), patient_id=world.ids["patient_a"],
    )
    await StaffUser.filter(id=clinician.id).update(name='=HYPERLINK("http://evil.example")')
    admin = await browser("admin@x.example")
    page = await admin.get(f"/dashboard/audit?staff={clinician.id}")
    assert f'href="/dashboard/audit/export.csv?staff={clinician.id}"' in page.text
    answer = await admin.get(f"/dashboard/audit/export.csv?staff={clinician.id}", headers=THROUGH_PROXY)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith('attachment; filename="audit-')
    assert answer.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["action"] for r in rows] == ["patient.update", "staff.sign_in", "patient.view", "patient.view"]
    # a spreadsheet shows a name that looks like a formula as text, never runs it
    assert all(r["actor_name"] == '\'=HYPERLINK("http://evil.example")' for r in rows)
    assert rows[2]["patient_record_number"] == "X-001" and rows[2]["address"] == CLIENT
    assert rows[1]["address"] == "127.0.0.1"  # the sign-in came straight from the proxy's address
    [export] = await AuditEvent.filter(action="audit.export")
    assert export.detail == {"staff_id": str(clinician.id)} and export.address == CLIENT
    # a clinician may not read or export the log, and trying leaves no export event
    assert (await clinician_browser.get("/dashboard/audit/export.csv")).status_code == 403
    assert (await clinician_browser.get("/dashboard/audit")).status_code == 403
    assert await AuditEvent.filter(action="audit.export").count() == 1


async def test_an_export_whose_event_cannot_be_written_is_refused_whole(world, browser, audit_switch):
    admin = await browser("admin@x.example")
    await audit_switch.break_writes()
    answer = await admin.get("/dashboard/audit/export.csv")
    assert answer.status_code == 503 and "audit_unavailable" in answer.text
    assert "at_utc" not in answer.text
