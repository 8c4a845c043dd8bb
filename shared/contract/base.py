"""Base Structs and bounded field types for the API contract."""

from __future__ import annotations

from typing import Annotated

import msgspec

from shared.text import CONTROL_CHARACTER_MESSAGE, control_character_fields


class Request(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A message sent to the backend: unknown fields are an error, not silently dropped, and no text
    in it may hold a control character (`shared.text`), whoever builds it (JSON, a form, code)."""

    def __post_init__(self) -> None:
        # msgspec turns this ValueError into a ValidationError naming where the message sits
        if fields := control_character_fields(self):
            raise ValueError(f"{CONTROL_CHARACTER_MESSAGE} (in `{fields[0]}`)")


class Response(msgspec.Struct, kw_only=True):
    """A message the backend sends back."""


ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
OptionalShortText = Annotated[str, msgspec.Meta(max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=4000)]
Email = Annotated[
    str, msgspec.Meta(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
NewPassword = Annotated[str, msgspec.Meta(min_length=10, max_length=256)]
RecordNumber = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._/-]+$")]
TimezoneName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
LocalTime = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
InviteCode = Annotated[str, msgspec.Meta(min_length=4, max_length=32)]
Count = Annotated[int, msgspec.Meta(ge=0, le=1000)]
# Every integer a request carries has both bounds. Values a service checks against a scale of its
# own, answering a stable code of its own (severity_out_of_range, answer_off_scale), are kept within
# this sanity bound by the contract, and their true scale is published with `published(...)`.
ScaleValue = Annotated[int, msgspec.Meta(ge=-1000, le=1000)]


def published(**json_schema: object) -> msgspec.Meta:
    """What the published schema says beyond what msgspec checks: the values a service accepts
    (e.g. the symptom ids), refusing others with its own stable code (e.g. `symptom_unknown`)."""
    return msgspec.Meta(extra_json_schema=json_schema)


class ErrorBody(Response, kw_only=True):
    code: str
    message: str
    details: dict[str, object] = msgspec.field(default_factory=dict)


class ErrorResponse(Response, kw_only=True):
    """Every 4xx/5xx answer has this shape: `{"error": {"code", "message", "details"}}`."""

    error: ErrorBody
