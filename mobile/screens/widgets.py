"""The building blocks every screen uses (styled in widgets.kv): text, buttons, cards, a top bar,
a progress meter, checklist rows, choice pills, notices, and the base class of every screen."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.togglebutton import ToggleButton
from kivy.uix.widget import Widget

_loaded: set[str] = set()


def load_kv(module_file: str) -> None:
    """Load the `.kv` beside a screen's `.py` once (paths relative to the module, never the cwd)."""
    path = str(Path(module_file).with_suffix(".kv"))
    if path not in _loaded:
        Builder.load_file(path)
        _loaded.add(path)


class Body(Label):
    pass


class Muted(Body):
    pass


class Heading(Body):
    pass


class Title(Body):
    pass


class ErrorText(Body):
    pass


class BigButton(Button):
    """A big button: filled when `primary` (the step we suggest), outlined otherwise."""

    primary = BooleanProperty(True)


class PrimaryButton(BigButton):
    pass


class SecondaryButton(BigButton):
    primary = BooleanProperty(False)


class LinkButton(Button):
    pass


class Card(BoxLayout):
    pass


class PageColumn(BoxLayout):
    pass


class TopBar(BoxLayout):
    title = StringProperty("")
    back_to = StringProperty("home")

    def go_back(self) -> None:
        App.get_running_app().go(self.back_to)


class Meter(Widget):
    """A progress bar: `value` from 0 to 1."""

    value = NumericProperty(0.0)


class ChecklistItem(ButtonBehavior, BoxLayout):
    text = StringProperty("")
    checked = BooleanProperty(False)

    def on_press(self) -> None:
        self.checked = not self.checked


class Choice(ToggleButton):
    """One answer of a small scale (a severity, a questionnaire option), shown as a pill."""

    value = NumericProperty(0)


class Notice(BoxLayout):
    text = StringProperty("")
    kind = OptionProperty("info", options=["info", "warning", "success", "error", "banner"])


class FollicleScreen(Screen):
    """Every screen: reaches the app (and through it the patient session) via `self.app`."""

    @property
    def app(self):
        return App.get_running_app()


load_kv(__file__)
