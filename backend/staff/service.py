"""The clinic's staff accounts, for its admins: the list (with two-factor and last sign-in),
invites by email, roles, deactivation, password links; and redeeming a link to set a password.

Every change is audited in its transaction. A deactivated member's sessions end at once (through
`backend.auth.service.revoke`) and their audit history stays. The clinic always keeps one active
admin: the last cannot be demoted or deactivated.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth import service as auth
from backend.auth.principal import StaffPrincipal
from backend.clinics.models import StaffUser
from backend.security.passwords import hash_password
from backend.staff import emails, links, two_factor
from backend.staff.models import StaffLink
from shared.contract.auth import StaffRole
from shared.contract.staff import StaffInviteCreate, StaffMemberOut
from shared.errors import Conflict, ErrorCode, Gone, InvalidInput, NotFound

LINK_PURPOSES = ("invite", "reset")


def member_out(staff: StaffUser, *, two_factor_on: bool) -> StaffMemberOut:
    return StaffMemberOut(
        id=staff.id, clinic_id=staff.clinic_id, email=staff.email, name=staff.name,  # type: ignore[attr-defined]
        role=StaffRole(staff.role), active=staff.active, invite_pending=not staff.password_hash and staff.active,
        two_factor=two_factor_on, last_sign_in_at=staff.last_sign_in_at, created_at=staff.created_at,
    )


async def list_members(principal: StaffPrincipal) -> list[StaffMemberOut]:
    """Active members first, by name; then the deactivated ones (their history stays)."""
    members = await StaffUser.filter(clinic_id=principal.clinic_id).order_by("-active", "name")
    with_it = await two_factor.members_with_it(principal.clinic_id)
    return [member_out(m, two_factor_on=m.id in with_it) for m in members]


async def member(principal: StaffPrincipal, staff_id: uuid.UUID) -> StaffUser:
    """A member of the caller's clinic (another clinic's answers not found)."""
    found = await StaffUser.filter(id=staff_id, clinic_id=principal.clinic_id).first()
    if found is None:
        raise NotFound("No such staff member.")
    return found


async def invite(principal: StaffPrincipal, data: StaffInviteCreate, *, now: datetime, valid_hours: int) -> StaffMemberOut:
    """A new member with no password yet, and an email with a single-use link to choose one."""
    email = data.email.strip().lower()
    if await StaffUser.filter(email=email).exists():
        raise Conflict(f"A staff account with {email} already exists.", code=ErrorCode.EMAIL_TAKEN)
    async with in_transaction():
        staff = await StaffUser.create(
            clinic_id=principal.clinic_id, email=email, name=data.name, role=data.role, password_hash="", invited_at=now
        )
        await _send_link(principal, staff, "invite", now=now, valid_hours=valid_hours)
        await audit.record(principal, "staff.invite", "staff", staff.id, detail={"role": data.role})
    return member_out(staff, two_factor_on=False)


async def send_password_link(principal: StaffPrincipal, staff_id: uuid.UUID, *, now: datetime, valid_hours: int) -> None:
    """Email the member a single-use link to set a new password (an invite again, for one who
    never chose one). The current password works until the link is used."""
    async with in_transaction():
        staff = await _locked_member(principal, staff_id)
        if not staff.active:
            raise Conflict("This account is deactivated.", code=ErrorCode.STAFF_INACTIVE)
        purpose = "reset" if staff.password_hash else "invite"
        await _send_link(principal, staff, purpose, now=now, valid_hours=valid_hours)
        await audit.record(principal, "staff.password_link", "staff", staff.id, detail={"purpose": purpose})


async def _send_link(principal: StaffPrincipal, staff: StaffUser, purpose: str, *, now: datetime, valid_hours: int) -> StaffLink:
    await StaffLink.filter(staff_id=staff.id, used_at=None, revoked_at=None).update(revoked_at=now)
    link = await StaffLink.create(
        staff_id=staff.id, purpose=purpose, created_by_id=principal.staff_id, expires_at=now + timedelta(hours=valid_hours)
    )
    await emails.queue(clinic_id=principal.clinic_id, staff_id=staff.id, email=staff.email, link_id=link.id, purpose=purpose, now=now)
    return link


async def change_role(principal: StaffPrincipal, staff_id: uuid.UUID, role: StaffRole) -> StaffMemberOut:
    """A new role; the member's sessions end (they sign in again with it)."""
    async with in_transaction():
        staff = await _locked_member(principal, staff_id)
        if not staff.active:
            raise Conflict("This account is deactivated.", code=ErrorCode.STAFF_INACTIVE)
        if staff.role == role:
            return member_out(staff, two_factor_on=await two_factor.is_on(staff.id))
        if staff.role == StaffRole.ADMIN:
            await _keep_an_admin(principal, staff, "demote")
        before = staff.role
        await StaffUser.filter(id=staff.id).update(role=role)
        await auth.revoke(staff_ids=[staff.id])
        await audit.record(principal, "staff.role", "staff", staff.id, detail={"from": str(before), "to": str(role)})
        staff.role = role
    return member_out(staff, two_factor_on=await two_factor.is_on(staff.id))


