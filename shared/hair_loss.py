"""What staff record about a patient's hair loss, defined once: sex as recorded, the diagnosis,
the baseline severity grade (Norwood-Hamilton I-VII for the male pattern, Ludwig I-III for the
female pattern) and the age bands the outcomes are broken down by.

A grade is a scale and a number validated together (`check_grade`): Ludwig V does not exist.
Ages are whole years at the baseline from the birth year only, so they may be a year high; no
exact birth date is ever kept.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from shared.errors import ErrorCode, InvalidInput


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Diagnosis(StrEnum):
    ANDROGENETIC_ALOPECIA = "androgenetic_alopecia"
    TELOGEN_EFFLUVIUM = "telogen_effluvium"
    ALOPECIA_AREATA = "alopecia_areata"
    OTHER = "other"


class GradeScale(StrEnum):
    NORWOOD_HAMILTON = "norwood_hamilton"
    LUDWIG = "ludwig"


SEX_LABELS = {Sex.FEMALE: "Female", Sex.MALE: "Male", Sex.OTHER: "Other", Sex.UNKNOWN: "Not recorded"}
DIAGNOSIS_LABELS = {
    Diagnosis.ANDROGENETIC_ALOPECIA: "Androgenetic alopecia",
    Diagnosis.TELOGEN_EFFLUVIUM: "Telogen effluvium",
    Diagnosis.ALOPECIA_AREATA: "Alopecia areata",
    Diagnosis.OTHER: "Other",
}
SCALE_LABELS = {GradeScale.NORWOOD_HAMILTON: "Norwood-Hamilton", GradeScale.LUDWIG: "Ludwig"}
HIGHEST_GRADE = {GradeScale.NORWOOD_HAMILTON: 7, GradeScale.LUDWIG: 3}
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")

# birth years accepted: nobody treated was born before 1900, and no one is born in the future
EARLIEST_BIRTH_YEAR = 1900


class SeverityGrade(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A baseline severity grade: `scale` and `grade` (1 = I ... 7 = VII) belong together."""

    scale: GradeScale
    grade: int

    @property
    def key(self) -> str:
        """The grade as one filter value, e.g. `norwood_hamilton:3`."""
        return f"{self.scale.value}:{self.grade}"

    @property
    def label(self) -> str:
        return f"{SCALE_LABELS[self.scale]} {ROMAN[self.grade - 1]}"


def check_grade(scale: str, grade: int) -> SeverityGrade:
    """The grade if it exists on its scale; GRADE_OFF_SCALE otherwise (Ludwig IV, Norwood 0...)."""
    try:
        known = GradeScale(scale)
    except ValueError:
        raise InvalidInput(
            f"{str(scale)[:40]!r} is not a severity scale we use.",
            code=ErrorCode.GRADE_OFF_SCALE,
            details={"scale": str(scale)[:40], "allowed": [s.value for s in GradeScale]},
        ) from None
    top = HIGHEST_GRADE[known]
    if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= top:
        raise InvalidInput(
            f"A {SCALE_LABELS[known]} grade is I to {ROMAN[top - 1]} (1 to {top}).",
            code=ErrorCode.GRADE_OFF_SCALE,
            details={"scale": known.value, "grade": grade if isinstance(grade, int) else str(grade)[:10], "allowed": list(range(1, top + 1))},
        )
    return SeverityGrade(scale=known, grade=grade)


def all_grades() -> list[SeverityGrade]:
    return [SeverityGrade(scale=s, grade=g) for s in GradeScale for g in range(1, HIGHEST_GRADE[s] + 1)]


def parse_grade_key(key: str) -> SeverityGrade:
    """`norwood_hamilton:3` as a grade; GRADE_OFF_SCALE for anything else."""
    scale, _, number = key.partition(":")
    if not number.isdigit() or len(number) > 2:
        raise InvalidInput(
            f"{key[:40]!r} is not a severity grade (use e.g. norwood_hamilton:3 or ludwig:2).",
            code=ErrorCode.GRADE_OFF_SCALE,
            details={"grade": key[:40], "allowed": [g.key for g in all_grades()]},
        )
    return check_grade(scale, int(number))


def check_birth_year(year: int, this_year: int) -> int:
    if not EARLIEST_BIRTH_YEAR <= year <= this_year:
        raise InvalidInput(
            f"The birth year must be from {EARLIEST_BIRTH_YEAR} to {this_year}.",
            details={"field": "birth_year", "birth_year": year},
        )
    return year


class AgeBand(StrEnum):
    UNDER_30 = "under_30"
    AGE_30_39 = "30_39"
    AGE_40_49 = "40_49"
    AGE_50_59 = "50_59"
    AGE_60_PLUS = "60_plus"
    UNKNOWN = "unknown"


AGE_BAND_LABELS = {
    AgeBand.UNDER_30: "Under 30",
    AgeBand.AGE_30_39: "30-39",
    AgeBand.AGE_40_49: "40-49",
    AgeBand.AGE_50_59: "50-59",
    AgeBand.AGE_60_PLUS: "60 and over",
    AgeBand.UNKNOWN: "Age not recorded",
}
# (band, lowest age, highest age) in years at the baseline; the SQL and the CSV use the same bounds
AGE_BOUNDS: tuple[tuple[AgeBand, int, int], ...] = (
    (AgeBand.UNDER_30, 0, 29),
    (AgeBand.AGE_30_39, 30, 39),
    (AgeBand.AGE_40_49, 40, 49),
    (AgeBand.AGE_50_59, 50, 59),
    (AgeBand.AGE_60_PLUS, 60, 200),
)


def age_at_baseline(birth_year: int | None, baseline_year: int) -> int | None:
    return None if birth_year is None else baseline_year - birth_year


def age_band(age: int | None) -> AgeBand:
    if age is None:
        return AgeBand.UNKNOWN
    for band, low, high in AGE_BOUNDS:
        if low <= age <= high:
            return band
    return AgeBand.UNKNOWN
