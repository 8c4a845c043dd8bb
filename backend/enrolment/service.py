"""Invites and enrolled phones: how a patient's phone gets, and loses, access."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.enrolment.models import Device, Invite
from backend.patients import service as patients
from backend.patients.models import Patient
from backend.patients.changes import ScheduleChanged, tell
from backend.security.rate_limit import AddressLimiter, Attempt
from backend.security.tokens import DEVICE_TOKEN_PREFIX, new_invite_code, new_token, normalise_invite_code, token_hash
from shared.contract.patients import DeviceOut, Enrolled, InviteOut, Platform, RedeemInvite
from shared.errors import ErrorCode, Gone, InvalidInput, NotFound


def invite_out(invite: Invite, public_url: str) -> InviteOut:
    return InviteOut(
        id=invite.id,
        patient_id=invite.patient_id,  # type: ignore[attr-defined]
        code=invite.code,
        enrol_url=enrol_link(public_url, invite.code),
        qr_png_url=f"{public_url}/invites/{invite.id}/qr.png",
        expires_at=invite.expires_at,
        used_at=invite.used_at,
        revoked_at=invite.revoked_at,
    )


def enrol_link(public_url: str, code: str) -> str:
    """What the QR code holds: the app recognises the scheme, a browser shows the code."""
    return f"follicle://enrol?code={code}&server={public_url}"


def device_out(device: Device) -> DeviceOut:
    return DeviceOut(
        id=device.id,
        patient_id=device.patient_id,  # type: ignore[attr-defined]
        name=device.name,
        platform=Platform(device.platform),
        push_registered=device.push_token is not None and device.push_disabled_at is None,
        created_at=device.created_at,
        last_seen_at=device.last_seen_at,
        revoked_at=device.revoked_at,
    )


async def create_invite(
    principal: StaffPrincipal, patient_id: uuid.UUID, *, valid_hours: int, public_url: str
) -> InviteOut:
    patient = await patients.get_for_staff(principal, patient_id)
    async with in_transaction():
        # one live invite per patient: a new one replaces any still open
        now = datetime.now(UTC)
        await Invite.filter(patient=patient, used_at=None, revoked_at=None).update(revoked_at=now)
        while True:
            code = new_invite_code()
            if not await Invite.filter(code=code).exists():
                break
        invite = await Invite.create(
            patient=patient, code=code, created_by_id=principal.staff_id, expires_at=now + timedelta(hours=valid_hours)
        )
        await audit.record(principal, "invite.create", "invite", invite.id, patient_id=patient.id)
    return invite_out(invite, public_url)


async def list_invites(principal: StaffPrincipal, patient_id: uuid.UUID, public_url: str) -> list[InviteOut]:
    patient = await patients.get_for_staff(principal, patient_id)
    invites = await Invite.filter(patient=patient).order_by("-created_at")
    return [invite_out(i, public_url) for i in invites]


async def get_invite(principal: StaffPrincipal, invite_id: uuid.UUID) -> Invite:
    invite = await Invite.filter(id=invite_id, patient__clinic_id=principal.clinic_id).first()
    if invite is None:
        raise NotFound("No such invite in your clinic.")
    return invite


async def revoke_invite(principal: StaffPrincipal, invite_id: uuid.UUID, public_url: str) -> InviteOut:
    invite = await get_invite(principal, invite_id)
    async with in_transaction():
        if invite.revoked_at is None and invite.used_at is None:
            invite.revoked_at = datetime.now(UTC)
            await invite.save(update_fields=["revoked_at"])
        await audit.record(principal, "invite.revoke", "invite", invite.id, patient_id=invite.patient_id)  # type: ignore[attr-defined]
    return invite_out(invite, public_url)


async def redeem(request: RedeemInvite, *, client_address: str, limiter: AddressLimiter) -> Enrolled:
    """Turn an invite code into a device token. Failed tries count against the caller's address."""
    async with limiter.attempt(address=client_address) as attempt:
        return await _redeem(request, attempt)


async def _redeem(request: RedeemInvite, attempt: Attempt) -> Enrolled:
    code = normalise_invite_code(request.code)
    now = datetime.now(UTC)
    async with in_transaction():
        invite = await Invite.filter(code=code).select_for_update().first()
        problem = _invite_problem(invite, now)
        if problem is not None:
            attempt.failed()
            raise problem
        assert invite is not None
        token = new_token(DEVICE_TOKEN_PREFIX)
        invite.used_at = now
        await invite.save(update_fields=["used_at"])
        device = await Device.create(
            patient_id=invite.patient_id,  # type: ignore[attr-defined]
            token_hash=token_hash(token),
            name=request.device_name,
            platform=request.platform,
            last_seen_at=now,
        )
        await Patient.filter(id=invite.patient_id, enrolled_at=None).update(enrolled_at=now)  # type: ignore[attr-defined]
        patient = await Patient.get(id=invite.patient_id)  # type: ignore[attr-defined]
        principal = PatientPrincipal(patient_id=patient.id, clinic_id=patient.clinic_id, device_id=device.id)  # type: ignore[attr-defined]
        await audit.record(principal, "device.enrol", "device", device.id, patient_id=patient.id)
        await tell(ScheduleChanged(patient.id, now))
    return Enrolled(device_token=token, device_id=device.id, patient=await patients.self_view(principal))


def _invite_problem(invite: Invite | None, now: datetime) -> Exception | None:
    if invite is None:
        return InvalidInput(
            "That code is not valid. Check it against the clinic's card and try again.", code=ErrorCode.INVITE_INVALID
        )
    if invite.revoked_at is not None:
        return Gone("This code was cancelled by the clinic. Ask them for a new one.", code=ErrorCode.INVITE_REVOKED)
    if invite.used_at is not None:
        return Gone("This code has already been used. Ask the clinic for a new one.", code=ErrorCode.INVITE_USED)
    if invite.expires_at <= now:
        return Gone("This code has expired. Ask the clinic for a new one.", code=ErrorCode.INVITE_EXPIRED)
    return None


async def list_devices(principal: StaffPrincipal, patient_id: uuid.UUID) -> list[DeviceOut]:
    patient = await patients.get_for_staff(principal, patient_id)
    return [device_out(d) for d in await Device.filter(patient=patient).order_by("-created_at")]


async def revoke_device(principal: StaffPrincipal, device_id: uuid.UUID) -> DeviceOut:
    device = await Device.filter(id=device_id, patient__clinic_id=principal.clinic_id).first()
    if device is None:
        raise NotFound("No such device in your clinic.")
    async with in_transaction():
        if device.revoked_at is None:
            device.revoked_at = datetime.now(UTC)
            await device.save(update_fields=["revoked_at"])
        await audit.record(principal, "device.revoke", "device", device.id, patient_id=device.patient_id)  # type: ignore[attr-defined]
    return device_out(device)


async def sign_out_device(principal: PatientPrincipal) -> None:
    async with in_transaction():
        await Device.filter(id=principal.device_id).update(revoked_at=datetime.now(UTC))
        await audit.record(principal, "device.sign_out", "device", principal.device_id, patient_id=principal.patient_id)
