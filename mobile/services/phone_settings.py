"""Choices that belong to this phone rather than to the patient's record (the server keeps the
reminder times): kept in the phone's own database, so they outlive a restart."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

SCHEMA = "CREATE TABLE IF NOT EXISTS phone_setting (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
AUTO_CAPTURE = "auto_capture"


class PhoneSettings:
    def __init__(self, database: Path) -> None:
        database.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(database), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(SCHEMA)

    @property
    def auto_capture(self) -> bool:
        """Take the photo by itself once it lines up (on unless the patient turned it off)."""
        return self._get(AUTO_CAPTURE, "on") == "on"

    @auto_capture.setter
    def auto_capture(self, value: bool) -> None:
        self._set(AUTO_CAPTURE, "on" if value else "off")

    def _get(self, name: str, default: str) -> str:
        with self._lock:
            row = self._db.execute("SELECT value FROM phone_setting WHERE name = ?", (name,)).fetchone()
        return row[0] if row else default

    def _set(self, name: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO phone_setting (name, value) VALUES (?, ?)", (name, value))

    def close(self) -> None:
        with self._lock:
            self._db.close()
