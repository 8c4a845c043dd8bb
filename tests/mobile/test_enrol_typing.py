"""The invite code typed with a keyboard, key by key through Kivy's window events (as SDL2 hands
them to the app), never by setting the field's text: Connect must follow what the field holds."""

from __future__ import annotations

import pytest

from tests.mobile.conftest import pump, screenshot

pytestmark = pytest.mark.kivy

BACKSPACE = 8


def type_keys(window, text: str) -> None:
    """Each character as a key press: key down, the text it produces, key up."""
    for character in text:
        window.dispatch("on_key_down", ord(character.lower()), 0, character, [])
        window.dispatch("on_textinput", character)
        window.dispatch("on_key_up", ord(character.lower()), 0)
        pump(frames=1)


def press(window, key: int, times: int = 1) -> None:
    for _ in range(times):
        window.dispatch("on_key_down", key, 0, None, [])
        window.dispatch("on_key_up", key, 0)
        pump(frames=1)


def tap(widget) -> None:
    """A finger down and up where `widget` is drawn, through the window's input dispatch."""
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(*widget.to_window(*widget.center))
    touch.touch_down()
    touch.touch_up()
    pump(frames=1)


def test_connect_enables_as_the_code_is_typed_and_tapping_it_enrols(phone_app, invited, kivy_window):
    enrol = phone_app.manager.current_screen
    field, connect = enrol.ids.code_input, enrol.ids.connect_button
    assert connect.disabled  # nothing typed yet

    tap(field)
    pump(lambda: field.focus)
    type_keys(kivy_window, "   ")
    assert field.text == "   " and connect.disabled  # spaces are not a code

    press(kivy_window, BACKSPACE, 3)
    code = invited.code[:4] + " " + invited.code[4:]  # as printed on the card
    type_keys(kivy_window, code[:1])
    assert field.text == code[:1] and not connect.disabled  # the first key enables it
    press(kivy_window, BACKSPACE)
    assert field.text == "" and connect.disabled  # and deleting it disables it again

    type_keys(kivy_window, code)
    assert field.text == code and not connect.disabled
    screenshot(kivy_window, "01b-enrol-typed")

    tap(connect)
    pump(lambda: phone_app.manager.current == "home")
    assert phone_app.session.enrolled
