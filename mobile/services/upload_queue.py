"""The phone's persistent photo queue: every accepted photo waits here (SQLite + a private folder)
until the clinic has it, through app kills, reboots and lost networks.

A photo's idempotency key is minted when the shot is taken and never changes, so however often a
step is retried the backend maps it to one photo. States, in order:

    captured -> slot -> uploading -> uploaded -> checking -> completed
                                  (any) -> failed   (the backend refused it for good)

`captured`: bytes are on the phone; `slot`: the backend gave an upload URL; `uploading`: bytes are
on their way (reset to `slot` when the queue is reopened, since the transfer died with the app);
`uploaded`: the store has the bytes; `checking`: the backend accepted them and is reading the whole
photo (the worker asks how it went, with backoff); `completed`: the photo is ready at the clinic.
A photo the backend refuses while checking (cut short, damaged) becomes `failed` with the reason
in the patient's words: the prompt to take it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from shared.errors import ErrorCode


class PhotoState(StrEnum):
    CAPTURED = "captured"
    SLOT = "slot"
    UPLOADING = "uploading"
    UPLOADED = "uploaded"
    CHECKING = "checking"
    COMPLETED = "completed"
    FAILED = "failed"


OPEN_STATES = (PhotoState.CAPTURED, PhotoState.SLOT, PhotoState.UPLOADING, PhotoState.UPLOADED, PhotoState.CHECKING)


@dataclass(frozen=True)
class UploadTarget:
    """Where the backend said to send the bytes: a presigned PUT, a presigned POST (with form
    fields), or the local store's own signed URL."""

    url: str
    method: str = "PUT"
    headers: dict[str, str] | None = None
    form_fields: dict[str, str] | None = None
    expires_at: float | None = None  # unix time; None when the backend did not say

    def expired(self, now: float, margin: float = 15.0) -> bool:
        return self.expires_at is not None and now >= self.expires_at - margin


@dataclass(frozen=True)
class QueuedPhoto:
    key: str  # the idempotency key, minted at capture
    checkin_month: int
    view_id: str
    path: Path
    sha256: str
    size: int
    content_type: str
    width: int
    height: int
    captured_at: float
    state: PhotoState
    photo_id: str | None
    target: UploadTarget | None
    attempts: int
    next_attempt_at: float
    error_code: str | None
    error_text: str | None
    quality: dict[str, Any]


# The clinic refused the photo itself: the same bytes would be refused again, so "try again"
# leaves it failed and only a new photo (the retake the row asks for) replaces it.
REFUSED_FOR_GOOD = frozenset(
    {
        ErrorCode.PHOTO_NOT_AN_IMAGE,
        ErrorCode.PHOTO_CORRUPT,
        ErrorCode.PHOTO_TOO_MANY_PIXELS,
        ErrorCode.PHOTO_TOO_SMALL,
        ErrorCode.PHOTO_TOO_LARGE,
        ErrorCode.PHOTO_EMPTY,
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    }
)


@dataclass(frozen=True)
class QueueSummary:
    """What the queue screen and the home screen show: photos and bytes, done and waiting."""

    total: int
    completed: int
    failed: int
    waiting: int
    bytes_total: int
    retryable: int  # failed photos that sending again could still get through (not refused for good)
    bytes_done: int

    @property
    def fraction_done(self) -> float:
        return 1.0 if self.bytes_total == 0 else min(1.0, self.bytes_done / self.bytes_total)


SCHEMA = """
CREATE TABLE IF NOT EXISTS queued_photo (
    key TEXT PRIMARY KEY,
    checkin_month INTEGER NOT NULL,
    view_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    captured_at REAL NOT NULL,
    state TEXT NOT NULL,
    photo_id TEXT,
    target TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    error_code TEXT,
    error_text TEXT,
    quality TEXT NOT NULL DEFAULT '{}',
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS queued_photo_due ON queued_photo (state, next_attempt_at);
"""


def new_idempotency_key() -> str:
    """A fresh key for a photo just taken: random, so it says nothing about the patient."""
    return str(uuid.uuid4())


