"""The one rule for text coming in: no control characters except tab, line feed and carriage return.

NUL cannot be stored in PostgreSQL text at all, and the other control characters (escape
sequences, bells, C1 codes, DEL) are never typed by a person; they only hide or garble what staff
read. The API contract (`shared.contract.base.Request`) and the backend's query and path check
(`backend.api.text`) both apply this rule, so every route refuses such text the same way.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

# C0 controls but TAB (09), LF (0a) and CR (0d); DEL (7f); the C1 controls (80-9f)
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# the words msgspec reports, which the backend recognises to answer `control_character`
CONTROL_CHARACTER_MESSAGE = "Text must not contain control characters"


def has_control_character(value: Any) -> bool:
    """True when a string anywhere in `value` (lists, dict keys and values, nested Structs) has one."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.search(value) is not None
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(has_control_character(item) for item in value)
    if isinstance(value, dict):
        return any(has_control_character(key) or has_control_character(item) for key, item in value.items())
    if isinstance(value, msgspec.Struct):
        return any(has_control_character(getattr(value, name)) for name in value.__struct_fields__)
    return False


def control_character_fields(struct: msgspec.Struct) -> list[str]:
    """The names of a Struct's fields that hold text with a control character."""
    return [name for name in struct.__struct_fields__ if has_control_character(getattr(struct, name))]
