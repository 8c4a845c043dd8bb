"""The patient's marketing page as a clinician meets it: make a before/after under consent, see
it, and after the patient withdraws in the app the page says the images were deleted; a signed
paper form uploaded as a PDF."""

from __future__ import annotations

import re

from backend.marketing.models import BeforeAfterImage, MarketingConsent
from tests.backend.marketing.photos import scene, shot, stored_photo
from tests.backend.staff.conftest import browser  # noqa: F401  (the signed-in browser fixture)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def test_make_see_and_lose_a_before_after_when_the_patient_withdraws(client, world, app, browser):
    picture, patient_id = scene(), world.ids["patient_a"]
    before = await stored_photo(app.state.store, patient_id, month=0, picture=shot(picture))
    after = await stored_photo(app.state.store, patient_id, month=3, picture=shot(picture, dx=25))
    staff = await browser("admin@x.example")
    page = await staff.get(f"/dashboard/patients/{patient_id}/marketing")
    assert page.status_code == 200 and "None live" in page.text and "(no consent)" in page.text
    refused = await staff.post(f"/dashboard/patients/{patient_id}/before-after", {"before": str(before.id), "after": str(after.id)})
    assert refused.status_code == 409 and 'data-code="no_marketing_consent"' in refused.text
    assert await BeforeAfterImage.all().count() == 0

    await client.post("/me/marketing-consent", json={"all_photos": True}, headers=world.headers("patient_a"))
    made = await staff.post(f"/dashboard/patients/{patient_id}/before-after", {"before": str(before.id), "after": str(after.id)})
    assert made.status_code == 303
    page = await staff.get(made.headers["location"])
    assert "Before/after image saved" in page.text and "After 3 months" in page.text
    src = re.search(r'<img src="(/dashboard/before-after/[^"]+/image)"', page.text).group(1)
    image = await staff.get(src)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"

    await client.post("/me/marketing-consent/withdraw", headers=world.headers("patient_a"))
    page = await staff.get(f"/dashboard/patients/{patient_id}/marketing")
    notice = re.search(r'<p [^>]*id="withdrawn-notice">([^<]+)</p>', page.text).group(1)
    assert "withdrawn" in notice and "1 saved before/after image of this patient was deleted" in notice
    assert 'id="no-images"' in page.text
    assert (await staff.get(src)).status_code == 404


async def test_a_signed_paper_form_is_uploaded_and_kept(world, app, browser):
    patient_id = world.ids["patient_a"]
    staff = await browser("admin@x.example")
    fields = {"csrf_token": staff.csrf, "signed_on": "2026-03-01", "scope": "all", "months": "12"}
    wrong = await staff.http.post(f"/dashboard/patients/{patient_id}/marketing/paper", data=fields, files={"form": ("form.pdf", b"<html></html>", "application/pdf")})
    assert wrong.status_code == 415 and 'data-code="consent_form_invalid"' in wrong.text
    assert await MarketingConsent.all().count() == 0
    answer = await staff.http.post(f"/dashboard/patients/{patient_id}/marketing/paper", data=fields, files={"form": ("form.pdf", PDF, "application/pdf")})
    assert answer.status_code == 303
    page = await staff.get(answer.headers["location"])
    assert "Signed paper form of" in page.text and "Live" in page.text
    consent = await MarketingConsent.get(patient_id=patient_id)
    form = await staff.get(f"/dashboard/marketing-consents/{consent.id}/form.pdf")
    assert form.status_code == 200 and form.content == PDF
