"""The request classes: every JSON body and every form is checked against the text rule
(`shared.text`) as it is read, before any field constraint or handler sees it, so a control
character always answers 400 `control_character`, whichever field it is in."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar_htmx import HTMXRequest

from backend.api.text import ControlCharacterError
from shared.text import has_control_character


def _checked_form(form: FormMultiDict) -> FormMultiDict:
    if any(has_control_character(key) or has_control_character(value) for key, value in form.multi_items()):
        raise ControlCharacterError("form")
    return form


class ApiRequest(Request):
    async def json(self) -> Any:
        value = await super().json()
        if has_control_character(value):
            raise ControlCharacterError("body")
        return value

    async def msgpack(self) -> Any:
        value = await super().msgpack()
        if has_control_character(value):
            raise ControlCharacterError("body")
        return value

    async def form(self) -> FormMultiDict:
        return _checked_form(await super().form())


class DashboardRequest(HTMXRequest):
    async def form(self) -> FormMultiDict:
        return _checked_form(await super().form())
