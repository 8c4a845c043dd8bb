"""Side effects a patient can report after an injection, defined once: the symptom ids stored with
each report, the labels the dashboard shows, the words the app asks with, and the 0-3 severity scale.

A report is serious, and the clinic is alerted, when any symptom is severe (3) or the patient
needed medical care. `check_symptoms` is the one validation the app and the backend share.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum, StrEnum

import msgspec

from shared.errors import ErrorCode, InvalidInput


class Symptom(StrEnum):
    PAIN = "pain"
    SWELLING = "swelling"
    REDNESS = "redness"
    ITCHING = "itching"
    HEADACHE = "headache"
    SHEDDING = "shedding"
    BRUISING = "bruising"
    INFECTION_SIGNS = "infection_signs"
    OTHER = "other"


class Severity(IntEnum):
    NONE = 0
    MILD = 1
    MODERATE = 2
    SEVERE = 3


class SymptomInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: Symptom
    label: str  # short name for the dashboard's lists and filters
    question: str  # what the app asks the patient, in everyday words
    hint: str  # one line under the question that says what counts


class SeverityInfo(msgspec.Struct, frozen=True, kw_only=True):
    value: Severity
    label: str  # the word the dashboard shows: none, mild, moderate, severe
    description: str  # what the patient reads beside the choice


SYMPTOMS: tuple[SymptomInfo, ...] = (
    SymptomInfo(
        id=Symptom.PAIN,
        label="Pain",
        question="Does your scalp hurt where you had the injections?",
        hint="Aching, stinging or tenderness when you touch it.",
    ),
    SymptomInfo(
        id=Symptom.SWELLING,
        label="Swelling",
        question="Is your scalp or forehead swollen?",
        hint="Puffiness of the scalp, forehead or around the eyes.",
    ),
    SymptomInfo(
        id=Symptom.REDNESS,
        label="Redness",
        question="Is the skin red where you had the injections?",
        hint="Pink or red patches, or small red dots at the injection points.",
    ),
    SymptomInfo(
        id=Symptom.ITCHING,
        label="Itching",
        question="Does your scalp itch?",
        hint="An urge to scratch, or a burning, prickly feeling.",
    ),
    SymptomInfo(
        id=Symptom.HEADACHE,
        label="Headache",
        question="Have you had a headache?",
        hint="Any headache since the injections, even a light one.",
    ),
    SymptomInfo(
        id=Symptom.SHEDDING,
        label="Shedding",
        question="Are you losing more hair than usual?",
        hint="More hairs than usual on your pillow, in the shower or in your brush.",
    ),
    SymptomInfo(
        id=Symptom.BRUISING,
        label="Bruising",
        question="Do you have bruises on your scalp or forehead?",
        hint="Blue, purple or yellow marks on the skin.",
    ),
    SymptomInfo(
        id=Symptom.INFECTION_SIGNS,
        label="Signs of infection",
        question="Do you see signs of an infection?",
        hint="Pus, spots with a yellow head, warmth that is growing, or a fever.",
    ),
    SymptomInfo(
        id=Symptom.OTHER,
        label="Other",
        question="Anything else that worries you?",
        hint="Tell us in your own words in the notes below.",
    ),
)

SEVERITIES: tuple[SeverityInfo, ...] = (
    SeverityInfo(value=Severity.NONE, label="none", description="I do not have this."),
    SeverityInfo(value=Severity.MILD, label="mild", description="I notice it, but it does not bother me."),
    SeverityInfo(value=Severity.MODERATE, label="moderate", description="It bothers me, but I can go about my day."),
    SeverityInfo(value=Severity.SEVERE, label="severe", description="It stops me from going about my day."),
)

SYMPTOM_IDS: tuple[str, ...] = tuple(s.id.value for s in SYMPTOMS)
SERIOUS_SEVERITY = Severity.SEVERE
MEDICAL_CARE_QUESTION = "Did you need to see a doctor, nurse or pharmacist, or go to hospital, because of this?"


def symptom_info(symptom: str) -> SymptomInfo:
    """The definition of one symptom; SYMPTOM_UNKNOWN for an id not in the list."""
    for info in SYMPTOMS:
        if info.id == symptom:
            return info
    raise InvalidInput(
        f"{symptom[:40]!r} is not a symptom we ask about.",
        code=ErrorCode.SYMPTOM_UNKNOWN,
        details={"symptom": symptom[:40], "allowed": list(SYMPTOM_IDS)},
    )


def severity_label(severity: int) -> str:
    return SEVERITIES[Severity(severity)].label


def check_symptoms(reported: Iterable[tuple[str, int]]) -> dict[Symptom, Severity]:
    """The reported (symptom, severity) pairs as a checked mapping.

    Refuses a symptom not in the list (SYMPTOM_UNKNOWN), a severity outside 0-3
    (SEVERITY_OUT_OF_RANGE) and the same symptom twice (VALIDATION_FAILED). An empty
    report, or one with every severity 0, is valid: "no side effects" is evidence too.
    """
    checked: dict[Symptom, Severity] = {}
    for symptom, severity in reported:
        info = symptom_info(symptom)
        if isinstance(severity, bool) or severity not in Severity._value2member_map_:
            raise InvalidInput(
                f"The severity of {info.label.lower()} must be 0 (none) to 3 (severe).",
                code=ErrorCode.SEVERITY_OUT_OF_RANGE,
                details={"symptom": info.id.value, "severity": severity, "allowed": [s.value for s in Severity]},
            )
        if info.id in checked:
            raise InvalidInput(
                f"{info.label} is in the report twice.", details={"symptom": info.id.value}
            )
        checked[info.id] = Severity(severity)
    return checked


def is_serious(severities: Iterable[int], needed_medical_care: bool) -> bool:
    """A report the clinic must not miss: any severe symptom, or the patient needed medical care."""
    return needed_medical_care or any(s >= SERIOUS_SEVERITY for s in severities)
