"""Forms and pages a clinician uses: what they change, what they refuse and say, and who may."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

from backend.audit.models import AuditEvent
from backend.checkins.models import CheckIn
from backend.photos.models import Photo
from backend.clinics.models import Clinic
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from backend.reports.models import SideEffectReport
from shared.contract.checkins import PhotoStatus

PATIENT = {
    "display_name": "Noor Haddad", "record_number": "N-77", "baseline_date": "2026-03-01", "timezone": "Europe/London",
    "treatment": "prp", "planned_sessions": "3", "interval_days": "28", "consent_care": "on",
}


async def test_adding_a_patient_stores_the_plan_and_opens_their_page(world, browser):
    staff = await browser("desk@x.example")  # the front desk adds patients too
    answer = await staff.post("/dashboard/patients", PATIENT)
    assert answer.status_code == 303
    patient = await Patient.get(record_number="N-77")
    assert answer.headers["location"] == f"/dashboard/patients/{patient.id}"
    assert (patient.treatment, patient.planned_sessions, patient.interval_days) == ("prp", 3, 28)
    assert (patient.consent_care, patient.consent_research) == (True, False)
    page = await staff.get(answer.headers["location"])
    assert "PRP, 3 sessions every 28 days" in page.text


async def test_a_taken_record_number_is_said_beside_the_field_and_nothing_changes(world, browser):
    staff = await browser("admin@x.example")
    answer = await staff.post("/dashboard/patients", {**PATIENT, "record_number": "X-001"})
    assert answer.status_code == 409
    assert re.search(r'id="record_number-problem"[^>]*>Record number X-001 is already used', answer.text)
    assert 'value="Noor Haddad"' in answer.text  # what was typed is kept
    assert await Patient.filter(clinic_id=world.ids["clinic_x"]).count() == 2


async def test_a_form_that_does_not_fit_says_which_field_and_why(world, browser):
    staff = await browser("admin@x.example")
    answer = await staff.post("/dashboard/patients", {**PATIENT, "interval_days": "400"})
    assert answer.status_code == 400
    assert "Interval: a whole number of days from 1 to 365." in answer.text
    answer = await staff.post("/dashboard/patients", {**PATIENT, "timezone": "Mars/Olympus"})
    assert answer.status_code == 400
    assert "not a known timezone" in answer.text


async def test_editing_a_patient_changes_only_that_patient(world, browser):
    staff = await browser("admin@x.example")
    patient_a = world.ids["patient_a"]
    answer = await staff.post(f"/dashboard/patients/{patient_a}", {**PATIENT, "record_number": "X-001", "display_name": "Ann Renamed"})
    assert answer.status_code == 303
    assert (await Patient.get(id=patient_a)).display_name == "Ann Renamed"
    assert (await Patient.get(id=world.ids["patient_b"])).display_name == "Patient B"


async def test_recording_a_session_with_its_lot_schedules_the_next_one(world, browser):
    await Clinic.filter(id=world.ids["clinic_x"]).update(timezone="Europe/London")  # times are typed in the clinic's time
    staff = await browser("clinician@x.example")
    patient_b = world.ids["patient_b"]
    answer = await staff.post(
        f"/dashboard/patients/{patient_b}/injections",
        {"scheduled_at": "2026-04-01T10:30", "status": "done", "treatment": "exosomes", "product": "ExoCell 5B",
         "lot_number": "LOT-77", "volume_ml": "2,5", "areas": ["vertex", "crown"], "notes": "Fine.",
         "schedule_next": "on", "next_at": "2026-05-01T10:30"},
    )
    assert answer.status_code == 303
    sessions = await InjectionSession.filter(patient_id=patient_b).order_by("scheduled_at")
    assert [(s.status, s.lot_number) for s in sessions] == [("done", "LOT-77"), ("scheduled", "")]
    done = sessions[0]
    assert float(done.volume_ml) == 2.5 and done.areas == ["vertex", "crown"]
    assert done.scheduled_at == datetime(2026, 4, 1, 9, 30, tzinfo=UTC)  # 10:30 in London (summer time)
    lots = await staff.get("/dashboard/lots?lot=lot-77")
    assert "Patient B" in lots.text and "X-002" in lots.text


async def test_the_front_desk_schedules_but_cannot_record_a_lot(world, browser):
    staff = await browser("desk@x.example")
    patient_b = world.ids["patient_b"]
    page = await staff.get(f"/dashboard/patients/{patient_b}")
    assert 'name="lot_number"' not in page.text
    forged = await staff.post(
        f"/dashboard/patients/{patient_b}/injections",
        {"scheduled_at": "2026-04-01T10:30", "status": "done", "treatment": "exosomes", "lot_number": "LOT-99"},
    )
    assert forged.status_code == 403
    assert "Only clinicians can record what was injected." in forged.text
    assert not await InjectionSession.filter(lot_number="LOT-99").exists()
    scheduled = await staff.post(
        f"/dashboard/patients/{patient_b}/injections", {"scheduled_at": "2026-04-01T10:30", "status": "scheduled", "treatment": "prp"}
    )
    assert scheduled.status_code == 303


async def test_editing_a_session_and_recording_a_scheduled_one(world, browser):
    staff = await browser("clinician@x.example")
    session_id = world.ids["injection_a"]
    form = await staff.get(f"/dashboard/injections/{session_id}/edit?record=1")
    assert "Record the session" in form.text
    assert re.search(r'<option value="done" selected>', form.text)
    answer = await staff.post(
        f"/dashboard/injections/{session_id}",
        {"scheduled_at": "2026-02-01T10:00", "status": "done", "treatment": "exosomes", "product": "ExoCell",
         "lot_number": "LOT-A2", "volume_ml": "3"},
    )
    assert answer.status_code == 303
    session = await InjectionSession.get(id=session_id)
    assert (session.status, session.lot_number, float(session.volume_ml)) == ("done", "LOT-A2", 3.0)
    assert session.performed_at is not None


async def test_a_new_side_effect_is_flagged_until_a_clinician_marks_it_seen(world, browser):
    report = await SideEffectReport.create(
        clinic_id=world.ids["clinic_x"], patient_id=world.ids["patient_a"], injection_session_id=world.ids["injection_a"],
        idempotency_key=uuid.uuid4(), request_sha256="0" * 64, started_on=date(2026, 2, 2), needed_medical_care=False,
        max_severity=2, serious=False,
    )
    staff = await browser("clinician@x.example")
    listing = await staff.get("/dashboard/patients?show=side_effects")
    assert "Patient A" in listing.text and "1 new" in listing.text
    desk = await browser("desk@x.example")
    assert (await desk.post(f"/dashboard/side-effects/{report.id}/acknowledge")).status_code == 403
    assert (await staff.post(f"/dashboard/side-effects/{report.id}/annotations", {"text": "Called: resolving."})).status_code == 303
    assert (await staff.post(f"/dashboard/side-effects/{report.id}/acknowledge")).status_code == 303
    listing = await staff.get("/dashboard/patients?show=side_effects")
    assert "Patient A" not in listing.text
    page = await staff.get(f"/dashboard/patients/{world.ids['patient_a']}")
    assert "Called: resolving." in page.text and "Seen by clinician" in page.text


async def _photo(patient_id, month: int, view: str = "vertex") -> Photo:
    checkin, _ = await CheckIn.get_or_create(
        patient_id=patient_id, month=month, defaults={"due_on": date(2026, 1 + month, 15), "views": [view]}
    )
    return await Photo.create(
        patient_id=patient_id, checkin=checkin, view=view, idempotency_key=uuid.uuid4(), storage_token=uuid.uuid4().hex,
        status=PhotoStatus.READY, content_type="image/jpeg", sha256="0" * 64, size=1,
        captured_at=datetime(2026, 1 + month, 15, tzinfo=UTC), slot_issued_at=datetime(2026, 1 + month, 15, tzinfo=UTC),
    )


async def test_every_page_showing_photos_is_in_the_audit_log(world, browser):
    first, later = await _photo(world.ids["patient_a"], 0), await _photo(world.ids["patient_a"], 1)
    staff = await browser("clinician@x.example")
    await AuditEvent.filter(action="photo.view").delete()
    page = await staff.get(f"/dashboard/patients/{world.ids['patient_a']}")
    assert page.text.count('class="thumb"') == 2
    await staff.get(f"/dashboard/photos/{first.id}")
    compared = await staff.get(f"/dashboard/compare?photo={later.id}&photo={first.id}")
    assert compared.status_code == 200
    assert "Vertex (top, parted): baseline and month 1" in compared.text  # the earlier one first
    events = await AuditEvent.filter(action__in=["photo.view", "patient.view"]).order_by("id")
    # the patient page (one event naming the photos its timeline shows), one photo large, two compared
    assert [e.action for e in events] == ["patient.view", "photo.view", "photo.view", "photo.view"]
    assert all(e.patient_id == world.ids["patient_a"] for e in events)
    assert {str(first.id), str(later.id)} <= set(events[0].detail["photos"])


async def test_comparing_needs_two_photos_of_the_same_view(world, browser):
    vertex, frontal = await _photo(world.ids["patient_a"], 0), await _photo(world.ids["patient_a"], 1, "frontal")
    staff = await browser("clinician@x.example")
    answer = await staff.get(f"/dashboard/compare?photo={vertex.id}&photo={frontal.id}")
    assert answer.status_code == 400
    assert "Compare two photos of the same view." in answer.text
    assert (await staff.get(f"/dashboard/compare?photo={vertex.id}")).status_code == 400


async def test_the_invite_card_shows_the_code_and_a_qr_code(world, browser):
    staff = await browser("desk@x.example")
    answer = await staff.post(f"/dashboard/patients/{world.ids['patient_b']}/invites", {})
    assert answer.status_code == 303
    card = await staff.get(answer.headers["location"])
    code = re.search(r'class="invite-code[^"]*"[^>]*>(\w{4})-(\w{4})<', card.text)
    assert code is not None
    assert "<svg" in card.text and "Print the card" in card.text
    from backend.enrolment.models import Invite

    assert await Invite.filter(code=code.group(1) + code.group(2), patient_id=world.ids["patient_b"], revoked_at=None).exists()


async def test_only_admins_open_the_audit_log(world, browser):
    clinician = await browser("clinician@x.example")
    answer = await clinician.get("/dashboard/audit")
    assert answer.status_code == 403
    assert "Your role does not allow this." in answer.text
    admin = await browser("admin@x.example")
    log = await admin.get("/dashboard/audit?action=staff.sign_in")
    assert log.status_code == 200
    assert "clinician" in log.text  # who signed in, by name
