"""Signing in with two-factor: after the password, a code for members who have it on; where the
clinic requires it, members without it are led to enrol first (the dashboard) or refused (the
API: an API token follows the same rule as a dashboard session).

The dashboard holds the step between password and code in a `SignInChallenge`: a short-lived
cookie secret, stored as sha256, used once."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from backend.auth import service as auth
from backend.clinics.models import Clinic, StaffUser
from backend.security.rate_limit import SignInLimiter
from backend.security.tokens import new_token, token_hash
from backend.staff import two_factor
from backend.staff.models import SignInChallenge
from shared.contract.auth import SignedIn
from shared.errors import ErrorCode, Forbidden, NotAuthenticated

CHALLENGE_PREFIX = "fch_"
CHALLENGE_ENDED = "This sign-in took too long or was already finished. Please sign in again."


class NextStep(StrEnum):
    SESSION = "session"  # no second factor on, none required: signed in
    VERIFY = "verify"  # a code from the member's app
    ENROL = "enrol"  # the clinic requires two-factor and the member has none yet


async def next_step(staff: StaffUser) -> NextStep:
    if await two_factor.is_on(staff.id):
        return NextStep.VERIFY
    if await Clinic.filter(id=staff.clinic_id, require_two_factor=True).exists():  # type: ignore[attr-defined]
        return NextStep.ENROL
    return NextStep.SESSION


async def api_sign_in(
    email: str, password: str, code: str | None, *, address: str, limiter: SignInLimiter, ttl: timedelta, now: datetime
) -> SignedIn:
    """A bearer token for the API: the password, and the code when two-factor is on."""
    staff = await auth.check_password(email, password, client_address=address, limiter=limiter)
    step = await next_step(staff)
    if step == NextStep.ENROL:
        raise Forbidden(
            "Your clinic requires two-factor sign-in. Sign in to the dashboard once to set it up, then use its codes here.",
            code=ErrorCode.TWO_FACTOR_ENROLMENT_REQUIRED,
        )
    if step == NextStep.VERIFY:
        if not code:
            raise NotAuthenticated(
                "Two-factor sign-in is on for this account: send the code from your authenticator app as `code`.",
                code=ErrorCode.SECOND_FACTOR_REQUIRED,
            )
        await two_factor.check_code(staff, code, limiter=limiter, address=address, now=now)
    signed_in, _ = await auth.open_session(
        staff, kind="api", ttl=ttl, client_address=address, second_factor=step == NextStep.VERIFY
    )
    return signed_in


async def open_challenge(staff: StaffUser, step: NextStep, *, now: datetime, minutes: int) -> str:
    """The secret of the dashboard's cookie between password and code (or enrolment)."""
    token = new_token(CHALLENGE_PREFIX)
    await SignInChallenge.create(
        staff_id=staff.id, token_hash=token_hash(token), purpose=step.value, expires_at=now + timedelta(minutes=minutes)
    )
    return token


async def challenge(token: str | None, *, now: datetime) -> tuple[SignInChallenge, StaffUser]:
    """The open challenge behind a cookie, or NotAuthenticated (back to the sign-in page)."""
    found = None
    if token and token.startswith(CHALLENGE_PREFIX):
        found = await SignInChallenge.filter(token_hash=token_hash(token)).select_related("staff").first()
    if found is None or found.used_at is not None or found.expires_at <= now or not found.staff.active:
        raise NotAuthenticated(CHALLENGE_ENDED, code=ErrorCode.TOKEN_REVOKED)
    return found, found.staff


async def finish_challenge(challenge_id: uuid.UUID, *, now: datetime) -> bool:
    """Use the challenge up (once): False when another request already did."""
    return bool(await SignInChallenge.filter(id=challenge_id, used_at=None).update(used_at=now))
