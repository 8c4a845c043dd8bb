"""Marketing consent: granted by the patient in the app (all photos or chosen ones, for a time or
until withdrawn) or recorded by staff from a signed paper form (the PDF kept in the store), and
withdrawn by the patient at any time, which deletes every before/after image the clinic saved of
them. Every grant, withdrawal and use is audited."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from datetime import date, datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, Principal, StaffPrincipal
from backend.marketing.models import BeforeAfterImage, MarketingConsent
from backend.patients import service as patients
from backend.patients.models import Patient
from backend.photos.models import Photo
from backend.storage import ObjectStore
from shared.contract.checkins import PhotoStatus
from shared.contract.marketing import CONSENT_MONTHS, MarketingConsentGrant, MarketingConsentOut, MyMarketingConsent
from shared.errors import ErrorCode, InvalidInput, NotFound, UnsupportedMedia

log = logging.getLogger(__name__)

FORMS_PREFIX = "consentforms/"  # a first key segment is [a-z0-9] only (the local store)
IMAGES_PREFIX = "beforeafter/"
MAX_FORM_BYTES = 10 * 1024 * 1024


def form_key(token: str) -> str:
    return f"{FORMS_PREFIX}{token}.pdf"


def image_key(token: str, content_type: str) -> str:
    return f"{IMAGES_PREFIX}{token}.{'gif' if content_type == 'image/gif' else 'png'}"


def consent_out(consent: MarketingConsent) -> MarketingConsentOut:
    return MarketingConsentOut(
        id=consent.id, source=consent.source, all_photos=consent.all_photos,  # type: ignore[arg-type]
        photo_ids=[uuid.UUID(p) for p in consent.photo_ids], granted_at=consent.granted_at, expires_at=consent.expires_at,
        withdrawn_at=consent.withdrawn_at, signed_on=consent.signed_on, has_form=bool(consent.form_token),
    )


def live_filter(now: datetime) -> Q:
    return Q(withdrawn_at=None) & (Q(expires_at=None) | Q(expires_at__gt=now))


async def live_consents(patient_id: uuid.UUID, now: datetime) -> list[MarketingConsent]:
    return await MarketingConsent.filter(live_filter(now), patient_id=patient_id).order_by("granted_at")


def covers(consents: list[MarketingConsent], photo_id: uuid.UUID) -> bool:
    return any(c.all_photos or str(photo_id) in c.photo_ids for c in consents)


async def _chosen_photos(patient_id: uuid.UUID, data: MarketingConsentGrant) -> list[str]:
    """The photo ids a grant names, each a ready photo of this patient; InvalidInput otherwise."""
    if data.all_photos:
        return []
    wanted = list(dict.fromkeys(data.photo_ids))
    if not wanted:
        raise InvalidInput("Choose the photos the clinic may use, or all of them.")
    found = await Photo.filter(id__in=wanted, patient_id=patient_id, status=PhotoStatus.READY).values_list("id", flat=True)
    if len(found) != len(wanted):
        raise InvalidInput("Some of the chosen photos are not yours or not ready.", details={"photo_ids": [str(p) for p in set(wanted) - set(found)]})
    return [str(p) for p in wanted]


def _expiry(months: int | None, now: datetime) -> datetime | None:
    if months is None:
        return None
    if months not in CONSENT_MONTHS:
        raise InvalidInput(f"Choose {', '.join(map(str, CONSENT_MONTHS))} months, or until you withdraw it.")
    return now + timedelta(days=round(months * 365.25 / 12))


# --- the patient, in the app --------------------------------------------------------------------


async def grant(principal: PatientPrincipal, data: MarketingConsentGrant, *, now: datetime) -> MarketingConsentOut:
    photo_ids = await _chosen_photos(principal.patient_id, data)
    expires_at = _expiry(data.months, now)
    async with in_transaction():
        consent = await MarketingConsent.create(
            clinic_id=principal.clinic_id, patient_id=principal.patient_id, source="app", all_photos=data.all_photos,
            photo_ids=photo_ids, granted_at=now, expires_at=expires_at,
        )
        await audit.record(
            principal, "marketing.consent_grant", "marketing_consent", consent.id, patient_id=principal.patient_id,
            detail={"source": "app", "all_photos": data.all_photos, "photos": len(photo_ids), "months": data.months},
        )
    return consent_out(consent)


async def mine(principal: PatientPrincipal, *, now: datetime) -> MyMarketingConsent:
    return await _summary(principal.patient_id, now)


async def _summary(patient_id: uuid.UUID, now: datetime) -> MyMarketingConsent:
    live = await live_consents(patient_id, now)
    last = await MarketingConsent.filter(patient_id=patient_id, withdrawn_at__not_isnull=True).order_by("-withdrawn_at").first()
    return MyMarketingConsent(
        live=[consent_out(c) for c in live], last_withdrawn_at=last.withdrawn_at if last else None,
        images_deleted=last.images_deleted if last else 0,
    )


async def withdraw(
    actor: Principal, patient_id: uuid.UUID, clinic_id: uuid.UUID, *, now: datetime, store: ObjectStore | None
) -> MyMarketingConsent:
    """End every live consent of the patient and delete the clinic's before/after images of them
    (rows in the transaction, objects once it has committed; what that misses stays unreachable,
    as its row is gone, and is listed for removal in the log)."""
    by = "patient" if isinstance(actor, PatientPrincipal) else "staff"
    async with in_transaction():
        live = await MarketingConsent.filter(live_filter(now), patient_id=patient_id).select_for_update()
        images = await BeforeAfterImage.filter(patient_id=patient_id).values_list("id", "storage_token", "content_type")
        await BeforeAfterImage.filter(id__in=[i for i, _, _ in images]).delete()
        if live:
            await MarketingConsent.filter(id__in=[c.id for c in live]).update(
                withdrawn_at=now, withdrawn_by=by, images_deleted=0
            )
            await MarketingConsent.filter(id=live[-1].id).update(images_deleted=len(images))
        await audit.record(
            actor, "marketing.consent_withdraw", "patient", patient_id, clinic_id=clinic_id, patient_id=patient_id,
            detail={"by": by, "consents": len(live), "images_deleted": len(images)},
        )
    await _remove(store, [image_key(token, kind) for _, token, kind in images])
    return await _summary(patient_id, now)


async def _remove(store: ObjectStore | None, keys: list[str]) -> None:
    if store is None or not keys:
        return
    try:
        await store.delete(keys)
    except Exception:  # noqa: BLE001 - the rows are gone, so nothing serves these; log them for removal
        log.warning("before/after objects left in the store after withdrawal: %s", keys, exc_info=True)


# --- staff --------------------------------------------------------------------------------------


async def for_staff(principal: StaffPrincipal, patient_id: uuid.UUID, *, now: datetime) -> tuple[list[MarketingConsent], bool, MyMarketingConsent]:
    """Unaudited (pages audit their own read): every consent, newest first, whether one is live."""
    await patients.get_for_staff(principal, patient_id)
    consents = await MarketingConsent.filter(patient_id=patient_id).order_by("-granted_at")
    summary = await _summary(patient_id, now)
    return consents, bool(summary.live), summary


async def record_paper(
    principal: StaffPrincipal, patient_id: uuid.UUID, *, pdf: bytes, signed_on: date, grant_data: MarketingConsentGrant,
    store: ObjectStore, now: datetime,
) -> MarketingConsentOut:
    """A signed paper form, its PDF kept in the store beside the consent."""
    patient = await patients.get_for_staff(principal, patient_id)
    if len(pdf) > MAX_FORM_BYTES:
        raise UnsupportedMedia("The signed form must be a PDF of at most 10 MB.", code=ErrorCode.CONSENT_FORM_INVALID)
    if not pdf.startswith(b"%PDF-") or b"%%EOF" not in pdf[-2048:]:
        raise UnsupportedMedia("Upload the signed form as a PDF (a scan saved as PDF).", code=ErrorCode.CONSENT_FORM_INVALID)
    if signed_on > now.date():
        raise InvalidInput("The form's date cannot be in the future.")
    photo_ids = await _chosen_photos(patient.id, grant_data)
    expires_at = _expiry(grant_data.months, now)
    token = secrets.token_hex(16)
    await store.write(form_key(token), pdf, content_type="application/pdf")
    try:
        async with in_transaction():
            consent = await MarketingConsent.create(
                clinic_id=principal.clinic_id, patient_id=patient.id, source="paper", all_photos=grant_data.all_photos,
                photo_ids=photo_ids, granted_at=now, expires_at=expires_at, recorded_by_id=principal.staff_id,
                form_token=token, form_sha256=hashlib.sha256(pdf).hexdigest(), form_size=len(pdf), signed_on=signed_on,
            )
            await audit.record(
                principal, "marketing.consent_grant", "marketing_consent", consent.id, patient_id=patient.id,
                detail={"source": "paper", "all_photos": grant_data.all_photos, "photos": len(photo_ids), "months": grant_data.months},
            )
    except BaseException:
        await _remove(store, [form_key(token)])  # nothing stored when the row is not
        raise
    return consent_out(consent)


async def signed_form(principal: StaffPrincipal, consent_id: uuid.UUID, store: ObjectStore) -> bytes:
    consent = await MarketingConsent.filter(id=consent_id, clinic_id=principal.clinic_id).exclude(form_token="").first()
    if consent is None:
        raise NotFound("No such signed form.")
    stored = await store.read(form_key(consent.form_token), max_bytes=MAX_FORM_BYTES)
    if stored is None:
        raise NotFound("The signed form is missing from the store.")
    await audit.read(principal, "marketing.consent_form.view", patient_id=consent.patient_id, subject=("marketing_consent", consent.id))  # type: ignore[attr-defined]
    return stored.data


async def _before_patient_delete(patient: Patient, actor: object = None):
    """The patient's signed forms and before/after images leave the store with them."""
    forms = await MarketingConsent.filter(patient_id=patient.id).exclude(form_token="").values_list("form_token", flat=True)
    images = await BeforeAfterImage.filter(patient_id=patient.id).values_list("storage_token", "content_type")
    keys = [form_key(t) for t in forms] + [image_key(t, kind) for t, kind in images]
    if not keys:
        return None

    async def remove(store: ObjectStore | None) -> None:
        if store is not None:
            await store.delete(keys)

    return remove


if _before_patient_delete not in patients.DELETE_HOOKS:
    patients.DELETE_HOOKS.append(_before_patient_delete)
