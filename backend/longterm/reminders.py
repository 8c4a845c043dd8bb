"""The reminders of the photo-less safety check-ins, planned with the rest of a patient's reminders
(backend.reminders.planning.PLAN_SOURCES) by the pure rule `shared.long_term.plan_safety_reminders`.
Three queries per batch of patients: done sessions, the clinics' course rules, answered check-ins."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from backend.injections.models import InjectionSession
from backend.longterm import settings as course_settings
from backend.longterm.models import CourseSetting, SafetyAnswer
from backend.patients.schedule import patient_schedule
from shared import long_term as rules
from shared.clock import local_today
from shared.contract.injections import SessionStatus
from shared.schedule import PlannedReminder


async def planned(rows: Sequence[dict[str, Any]], since: datetime, until: datetime) -> dict[uuid.UUID, list[PlannedReminder]]:
    """The safety check-in reminders in [since, until) of the patients in `rows` (planning's rows)."""
    ids = [r["id"] for r in rows]
    sessions = await InjectionSession.filter(patient_id__in=ids, status=SessionStatus.DONE).values(
        "patient_id", "scheduled_at", "performed_at"
    )
    zones = {r["id"]: r["timezone"] for r in rows}
    days: dict[uuid.UUID, list[date]] = defaultdict(list)
    for s in sessions:
        days[s["patient_id"]].append(local_today(zones[s["patient_id"]], s["performed_at"] or s["scheduled_at"]))
    if not days:
        return {}
    settings = {
        c["clinic_id"]: course_settings.Setting(c["gap_months"], rules.AfterGap(c["after_gap"]))
        for c in await CourseSetting.filter(clinic_id__in={r.get("clinic_id") for r in rows}).values("clinic_id", "gap_months", "after_gap")
    }
    answered: dict[uuid.UUID, set[str]] = defaultdict(set)
    for a in await SafetyAnswer.filter(patient_id__in=list(days)).values("patient_id", "occasion_key"):
        answered[a["patient_id"]].add(a["occasion_key"])
    found: dict[uuid.UUID, list[PlannedReminder]] = {}
    for row in rows:
        if row["id"] not in days:
            continue
        setting = settings.get(row.get("clinic_id"), course_settings.DEFAULT)
        found[row["id"]] = rules.plan_safety_reminders(
            patient_schedule(row, fallback=True), days[row["id"]], answered[row["id"]], setting.gap_months,
            setting.after_gap, since, until,
        )
    return found
