"""Staff sign-in, sessions and sign-out."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.models import StaffSession
from backend.auth.principal import StaffPrincipal
from backend.clinics.models import Clinic, StaffUser
from backend.security.passwords import hash_password, needs_rehash, verify_password
from backend.security.rate_limit import SignInLimiter
from backend.security.tokens import DASHBOARD_SESSION_PREFIX, STAFF_TOKEN_PREFIX, new_token, token_hash
from shared.contract.auth import SignedIn, StaffOut, StaffRole
from shared.errors import Conflict, ErrorCode, InvalidInput, NotAuthenticated
from shared.views import DEFAULT_PROTOCOL


def staff_out(staff: StaffUser) -> StaffOut:
    return StaffOut(
        id=staff.id,
        clinic_id=staff.clinic_id,  # type: ignore[attr-defined]
        email=staff.email,
        name=staff.name,
        role=StaffRole(staff.role),
    )


async def check_password(email: str, password: str, *, client_address: str, limiter: SignInLimiter) -> StaffUser:
    """The active staff member whose password this is, counted against the attempt limits; an
    invited member who has not set a password yet never matches."""
    email = email.strip().lower()
    async with limiter.attempt(account=email, address=client_address) as attempt:
        staff = await StaffUser.filter(email=email, active=True).first()
        stored = (staff.password_hash or None) if staff else None
        if not verify_password(stored, password) or staff is None:
            attempt.failed()
            raise NotAuthenticated("That email and password do not match.", code=ErrorCode.INVALID_CREDENTIALS)
    if needs_rehash(stored):  # the hashing cost was raised since this password was set: renew it now
        staff.password_hash = hash_password(password)
        await StaffUser.filter(id=staff.id).update(password_hash=staff.password_hash)
    return staff


async def open_session(
    staff: StaffUser, *, kind: str, ttl: timedelta, client_address: str, second_factor: bool = False
) -> tuple[SignedIn, StaffSession]:
    """A new session for a member who has proved who they are: an "api" bearer token, or a
    dashboard "cookie" whose session id (`SignedIn.token`) opens the dashboard only."""
    token = new_token(DASHBOARD_SESSION_PREFIX if kind == "cookie" else STAFF_TOKEN_PREFIX)
    now = datetime.now(UTC)
    async with in_transaction():
        session = await StaffSession.create(
            staff=staff,
            token_hash=token_hash(token),
            kind=kind,
            csrf_token=secrets.token_urlsafe(24),
            last_seen_at=now,
            expires_at=now + ttl,
            second_factor=second_factor,
            second_factor_at=now if second_factor else None,
        )
        await StaffUser.filter(id=staff.id).update(last_sign_in_at=now)
        await audit.record(
            None, "staff.sign_in", "staff", staff.id, clinic_id=staff.clinic_id,  # type: ignore[attr-defined]
            detail={"via": kind, "second_factor": second_factor}, address=client_address,
        )
    return SignedIn(token=token, expires_at=session.expires_at, staff=staff_out(staff)), session


async def sign_out(principal: StaffPrincipal) -> None:
    async with in_transaction():
        await revoke(session_ids=[principal.session_id])
        await audit.record(principal, "staff.sign_out", "staff", principal.staff_id)


async def revoke(
    *,
    session_ids: list[uuid.UUID] | None = None,
    staff_ids: list[uuid.UUID] | None = None,
    clinic_id: uuid.UUID | None = None,
    without_second_factor: bool = False,
) -> list[str]:
    """End sessions at once: these sessions, every session of these staff members, or (with
    `clinic_id` and `without_second_factor`) every session of the clinic opened without a second
    factor. The one way sessions end early (sign-out, deactivation, a role change, a password set,
    two-factor required): whatever remembers principals between requests forgets them here.
    Answers the token hashes ended."""
    query = StaffSession.filter(revoked_at=None)
    if session_ids is not None:
        query = query.filter(id__in=session_ids)
    if staff_ids is not None:
        query = query.filter(staff_id__in=staff_ids)
    if clinic_id is not None:
        query = query.filter(staff__clinic_id=clinic_id)
    if without_second_factor:
        query = query.filter(second_factor=False)
    if session_ids is None and staff_ids is None and clinic_id is None:
        raise ValueError("revoke() needs sessions, staff or a clinic")
    rows = await query.values_list("id", "token_hash")
    if rows:
        await StaffSession.filter(id__in=[row[0] for row in rows]).update(revoked_at=datetime.now(UTC))
    return [row[1] for row in rows]


async def create_clinic_with_admin(
    clinic_name: str, email: str, name: str, password: str, *, timezone: str = "UTC"
) -> tuple[Clinic, StaffUser]:
    """Create a clinic and its first admin (used by `follicle create-admin` and the demo seed)."""
    email = email.strip().lower()
    if len(password) < 10:
        raise InvalidInput("The password must be at least 10 characters.")
    if await StaffUser.filter(email=email).exists():
        raise Conflict(f"A staff account with {email} already exists.", code=ErrorCode.EMAIL_TAKEN)
    async with in_transaction():
        clinic = await Clinic.create(
            name=clinic_name,
            timezone=timezone,
            protocol_views=[view.id for view in DEFAULT_PROTOCOL],
            injection_reminder_hours=[72, 24, 2],
        )
        admin = await StaffUser.create(
            clinic=clinic, email=email, name=name, role=StaffRole.ADMIN, password_hash=hash_password(password)
        )
        await audit.record(None, "clinic.create", "clinic", clinic.id, clinic_id=clinic.id)
    return clinic, admin
