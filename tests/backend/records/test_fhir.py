"""The FHIR R4 export: a Bundle that validates resource by resource, whose references all resolve
inside it, that maps photos, sessions with lots, side effects and answers, and is audited."""

from __future__ import annotations

import base64
import hashlib

import httpx

from backend.audit.models import AuditEvent
from backend.patients.models import Patient
from backend.photos.models import Photo
from tests.backend.records.fhir_checks import validate_bundle


def _by_type(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


async def test_the_bundle_validates_and_every_reference_resolves(client, world, history):
    answer = await client.get(f"/patients/{history.patient_id}/fhir", headers=world.headers("staff_x"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    assert answer.headers["cache-control"] == "no-store"
    bundle = answer.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    types = validate_bundle(bundle)
    assert types["Patient"] == 1 and types["Organization"] == 1
    assert types["Media"] == 15  # 3 months x 5 views
    assert types["Procedure"] == 2 and types["Medication"] == 2
    assert types["AdverseEvent"] == 2
    assert types["Questionnaire"] == 1 and types["QuestionnaireResponse"] == 1
    assert types["CodeSystem"] >= 4
    (rated,) = _by_type(bundle, "Observation")
    assert rated["valueQuantity"]["value"] == 1.5 and rated["code"]["coding"][0]["code"] == "gpa-consensus"
    assert rated["interpretation"][0]["coding"][0]["code"] == "+1"  # a half rounds toward no change
    assert rated["note"][0]["text"].startswith("Final, Spring round, median of 3 raters, agreement alpha 0.72")
    assert rated["status"] == "final"
    followup = await Photo.get(patient_id=history.patient_id, view="frontal", checkin__month=2)
    assert rated["effectiveDateTime"][:19] == followup.captured_at.isoformat()[:19]  # the photo's date, not the export's


async def test_patient_media_procedures_and_adverse_events_carry_what_the_clinic_recorded(client, world, history):
    bundle = (await client.get(f"/patients/{history.patient_id}/fhir", headers=world.headers("staff_x"))).json()
    (patient,) = _by_type(bundle, "Patient")
    (identifier,) = patient["identifier"]
    assert identifier["value"] == "X-001"
    assert identifier["system"] == f"http://testserver.local/fhir/clinic/{world.ids['clinic_x']}/record-number"
    assert patient["name"] == [{"text": "Patient A"}]
    assert patient["gender"] == "unknown" and "birthDate" not in patient  # nothing recorded yet

    await Patient.filter(id=history.patient_id).update(sex="female", birth_year=1984)
    bundle = (await client.get(f"/patients/{history.patient_id}/fhir", headers=world.headers("staff_x"))).json()
    (patient,) = _by_type(bundle, "Patient")
    assert patient["gender"] == "female" and patient["birthDate"] == "1984"

    media = _by_type(bundle, "Media")
    frontal = [m for m in media if m["view"]["coding"][0]["code"] == "frontal"]
    assert len(frontal) == 3 and {m["bodySite"]["coding"][0]["code"] for m in media} == {"41695006"}
    photo = await Photo.get(id=frontal[0]["id"])
    content = frontal[0]["content"]
    assert content["contentType"] == "image/jpeg" and content["size"] == photo.stored_size
    # the short-lived link serves exactly the bytes the size and hashes describe
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver.local") as fetch:
        served = await fetch.get(content["url"])
    assert served.status_code == 200 and len(served.content) == content["size"]
    assert content["hash"] == base64.b64encode(hashlib.sha1(served.content).digest()).decode()
    assert content["extension"][0]["valueString"] == hashlib.sha256(served.content).hexdigest()

    procedures = {p["id"]: p for p in _by_type(bundle, "Procedure")}
    medications = {f"urn:uuid:{m['id']}": m for m in _by_type(bundle, "Medication")}
    lots = sorted(medications[p["usedReference"][0]["reference"]]["batch"]["lotNumber"] for p in procedures.values())
    assert lots == ["LOT-A1", "LOT-B2"]
    assert all(p["status"] == "completed" for p in procedures.values())

    events = {e["id"]: e for e in _by_type(bundle, "AdverseEvent")}
    serious = events[str(history.reports[0].id)]
    assert serious["seriousness"]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness", "code": "Serious", "display": "Serious",
    }
    assert serious["severity"]["coding"][0]["code"] == "severe"
    assert serious["suspectEntity"][0]["instance"]["reference"] == f"urn:uuid:{history.sessions[0].id}"
    assert events[str(history.reports[1].id)]["seriousness"]["coding"][0]["code"] == "Non-serious"

    (response,) = _by_type(bundle, "QuestionnaireResponse")
    assert response["item"][0]["linkId"] == "appearance"
    assert response["item"][0]["answer"][0]["valueCoding"]["code"] == "-1"


async def test_another_clinic_gets_404_a_patient_403_and_only_real_exports_are_audited(client, world, history):
    assert (await client.get(f"/patients/{history.patient_id}/fhir", headers=world.headers("staff_y"))).status_code == 404
    assert (await client.get(f"/patients/{history.patient_id}/fhir", headers=world.headers("patient_a"))).status_code == 403
    assert (await client.get(f"/patients/{history.patient_id}/fhir")).status_code == 401
    assert not await AuditEvent.filter(action="record.fhir_export").exists()
    await client.get(f"/patients/{history.patient_id}/fhir", headers=world.headers("desk_x"))
    events = await AuditEvent.filter(action="record.fhir_export")
    assert len(events) == 1 and events[0].patient_id == history.patient_id and events[0].actor_kind == "staff"


async def test_the_demo_patient_with_seven_months_of_photos_exports_a_valid_bundle(client, settings, app):
    from backend.demo import PHOTO_PATIENT, seed_demo, DEMO_EMAIL
    from backend.patients.models import Patient
    from tests.backend.world import staff_token

    await seed_demo(app.state.settings)
    patient = await Patient.get(record_number=PHOTO_PATIENT)
    token = await staff_token(DEMO_EMAIL)
    answer = await client.get(f"/patients/{patient.id}/fhir", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    types = validate_bundle(answer.json())
    # months 0-6, every view, and the repeat frame of vertex, crown and frontal taken in months 0, 2, 4, 6
    assert types["Media"] == 7 * 5 + 4 * 3
    assert types["Procedure"] == 4 and types["Medication"] == 1
    assert types["AdverseEvent"] == 1 and types["QuestionnaireResponse"] == 3


# R4's adverse-event-seriousness code system (hl7.org/fhir/R4/codesystem-adverse-event-seriousness.html)
R4_SERIOUSNESS = {"Serious", "Non-serious"}


async def test_seriousness_codes_are_r4s_and_each_codeable_concept_holds_one_concept(client, world, history):
    from backend.reports.models import SideEffectSymptom

    # the serious report had swelling; it had redness too: two symptoms, never one concept
    await SideEffectSymptom.create(report_id=history.reports[0].id, symptom="redness", severity=2)
    bundle = (await client.get(f"/patients/{history.patient_id}/fhir", headers=world.headers("staff_x"))).json()
    validate_bundle(bundle)
    events = {e["id"]: e for e in _by_type(bundle, "AdverseEvent")}
    assert {e["seriousness"]["coding"][0]["code"] for e in events.values()} == R4_SERIOUSNESS
    both, one = events[str(history.reports[0].id)], events[str(history.reports[1].id)]
    assert "coding" not in both["event"] and "Swelling (severe)" in both["event"]["text"] and "Redness (moderate)" in both["event"]["text"]
    felt = {
        x["extension"][0]["valueCoding"]["code"]: x["extension"][1]["valueString"]
        for x in both["extension"] if x["url"].endswith("/StructureDefinition/symptom")
    }
    assert felt == {"swelling": "severe", "redness": "moderate"}
    assert [c["code"] for c in one["event"]["coding"]] == ["swelling"]
    sites = [site for p in _by_type(bundle, "Procedure") for site in p["bodySite"]]
    assert all(len(site["coding"]) == 1 for site in sites)  # the scalp and an injection area are apart
    assert {site["coding"][0]["code"] for site in sites} >= {"41695006", "vertex", "crown", "frontal"}
