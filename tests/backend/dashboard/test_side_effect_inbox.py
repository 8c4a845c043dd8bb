"""The side-effect inbox: every report of the clinic with serious unacknowledged ones first, its
filters and pages, the navigation's count and the serious-report banner on every page, the
report page with acknowledge and notes, the front desk's count-only view, and the lot search's
report counts."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

from backend.db import QueryCounter
from backend.injections.models import InjectionSession
from backend.reports import inbox
from backend.reports.models import SideEffectReport, SideEffectSymptom
from shared.contract.injections import SessionStatus
from shared.contract.patients import Treatment
from tests.backend.dashboard.conftest import hidden

NOW = datetime.now(UTC)


async def _report(
    world, *, patient: str = "patient_a", session=None, symptoms=(("pain", 1),), care: bool = False,
    days_ago: float = 0, acknowledged: bool = False,
) -> SideEffectReport:
    worst = max(s for _, s in symptoms)
    report = await SideEffectReport.create(
        clinic_id=world.ids["clinic_x"], patient_id=world.ids[patient],
        injection_session_id=session or world.ids["injection_a"], idempotency_key=uuid.uuid4(),
        request_sha256="0" * 64, started_on=date(2026, 2, 2), needed_medical_care=care, max_severity=worst,
        serious=worst == 3 or care, submitted_at=NOW - timedelta(days=days_ago),
        acknowledged_at=NOW if acknowledged else None,
    )
    for symptom, severity in symptoms:
        await SideEffectSymptom.create(report=report, symptom=symptom, severity=severity)
    return report


async def _prp_session(world) -> uuid.UUID:
    session = await InjectionSession.create(
        patient_id=world.ids["patient_b"], clinic_id=world.ids["clinic_x"], status=SessionStatus.DONE,
        scheduled_at=datetime(2026, 3, 5, 9, tzinfo=UTC), performed_at=datetime(2026, 3, 5, 9, tzinfo=UTC),
        treatment=Treatment.PRP, product="Regen PRP kit", lot_number="LOT-B7",
    )
    return session.id


def rows(html: str) -> list[str]:
    """The report ids of the inbox's rows, top to bottom."""
    return re.findall(r'<tr class="[^"]*" data-report="([^"]+)">', html)


