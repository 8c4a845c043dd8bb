"""The words people read for the enums: treatments, injection areas, session statuses, symptoms
and staff roles, one place for the dashboard, the PDF, FHIR and MedWatch alike."""

from __future__ import annotations

from shared.contract.injections import InjectionArea, SessionStatus
from shared.contract.patients import Treatment
from shared.symptoms import SYMPTOMS

TREATMENTS = {
    Treatment.EXOSOMES: "Exosomes",
    Treatment.PRP: "PRP",
    Treatment.MICRONEEDLING: "Microneedling",
    Treatment.COMBINATION: "Combination",
    Treatment.OTHER: "Other",
}
AREAS = {
    InjectionArea.FRONTAL: "Frontal",
    InjectionArea.VERTEX: "Vertex",
    InjectionArea.CROWN: "Crown",
    InjectionArea.LEFT_TEMPLE: "Left temple",
    InjectionArea.RIGHT_TEMPLE: "Right temple",
    InjectionArea.MID_SCALP: "Mid scalp",
    InjectionArea.WHOLE_SCALP: "Whole scalp",
}
SESSION_STATUSES = {
    SessionStatus.SCHEDULED: "Scheduled",
    SessionStatus.DONE: "Done",
    SessionStatus.MISSED: "Missed",
    SessionStatus.CANCELLED: "Cancelled",
}
SYMPTOM_LABELS = {info.id.value: info.label for info in SYMPTOMS}
ROLES = {"admin": "Admin", "clinician": "Clinician", "front_desk": "Front desk"}
