"""Marketing consent and before/after images through the API: the patient grants it for chosen
photos, the clinic makes and exports a before/after, the patient withdraws, and the image is
gone and refused; a signed paper form is kept with its consent. Every step audited."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from PIL import Image

from backend.audit.models import AuditEvent
from backend.auth.principal import StaffPrincipal
from backend.clinics.models import StaffUser
from backend.marketing import service
from backend.marketing.models import BeforeAfterImage, MarketingConsent
from shared.contract.marketing import MarketingConsentGrant
from shared.errors import FollicleError
from tests.backend.marketing.photos import scene, shot, stored_photo


async def _three_photos(app, world):
    picture = scene()
    store = app.state.store
    patient = world.ids["patient_a"]
    return (
        await stored_photo(store, patient, month=0, picture=shot(picture)),
        await stored_photo(store, patient, month=6, picture=shot(picture, dx=30, dy=20, zoom=1.04)),
        await stored_photo(store, patient, month=9, picture=shot(picture, dx=-20)),
    )


async def _objects(app, prefix: str) -> list[str]:
    return [info.key async for info in app.state.store.list(prefix)]


async def test_grant_make_export_withdraw_and_the_export_is_gone(client, world, app):
    before, after, other = await _three_photos(app, world)
    patient, staff = world.headers("patient_a"), world.headers("staff_x")
    body = {"before_photo_id": str(before.id), "after_photo_id": str(after.id)}
    refused = await client.post(f"/patients/{world.ids['patient_a']}/before-after", json=body, headers=staff)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "no_marketing_consent"
    assert await BeforeAfterImage.all().count() == 0 and await _objects(app, service.IMAGES_PREFIX) == []

    granted = await client.post("/me/marketing-consent", json={"photo_ids": [str(before.id), str(after.id)], "months": 12}, headers=patient)
    assert granted.status_code == 201 and granted.json()["expires_at"] is not None
    made = await client.post(f"/patients/{world.ids['patient_a']}/before-after", json=body, headers=staff)
    assert made.status_code == 201, made.text
    image = made.json()
    assert image["after_label"] == "After 6 months" and image["content_type"] == "image/png"
    exported = await client.get(image["image_url"], headers=staff)
    assert exported.status_code == 200 and exported.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(exported.content)).size[0] > 1000
    # a photo the patient did not choose cannot be used
    outside = await client.post(
        f"/patients/{world.ids['patient_a']}/before-after",
        json={"before_photo_id": str(before.id), "after_photo_id": str(other.id)}, headers=staff,
    )
    assert outside.status_code == 409 and outside.json()["error"]["code"] == "no_marketing_consent"

    withdrawn = await client.post("/me/marketing-consent/withdraw", headers=patient)
    assert withdrawn.status_code == 200 and withdrawn.json()["live"] == [] and withdrawn.json()["images_deleted"] == 1
    assert await BeforeAfterImage.all().count() == 0 and await _objects(app, service.IMAGES_PREFIX) == []
    gone = await client.get(image["image_url"], headers=staff)
    assert gone.status_code == 404
    again = await client.post(f"/patients/{world.ids['patient_a']}/before-after", json=body, headers=staff)
    assert again.status_code == 409 and again.json()["error"]["code"] == "no_marketing_consent"
    seen = await client.get(f"/patients/{world.ids['patient_a']}/marketing", headers=staff)
    assert seen.json()["live"] is False and seen.json()["images_deleted"] == 1 and seen.json()["images"] == []

    actions = await AuditEvent.filter(patient_id=world.ids["patient_a"], action__startswith="marketing.").values_list("action", flat=True)
    assert {"marketing.consent_grant", "marketing.before_after_create", "marketing.before_after_export", "marketing.consent_withdraw"} <= set(actions)


async def test_an_expired_consent_covers_nothing(client, world, app):
    before, after, _ = await _three_photos(app, world)
    await client.post("/me/marketing-consent", json={"all_photos": True, "months": 6}, headers=world.headers("patient_a"))
    body = {"before_photo_id": str(before.id), "after_photo_id": str(after.id), "layout": "slider"}
    made = await client.post(f"/patients/{world.ids['patient_a']}/before-after", json=body, headers=world.headers("staff_x"))
    assert made.status_code == 201 and made.json()["content_type"] == "image/gif"
    await MarketingConsent.all().update(expires_at=datetime.now(UTC) - timedelta(days=1))
    expired = await client.get(made.json()["image_url"], headers=world.headers("staff_x"))
    assert expired.status_code == 409 and expired.json()["error"]["code"] == "no_marketing_consent"


async def test_bad_grants_and_pairs_store_nothing(client, world, app):
    before, after, _ = await _three_photos(app, world)
    patient = world.headers("patient_a")
    for body in ({"photo_ids": []}, {"photo_ids": [str(before.id)], "months": 7}):
        answer = await client.post("/me/marketing-consent", json=body, headers=patient)
        assert answer.status_code == 400, body
    # patient B cannot consent for patient A's photo
    answer = await client.post("/me/marketing-consent", json={"photo_ids": [str(before.id)]}, headers=world.headers("patient_b"))
    assert answer.status_code == 400
    assert await MarketingConsent.all().count() == 0
    await client.post("/me/marketing-consent", json={"all_photos": True}, headers=patient)
    backwards = await client.post(
        f"/patients/{world.ids['patient_a']}/before-after",
        json={"before_photo_id": str(after.id), "after_photo_id": str(before.id)}, headers=world.headers("staff_x"),
    )
    assert backwards.status_code == 400 and backwards.json()["error"]["code"] == "photos_not_comparable"
    assert await BeforeAfterImage.all().count() == 0


async def test_a_signed_paper_form_is_kept_with_its_consent_and_deleting_the_patient_removes_it(client, world, app):

    admin = await StaffUser.get(email="admin@x.example")
    principal = StaffPrincipal(
        staff_id=admin.id, clinic_id=world.ids["clinic_x"], role=admin.role, session_id=admin.id, name=admin.name,
        email=admin.email, csrf_token="", via_cookie=False,
    )
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    try:
        await service.record_paper(
            principal, world.ids["patient_a"], pdf=b"<html>not a pdf</html>", signed_on=date(2026, 3, 1),
            grant_data=MarketingConsentGrant(all_photos=True), store=app.state.store, now=datetime.now(UTC),
        )
    except FollicleError as exc:
        assert exc.code == "consent_form_invalid"
    else:
        raise AssertionError("a page that is not a PDF was accepted")
    assert await _objects(app, service.FORMS_PREFIX) == [] and await MarketingConsent.all().count() == 0
    recorded = await service.record_paper(
        principal, world.ids["patient_a"], pdf=pdf, signed_on=date(2026, 3, 1),
        grant_data=MarketingConsentGrant(all_photos=True, months=24), store=app.state.store, now=datetime.now(UTC),
    )
    assert recorded.source == "paper" and recorded.has_form
    assert await service.signed_form(principal, recorded.id, app.state.store) == pdf
    assert len(await _objects(app, service.FORMS_PREFIX)) == 1
    deleted = await client.delete(f"/patients/{world.ids['patient_a']}", headers=world.headers("staff_x"))
    assert deleted.status_code == 204
    assert await _objects(app, service.FORMS_PREFIX) == []
