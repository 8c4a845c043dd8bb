"""A file chooser in a popup: the desktop's camera (a photo file) and QR fallback (a picture of it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from kivy.properties import StringProperty
from kivy.uix.popup import Popup

from mobile.screens.widgets import load_kv

load_kv(__file__)


class FilePicker(Popup):
    folder = StringProperty("")
    picked_name = StringProperty("")

    def __init__(
        self,
        *,
        title: str,
        folder: Path,
        suffixes: Iterable[str],
        on_pick: Callable[[Path], None],
        on_cancel: Callable[[], None],
    ) -> None:
        self._on_pick = on_pick
        self._on_cancel = on_cancel
        self._picked = False
        super().__init__(title=title, folder=str(folder))
        patterns = [f"*{suffix}" for suffix in suffixes]
        self.ids.chooser.filters = patterns + [pattern.upper() for pattern in patterns]

    def choose(self, path: Path) -> None:
        """Select a file, as a tap on it in the list does."""
        self.ids.chooser.path = str(path.parent)
        self.ids.chooser.selection = [str(path)]

    def on_selection(self, selection: list[str]) -> None:
        self.picked_name = Path(selection[0]).name if selection else ""

    def use_selected(self) -> None:
        selection = self.ids.chooser.selection
        if not selection:
            return
        self._picked = True
        self.dismiss()
        self._on_pick(Path(selection[0]))

    def on_dismiss(self) -> None:
        if not self._picked:
            self._on_cancel()
