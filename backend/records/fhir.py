"""A patient's history as a FHIR R4 Bundle (type collection), validated by the `fhir.resources` R4B
models (wire-compatible with R4 for these resources) before it leaves. Every reference points to a
resource inside the Bundle (`urn:uuid:` full URLs). The mapping is documented in docs/fhir.md."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from shared.labels import AREAS, TREATMENTS
from backend.records import gpa
from backend.records.history import PatientHistory, SessionRecord
from shared import questionnaire as hgq
from shared.contract.injections import SessionStatus
from shared.symptoms import SYMPTOMS, severity_label
from shared.views import VIEWS

FHIR_JSON = "application/fhir+json"
SNOMED = "http://snomed.info/sct"
SCALP = {"system": SNOMED, "code": "41695006", "display": "Scalp structure"}
MEDIA_TYPE = "http://terminology.hl7.org/CodeSystem/media-type"
AE_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
_IDS = uuid.UUID("5b0c9d3e-56a8-4f4e-9a61-0f011c1e0001")  # namespace of ids made from names


class Systems:
    """The URIs of Follicle's own code systems, identifiers and extensions, under one base."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def code_system(self, name: str) -> str:
        return f"{self.base}/CodeSystem/{name}"

    def record_number(self, clinic_id: uuid.UUID) -> str:
        """The clinic's own record numbers: a system per clinic, so two clinics' numbers never collide."""
        return f"{self.base}/clinic/{clinic_id}/record-number"

    def identifier(self, name: str) -> str:
        return f"{self.base}/identifier/{name}"

    def extension(self, name: str) -> str:
        return f"{self.base}/StructureDefinition/{name}"

    def questionnaire(self) -> str:
        return f"{self.base}/Questionnaire/self-assessment"


def _ref(resource_id: object) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id}"}


def _named_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(_IDS, "|".join(str(p) for p in parts))


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _sha1_base64(hex_digest: str) -> str | None:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode() if hex_digest else None


