"""My timeline: for each view, the first photo beside the latest, with an honest word on what
can and cannot be seen yet."""

from __future__ import annotations

from pathlib import Path

from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout

from mobile.screens.widgets import FollicleScreen, load_kv
from mobile.services.api_client import ApiError
from mobile.services.progress import HONEST_NOTE, ViewProgress, pair_views

load_kv(__file__)


class ViewPairCard(BoxLayout):
    label = StringProperty("")
    first_source = StringProperty("")
    first_caption = StringProperty("")
    latest_source = StringProperty("")
    latest_caption = StringProperty("")


class TimelineScreen(FollicleScreen):
    note = StringProperty(HONEST_NOTE)
    status = StringProperty("")

    def on_pre_enter(self, *args) -> None:
        self.status = "Loading your photos..."
        self.app.run_in_background(self._load, self.show, self._failed)

    def _load(self) -> list[tuple[ViewProgress, Path | None, Path | None]]:
        api = self.app.session.api
        folder = self.app.data_dir / "timeline"
        folder.mkdir(parents=True, exist_ok=True)

        def fetch(photo) -> Path | None:
            if photo is None:
                return None
            target = folder / f"{photo.photo_id}.jpg"
            if not target.exists():
                try:
                    target.write_bytes(api.download(photo.url))
                except ApiError:
                    return None
            return target

        return [(row, fetch(row.first), fetch(row.latest)) for row in pair_views(api.my_timeline())]

    def show(self, rows) -> None:
        cards = self.ids.cards
        cards.clear_widgets()
        with_photos = [row for row in rows if row[0].first is not None]
        self.status = "" if with_photos else "Your photos appear here once your clinic has them."
        for row, first, latest in rows:
            cards.add_widget(
                ViewPairCard(
                    label=row.label,
                    first_source=str(first) if first else "",
                    first_caption=row.first.caption if row.first else "No photo yet",
                    latest_source=str(latest) if latest else "",
                    latest_caption=row.latest.caption if row.latest else "Your next photo goes here",
                )
            )

    def _failed(self, error: ApiError) -> None:
        self.status = error.patient_text
