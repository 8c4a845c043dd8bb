"""The patient's marketing consent, apart from care and research: which of their photos the
clinic may use in its marketing (all or chosen ones), for how long, withdrawn at any time. No
Kivy here; every method may block on the network, so the app calls them from a worker thread."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from mobile.services.api_client import ApiClient
from shared.contract.checkins import PhotoStatus
from shared.contract.marketing import MarketingConsentGrant, MarketingConsentOut, MyMarketingConsent
from shared.schedule import checkin_label

# what the patient picks, and the months each means (None: until they withdraw)
DURATIONS = {"6 months": 6, "1 year": 12, "2 years": 24, "Until I withdraw it": None}


@dataclass(frozen=True)
class ConsentablePhoto:
    photo_id: uuid.UUID
    label: str  # "Frontal hairline, baseline"


def describe(consent: MyMarketingConsent) -> str:
    """In words: what the clinic may use now."""
    if not consent.live:
        if consent.last_withdrawn_at is not None:
            deleted = consent.images_deleted
            return (
                "You withdrew your consent. Your clinic may not use your photos in its marketing"
                + (f", and the {deleted} before/after image{'s were' if deleted != 1 else ' was'} deleted." if deleted else ".")
            )
        return "Your clinic may not use your photos in its marketing."
    return "Your clinic may use " + "; ".join(_one(c) for c in consent.live) + "."


def _one(consent: MarketingConsentOut) -> str:
    what = "all your photos" if consent.all_photos else f"{len(consent.photo_ids)} chosen photo{'s' if len(consent.photo_ids) != 1 else ''}"
    until = f"until {consent.expires_at:%d %B %Y}" if consent.expires_at else "until you withdraw it"
    return f"{what} {until}"


class MarketingConsent:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    def state(self) -> MyMarketingConsent:
        return self.api.call("GET", "/me/marketing-consent", None, MyMarketingConsent)

    def photos(self) -> list[ConsentablePhoto]:
        """The patient's ready photos, oldest check-in first, as they can be chosen."""
        timeline = self.api.my_timeline()
        labels = {view.id: view.label for view in timeline.views}
        return [
            ConsentablePhoto(photo.id, f"{labels.get(photo.view, photo.view)}, {checkin_label(month.month, in_sentence=True)}")
            for month in timeline.months
            for photo in month.photos
            if photo.status == PhotoStatus.READY
        ]

    def grant(self, *, photo_ids: list[uuid.UUID], all_photos: bool, duration: str) -> MarketingConsentOut:
        body = MarketingConsentGrant(all_photos=all_photos, photo_ids=[] if all_photos else photo_ids, months=DURATIONS[duration])
        return self.api.call("POST", "/me/marketing-consent", body, MarketingConsentOut)

    def withdraw(self) -> MyMarketingConsent:
        return self.api.call("POST", "/me/marketing-consent/withdraw", None, MyMarketingConsent)
