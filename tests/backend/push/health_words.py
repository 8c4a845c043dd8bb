"""Words that would tell a push service, or a glance at a locked phone, something about a patient's health."""

from __future__ import annotations

import re

HEALTH_WORDS = re.compile(
    r"hair|alopecia|scalp|baldness|inject|exosome|\bprp\b|platelet|plasma|microneedl|treatment|"
    r"side.?effect|pain|swelling|redness|itch|headache|shedding|symptom|dose|\blot\b|product|"
    r"photo|density|therapy|medic",
    re.IGNORECASE,
)


def health_words_in(raw: bytes | str) -> list[str]:
    text = raw.decode() if isinstance(raw, bytes) else raw
    return HEALTH_WORDS.findall(text)
