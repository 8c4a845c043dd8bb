"""The clinic's course setting: the gap that starts a new course, and what a session after it is."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.longterm.models import CourseSetting
from shared import long_term as rules
from shared.contract.long_term import CourseSettingIn, CourseSettingOut
from shared.errors import ErrorCode, InvalidInput


@dataclass(frozen=True)
class Setting:
    gap_months: int
    after_gap: rules.AfterGap

    def out(self) -> CourseSettingOut:
        return CourseSettingOut(gap_months=self.gap_months, after_gap=self.after_gap, rule=describe(self))


DEFAULT = Setting(rules.COURSE_GAP_MONTHS_DEFAULT, rules.AfterGap.NEW_COURSE)


def describe(setting: Setting) -> str:
    """The rule in words, as the page shows it."""
    gap = f"{setting.gap_months} month{'s' if setting.gap_months != 1 else ''}"
    if setting.after_gap == rules.AfterGap.MAINTENANCE:
        return (
            f"A course is a run of sessions with less than {gap} between them. A session {gap} or more after the "
            "previous one is maintenance: only the first course is followed, and its follow-up ends at the first "
            "maintenance session."
        )
    return (
        f"A course is a run of sessions with less than {gap} between them; a session {gap} or more after the "
        "previous one starts a new course, which ends the previous course's follow-up."
    )


async def of_clinic(clinic_id: uuid.UUID) -> Setting:
    row = await CourseSetting.filter(clinic_id=clinic_id).first()
    if row is None:
        return DEFAULT
    return Setting(row.gap_months, rules.AfterGap(row.after_gap))


def check(data: CourseSettingIn) -> Setting:
    low, high = rules.COURSE_GAP_MONTHS_RANGE
    if isinstance(data.gap_months, bool) or not low <= data.gap_months <= high:
        raise InvalidInput(
            f"The gap that starts a new course must be {low} to {high} months.",
            code=ErrorCode.COURSE_GAP_OUT_OF_RANGE,
            details={"field": "gap_months", "minimum": low, "maximum": high},
        )
    if data.after_gap not in rules.AfterGap._value2member_map_:
        raise InvalidInput(
            f"{data.after_gap!r} is not a choice: new_course or maintenance.",
            code=ErrorCode.VALIDATION_FAILED,
            details={"field": "after_gap", "allowed": [a.value for a in rules.AfterGap]},
        )
    return Setting(data.gap_months, rules.AfterGap(data.after_gap))


async def update(principal: StaffPrincipal, data: CourseSettingIn) -> CourseSettingOut:
    """Set the clinic's course rule (admins and clinicians); nothing is stored when it is out of range."""
    setting = check(data)
    async with in_transaction():
        row = await CourseSetting.filter(clinic_id=principal.clinic_id).first()
        if row is None:
            await CourseSetting.create(
                clinic_id=principal.clinic_id, gap_months=setting.gap_months, after_gap=setting.after_gap.value,
                updated_at=datetime.now(UTC),
            )
        else:
            row.gap_months, row.after_gap, row.updated_at = setting.gap_months, setting.after_gap.value, datetime.now(UTC)
            await row.save()
        await audit.record(principal, "course_setting.update", "clinic", principal.clinic_id,
                           detail={"gap_months": setting.gap_months, "after_gap": setting.after_gap.value})
    return setting.out()