async def deactivate(principal: StaffPrincipal, staff_id: uuid.UUID, *, now: datetime) -> StaffMemberOut:
    """The member can no longer sign in: every session and API token of theirs ends at once and
    their open links die. Their rows and audit history stay."""
    async with in_transaction():
        staff = await _locked_member(principal, staff_id)
        if not staff.active:
            return member_out(staff, two_factor_on=await two_factor.is_on(staff.id))
        if staff.id == principal.staff_id:
            raise Conflict("You cannot deactivate your own account: ask another admin.", code=ErrorCode.INVALID_STATE)
        if staff.role == StaffRole.ADMIN:
            await _keep_an_admin(principal, staff, "deactivate")
        await StaffUser.filter(id=staff.id).update(active=False, deactivated_at=now)
        await StaffLink.filter(staff_id=staff.id, used_at=None, revoked_at=None).update(revoked_at=now)
        await auth.revoke(staff_ids=[staff.id])
        await audit.record(principal, "staff.deactivate", "staff", staff.id)
        staff.active, staff.deactivated_at = False, now
    return member_out(staff, two_factor_on=await two_factor.is_on(staff.id))


async def _locked_member(principal: StaffPrincipal, staff_id: uuid.UUID) -> StaffUser:
    found = await StaffUser.select_for_update().filter(id=staff_id, clinic_id=principal.clinic_id).first()
    if found is None:
        raise NotFound("No such staff member.")
    return found


async def _keep_an_admin(principal: StaffPrincipal, staff: StaffUser, what: str) -> None:
    """Inside the change's transaction, with the clinic's admins locked, so two admins demoting
    each other at once cannot leave none."""
    admins = await StaffUser.select_for_update().filter(clinic_id=principal.clinic_id, role=StaffRole.ADMIN, active=True)
    if {admin.id for admin in admins} <= {staff.id}:
        raise Conflict(
            f"{staff.name} is the clinic's last admin: make someone else an admin before you {what} them.",
            code=ErrorCode.LAST_ADMIN,
        )


# --- the member's side of a link ---------------------------------------------------------------


async def open_link(token: str, *, secret_key: str, now: datetime) -> tuple[StaffLink, StaffUser]:
    """The link a token names, while it can still be used; otherwise why not (a stable code)."""
    link_id = links.link_id_of(token, secret_key)
    link = await StaffLink.filter(id=link_id).select_related("staff").first() if link_id else None
    if link is None:
        raise NotFound("This link is not valid. Ask your clinic's admin for a new one.", code=ErrorCode.STAFF_LINK_INVALID)
    if link.used_at is not None:
        raise Gone("This link was already used. Sign in, or ask your clinic's admin for a new link.", code=ErrorCode.STAFF_LINK_USED)
    if link.revoked_at is not None or not link.staff.active:
        raise Gone("This link was replaced or withdrawn. Ask your clinic's admin for a new one.", code=ErrorCode.STAFF_LINK_EXPIRED)
    if link.expires_at <= now:
        raise Gone("This link has expired. Ask your clinic's admin for a new one.", code=ErrorCode.STAFF_LINK_EXPIRED)
    return link, link.staff


async def set_password(token: str, password: str, *, secret_key: str, now: datetime, address: str) -> StaffUser:
    """Choose a password through a link: the link is used up, the member's other sessions end."""
    if not 10 <= len(password) <= 256:
        raise InvalidInput("The password must be at least 10 characters.")
    link, staff = await open_link(token, secret_key=secret_key, now=now)
    hashed = hash_password(password)
    async with in_transaction():
        # the conditional update is what makes the link single-use when two requests race
        if not await StaffLink.filter(id=link.id, used_at=None, revoked_at=None, expires_at__gt=now).update(used_at=now):
            raise Gone("This link was already used. Sign in, or ask your clinic's admin for a new link.", code=ErrorCode.STAFF_LINK_USED)
        await StaffUser.filter(id=staff.id).update(password_hash=hashed)
        await auth.revoke(staff_ids=[staff.id])
        await audit.record(
            None, "staff.password_set", "staff", staff.id, clinic_id=staff.clinic_id,  # type: ignore[attr-defined]
            detail={"through": link.purpose}, address=address,
        )
    return staff