class BundleBuilder:
    def __init__(self, history: PatientHistory, systems: Systems) -> None:
        self.history = history
        self.systems = systems
        self.entries: list[dict[str, Any]] = []
        self.code_systems_used: dict[str, dict[str, str]] = {}

    def add(self, resource: dict[str, Any]) -> dict[str, Any]:
        self.entries.append({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource})
        return resource

    def coding(self, system: str, code: str, display: str) -> dict[str, str]:
        self.code_systems_used.setdefault(system, {})[code] = display
        return {"system": self.systems.code_system(system), "code": code, "display": display}

    # --- resources ---------------------------------------------------------------------------

    def organization(self) -> None:
        h = self.history
        self.add({"resourceType": "Organization", "id": str(h.clinic_id), "name": h.clinic_name, "active": True})

    def patient(self) -> None:
        h = self.history
        self.add(
            {
                "resourceType": "Patient",
                "id": str(h.patient_id),
                "identifier": [
                    {
                        "use": "usual",
                        "type": {"text": "Clinic record number"},
                        "system": self.systems.record_number(h.clinic_id),
                        "value": h.record_number,
                        "assigner": _ref(h.clinic_id),
                    }
                ],
                "name": [{"text": h.display_name}],
                # FHIR's administrative gender has the same four codes as the clinic's record
                "gender": h.sex,
                **({"birthDate": f"{h.birth_year:04d}"} if h.birth_year else {}),
                "managingOrganization": _ref(h.clinic_id),
            }
        )

    def media(self, urls: Mapping[uuid.UUID, str]) -> None:
        h = self.history
        for photo in h.photos:
            label = h.view_label(photo.view)
            content: dict[str, Any] = {
                "contentType": "image/jpeg",
                "title": f"{label}, month {photo.month}",
                "creation": _instant(photo.captured_at),
            }
            if photo.id in urls:
                content["url"] = urls[photo.id]
            if photo.stored_size:
                content["size"] = photo.stored_size
            if photo.stored_sha1:
                content["hash"] = _sha1_base64(photo.stored_sha1)
            if photo.stored_sha256:
                content["extension"] = [{"url": self.systems.extension("attachment-sha256"), "valueString": photo.stored_sha256}]
            resource: dict[str, Any] = {
                "resourceType": "Media",
                "id": str(photo.id),
                "identifier": [{"system": self.systems.identifier("photo"), "value": str(photo.id)}],
                "status": "completed",
                "type": {"coding": [{"system": MEDIA_TYPE, "code": "image", "display": "Image"}]},
                "view": {"coding": [self.coding("photo-view", photo.view, label)], "text": label},
                "subject": _ref(h.patient_id),
                "createdDateTime": _instant(photo.captured_at),
                "bodySite": {"coding": [SCALP], "text": f"Scalp, {label.lower()}"},
                "content": content,
                "note": [{"text": f"Monthly check-in photo, month {photo.month} since baseline."}],
            }
            if photo.width and photo.height:
                resource["width"], resource["height"] = photo.width, photo.height
            self.add(resource)

    def medications(self) -> dict[uuid.UUID, str]:
        """A Medication per product and lot given (sessions share it); {session id: medication id}."""
        h = self.history
        by_session: dict[uuid.UUID, str] = {}
        made: set[str] = set()
        for session in self._sessions_exported():
            if not (session.product or session.lot_number):
                continue
            medication_id = str(_named_id(h.clinic_id, "medication", session.product, session.lot_number))
            by_session[session.id] = medication_id
            if medication_id in made:
                continue
            made.add(medication_id)
            product = session.product or TREATMENTS.get(session.treatment, session.treatment)
            resource: dict[str, Any] = {"resourceType": "Medication", "id": medication_id, "code": {"text": product}}
            if session.lot_number:
                resource["batch"] = {"lotNumber": session.lot_number}
            self.add(resource)
        return by_session

    def _sessions_exported(self) -> list[SessionRecord]:
        """Sessions given, and any other a side-effect report refers to (so its reference resolves)."""
        reported = {r.session_id for r in self.history.side_effects}
        return [s for s in self.history.sessions if s.status == SessionStatus.DONE or s.id in reported]

    def procedures(self, medications: Mapping[uuid.UUID, str]) -> None:
        h = self.history
        for session in self._sessions_exported():
            treatment = TREATMENTS.get(session.treatment, session.treatment)
            resource: dict[str, Any] = {
                "resourceType": "Procedure",
                "id": str(session.id),
                "status": "completed" if session.status == SessionStatus.DONE else "unknown",
                "code": {"coding": [self.coding("treatment", session.treatment, treatment)], "text": f"{treatment} scalp injection"},
                "subject": _ref(h.patient_id),
                "performedDateTime": _instant(session.given_at),
            }
            # one concept per CodeableConcept: the scalp, then each area injected, never mixed in one
            resource["bodySite"] = [{"coding": [SCALP], "text": "Scalp"}] + [
                {"coding": [self.coding("injection-area", area, AREAS.get(area, area))], "text": AREAS.get(area, area)}
                for area in session.areas
            ]
            if session.id in medications:
                resource["usedReference"] = [_ref(medications[session.id])]
            if session.volume_ml is not None:
                resource["note"] = [{"text": f"Volume injected: {session.volume_ml:g} ml."}]
            self.add(resource)

    def adverse_events(self, medications: Mapping[uuid.UUID, str]) -> None:
        h = self.history
        labels = {s.id.value: s.label for s in SYMPTOMS}
        for report in h.side_effects:
            felt = [(sym, sev) for sym, sev in report.symptoms if sev > 0]
            words = ", ".join(f"{labels.get(sym, sym)} ({severity_label(sev)})" for sym, sev in felt) or "No symptom rated above none"
            if report.needed_medical_care:
                words += "; the patient needed medical care"
            if report.notes:
                words += f". Patient's words: {report.notes}"
            suspects = [{"instance": _ref(report.session_id)}]
            if report.session_id in medications:
                suspects.append({"instance": _ref(medications[report.session_id])})
            resource: dict[str, Any] = {
                "resourceType": "AdverseEvent",
                "id": str(report.id),
                "actuality": "actual",
                # one concept: a coding only for a single symptom; several are each in a symptom extension
                "event": {"coding": [self.coding("symptom", sym, labels.get(sym, sym)) for sym, _ in felt], "text": words}
                if len(felt) == 1
                else {"text": words},
                "subject": _ref(h.patient_id),
                "date": report.started_on.isoformat(),
                "recordedDate": _instant(report.submitted_at),
                "seriousness": {
                    "coding": [
                        {"system": AE_SERIOUSNESS, "code": "Serious", "display": "Serious"}
                        if report.serious
                        else {"system": AE_SERIOUSNESS, "code": "Non-serious", "display": "Non-serious"}
                    ]
                },
                "suspectEntity": suspects,
            }
            if len(felt) > 1:
                resource["extension"] = [
                    {
                        "url": self.systems.extension("symptom"),
                        "extension": [
                            {"url": "symptom", "valueCoding": self.coding("symptom", sym, labels.get(sym, sym))},
                            {"url": "severity", "valueString": severity_label(sev)},
                        ],
                    }
                    for sym, sev in felt
                ]
            if report.max_severity >= 1:
                code = severity_label(report.max_severity)
                resource["severity"] = {"coding": [{"system": AE_SEVERITY, "code": code, "display": code.capitalize()}]}
            self.add(resource)

    def questionnaires(self) -> None:
        h = self.history
        versions = sorted({q.version for q in h.questionnaires})
        for version in versions:
            definition = hgq.questionnaire(version)
            self.add(
                {
                    "resourceType": "Questionnaire",
                    "id": str(_named_id("questionnaire", version)),
                    "url": self.systems.questionnaire(),
                    "version": str(version),
                    "name": "FollicleSelfAssessment",
                    "title": "Hair self-assessment",
                    "status": "active",
                    "description": definition.intro,
                    "item": [
                        {
                            "linkId": q.id,
                            "text": q.wording,
                            "type": "choice",
                            "required": True,
                            "answerOption": [{"valueCoding": self._scale_coding(q.scale, p.value)} for p in q.scale.points],
                        }
                        for q in definition.questions
                    ],
                }
            )
        for response in h.questionnaires:
            definition = hgq.questionnaire(response.version)
            items = []
            for question in definition.questions:
                if question.id in response.answers:
                    items.append(
                        {
                            "linkId": question.id,
                            "text": question.wording,
                            "answer": [{"valueCoding": self._scale_coding(question.scale, response.answers[question.id])}],
                        }
                    )
            self.add(
                {
                    "resourceType": "QuestionnaireResponse",
                    "id": str(response.id),
                    "questionnaire": f"{self.systems.questionnaire()}|{response.version}",
                    "status": "completed",
                    "subject": _ref(h.patient_id),
                    "authored": _instant(response.answered_at),
                    "item": items,
                }
            )

    def _scale_coding(self, scale: hgq.Scale, value: int) -> dict[str, str]:
        return self.coding(f"scale-{scale.id.replace('_', '-')}", gpa.signed(value), scale.label(value))

    def observations(self) -> None:
        """A blinded-rating consensus per view and month, on Follicle's 7-point scale."""
        h = self.history
        for rated in h.consensus:
            label = h.view_label(rated.view)
            resource = {
                "resourceType": "Observation",
                "id": str(_named_id(h.patient_id, "consensus", rated.view, rated.month, rated.round_name)),
                "status": "final" if rated.final else "preliminary",
                "code": {
                    "coding": [self.coding("observation", "gpa-consensus", "Global photographic assessment, blinded consensus")],
                    "text": f"Blinded photo rating, {label.lower()}, month {rated.month} against baseline",
                },
                "subject": _ref(h.patient_id),
                # the follow-up photo's time (what was rated), not the export's
                "effectiveDateTime": _instant(rated.followup_taken_at or h.read_at),
                "valueQuantity": {"value": rated.score, "unit": "GPA point"},
                "bodySite": {"coding": [SCALP, self.coding("photo-view", rated.view, label)], "text": label},
                "note": [{"text": f"{rated.label}: {gpa.words(rated.score)}."}],
                "interpretation": [
                    {"coding": [self.coding("gpa-scale", gpa.signed(gpa.nearest_point(rated.score)), gpa.GPA_POINTS[gpa.nearest_point(rated.score)])]}
                ],
            }
            self.add(resource)

    def code_systems(self) -> None:
        """Each Follicle code system the Bundle uses, with its codes, so the Bundle explains itself."""
        complete = {
            "photo-view": {view.id.value: view.label for view in VIEWS.values()},
            "treatment": {str(k.value): v for k, v in TREATMENTS.items()},
            "injection-area": {str(k.value): v for k, v in AREAS.items()},
            "symptom": {s.id.value: s.label for s in SYMPTOMS},
            "gpa-scale": {gpa.signed(k): v for k, v in gpa.GPA_POINTS.items()},
        }
        for name in sorted(self.code_systems_used):
            concepts = complete.get(name, self.code_systems_used[name])
            url = self.systems.code_system(name)
            self.add(
                {
                    "resourceType": "CodeSystem",
                    "id": str(_named_id("codesystem", url)),
                    "url": url,
                    "name": "Follicle" + "".join(part.capitalize() for part in name.split("-")),
                    "status": "active",
                    "content": "complete" if name in complete else "fragment",
                    "caseSensitive": True,
                    "concept": [{"code": code, "display": display} for code, display in concepts.items()],
                }
            )


def build_bundle(history: PatientHistory, *, urls: Mapping[uuid.UUID, str], system_base: str) -> dict[str, Any]:
    """The Bundle as plain JSON values, validated against the FHIR R4B models first: raises pydantic's
    ValidationError if a resource breaks the model. (The values are sent as built: serialising the
    validated models again would double the cost for the same JSON.)"""
    builder = BundleBuilder(history, Systems(system_base))
    builder.organization()
    builder.patient()
    builder.media(urls)
    medications = builder.medications()
    builder.procedures(medications)
    builder.adverse_events(medications)
    builder.questionnaires()
    builder.observations()
    builder.code_systems()
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": _instant(history.read_at),
        "entry": builder.entries,
    }
    Bundle.model_validate(bundle)
    return bundle
