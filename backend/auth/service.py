"""Staff sign-in, sessions and sign-out."""

from __future__ import annotations

import secrets
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


async def sign_in(
    email: str,
    password: str,
    *,
    client_address: str,
    limiter: SignInLimiter,
    kind: str,
    ttl: timedelta,
) -> tuple[SignedIn, StaffSession]:
    """Check the password and open a session: an "api" bearer token, or a dashboard "cookie" whose
    session id (`SignedIn.token`) opens the dashboard only."""
    email = email.strip().lower()
    async with limiter.attempt(account=email, address=client_address) as attempt:
        staff = await StaffUser.filter(email=email, active=True).first()
        if not verify_password(staff.password_hash if staff else None, password) or staff is None:
            attempt.failed()
            raise NotAuthenticated("That email and password do not match.", code=ErrorCode.INVALID_CREDENTIALS)
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
        )
        await audit.record(
            None, "staff.sign_in", "staff", staff.id, clinic_id=staff.clinic_id,  # type: ignore[attr-defined]
            detail={"via": kind}, address=client_address,
        )
        if needs_rehash(staff.password_hash):  # the clinic raised the hashing cost since this was set
            await StaffUser.filter(id=staff.id).update(password_hash=hash_password(password))
    return SignedIn(token=token, expires_at=session.expires_at, staff=staff_out(staff)), session


async def sign_out(principal: StaffPrincipal) -> None:
    async with in_transaction():
        await StaffSession.filter(id=principal.session_id).update(revoked_at=datetime.now(UTC))
        await audit.record(principal, "staff.sign_out", "staff", principal.staff_id)


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
