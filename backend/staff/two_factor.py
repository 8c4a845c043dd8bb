"""Two-factor sign-in for staff: enrolment (a TOTP secret shown once as a QR code, confirmed by a
code from it, then ten recovery codes shown once), checking a code at sign-in or step-up (each
TOTP code and each recovery code works once, counted against the attempt limits as passwords are),
and the clinic's requirement."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth import service as auth
from backend.auth.models import StaffSession
from backend.auth.principal import StaffPrincipal
from backend.clinics.models import Clinic, StaffUser
from backend.security.rate_limit import SignInLimiter
from backend.staff import totp
from backend.staff.models import RecoveryCode, StaffTotp
from shared.errors import Conflict, ErrorCode, NotAuthenticated

WRONG_CODE = "That code is not right, or it was already used. Enter the newest code your app shows."
USED_RECOVERY = "That recovery code was already used. Each recovery code works once: use another one."


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the QR code and, for typing by hand, the secret."""

    secret: str
    uri: str
    qr_svg: str

    @property
    def spaced_secret(self) -> str:
        return totp.spaced(self.secret)


async def is_on(staff_id: uuid.UUID) -> bool:
    """Whether the member signs in with a second factor (a confirmed TOTP secret)."""
    return await StaffTotp.filter(staff_id=staff_id, confirmed_at__not_isnull=True).exists()


