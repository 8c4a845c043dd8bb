"""Side-effect reports: what the patient sends, what the clinic sees, and what is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from tortoise.exceptions import IntegrityError

from backend.audit.models import AuditEvent
from backend.auth.principal import PatientPrincipal
from backend.injections.models import InjectionSession
from backend.reports import side_effects
from backend.reports.models import ReportAnnotation, SideEffectReport, SideEffectSymptom
from shared.contract.injections import SessionStatus
from shared.contract.patients import Treatment
from shared.contract.reports import SideEffectReportCreate
from shared.errors import Conflict
from tests.backend.reports.bodies import side_effect_body, store_report

SEVERE = [{"symptom": "swelling", "severity": 3}, {"symptom": "pain", "severity": 2}]


async def _stored() -> tuple[int, int]:
    return await SideEffectReport.all().count(), await SideEffectSymptom.all().count()


async def _session(world, patient: str, *, lot: str, treatment: Treatment = Treatment.EXOSOMES, days_ago: int = 30,
                   status: SessionStatus = SessionStatus.DONE) -> InjectionSession:
    at = datetime.now(UTC) - timedelta(days=days_ago)
    clinic = "clinic_y" if patient == "patient_c" else "clinic_x"
    return await InjectionSession.create(
        patient_id=world.ids[patient], clinic_id=world.ids[clinic], status=status, scheduled_at=at,
        performed_at=at if status == SessionStatus.DONE else None, treatment=treatment, product="ExoCell", lot_number=lot,
    )


async def test_a_patient_reports_after_an_injection_and_the_clinic_sees_its_lot(client, world):
    body = side_effect_body(world.ids["injection_a"])
    sent = await client.post("/me/side-effects", json=body, headers=world.headers("patient_a"))
    assert sent.status_code == 201, sent.text
    mine = sent.json()
    assert mine["product"] == "ExoCell" and "lot_number" not in mine and "annotations" not in mine
    assert mine["symptoms"] == [{"symptom": "pain", "severity": 1}, {"symptom": "redness", "severity": 2}]
    assert mine["clinic_alerted"] is False and mine["seen_by_clinic"] is False

    listed = await client.get(f"/patients/{world.ids['patient_a']}/side-effects", headers=world.headers("staff_x"))
    [report] = listed.json()
    assert (report["id"], report["lot_number"], report["product"], report["treatment"]) == (mine["id"], "LOT-A1", "ExoCell", "exosomes")
    assert (report["max_severity"], report["serious"], report["record_number"]) == (2, False, "X-001")
    assert [r["id"] for r in (await client.get("/me/side-effects", headers=world.headers("patient_a"))).json()] == [mine["id"]]
    assert (await client.get("/me/side-effects", headers=world.headers("patient_b"))).json() == []
    assert await AuditEvent.filter(action="side_effect.create", subject_id=mine["id"], actor_kind="patient").exists()


async def test_a_retried_submission_stores_one_report_and_a_changed_one_is_refused(client, world):
    body = side_effect_body(world.ids["injection_a"])
    first = await client.post("/me/side-effects", json=body, headers=world.headers("patient_a"))
    reordered = {**body, "symptoms": list(reversed(body["symptoms"]))}  # the same report, listed in another order
    again = await client.post("/me/side-effects", json=reordered, headers=world.headers("patient_a"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    changed = await client.post("/me/side-effects", json={**body, "notes": "Worse now."}, headers=world.headers("patient_a"))
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "idempotency_conflict"
    assert await _stored() == (1, 2)
    assert await AuditEvent.filter(action="side_effect.create").count() == 1


async def test_two_copies_racing_past_the_check_store_one_report(client, world, monkeypatch):
    principal = PatientPrincipal(patient_id=world.ids["patient_a"], clinic_id=world.ids["clinic_x"], device_id=uuid.uuid4())
    data = msgspec.convert(side_effect_body(world.ids["injection_a"]), SideEffectReportCreate)
    first, created = await side_effects.submit(principal, data)
    real_replay, calls = side_effects._replay, []

    async def blind_first_look(*args):
        calls.append(args)
        return None if len(calls) == 1 else await real_replay(*args)

    monkeypatch.setattr(side_effects, "_replay", blind_first_look)
    second, created_again = await side_effects.submit(principal, data)
    assert (created, created_again, second.id) == (True, False, first.id)
    assert await SideEffectReport.all().count() == 1


async def test_a_report_on_an_injection_that_is_not_the_patients_is_not_found(client, world):
    session_c = await _session(world, "patient_c", lot="LOT-Y")
    for session_id in (world.ids["injection_a"], session_c.id, uuid.uuid4()):
        refused = await client.post("/me/side-effects", json=side_effect_body(session_id), headers=world.headers("patient_b"))
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert await _stored() == (0, 0)
    assert not await AuditEvent.filter(action__startswith="side_effect").exists()


BAD_INPUT = [
    ({"symptoms": [{"symptom": "nausea", "severity": 1}]}, 400, "symptom_unknown"),
    ({"symptoms": [{"symptom": "pain", "severity": 4}]}, 400, "severity_out_of_range"),
    ({"symptoms": [{"symptom": "pain", "severity": -1}]}, 400, "severity_out_of_range"),
    ({"symptoms": [{"symptom": "pain", "severity": "severe"}]}, 400, "validation_failed"),
    ({"symptoms": [{"symptom": "pain", "severity": 1}, {"symptom": "pain", "severity": 3}]}, 400, "validation_failed"),
    ({"symptoms": [{"symptom": "pain", "severity": 1}] * 21}, 400, "validation_failed"),
    ({"needed_medical_care": None}, 400, "validation_failed"),
    ({"started_on": "2026-01-31"}, 400, "validation_failed"),  # the day before the injection
    ({"started_on": "2099-01-01"}, 400, "validation_failed"),
    ({"notes": "x" * 4001}, 400, "validation_failed"),
    ({"idempotency_key": "not-a-uuid"}, 400, "validation_failed"),
    ({"lot_number": "LOT-A1"}, 400, "unknown_field"),
]


async def test_bad_input_is_refused_with_a_stable_code_and_stores_nothing(client, world):
    # one world for every case: building it is the slow part
    for change, status, code in BAD_INPUT:
        refused = await client.post(
            "/me/side-effects", json=side_effect_body(world.ids["injection_a"], **change), headers=world.headers("patient_a")
        )
        assert (refused.status_code, refused.json()["error"]["code"]) == (status, code), change
    assert await _stored() == (0, 0)
    assert not await AuditEvent.filter(action__startswith="side_effect").exists()


async def test_an_injection_not_given_yet_cannot_be_reported_on(client, world):
    cancelled = await _session(world, "patient_a", lot="LOT-Z", days_ago=5, status=SessionStatus.CANCELLED)
    ahead = await _session(world, "patient_a", lot="LOT-Z", days_ago=-10, status=SessionStatus.SCHEDULED)
    for session in (cancelled, ahead):
        body = side_effect_body(session.id, started_on=datetime.now(UTC).date().isoformat())
        refused = await client.post("/me/side-effects", json=body, headers=world.headers("patient_a"))
        assert (refused.status_code, refused.json()["error"]["code"]) == (409, "injection_not_given")
    assert await _stored() == (0, 0)


@pytest.mark.parametrize(
    "change",
    [{"symptoms": SEVERE}, {"symptoms": [{"symptom": "itching", "severity": 1}], "needed_medical_care": True}],
    ids=["severe symptom", "medical care"],
)
async def test_a_serious_report_alerts_the_patients_clinic_and_nobody_else(client, world, change):
    sent = await client.post("/me/side-effects", json=side_effect_body(world.ids["injection_a"], **change), headers=world.headers("patient_a"))
    assert sent.status_code == 201 and sent.json()["clinic_alerted"] is True
    report_id = sent.json()["id"]

    alerts = (await client.get("/side-effects/alerts", headers=world.headers("clinician_x"))).json()
    assert [(a["id"], a["serious"], a["lot_number"]) for a in alerts["items"]] == [(report_id, True, "LOT-A1")]
    assert alerts["total"] == 1
    elsewhere = await client.get("/side-effects/alerts", headers=world.headers("staff_y"))
    assert elsewhere.json()["items"] == [] and elsewhere.json()["total"] == 0
    assert (await client.get("/side-effects", headers=world.headers("staff_y"))).json()["total"] == 0
    assert (await client.get(f"/side-effects/{report_id}", headers=world.headers("staff_y"))).status_code == 404
    assert (await client.get("/side-effects/alerts", headers=world.headers("patient_b"))).status_code == 403
    assert (await client.get("/me/side-effects", headers=world.headers("patient_b"))).json() == []

    event = await AuditEvent.get(action="side_effect.serious", subject_id=report_id)
    assert (event.clinic_id, event.patient_id, event.actor_kind) == (world.ids["clinic_x"], world.ids["patient_a"], "system")
    assert event.detail["lot_number"] == "LOT-A1"


async def test_acknowledging_takes_a_report_off_the_alert_list_once(client, world):
    report = await store_report(world.ids["clinic_x"], world.ids["patient_a"], world.ids["injection_a"])
    path = f"/side-effects/{report.id}/acknowledge"
    assert (await client.post(path, headers=world.headers("desk_x"))).status_code == 403
    first = await client.post(path, headers=world.headers("clinician_x"))
    assert first.status_code == 200 and first.json()["acknowledged_by"] == "clinician"
    again = await client.post(path, headers=world.headers("staff_x"))
    assert again.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    assert again.json()["acknowledged_by"] == "clinician"
    assert (await client.get("/side-effects/alerts", headers=world.headers("staff_x"))).json()["items"] == []
    assert (await client.get("/side-effects", params={"acknowledged": "true"}, headers=world.headers("staff_x"))).json()["total"] == 1
    assert await AuditEvent.filter(action="side_effect.acknowledge", subject_id=str(report.id)).count() == 1
    mine = (await client.get("/me/side-effects", headers=world.headers("patient_a"))).json()
    assert mine[0]["seen_by_clinic"] is True


async def test_staff_notes_are_kept_in_order_and_the_patient_does_not_see_them(client, world):
    report = await store_report(world.ids["clinic_x"], world.ids["patient_a"], world.ids["injection_a"])
    path = f"/side-effects/{report.id}/annotations"
    assert (await client.post(path, json={"text": "Front desk note"}, headers=world.headers("desk_x"))).status_code == 403
    assert (await client.post(path, json={"text": ""}, headers=world.headers("clinician_x"))).status_code == 400
    for text in ("Called the patient: swelling settling.", "Reviewed at clinic, no infection."):
        noted = await client.post(path, json={"text": text}, headers=world.headers("clinician_x"))
        assert noted.status_code == 201
    notes = noted.json()["annotations"]
    assert [(n["author_name"], n["text"]) for n in notes] == [
        ("clinician", "Called the patient: swelling settling."),
        ("clinician", "Reviewed at clinic, no infection."),
    ]
    assert (await client.post(path, json={"text": "Not mine"}, headers=world.headers("staff_y"))).status_code == 404
    assert await AuditEvent.filter(action="side_effect.annotate", subject_id=str(report.id)).count() == 2
    mine = (await client.get("/me/side-effects", headers=world.headers("patient_a"))).json()
    assert "annotations" not in mine[0] and "Called" not in str(mine)


async def test_staff_filter_the_clinics_reports_by_lot_treatment_and_seriousness(client, world):
    exo = await _session(world, "patient_a", lot="EXO-1", days_ago=40)
    prp = await _session(world, "patient_b", lot="PRP-9", treatment=Treatment.PRP, days_ago=40)
    exo_b = await _session(world, "patient_b", lot="EXO-1", days_ago=20)
    started = (datetime.now(UTC) - timedelta(days=15)).date().isoformat()
    sent = {}
    for name, who, session, symptoms in (
        ("a_exo", "patient_a", exo, SEVERE),
        ("b_prp", "patient_b", prp, [{"symptom": "redness", "severity": 1}]),
        ("b_exo", "patient_b", exo_b, [{"symptom": "headache", "severity": 2}]),
    ):
        answer = await client.post(
            "/me/side-effects", json=side_effect_body(session.id, started_on=started, symptoms=symptoms), headers=world.headers(who)
        )
        assert answer.status_code == 201, answer.text
        sent[answer.json()["id"]] = name

    async def names(**params) -> set[str]:
        page = (await client.get("/side-effects", params=params, headers=world.headers("staff_x"))).json()
        assert page["total"] == len(page["items"])
        return {sent[r["id"]] for r in page["items"]}

    assert await names() == {"a_exo", "b_prp", "b_exo"}
    assert await names(lot="exo-1") == {"a_exo", "b_exo"}
    assert await names(treatment="prp") == {"b_prp"}
    assert await names(serious="true") == {"a_exo"}
    assert await names(serious="false", lot="EXO-1") == {"b_exo"}
    assert await names(lot="NO-SUCH-LOT") == set()
    first_page = (await client.get("/side-effects", params={"limit": 1}, headers=world.headers("staff_x"))).json()
    assert (len(first_page["items"]), first_page["total"]) == (1, 3)
    assert (await client.get("/side-effects", params={"lot": "EXO-1"}, headers=world.headers("staff_y"))).json()["total"] == 0
    bad = await client.get("/side-effects", params={"treatment": "magic"}, headers=world.headers("staff_x"))
    assert bad.status_code == 400


async def test_a_serious_report_can_never_be_deleted_and_has_no_delete_route(client, world):
    report = await store_report(world.ids["clinic_x"], world.ids["patient_a"], world.ids["injection_a"])
    with pytest.raises(Conflict):
        await report.delete()
    assert (await client.delete(f"/side-effects/{report.id}", headers=world.headers("staff_x"))).status_code == 405
    assert await SideEffectReport.filter(id=report.id).exists()


async def test_an_injection_with_reports_cannot_be_deleted_on_its_own(client, world):
    await store_report(world.ids["clinic_x"], world.ids["patient_a"], world.ids["injection_a"])
    session = await InjectionSession.get(id=world.ids["injection_a"])
    with pytest.raises(IntegrityError):
        await session.delete()
    assert await SideEffectReport.filter(injection_session_id=session.id).count() == 1


async def test_deleting_the_patient_erases_their_reports_and_keeps_a_trace_without_health_details(client, world):
    report = await store_report(world.ids["clinic_x"], world.ids["patient_a"], world.ids["injection_a"])
    await ReportAnnotation.create(report=report, author_name="clinician", text="Seen.")
    deleted = await client.delete(f"/patients/{world.ids['patient_a']}", headers=world.headers("staff_x"))
    assert deleted.status_code == 204
    assert await _stored() == (0, 0) and await ReportAnnotation.all().count() == 0
    trace = await AuditEvent.get(action="side_effect.erased_with_patient")
    assert trace.detail == {"reports": 1, "serious": 1, "serious_lots": ["LOT-A1"]}
    assert trace.clinic_id == world.ids["clinic_x"]
