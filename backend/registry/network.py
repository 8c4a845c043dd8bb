"""What the registry does with clinics' messages: join, take a signed summary (checked, idempotent,
replay-protected), withdraw, and read the current summary of every clinic still in the network."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import msgspec

from backend.registry import signing
from backend.registry.database import RegistryDatabase, Session
from shared.contract.network import (
    SUMMARY_FORMAT,
    JoinReceipt,
    JoinRequest,
    NetworkSummary,
    SignedMessage,
    SubmissionReceipt,
    Withdrawal,
)
from shared.contract.outcomes import MIN_PATIENTS
from shared.errors import Conflict, ErrorCode, Forbidden, Gone, InvalidInput
from shared.text import CONTROL_CHARACTER_MESSAGE, has_control_character


def _now() -> str:
    return datetime.now(UTC).isoformat()


async def join(db: RegistryDatabase, request: JoinRequest) -> JoinReceipt:
    """A clinic joins with its public key; the id it is known by in the network."""
    if len(_raw(request.public_key)) != 32:
        raise InvalidInput("The public key is not an Ed25519 key (base64 of 32 bytes).")
    clinic_id, at = str(uuid.uuid4()), _now()
    async with db.transaction() as s:
        taken = await s.fetch("SELECT id FROM registry_clinic WHERE public_key = :key", key=request.public_key)
        if taken:
            raise Conflict("This key has joined already; a clinic joins once per key.", code=ErrorCode.INVALID_STATE)
        await s.execute(
            "INSERT INTO registry_clinic (id, name, public_key, joined_at) VALUES (:id, :name, :key, :at)",
            id=clinic_id, name=request.name, key=request.public_key, at=at,
        )
    return JoinReceipt(clinic=clinic_id, joined_at=datetime.fromisoformat(at))


def _raw(key: str) -> bytes:
    import base64
    import binascii

    try:
        return base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        return b""


async def _signed_by_member(s: Session, message: SignedMessage, clinic_id: str) -> dict:
    rows = await s.fetch("SELECT * FROM registry_clinic WHERE id = :id", id=clinic_id)
    if not rows or not signing.verify(rows[0]["public_key"], message.payload, message.signature):
        raise Forbidden("The signature does not match a clinic of the network.", code=ErrorCode.SIGNATURE_INVALID)
    if rows[0]["left_at"]:
        raise Gone("This clinic has left the network; it must join again to send figures.", code=ErrorCode.CLINIC_LEFT_NETWORK)
    return rows[0]


def check_disclosure(summary: NetworkSummary) -> None:
    """Every cell was built from at least MIN_PATIENTS patients (the clinic's control hides smaller
    ones; a summary that did not is refused whole, nothing stored)."""
    small = []
    for arm in summary.arms:
        cells = [("arm", arm.patients)] + [(f"month {c.month}", c.patients) for c in arm.efficacy]
        if arm.harm is not None:
            cells.append(("harm", arm.harm.patients))
        small += [f"{arm.arm} {name}" for name, n in cells if n < MIN_PATIENTS]
        small += [
            f"{arm.arm} month {c.month} improved" for c in arm.efficacy
            if c.improved is not None and (0 < c.improved < MIN_PATIENTS or 0 < c.patients - c.improved < MIN_PATIENTS
                                           or c.improved > c.patients)
        ]
    small += [f"lot {lot.lot_number}" for lot in summary.lots if lot.patients < MIN_PATIENTS]
    if small:
        raise InvalidInput(
            f"Figures from fewer than {MIN_PATIENTS} patients cannot leave a clinic: {', '.join(small[:5])}.",
            code=ErrorCode.DISCLOSURE_FAILED, details={"cells": small[:20]},
        )


def decode_summary(payload: str) -> NetworkSummary:
    try:
        summary = msgspec.json.decode(payload, type=NetworkSummary)
    except msgspec.ValidationError as exc:
        raise InvalidInput(f"The summary is not a network summary: {exc}.") from None
    except msgspec.DecodeError:
        raise InvalidInput("The summary is not JSON.", code=ErrorCode.MALFORMED_JSON) from None
    if has_control_character(summary):
        raise InvalidInput(CONTROL_CHARACTER_MESSAGE, code=ErrorCode.CONTROL_CHARACTER)
    if summary.format != SUMMARY_FORMAT:
        raise InvalidInput(f"Unknown summary format {summary.format!r}; this registry reads {SUMMARY_FORMAT}.")
    return summary


async def submit(db: RegistryDatabase, message: SignedMessage) -> SubmissionReceipt:
    """Store a clinic's summary for its period. The same message again answers the same receipt;
    an older message (a sequence not above the clinic's last) is a replay and refused."""
    summary = decode_summary(message.payload)
    digest = hashlib.sha256(message.payload.encode()).hexdigest()
    async with db.transaction() as s:
        clinic = await _signed_by_member(s, message, summary.clinic)
        stored = await s.fetch(
            "SELECT sequence, digest FROM registry_submission WHERE clinic_id = :c AND period = :p",
            c=summary.clinic, p=summary.period,
        )
        if stored and stored[0]["digest"] == digest:
            return SubmissionReceipt(
                clinic=summary.clinic, period=summary.period, sequence=summary.sequence, digest=digest,
                replaced_earlier=False,
            )
        if summary.sequence <= int(clinic["last_sequence"]):
            raise Conflict(
                "This message is older than the clinic's last one (a replay); nothing was changed.",
                code=ErrorCode.SUBMISSION_REPLAYED,
            )
        check_disclosure(summary)
        moved = await s.fetch(
            "UPDATE registry_clinic SET last_sequence = :seq WHERE id = :id AND last_sequence < :seq RETURNING id",
            seq=summary.sequence, id=summary.clinic,
        )
        if not moved:  # another message of the clinic got in first
            raise Conflict("A newer message of this clinic arrived first.", code=ErrorCode.SUBMISSION_REPLAYED)
        if stored:
            await s.execute(
                "UPDATE registry_submission SET sequence = :seq, digest = :d, payload = :body, received_at = :at"
                " WHERE clinic_id = :c AND period = :p",
                seq=summary.sequence, d=digest, body=message.payload, at=_now(), c=summary.clinic, p=summary.period,
            )
        else:
            await s.execute(
                "INSERT INTO registry_submission (clinic_id, period, sequence, digest, payload, received_at)"
                " VALUES (:c, :p, :seq, :d, :body, :at)",
                c=summary.clinic, p=summary.period, seq=summary.sequence, d=digest, body=message.payload, at=_now(),
            )
    return SubmissionReceipt(
        clinic=summary.clinic, period=summary.period, sequence=summary.sequence, digest=digest,
        replaced_earlier=bool(stored),
    )


async def withdraw(db: RegistryDatabase, message: SignedMessage) -> None:
    """The clinic leaves: its summaries are deleted, so no pooled figure holds them any more."""
    try:
        request = msgspec.json.decode(message.payload, type=Withdrawal)
    except (msgspec.ValidationError, msgspec.DecodeError):
        raise InvalidInput("The withdrawal is not a withdrawal message.") from None
    if has_control_character(request):
        raise InvalidInput(CONTROL_CHARACTER_MESSAGE, code=ErrorCode.CONTROL_CHARACTER)
    async with db.transaction() as s:
        clinic = await _signed_by_member(s, message, request.clinic)
        if request.sequence <= int(clinic["last_sequence"]):
            raise Conflict("This message is older than the clinic's last one (a replay).", code=ErrorCode.SUBMISSION_REPLAYED)
        await s.execute("DELETE FROM registry_submission WHERE clinic_id = :c", c=request.clinic)
        await s.execute(
            "UPDATE registry_clinic SET left_at = :at, last_sequence = :seq WHERE id = :c",
            at=_now(), seq=request.sequence, c=request.clinic,
        )


CURRENT_SQL = """
SELECT s.clinic_id, s.payload FROM registry_submission s
JOIN registry_clinic c ON c.id = s.clinic_id AND c.left_at IS NULL
JOIN (SELECT clinic_id, MAX(period) AS period FROM registry_submission GROUP BY clinic_id) latest
  ON latest.clinic_id = s.clinic_id AND latest.period = s.period
ORDER BY s.clinic_id
"""


async def current_payloads(db: RegistryDatabase) -> list[str]:
    """The newest period's summary text of every clinic still in the network (one statement)."""
    async with db.transaction() as s:
        return [r["payload"] for r in await s.fetch(CURRENT_SQL)]


async def current_summaries(db: RegistryDatabase) -> list[NetworkSummary]:
    decoder = msgspec.json.Decoder(NetworkSummary)
    return [decoder.decode(p) for p in await current_payloads(db)]
