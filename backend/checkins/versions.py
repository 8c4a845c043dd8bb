"""The timeline's version per patient, which the timeline cache checks on every read.

Any feature whose change shows on a patient's timeline calls `await bump_timeline(patient_id)`
inside the transaction of that change (or right after a change made without one, never before
it): the photos feature on every photo state, injection sessions through
`backend.patients.changes.ScheduleChanged` (see reactions.py), and a feature joined into the
staff timeline (rating consensus) from its own transaction. One statement, set-based for many
patients; the patient's row, baseline, timezone and the clinic's protocol are part of the cache
key already and need no bump.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from backend.db import connection

_BUMP = {
    "postgres": (
        "INSERT INTO timeline_version (patient_id, version) SELECT unnest($1::uuid[]), 1 "
        "ON CONFLICT (patient_id) DO UPDATE SET version = timeline_version.version + 1"
    ),
    "sqlite": (
        "INSERT INTO timeline_version (patient_id, version) SELECT value, 1 FROM json_each(?) WHERE true "
        "ON CONFLICT (patient_id) DO UPDATE SET version = timeline_version.version + 1"
    ),
}


async def bump_timeline(*patient_ids: uuid.UUID | Iterable[uuid.UUID]) -> None:
    """Every cached timeline of these patients is stale from this transaction's commit on."""
    ids: list[uuid.UUID] = []
    for given in patient_ids:
        ids.extend([given] if isinstance(given, uuid.UUID) else given)
    if not ids:
        return
    db = connection()
    if db.capabilities.dialect == "postgres":
        await db.execute_query(_BUMP["postgres"], [sorted(set(ids))])
    else:
        await db.execute_query(_BUMP["sqlite"], [json.dumps(sorted({str(i) for i in ids}))])
