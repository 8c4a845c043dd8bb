"""Photos in the clinic's marketing: the patient chooses which photos (or all) and for how long,
sees what they allowed, and withdraws it at any time (the clinic's before/after images of them
are then deleted)."""

from __future__ import annotations

import uuid

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from mobile.screens.widgets import ChecklistItem, FollicleScreen, load_kv
from mobile.services.api_client import ApiError
from mobile.services.marketing import DURATIONS, MarketingConsent, describe

load_kv(__file__)

EXPLAIN = (
    "Separate from your care and from research: may your clinic show some of your photos, as a "
    "before/after picture, in its leaflets, website or social media? It never shows your name, "
    "record number or date of birth. You can withdraw this here at any time."
)


class PhotoChoice(ChecklistItem):
    photo_id = StringProperty("")


class MarketingScreen(FollicleScreen):
    explain = StringProperty(EXPLAIN)
    state_text = StringProperty("")
    status = StringProperty("")
    status_kind = StringProperty("info")
    all_photos = BooleanProperty(False)
    duration = StringProperty("1 year")
    durations = ListProperty(list(DURATIONS))
    live = BooleanProperty(False)
    busy = BooleanProperty(False)
    confirm_withdraw = BooleanProperty(False)

    @property
    def consent(self) -> MarketingConsent:
        return MarketingConsent(self.app.session.api)

    def on_pre_enter(self, *args) -> None:
        self.status, self.confirm_withdraw = "Loading...", False
        self.app.run_in_background(lambda: (self.consent.state(), self.consent.photos()), self._show, self._failed)

    def _show(self, loaded) -> None:
        state, photos = loaded
        self._state(state)
        self.status = "" if photos else "Your photos appear here once your clinic has them."
        box = self.ids.photo_choices
        box.clear_widgets()
        for photo in photos:
            box.add_widget(PhotoChoice(text=photo.label, photo_id=str(photo.photo_id)))

    def _state(self, state) -> None:
        self.live = bool(state.live)
        self.state_text = describe(state)

    def chosen(self) -> list[str]:
        return [w.photo_id for w in self.ids.photo_choices.children[::-1] if w.checked]

    def grant(self) -> None:
        chosen = self.chosen()
        if not self.all_photos and not chosen:
            self.status, self.status_kind = "Choose the photos your clinic may use, or all of them.", "warning"
            return
        self.busy = True
        ids = [uuid.UUID(p) for p in chosen]
        self.app.run_in_background(
            lambda: (self.consent.grant(photo_ids=ids, all_photos=self.all_photos, duration=self.duration), self.consent.state())[1],
            self._granted, self._failed,
        )

    def _granted(self, state) -> None:
        self.busy = False
        self._state(state)
        self.status, self.status_kind = "Thank you. Your clinic has your consent.", "success"

    def ask_withdraw(self) -> None:
        self.confirm_withdraw = True

    def withdraw(self) -> None:
        self.busy = True
        self.app.run_in_background(self.consent.withdraw, self._withdrawn, self._failed)

    def _withdrawn(self, state) -> None:
        self.busy, self.confirm_withdraw = False, False
        self._state(state)
        self.status, self.status_kind = "Withdrawn. Your clinic can no longer use your photos in its marketing.", "success"

    def _failed(self, error: ApiError) -> None:
        self.busy = False
        self.status, self.status_kind = error.patient_text, "error"
