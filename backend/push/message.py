"""What a push notification may say: generic words chosen by reminder kind, and ids only.

Push payloads pass through Google's and Apple's servers and show on a locked screen, so a
`PushMessage` cannot carry free text at all: its title and body come from a fixed table
keyed by reminder kind, and its data holds opaque ids (UUIDs or numbers) the app resolves
through the API after the patient opens it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType

from shared.errors import InvalidInput
from shared.schedule import ReminderKind

GENERIC_TITLE = "A reminder from your clinic"
GENERIC_BODIES: Mapping[ReminderKind, str] = MappingProxyType(
    {
        ReminderKind.CHECKIN_DUE: "It's time for your check-in. Open the app to start.",
        ReminderKind.CHECKIN_MISSED: "Your check-in is still waiting for you. Open the app when you can.",
        ReminderKind.INJECTION_UPCOMING: "You have an appointment coming up. Open the app for details.",
        ReminderKind.SIDE_EFFECT_QUESTION: "Your clinic has a quick question for you.",
        ReminderKind.SELF_ASSESSMENT_DUE: "Your clinic has a short questionnaire for you.",
        ReminderKind.SAFETY_CHECK_IN: "Your clinic would like a quick word with you. Open the app when you can.",
        ReminderKind.PHOTO_RETAKE: "Part of your check-in needs to be done again. Open the app to see what.",
    }
)
DEFAULT_TIME_TO_LIVE = timedelta(hours=12)
# FCM and APNs both keep an undelivered message at most four weeks
MAX_TIME_TO_LIVE = timedelta(days=28)

_APNS_TOKEN = re.compile(r"[0-9a-f]{64,200}")
_FCM_TOKEN = re.compile(r"[A-Za-z0-9_:.\-]{16,4096}")
_NUMBER = re.compile(r"[0-9]{1,20}")


class PushPlatform(StrEnum):
    ANDROID = "android"
    IOS = "ios"


def validate_device_token(platform: PushPlatform | str, token: str, field: str = "device_token") -> str:
    """The token in canonical form, or InvalidInput when it cannot be a token of that platform.

    Device registration should call this, so a token that could alter a request path or
    body never gets stored; `field` is the name the caller's request gave the token.
    """
    platform = PushPlatform(platform)
    if platform is PushPlatform.IOS:
        canonical = token.replace(" ", "").lower()
        if _APNS_TOKEN.fullmatch(canonical):
            return canonical
    elif _FCM_TOKEN.fullmatch(token):
        return token
    raise InvalidInput(f"not a valid {platform} push token", details={"field": field})


@dataclass(frozen=True, slots=True, kw_only=True)
class PushMessage:
    """One reminder for one device. Texts are generic by construction; data carries ids only."""

    device_token: str
    platform: PushPlatform
    kind: ReminderKind
    reminder_id: str
    session_id: str | None = None
    checkin_month: int | None = None
    time_to_live: timedelta = DEFAULT_TIME_TO_LIVE

    def __post_init__(self) -> None:
        platform = PushPlatform(self.platform)
        object.__setattr__(self, "platform", platform)
        object.__setattr__(self, "kind", ReminderKind(self.kind))
        object.__setattr__(self, "device_token", validate_device_token(platform, self.device_token))
        object.__setattr__(self, "reminder_id", _opaque_id(self.reminder_id, "reminder_id"))
        if self.session_id is not None:
            object.__setattr__(self, "session_id", _opaque_id(self.session_id, "session_id"))
        if self.checkin_month is not None and not (
            isinstance(self.checkin_month, int) and 0 <= self.checkin_month <= 1200
        ):
            raise InvalidInput("checkin_month is a month number", details={"field": "checkin_month"})
        if not timedelta(0) <= self.time_to_live <= MAX_TIME_TO_LIVE:
            raise InvalidInput("time_to_live is between 0 and 28 days", details={"field": "time_to_live"})

    @property
    def title(self) -> str:
        return GENERIC_TITLE

    @property
    def body(self) -> str:
        return GENERIC_BODIES[self.kind]

    @property
    def data(self) -> dict[str, str]:
        """The ids the app needs to open the right screen; every value a string, as FCM requires."""
        data = {"reminder_id": self.reminder_id}
        if self.session_id is not None:
            data["session_id"] = self.session_id
        if self.checkin_month is not None:
            data["checkin_month"] = str(self.checkin_month)
        return data


def _opaque_id(value: object, field: str) -> str:
    """A UUID or a decimal number as a string: nothing a word could hide in."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str):
        if _NUMBER.fullmatch(value):
            return value
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    raise InvalidInput(f"{field} must be a UUID or a number", details={"field": field})
