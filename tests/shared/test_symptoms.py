"""The side-effect symptom list and severity scale, defined once for the app and the backend."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import ErrorCode, InvalidInput
from shared.symptoms import (
    SEVERITIES,
    SYMPTOM_IDS,
    SYMPTOMS,
    Severity,
    SymptomInfo,
    check_symptoms,
    is_serious,
    severity_label,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_list_is_the_nine_symptoms_of_the_issue_in_the_order_the_app_asks():
    assert len({s.question for s in SYMPTOMS}) == len({s.label for s in SYMPTOMS}) == 9
    assert SYMPTOM_IDS == (
        "pain", "swelling", "redness", "itching", "headache", "shedding", "bruising", "infection_signs", "other",
    )


@pytest.mark.parametrize("info", SYMPTOMS, ids=lambda s: s.id)
def test_every_symptom_has_a_label_a_question_and_a_hint(info: SymptomInfo):
    assert info.label and info.question.endswith("?") and info.hint.endswith(".")
    assert "_" not in info.question + info.hint  # the patient reads words, not ids


def test_severity_runs_from_none_to_severe():
    assert [(s.value, s.label) for s in SEVERITIES] == [(0, "none"), (1, "mild"), (2, "moderate"), (3, "severe")]
    assert severity_label(2) == "moderate"


def test_a_valid_report_comes_back_as_a_mapping_and_no_symptoms_is_valid():
    assert check_symptoms([("pain", 1), ("infection_signs", 3)]) == {"pain": Severity.MILD, "infection_signs": Severity.SEVERE}
    assert check_symptoms([]) == {}


@pytest.mark.parametrize(
    ("reported", "code"),
    [
        ([("nausea", 1)], ErrorCode.SYMPTOM_UNKNOWN),
        ([("Pain", 1)], ErrorCode.SYMPTOM_UNKNOWN),
        ([("pain", 4)], ErrorCode.SEVERITY_OUT_OF_RANGE),
        ([("pain", -1)], ErrorCode.SEVERITY_OUT_OF_RANGE),
        ([("pain", True)], ErrorCode.SEVERITY_OUT_OF_RANGE),
        ([("pain", 1), ("pain", 2)], ErrorCode.VALIDATION_FAILED),
    ],
)
def test_bad_symptoms_are_refused_with_a_stable_code(reported, code):
    with pytest.raises(InvalidInput) as refused:
        check_symptoms(reported)
    assert refused.value.code == code


@given(
    st.lists(st.integers(min_value=0, max_value=3), max_size=9),
    st.booleans(),
)
def test_serious_means_a_severe_symptom_or_medical_care(severities: list[int], care: bool):
    assert is_serious(severities, care) == (care or 3 in severities)


def test_the_definitions_travel_to_the_app_as_json():
    encoded = msgspec.json.encode(SYMPTOMS)
    assert msgspec.json.decode(encoded, type=tuple[SymptomInfo, ...]) == SYMPTOMS


def test_shared_report_modules_import_no_framework():
    probe = (
        "import sys, shared.symptoms, shared.questionnaire, shared.report_schedule, shared.contract.reports; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'kivy', 'litestar', 'tortoise', 'backend', 'mobile'}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"
