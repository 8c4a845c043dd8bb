"""The FHIR export as staff ask for it: the history read once, short-lived photo links signed, the
Bundle built and validated in a thread, and the export audited in the request."""

from __future__ import annotations

import asyncio
import uuid

import msgspec

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.photos import keys
from backend.records import history as histories
from backend.records.document import Document, safe_filename
from backend.records.fhir import FHIR_JSON
from backend.records.fhir import build_bundle
from backend.records.history import PatientHistory
from backend.settings import Settings
from backend.storage import ObjectStore


def system_base(settings: Settings) -> str:
    return settings.fhir_system_base or settings.public_url.rstrip("/") + "/fhir"


async def bundle_json(history: PatientHistory, store: ObjectStore, settings: Settings) -> bytes:
    """The Bundle as JSON bytes; photo links last `download_url_ttl_seconds`."""
    links = await store.download_urls(
        [keys.rendition_key(p.storage_token, "full") for p in history.photos], expires_in=settings.download_url_ttl_seconds
    )
    urls = dict(zip([p.id for p in history.photos], links, strict=True))

    def build() -> bytes:
        return msgspec.json.encode(build_bundle(history, urls=urls, system_base=system_base(settings)))

    return await asyncio.to_thread(build)


async def for_staff(principal: StaffPrincipal, patient_id: uuid.UUID, store: ObjectStore, settings: Settings) -> Document:
    history = await histories.load(patient_id, clinic_id=principal.clinic_id)
    data = await bundle_json(history, store, settings)
    await audit.record(
        principal, "record.fhir_export", "patient", patient_id, patient_id=patient_id,
        detail={"photos": len(history.photos), "sessions": len(history.sessions), "side_effects": len(history.side_effects)},
    )
    return Document(data, safe_filename("fhir-bundle", history.record_number, suffix=".json"), FHIR_JSON)
