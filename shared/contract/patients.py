"""Patients, their treatment plan, enrolment invites and enrolled phones."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import msgspec

from shared.contract.base import (
    Count,
    InviteCode,
    LocalTime,
    OptionalShortText,
    RecordNumber,
    Request,
    Response,
    ShortText,
    TimezoneName,
)
from shared.hair_loss import Diagnosis, SeverityGrade, Sex


class Treatment(StrEnum):
    EXOSOMES = "exosomes"
    PRP = "prp"
    MICRONEEDLING = "microneedling"
    COMBINATION = "combination"
    OTHER = "other"


class Platform(StrEnum):
    ANDROID = "android"
    IOS = "ios"
    DESKTOP = "desktop"


IntervalDays = Annotated[int, msgspec.Meta(ge=1, le=365)]


class TreatmentPlan(Request, kw_only=True):
    treatment: Treatment
    planned_sessions: Count
    interval_days: IntervalDays


class ReminderPreferences(Request, kw_only=True):
    check_in_time: LocalTime = "18:00"
    quiet_hours_start: LocalTime = "21:00"
    quiet_hours_end: LocalTime = "08:00"
    push_enabled: bool = True


class Consent(Request, kw_only=True):
    care: bool = True
    research: bool = False


BirthYear = Annotated[int, msgspec.Meta(ge=1900, le=2200)]


class HairLossProfile(Request, kw_only=True):
    """What staff record about the patient's hair loss; the outcomes are broken down by it.
    `baseline_grade` is Norwood-Hamilton 1-7 or Ludwig 1-3; the backend checks the pair."""

    sex: Sex = Sex.UNKNOWN
    birth_year: BirthYear | None = None
    diagnosis: Diagnosis | None = None
    baseline_grade: SeverityGrade | None = None


class PatientCreate(Request, kw_only=True):
    display_name: ShortText
    record_number: RecordNumber
    plan: TreatmentPlan
    baseline_date: date
    timezone: TimezoneName = "UTC"
    reminders: ReminderPreferences = msgspec.field(default_factory=ReminderPreferences)
    consent: Consent = msgspec.field(default_factory=Consent)
    profile: HairLossProfile = msgspec.field(default_factory=HairLossProfile)


class PatientUpdate(Request, kw_only=True):
    display_name: ShortText | None = None
    record_number: RecordNumber | None = None
    plan: TreatmentPlan | None = None
    baseline_date: date | None = None
    timezone: TimezoneName | None = None
    reminders: ReminderPreferences | None = None
    consent: Consent | None = None
    profile: HairLossProfile | None = None


class PatientOut(Response, kw_only=True):
    id: uuid.UUID
    clinic_id: uuid.UUID
    display_name: str
    record_number: str
    plan: TreatmentPlan
    baseline_date: date
    timezone: str
    reminders: ReminderPreferences
    consent: Consent
    profile: HairLossProfile
    enrolled: bool
    created_at: datetime


class PatientPage(Response, kw_only=True):
    items: list[PatientOut]
    total: int
    offset: int
    limit: int


class PatientSelf(Response, kw_only=True):
    """What an enrolled phone sees of its own patient: no record number, no staff notes."""

    id: uuid.UUID
    display_name: str
    clinic_name: str
    plan: TreatmentPlan
    baseline_date: date
    timezone: str
    reminders: ReminderPreferences
    protocol_views: list[str]
    # the patient's own day of enrolment: months whose window closed before it were never theirs to miss
    enrolled_on: date | None = None


class ReminderPreferencesUpdate(Request, kw_only=True):
    reminders: ReminderPreferences


class InviteOut(Response, kw_only=True):
    id: uuid.UUID
    patient_id: uuid.UUID
    code: str
    enrol_url: str
    qr_png_url: str
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


class InviteCreate(Request, kw_only=True):
    valid_hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 30)] = 72


class RedeemInvite(Request, kw_only=True):
    code: InviteCode
    device_name: OptionalShortText = ""
    platform: Platform = Platform.ANDROID


class Enrolled(Response, kw_only=True):
    device_token: str
    device_id: uuid.UUID
    patient: PatientSelf


class DeviceOut(Response, kw_only=True):
    id: uuid.UUID
    patient_id: uuid.UUID
    name: str
    platform: Platform
    push_registered: bool
    created_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None
