"""From HTML form fields to the API contract's messages, so the services validate one thing.

A form that does not fit the contract gives a `FormProblem` naming the field and what is wrong,
in words for the person at the desk; the page shows it beside that field.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import msgspec
from litestar.datastructures import FormMultiDict

from backend.errors import status_for
from shared.errors import ErrorCode, FollicleError
from shared.contract.injections import InjectionCreate, InjectionUpdate, SessionStatus
from shared.contract.patients import PatientCreate, PatientUpdate
from shared.hair_loss import parse_grade_key

T = TypeVar("T")

FIELD_WORDS = {
    "display_name": "Name: give the patient's name (up to 200 characters).",
    "record_number": "Record number: letters, digits and . _ / - only, up to 64 characters.",
    "treatment": "Treatment: choose one of the listed treatments.",
    "planned_sessions": "Planned sessions: a whole number from 0 to 1000.",
    "interval_days": "Interval: a whole number of days from 1 to 365.",
    "baseline_date": "Baseline date: a date such as 2026-03-01.",
    "timezone": "Timezone: a name such as Europe/London.",
    "scheduled_at": "Date and time: give both, e.g. 2026-03-01 10:00.",
    "status": "Status: choose one of the listed statuses.",
    "product": "Product: up to 200 characters.",
    "lot_number": "Lot number: letters, digits, spaces and . _ / - only, up to 64 characters.",
    "volume_ml": "Volume: a number of millilitres from 0 to 100, e.g. 4 or 2.5.",
    "areas": "Areas: choose from the listed areas.",
    "notes": "Notes: up to 4000 characters.",
    "sex": "Sex: choose one of the listed answers.",
    "birth_year": "Birth year: four digits, such as 1978.",
    "diagnosis": "Diagnosis: choose one of the listed diagnoses.",
    "baseline_grade": "Baseline grade: choose a Norwood-Hamilton or Ludwig grade from the list.",
    "next_at": "Next session: give a date and time, or untick 'schedule the next session'.",
}


# service refusals that are about one field of the form
FIELD_OF_CODE = {ErrorCode.RECORD_NUMBER_TAKEN: "record_number", ErrorCode.GRADE_OFF_SCALE: "baseline_grade"}


class FormProblem(Exception):
    def __init__(self, field: str, message: str | None = None, status: int = 400) -> None:
        super().__init__(message or FIELD_WORDS.get(field, f"{field}: not valid."))
        self.field = field
        self.message = str(self)
        self.status = status


def problem(exc: FormProblem | FollicleError) -> FormProblem:
    """A form's problem, or a service's refusal shown beside the field it is about."""
    if isinstance(exc, FormProblem):
        return exc
    field = FIELD_OF_CODE.get(exc.code) or exc.details.get("field") or ("timezone" if "timezone" in exc.message else "form")
    return FormProblem(field, exc.message, status_for(exc))


def text(form: FormMultiDict, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _convert(values: dict[str, Any], kind: type[T]) -> T:
    try:
        return msgspec.convert(values, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise FormProblem(_field_of(str(exc))) from None


def _field_of(message: str) -> str:
    """The last named field in msgspec's '... - at `$.plan.interval_days`'."""
    names = re.findall(r"\.([a-z_]+)", message.rpartition("at `")[2])
    if names:
        return names[-1]
    unknown = re.search(r"field `([a-z_]+)`", message)
    return unknown.group(1) if unknown else "form"


def _patient_values(form: FormMultiDict) -> dict[str, Any]:
    values: dict[str, Any] = {
        "display_name": text(form, "display_name"),
        "record_number": text(form, "record_number"),
        "baseline_date": text(form, "baseline_date") or None,
        "timezone": text(form, "timezone") or "UTC",
        "plan": {
            "treatment": text(form, "treatment"),
            "planned_sessions": text(form, "planned_sessions") or None,
            "interval_days": text(form, "interval_days") or None,
        },
        "consent": {"care": "consent_care" in form, "research": "consent_research" in form},
        "profile": _profile_values(form),
    }
    for name in ("baseline_date", "display_name", "record_number"):
        if not values[name]:
            raise FormProblem(name)
    for name, value in values["plan"].items():
        if not value:
            raise FormProblem(name)
    return values


def _profile_values(form: FormMultiDict) -> dict[str, Any]:
    grade_key = text(form, "baseline_grade")
    grade = None
    if grade_key:
        try:
            parsed = parse_grade_key(grade_key)
        except FollicleError:
            raise FormProblem("baseline_grade") from None
        grade = {"scale": parsed.scale, "grade": parsed.grade}
    birth_year = text(form, "birth_year")
    if birth_year and not (birth_year.isdigit() and len(birth_year) == 4):
        raise FormProblem("birth_year")
    return {
        "sex": text(form, "sex") or "unknown",
        "birth_year": int(birth_year) if birth_year else None,
        "diagnosis": text(form, "diagnosis") or None,
        "baseline_grade": grade,
    }


def patient_create(form: FormMultiDict) -> PatientCreate:
    return _convert(_patient_values(form), PatientCreate)


def patient_update(form: FormMultiDict) -> PatientUpdate:
    return _convert(_patient_values(form), PatientUpdate)


def local_moment(raw: str, tz: str, field: str = "scheduled_at") -> datetime:
    """'2026-03-01T10:00' typed in the clinic's timezone, as an aware instant."""
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError:
        raise FormProblem(field) from None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=ZoneInfo(tz))


def _injection_values(form: FormMultiDict, tz: str, clinical: bool) -> dict[str, Any]:
    when = text(form, "scheduled_at")
    if not when:
        raise FormProblem("scheduled_at")
    values: dict[str, Any] = {
        "scheduled_at": local_moment(when, tz),
        "status": text(form, "status") or SessionStatus.SCHEDULED,
        "treatment": text(form, "treatment"),
    }
    if clinical:
        volume = text(form, "volume_ml")
        values.update(
            product=text(form, "product"),
            lot_number=text(form, "lot_number"),
            volume_ml=volume or None,
            areas=[a for a in form.getall("areas", []) if isinstance(a, str) and a],
            notes=text(form, "notes"),
        )
        if volume:
            try:
                values["volume_ml"] = float(volume.replace(",", "."))
            except ValueError:
                raise FormProblem("volume_ml") from None
    return values


def injection_create(form: FormMultiDict, tz: str, *, clinical: bool) -> InjectionCreate:
    return _convert(_injection_values(form, tz, clinical), InjectionCreate)


def injection_update(form: FormMultiDict, tz: str, *, clinical: bool) -> InjectionUpdate:
    return _convert(_injection_values(form, tz, clinical), InjectionUpdate)


def next_session(form: FormMultiDict, tz: str, treatment: str) -> InjectionCreate | None:
    """The follow-up session to schedule with a recorded one, when the box is ticked."""
    if "schedule_next" not in form:
        return None
    when = text(form, "next_at")
    if not when:
        raise FormProblem("next_at")
    return _convert(
        {"scheduled_at": local_moment(when, tz, "next_at"), "status": SessionStatus.SCHEDULED, "treatment": treatment},
        InjectionCreate,
    )


def form_values(form: FormMultiDict) -> dict[str, Any]:
    """What was typed, to put back in the form when it is shown again with a problem."""
    values: dict[str, Any] = {key: form.get(key) for key in form.keys()}
    values["areas"] = form.getall("areas", [])
    return values