def flat(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def banner(html: str) -> str | None:
    match = re.search(r'<div class="safety-banner".*?</div>', html, re.S)
    return flat(match.group(0)) if match else None


def nav_counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="(\w+)">(\d+)', html))


async def test_serious_unacknowledged_reports_come_first_then_the_newest_with_every_column(world, browser):
    mild_new = await _report(world, days_ago=1)
    serious_old = await _report(world, symptoms=(("swelling", 3), ("pain", 2)), care=True, days_ago=5)
    serious_seen = await _report(world, symptoms=(("headache", 3),), acknowledged=True)
    prp = await _report(world, patient="patient_b", session=await _prp_session(world), symptoms=(("redness", 2),), days_ago=3)
    clinician = await browser("clinician@x.example")

    page = await clinician.get("/dashboard/side-effects")

    assert page.status_code == 200
    assert rows(page.text) == [str(r.id) for r in (serious_old, serious_seen, mild_new, prp)]
    assert "Showing 1–4 of 4 reports" in flat(page.text)
    first = flat(page.text.split(f'data-report="{serious_old.id}"')[1].split("</tr>")[0])
    for shown in ("Patient A", "X-001", "1 Feb 2026", "Exosomes", "ExoCell", "lot LOT-A1", "Swelling severe", "Yes", "2 Feb 2026", "Serious", "New"):
        assert shown in first, shown
    prp_row = flat(page.text.split(f'data-report="{prp.id}"')[1].split("</tr>")[0])
    assert "Patient B" in prp_row and "PRP" in prp_row and "LOT-B7" in prp_row and "Redness moderate" in prp_row
    seen_row = flat(page.text.split(f'data-report="{serious_seen.id}"')[1].split("</tr>")[0])
    assert "Seen" in seen_row and "New" not in seen_row
    assert f'href="/dashboard/side-effects/{serious_old.id}"' in page.text  # each row opens its report


async def test_the_filters_narrow_the_list_and_keep_the_serious_ones_first(world, browser):
    serious = await _report(world, symptoms=(("swelling", 3),), days_ago=2)
    mild = await _report(world, days_ago=1)
    seen = await _report(world, symptoms=(("itching", 2),), acknowledged=True, days_ago=20)
    prp = await _report(world, patient="patient_b", session=await _prp_session(world), symptoms=(("redness", 2),), days_ago=3)
    staff = await browser("admin@x.example")

    async def ids(query: str) -> list[str]:
        page = await staff.get(f"/dashboard/side-effects?{query}")
        assert page.status_code == 200, page.text
        return rows(page.text)

    assert await ids("lot=lot-b7") == [str(prp.id)]  # any case
    assert await ids("treatment=prp") == [str(prp.id)]
    assert await ids("treatment=exosomes") == [str(serious.id), str(mild.id), str(seen.id)]
    assert await ids("severity=2") == [str(serious.id), str(prp.id), str(seen.id)]
    assert await ids("severity=3") == [str(serious.id)]
    assert await ids("serious=yes") == [str(serious.id)]
    assert await ids("serious=no") == [str(mild.id), str(prp.id), str(seen.id)]
    assert await ids("acknowledged=yes") == [str(seen.id)]
    assert await ids("acknowledged=no&serious=no") == [str(mild.id), str(prp.id)]
    today = NOW.date()
    week_ago = (today - timedelta(days=7)).isoformat()
    assert await ids(f"reported_from={week_ago}&reported_to={(today - timedelta(days=2)).isoformat()}") == [str(serious.id), str(prp.id)]
    assert await ids(f"reported_to={week_ago}") == [str(seen.id)]
    narrowed = await staff.get("/dashboard/side-effects?lot=NOPE-1")
    assert "No report matches the filters." in narrowed.text and "Clear filters" in narrowed.text
    kept = await staff.get("/dashboard/side-effects?serious=yes&acknowledged=no")
    assert re.search(r'<option value="yes" selected>Serious only</option>', kept.text)
    for wrong in ("lot=a%00b", "treatment=botox", "severity=9", "serious=maybe", "reported_from=2026-13-01", "reported_from=2026-05-02&reported_to=2026-05-01"):
        refused = await staff.get(f"/dashboard/side-effects?{wrong}")
        assert refused.status_code == 400, wrong


async def test_the_inbox_is_paginated_and_its_pages_keep_the_filters(world, browser):
    for n in range(30):
        await _report(world, days_ago=n / 10)
    staff = await browser("clinician@x.example")
    first = await staff.get("/dashboard/side-effects?acknowledged=no")
    assert len(rows(first.text)) == 25
    assert "Showing 1–25 of 30 reports matching the filters." in flat(first.text)
    assert 'href="/dashboard/side-effects?acknowledged=no&amp;page=2"' in first.text
    second = await staff.get("/dashboard/side-effects?acknowledged=no&page=2")
    assert len(rows(second.text)) == 5 and "Page 2 of 2" in second.text
    assert not set(rows(first.text)) & set(rows(second.text))


async def test_a_serious_report_puts_a_banner_and_a_count_on_every_page_until_someone_acknowledges_it(client, world, browser):
    await _report(world, days_ago=1)  # mild: counted, no banner
    clinician, admin = await browser("clinician@x.example"), await browser("admin@x.example")
    quiet = await clinician.get("/dashboard/patients")
    assert banner(quiet.text) is None and nav_counts(quiet.text) == {"unacknowledged": "1"}

    body = {
        "idempotency_key": str(uuid.uuid4()), "injection_session_id": str(world.ids["injection_a"]), "started_on": "2026-02-02",
        "symptoms": [{"symptom": "swelling", "severity": 3}], "notes": "Face swollen.", "needed_medical_care": True,
    }
    sent = await client.post("/me/side-effects", json=body, headers=world.headers("patient_a"))
    assert sent.status_code == 201
    report_id = sent.json()["id"]

    for path in ("/dashboard/patients", f"/dashboard/patients/{world.ids['patient_a']}", "/dashboard/lots", "/dashboard/outcomes", "/dashboard/audit", "/dashboard/ratings"):
        page = await admin.get(path)
        assert page.status_code == 200, path
        assert banner(page.text) == "! 1 serious side effect needs review", path
        assert nav_counts(page.text) == {"unacknowledged": "2", "serious": "1"}, path
    assert 'href="/dashboard/side-effects?serious=yes&amp;acknowledged=no"' in (await admin.get("/dashboard/lots")).text
    missing = await admin.get(f"/dashboard/patients/{uuid.uuid4()}")
    assert missing.status_code == 404 and banner(missing.text)  # error pages too

    second = await _report(world, symptoms=(("pain", 3),), days_ago=2)
    assert banner((await clinician.get("/dashboard/patients")).text) == "! 2 serious side effects need review"

    for rid in (report_id, str(second.id)):
        done = await admin.post(f"/dashboard/side-effects/{rid}/acknowledge", {})
        assert done.status_code == 303
    after = await clinician.get("/dashboard/patients")
    assert banner(after.text) is None
    assert nav_counts(after.text) == {"unacknowledged": "1"}


async def test_the_front_desk_sees_how_many_wait_and_nothing_of_what_they_say(world, browser):
    report = await _report(world, symptoms=(("swelling", 3),), care=True)
    await _report(world, days_ago=1)
    desk = await browser("desk@x.example")
    listing = await desk.get("/dashboard/patients")
    assert banner(listing.text) is None
    assert nav_counts(listing.text) == {"unacknowledged": "2", "serious": "1"}
    page = await desk.get("/dashboard/side-effects?serious=yes")
    assert page.status_code == 200
    assert "2 side-effect reports wait for a clinician, 1 serious" in flat(page.text)
    for detail in ("Patient A", "X-001", "Swelling", "LOT-A1", str(report.id)):
        assert detail not in page.text, detail
    assert (await desk.get(f"/dashboard/side-effects/{report.id}")).status_code == 403
    assert (await desk.post(f"/dashboard/side-effects/{report.id}/acknowledge", {})).status_code == 403
    assert await SideEffectReport.filter(acknowledged_at__isnull=True).count() == 2


async def test_another_clinic_sees_none_of_it(world, browser):
    report = await _report(world, symptoms=(("swelling", 3),))
    other = await browser("admin@y.example")
    listing = await other.get("/dashboard/patients")
    assert banner(listing.text) is None and nav_counts(listing.text) == {}
    inbox_page = await other.get("/dashboard/side-effects")
    assert rows(inbox_page.text) == [] and "No side effects reported yet." in inbox_page.text
    assert "Patient A" not in inbox_page.text
    assert (await other.get(f"/dashboard/side-effects/{report.id}")).status_code == 404
    assert (await other.get("/dashboard/side-effects?lot=LOT-A1")).text.count("data-report=") == 0


async def test_the_report_page_acknowledges_and_takes_notes_and_returns_to_itself(world, browser):
    report = await _report(world, symptoms=(("swelling", 3),), care=True)
    clinician = await browser("clinician@x.example")
    own = f"/dashboard/side-effects/{report.id}"
    page = await clinician.get(own)
    assert page.status_code == 200
    text = flat(page.text)
    assert "Side-effect report: Patient A" in text and "Swelling severe" in text and "needed medical care" in text
    assert hidden(page.text, "next") == own

    noted = await clinician.post(f"{own}/annotations", {"text": "Called: swelling going down.", "next": own})
    assert noted.status_code == 303 and noted.headers["location"] == own
    seen = await clinician.post(f"{own}/acknowledge", {"next": own})
    assert seen.status_code == 303 and seen.headers["location"] == own
    page = await clinician.get(own)
    assert "Called: swelling going down." in page.text and "Seen by clinician" in page.text
    assert "Mark as seen" not in page.text and banner(page.text) is None
    # from the patient page (no `next`) or with a foreign `next`: back to the patient page
    elsewhere = await clinician.post(f"{own}/annotations", {"text": "Again.", "next": "https://evil.example/"})
    assert elsewhere.headers["location"] == f"/dashboard/patients/{world.ids['patient_a']}#report-{report.id}"


async def test_the_lot_search_shows_each_lots_report_counts_linking_to_the_inbox(world, browser):
    await _report(world, symptoms=(("swelling", 3),))
    await _report(world, days_ago=1)
    staff = await browser("clinician@x.example")
    page = await staff.get("/dashboard/lots?lot=lot-a1")
    text = flat(page.text)
    assert "2 side-effect reports after this lot, 1 serious" in text
    assert 'href="/dashboard/side-effects?lot=LOT-A1"' in page.text
    row = flat(page.text.split("<tbody>")[1].split("</tr>")[0])
    assert "Patient A" in row and "2 reports" in row and "1 serious" in row
    quiet = await staff.get("/dashboard/lots?lot=LOT-B7")
    assert "No session used lot" in quiet.text
    await _prp_session(world)
    none_yet = await staff.get("/dashboard/lots?lot=LOT-B7")
    assert "No side-effect report after this lot." in none_yet.text


async def test_the_counts_every_page_needs_are_one_query(world, browser):
    await _report(world, symptoms=(("swelling", 3),))
    await _report(world, days_ago=1)
    await _report(world, days_ago=2, acknowledged=True)
    with QueryCounter() as counted:
        counts = await inbox.unacknowledged_counts(world.ids["clinic_x"])
    assert counts == inbox.UnacknowledgedCounts(total=2, serious=1)
    assert counted.count == 1
    (statement,) = counted.statements
    assert await inbox.unacknowledged_counts(world.ids["clinic_y"]) == inbox.UnacknowledgedCounts()

    def counting(statements: list[str]) -> list[str]:
        return [s for s in statements if s.split(" WHERE ")[0] == statement.split(" WHERE ")[0]]

    # a full page asks once; htmx fragments (search as you type) are not pages and do not ask
    staff = await browser("clinician@x.example")
    with QueryCounter() as full:
        page = await staff.get("/dashboard/patients?q=Pat")
    assert 'class="safety-banner"' in page.text and len(counting(full.statements)) == 1
    with QueryCounter() as fragment:
        answer = await staff.get("/dashboard/patients?q=Pat", headers={"HX-Request": "true", "HX-Target": "patient-table"})
    assert answer.status_code == 200 and 'class="safety-banner"' not in answer.text
    assert counting(fragment.statements) == []


async def test_the_inbox_is_one_audit_event_naming_its_filter_and_the_count_only_view_none(world, browser):
    from backend.audit.models import AuditEvent

    await _report(world, symptoms=(("swelling", 3),), care=True)
    await _report(world, patient="patient_b", days_ago=1)
    clinician = await browser("clinician@x.example")
    assert (await clinician.get("/dashboard/side-effects?serious=yes&lot=LOT-A1")).status_code == 200
    [event] = await AuditEvent.filter(action="side_effects.inbox")
    assert event.actor_id is not None and event.patient_id is None  # many patients: one event, not one per row
    assert event.detail["filter"] == {"lot": "LOT-A1", "serious": True} and event.detail["shown"] == 1
    desk = await browser("desk@x.example")
    assert (await desk.get("/dashboard/side-effects")).status_code == 200
    assert await AuditEvent.filter(action="side_effects.inbox").count() == 1  # the counts name no patient