class UploadQueue:
    """The queue on disk. Thread-safe: the upload worker and the UI share one instance."""

    def __init__(self, database: Path, photo_dir: Path) -> None:
        self.photo_dir = photo_dir
        photo_dir.mkdir(parents=True, exist_ok=True)
        database.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(database), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a photo the patient accepted must survive power loss
        self._db.executescript(SCHEMA)
        self._progress: dict[str, int] = {}
        self._recover()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _recover(self) -> None:
        """A transfer in flight died with the app: send those bytes again from the start."""
        with self._lock:
            self._db.execute(
                "UPDATE queued_photo SET state = ?, updated_at = ? WHERE state = ?",
                (PhotoState.SLOT, time.time(), PhotoState.UPLOADING),
            )

    # adding

    def add(
        self,
        *,
        key: str,
        checkin_month: int,
        view_id: str,
        data: bytes,
        width: int,
        height: int,
        captured_at: float,
        content_type: str = "image/jpeg",
        quality: dict[str, Any] | None = None,
    ) -> QueuedPhoto:
        """Keep an accepted photo. Adding the same key twice keeps the first and changes nothing."""
        existing = self.get(key)
        if existing is not None:
            return existing
        file_name = f"{key}{_suffix(content_type)}"
        _write_durably(self.photo_dir / file_name, data)
        with self._lock:
            self._db.execute(
                """INSERT OR IGNORE INTO queued_photo (key, checkin_month, view_id, file_name, sha256, size,
                   content_type, width, height, captured_at, state, quality, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    key,
                    checkin_month,
                    view_id,
                    file_name,
                    hashlib.sha256(data).hexdigest(),
                    len(data),
                    content_type,
                    width,
                    height,
                    captured_at,
                    PhotoState.CAPTURED,
                    json.dumps(quality or {}),
                    time.time(),
                ),
            )
        photo = self.get(key)
        assert photo is not None
        return photo

    # reading

    def get(self, key: str) -> QueuedPhoto | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM queued_photo WHERE key = ?", (key,)).fetchone()
        return None if row is None else self._photo(row)

    def all(self) -> list[QueuedPhoto]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM queued_photo ORDER BY captured_at, key").fetchall()
        return [self._photo(row) for row in rows]

    def open_photos(self) -> list[QueuedPhoto]:
        return [p for p in self.all() if p.state in OPEN_STATES]

    def next_due(self, now: float) -> QueuedPhoto | None:
        """The oldest photo still to send whose retry time has come."""
        with self._lock:
            row = self._db.execute(
                f"""SELECT * FROM queued_photo WHERE state IN ({_marks(OPEN_STATES)}) AND next_attempt_at <= ?
                    ORDER BY captured_at, key LIMIT 1""",
                (*OPEN_STATES, now),
            ).fetchone()
        return None if row is None else self._photo(row)

    def seconds_until_due(self, now: float) -> float | None:
        """How long until a waiting photo may be tried again; None when nothing is waiting."""
        with self._lock:
            row = self._db.execute(
                f"SELECT MIN(next_attempt_at) FROM queued_photo WHERE state IN ({_marks(OPEN_STATES)})", OPEN_STATES
            ).fetchone()
        return None if row[0] is None else max(0.0, row[0] - now)

    def latest_for_view(self, view_id: str) -> QueuedPhoto | None:
        """The newest photo of a view kept on this phone (for the ghost overlay), any state but failed."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM queued_photo WHERE view_id = ? AND state != ? ORDER BY captured_at DESC LIMIT 1",
                (view_id, PhotoState.FAILED),
            ).fetchone()
        photo = None if row is None else self._photo(row)
        return photo if photo is not None and photo.path.exists() else None

    def bytes_sent(self, key: str) -> int:
        """Bytes of this photo that have reached the store (live while uploading)."""
        photo = self.get(key)
        if photo is None:
            return 0
        if photo.state in (PhotoState.UPLOADED, PhotoState.CHECKING, PhotoState.COMPLETED):
            return photo.size
        return self._progress.get(key, 0) if photo.state == PhotoState.UPLOADING else 0

    def summary(self) -> QueueSummary:
        photos = self.all()
        done = [p for p in photos if p.state == PhotoState.COMPLETED]
        failed = [p for p in photos if p.state == PhotoState.FAILED]
        counted = [p for p in photos if p.state != PhotoState.FAILED]
        return QueueSummary(
            total=len(photos),
            completed=len(done),
            failed=len(failed),
            waiting=len(photos) - len(done) - len(failed),
            bytes_total=sum(p.size for p in counted),
            bytes_done=sum(self.bytes_sent(p.key) for p in counted),
            retryable=sum(1 for p in failed if p.error_code not in REFUSED_FOR_GOOD),
        )

    # moving a photo along

    def set_slot(self, key: str, photo_id: str, target: UploadTarget | None) -> None:
        self._update(key, state=PhotoState.SLOT, photo_id=photo_id, target=_target_json(target))

    def mark_uploading(self, key: str) -> None:
        self._progress[key] = 0
        self._update(key, state=PhotoState.UPLOADING)

    def record_progress(self, key: str, sent: int) -> None:
        self._progress[key] = sent

    def mark_uploaded(self, key: str) -> None:
        self._progress.pop(key, None)
        self._update(key, state=PhotoState.UPLOADED)

    def mark_completed(self, key: str, photo_id: str | None = None) -> None:
        changes: dict[str, Any] = {"state": PhotoState.COMPLETED, "error_code": None, "error_text": None, "target": None}
        if photo_id is not None:
            changes["photo_id"] = photo_id
        self._progress.pop(key, None)
        self._update(key, **changes)

    def mark_checking(self, key: str, *, delay: float, attempts: int = 0) -> None:
        """The backend has the bytes and is checking the photo: ask how it went after `delay` seconds."""
        self._progress.pop(key, None)
        self._update(
            key, state=PhotoState.CHECKING, target=None, next_attempt_at=time.time() + delay,
            error_code=None, error_text=None, attempts=attempts,
        )

    def restart(self, key: str, *, delay: float = 0.0, code: str | None = None, text: str | None = None) -> None:
        """Ask for a fresh upload slot (an expired URL, bytes the backend did not find)."""
        self._progress.pop(key, None)
        self._update(
            key,
            state=PhotoState.CAPTURED,
            target=None,
            next_attempt_at=time.time() + delay,
            error_code=code,
            error_text=text,
            attempts_plus=1,
        )

    def retry_later(self, key: str, *, delay: float, code: str, text: str) -> None:
        """A transient failure: stay in the same step and try again after `delay` seconds."""
        photo = self.get(key)
        self._progress.pop(key, None)
        state = PhotoState.SLOT if photo is not None and photo.state == PhotoState.UPLOADING else None
        changes: dict[str, Any] = {"next_attempt_at": time.time() + delay, "error_code": code, "error_text": text}
        if state is not None:
            changes["state"] = state
        self._update(key, attempts_plus=1, **changes)

    def mark_failed(self, key: str, *, code: str, text: str) -> None:
        self._progress.pop(key, None)
        self._update(key, state=PhotoState.FAILED, error_code=code, error_text=text)

    def retry_now(self) -> None:
        """The patient pressed "try again": every waiting photo is due now (failed ones stay failed)."""
        with self._lock:
            self._db.execute(
                f"UPDATE queued_photo SET next_attempt_at = 0 WHERE state IN ({_marks(OPEN_STATES)})", OPEN_STATES
            )

    def retry_failed(self) -> int:
        """The patient asked to try failed photos again (a server fixed since, a network that mangled
        the bytes): back to the start. A photo refused for what it is stays failed."""
        refused = tuple(sorted(REFUSED_FOR_GOOD))
        with self._lock:
            cursor = self._db.execute(
                "UPDATE queued_photo SET state = ?, target = NULL, next_attempt_at = 0, updated_at = ? WHERE state = ?"
                f" AND (error_code IS NULL OR error_code NOT IN ({_marks(refused)}))",
                (PhotoState.CAPTURED, time.time(), PhotoState.FAILED, *refused),
            )
        return cursor.rowcount

    def discard(self, key: str) -> None:
        """Forget a photo and delete its file (a failed photo the patient chose to retake)."""
        photo = self.get(key)
        with self._lock:
            self._db.execute("DELETE FROM queued_photo WHERE key = ?", (key,))
        if photo is not None:
            photo.path.unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove every photo and file (sign out)."""
        for photo in self.all():
            self.discard(photo.key)

    def _update(self, key: str, *, attempts_plus: int = 0, **changes: Any) -> None:
        changes["updated_at"] = time.time()
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with self._lock:
            self._db.execute(
                f"UPDATE queued_photo SET {assignments}, attempts = attempts + ? WHERE key = ?",
                (*changes.values(), attempts_plus, key),
            )

    def _photo(self, row: sqlite3.Row) -> QueuedPhoto:
        target = None
        if row["target"]:
            raw = json.loads(row["target"])
            target = UploadTarget(**raw)
        return QueuedPhoto(
            key=row["key"],
            checkin_month=row["checkin_month"],
            view_id=row["view_id"],
            path=self.photo_dir / row["file_name"],
            sha256=row["sha256"],
            size=row["size"],
            content_type=row["content_type"],
            width=row["width"],
            height=row["height"],
            captured_at=row["captured_at"],
            state=PhotoState(row["state"]),
            photo_id=row["photo_id"],
            target=target,
            attempts=row["attempts"],
            next_attempt_at=row["next_attempt_at"],
            error_code=row["error_code"],
            error_text=row["error_text"],
            quality=json.loads(row["quality"]),
        )


def _marks(values: tuple[Any, ...]) -> str:
    return ", ".join("?" for _ in values)


def _suffix(content_type: str) -> str:
    return {"image/jpeg": ".jpg", "image/png": ".png", "image/heic": ".heic"}.get(content_type, ".bin")


def _target_json(target: UploadTarget | None) -> str | None:
    if target is None:
        return None
    return json.dumps(
        {
            "url": target.url,
            "method": target.method,
            "headers": target.headers,
            "form_fields": target.form_fields,
            "expires_at": target.expires_at,
        }
    )


def _write_durably(path: Path, data: bytes) -> None:
    """Write the photo so a crash leaves either the whole file or none (temp file, fsync, rename)."""
    temporary = path.with_suffix(path.suffix + ".part")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    os.chmod(path, 0o600)
