"""Records that leave Follicle: the patient's own data export (a ZIP), their request to have their
data deleted, and the alert emails sent to staff about serious side effects."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from shared.contract.base import Response
from shared.contract.checkins import MyCheckIns
from shared.contract.injections import PatientInjectionOut
from shared.contract.patients import PatientSelf
from shared.contract.reports import MySideEffectReport, QuestionnaireOut


class ExportState(StrEnum):
    """queued: waiting for a worker; building: a worker is writing the ZIP; ready: it can be
    downloaded; failed: it could not be built (ask again); expired: the ZIP was removed."""

    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"


class EmailState(StrEnum):
    """Where one alert email is in the outbox. pending: waiting (for its first try or a retry after
    a temporary failure); sending: a worker holds it; sent: the mail server took it; failed: not
    delivered after the last try, or refused for good; not_sent: no mail server is configured, so it
    is recorded in the outbox only (as push is without providers)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    NOT_SENT = "not_sent"


class DataExportOut(Response, kw_only=True):
    """The patient's ZIP of their own data: its state, and for a ready one its size and when it goes."""

    id: uuid.UUID
    state: ExportState
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None  # when the ZIP is removed from the clinic's store
    size: int | None
    problem: str  # why it failed, in words for the patient ("" otherwise)


class DownloadLink(Response, kw_only=True):
    """A link that fetches the ZIP once, before `expires_at`; asking for a new link ends the old one."""

    url: str
    expires_at: datetime
    filename: str
    size: int
    sha256: str


class DeletionRequestOut(Response, kw_only=True):
    """The patient's request that the clinic delete their data. The clinic completes it by deleting
    the patient, which ends this phone's connection as well."""

    id: uuid.UUID
    requested_at: datetime
    clinic_name: str


class MyDeletionRequest(Response, kw_only=True):
    """Whether the patient has asked for their data to be deleted (`request` is None if not)."""

    request: DeletionRequestOut | None


class PatientRecords(Response, kw_only=True):
    """`records.json` in the patient's ZIP: their records in the shapes the app's API answers with."""

    exported_at: datetime
    format_version: int
    patient: PatientSelf
    injections: list[PatientInjectionOut]
    checkins: MyCheckIns
    side_effects: list[MySideEffectReport]
    questionnaires: list[QuestionnaireOut]
    deletion_request: DeletionRequestOut | None
