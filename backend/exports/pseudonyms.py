"""Pseudonymous patient ids for research exports: HMAC-SHA256 of the patient's id under the
clinic's own secret. Stable for a clinic (the same patient has the same id in every export),
different between clinics, and not reversible without the secret, which never leaves the server."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from tortoise.exceptions import IntegrityError

from backend.exports.models import CohortExportKey

PSEUDONYM_HEX = 20  # 80 bits: no collision in any clinic's lifetime of patients


async def clinic_secret(clinic_id: uuid.UUID) -> bytes:
    """The clinic's export secret, made on first use."""
    found = await CohortExportKey.filter(clinic_id=clinic_id).first()
    if found is None:
        try:
            found = await CohortExportKey.create(clinic_id=clinic_id, secret=secrets.token_hex(32))
        except IntegrityError:  # another export made it at the same moment
            found = await CohortExportKey.get(clinic_id=clinic_id)
    return bytes.fromhex(found.secret)


def pseudonym(secret: bytes, patient_id: uuid.UUID) -> str:
    return "P" + hmac.new(secret, str(patient_id).encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]