async def members_with_it(clinic_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await StaffTotp.filter(staff__clinic_id=clinic_id, confirmed_at__not_isnull=True).values_list("staff_id", flat=True)
    return set(rows)


async def unused_recovery_codes(staff_id: uuid.UUID) -> int:
    return await RecoveryCode.filter(staff_id=staff_id, used_at=None).count()


async def start_enrolment(staff: StaffUser) -> Enrolment:
    """A new secret for `staff` (replacing an enrolment never confirmed); Conflict when two-factor
    is already on."""
    if await is_on(staff.id):
        raise Conflict("Two-factor sign-in is already on for this account.", code=ErrorCode.TWO_FACTOR_ALREADY_ON)
    secret = totp.new_secret()
    async with in_transaction():
        await StaffTotp.filter(staff_id=staff.id).delete()
        await StaffTotp.create(staff_id=staff.id, secret=secret)
    clinic = await Clinic.get(id=staff.clinic_id)  # type: ignore[attr-defined]
    uri = totp.provisioning_uri(secret, account=staff.email, clinic=clinic.name)
    return Enrolment(secret=secret, uri=uri, qr_svg=totp.qr_svg(uri))


async def pending_enrolment(staff: StaffUser) -> Enrolment | None:
    """The enrolment in progress (its secret is shown again until confirmed), or None."""
    pending = await StaffTotp.filter(staff_id=staff.id, confirmed_at=None).first()
    if pending is None:
        return None
    clinic = await Clinic.get(id=staff.clinic_id)  # type: ignore[attr-defined]
    uri = totp.provisioning_uri(pending.secret, account=staff.email, clinic=clinic.name)
    return Enrolment(secret=pending.secret, uri=uri, qr_svg=totp.qr_svg(uri))


async def confirm_enrolment(
    staff: StaffUser,
    code: str,
    *,
    limiter: SignInLimiter,
    address: str,
    now: datetime,
    session_id: uuid.UUID | None = None,
) -> list[str]:
    """Turn two-factor on with a code from the new secret; the ten recovery codes, shown this once.
    The session it happened in counts as opened with a second factor."""
    pending = await StaffTotp.filter(staff_id=staff.id, confirmed_at=None).first()
    if pending is None:
        raise Conflict("Start setting up two-factor sign-in first.", code=ErrorCode.INVALID_STATE)
    async with limiter.attempt(account=_account(staff.id), address=address) as attempt:
        step = totp.matching_step(pending.secret, code, now=now, after_step=pending.last_step)
        if step is None:
            attempt.failed()
            raise NotAuthenticated(WRONG_CODE, code=ErrorCode.SECOND_FACTOR_INVALID)
    codes = totp.new_recovery_codes()
    async with in_transaction():
        confirmed = await StaffTotp.filter(id=pending.id, confirmed_at=None).update(confirmed_at=now, last_step=step)
        if not confirmed:
            raise Conflict("Two-factor sign-in is already on for this account.", code=ErrorCode.TWO_FACTOR_ALREADY_ON)
        await RecoveryCode.filter(staff_id=staff.id).delete()
        await RecoveryCode.bulk_create([RecoveryCode(staff_id=staff.id, code_hash=totp.recovery_hash(c)) for c in codes])
        if session_id is not None:
            await StaffSession.filter(id=session_id).update(second_factor=True, second_factor_at=now)
        await audit.record(
            None, "staff.two_factor_on", "staff", staff.id, clinic_id=staff.clinic_id,  # type: ignore[attr-defined]
            address=address,
        )
    return codes


async def check_code(staff: StaffUser, code: str, *, limiter: SignInLimiter, address: str, now: datetime) -> str:
    """Accept a TOTP code or a recovery code of `staff`, once: "totp" or "recovery". A wrong or
    reused code is NotAuthenticated (second_factor_invalid, recovery_code_used) and counts as a
    failed attempt; too many and RateLimited, as for passwords."""
    async with limiter.attempt(account=_account(staff.id), address=address) as attempt:
        try:
            return await _accept(staff, code, now)
        except NotAuthenticated:
            attempt.failed()
            raise


async def _accept(staff: StaffUser, code: str, now: datetime) -> str:
    if totp.looks_like_recovery_code(code):
        digest = totp.recovery_hash(code)
        if await RecoveryCode.filter(staff_id=staff.id, code_hash=digest, used_at=None).update(used_at=now):
            await audit.record(
                None, "staff.recovery_code_used", "staff", staff.id, clinic_id=staff.clinic_id,  # type: ignore[attr-defined]
                detail={"left": await unused_recovery_codes(staff.id)},
            )
            return "recovery"
        if await RecoveryCode.filter(staff_id=staff.id, code_hash=digest).exists():
            raise NotAuthenticated(USED_RECOVERY, code=ErrorCode.RECOVERY_CODE_USED)
        raise NotAuthenticated(WRONG_CODE, code=ErrorCode.SECOND_FACTOR_INVALID)
    secret = await StaffTotp.filter(staff_id=staff.id, confirmed_at__not_isnull=True).first()
    if secret is None:
        raise NotAuthenticated(WRONG_CODE, code=ErrorCode.SECOND_FACTOR_INVALID)
    step = totp.matching_step(secret.secret, code, now=now, after_step=secret.last_step)
    # the conditional update is what makes a code single-use when two requests race with it
    if step is None or not await StaffTotp.filter(id=secret.id, last_step__lt=step).update(last_step=step):
        raise NotAuthenticated(WRONG_CODE, code=ErrorCode.SECOND_FACTOR_INVALID)
    return "totp"


async def step_up(principal: StaffPrincipal, code: str, *, limiter: SignInLimiter, now: datetime) -> None:
    """A fresh second factor in this session (asked before exports)."""
    staff = await StaffUser.get(id=principal.staff_id)
    how = await check_code(staff, code, limiter=limiter, address=principal.address, now=now)
    async with in_transaction():
        await StaffSession.filter(id=principal.session_id).update(second_factor=True, second_factor_at=now)
        await audit.record(principal, "staff.step_up", "staff", principal.staff_id, detail={"with": how})


async def require_for_clinic(principal: StaffPrincipal, required: bool) -> bool:
    """Inside the clinic update's transaction: turn the clinic-wide requirement on or off. On, it
    needs the admin's own two-factor, and ends every session opened without one (those members are
    led to enrol at their next sign-in). Whether it changed."""
    clinic = await Clinic.get(id=principal.clinic_id)
    if clinic.require_two_factor == required:
        return False
    if required:
        if not await is_on(principal.staff_id):
            raise Conflict(
                "Turn on two-factor sign-in for your own account first (Account page), then require it for the clinic.",
                code=ErrorCode.TWO_FACTOR_NOT_ON,
            )
        await auth.revoke(clinic_id=principal.clinic_id, without_second_factor=True)
    await Clinic.filter(id=principal.clinic_id).update(require_two_factor=required)
    return True


def _account(staff_id: uuid.UUID) -> str:
    # codes are counted apart from passwords, per member, with the same limits
    return f"second-factor:{staff_id}"
