from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from backend.clinics.models import Clinic, StaffUser
from shared.contract.records import EmailState

if TYPE_CHECKING:  # the reports feature sits above this one: its model is named by string
    from backend.reports.models import SideEffectReport


class StaffLink(Model):
    """A single-use, expiring link that lets a staff member set their password: an invite to a new
    member, or a reset an admin sent. The link's secret is sealed from this row's id with the app's
    secret key (`backend.staff.links`), so nothing here opens the link."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    staff: fields.ForeignKeyRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name="links", on_delete=fields.CASCADE
    )
    purpose = fields.CharField(max_length=10)  # "invite" or "reset"
    created_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    # a newer link for the same member, or the member's deactivation, ends this one
    revoked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_link"


class StaffTotp(Model):
    """A staff member's TOTP secret (RFC 6238). Confirmed once they typed a code from it, until
    then it is an enrolment in progress. `last_step` is the newest time step accepted, so each code
    works once."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    staff: fields.OneToOneRelation[StaffUser] = fields.OneToOneField(
        "models.StaffUser", related_name="totp", on_delete=fields.CASCADE
    )
    secret = fields.CharField(max_length=64)  # base32, read back to check codes (never shown again)
    confirmed_at = fields.DatetimeField(null=True)
    last_step = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_totp"


class RecoveryCode(Model):
    """One of a staff member's ten single-use recovery codes, kept as its sha256 only (each code
    holds 79 random bits, so a fast digest is as safe as a slow one: see README.md)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    staff: fields.ForeignKeyRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name="recovery_codes", on_delete=fields.CASCADE
    )
    code_hash = fields.CharField(max_length=64, unique=True)
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_recovery_code"


class SignInChallenge(Model):
    """The step between a correct password and a session: the dashboard asks for a code (`verify`)
    or, where the clinic requires two-factor, leads the member to enrol (`enrol`). Held by a
    short-lived cookie whose secret is stored as sha256 only."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    staff: fields.ForeignKeyRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    purpose = fields.CharField(max_length=10)  # "verify" or "enrol"
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_sign_in_challenge"


class StaffEmail(Model):
    """One alert email to one staff member, in the outbox: written in the transaction of the event
    (a serious side-effect report), delivered once by whichever worker claims it under a lease,
    retried with backoff, then failed (and shown on the dashboard). The email itself carries no
    patient detail, only a link to the dashboard."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name=False, on_delete=fields.CASCADE
    )
    recipient: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    recipient_email = fields.CharField(max_length=254)
    kind = fields.CharField(max_length=40)
    report: fields.ForeignKeyNullableRelation[SideEffectReport] = fields.ForeignKeyField(
        "models.SideEffectReport", related_name=False, null=True, on_delete=fields.CASCADE
    )
    # a staff invite or password reset (backend.staff): the email carries that link
    link: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.StaffLink", related_name=False, null=True, on_delete=fields.CASCADE
    )
    state = fields.CharEnumField(EmailState, max_length=12, default=EmailState.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claim_token = fields.UUIDField(null=True)
    claimed_by = fields.CharField(max_length=64, null=True)
    last_error = fields.CharField(max_length=500, default="")
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "staff_email"
        unique_together = (("report", "recipient_email"),)
        indexes = (("state", "next_attempt_at"), ("clinic_id", "state"))
