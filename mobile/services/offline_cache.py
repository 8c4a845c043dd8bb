"""The last answers the server gave, kept on the phone so the home screen opens offline."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import msgspec

SCHEMA = "CREATE TABLE IF NOT EXISTS cached_answer (name TEXT PRIMARY KEY, body BLOB NOT NULL, saved_at REAL NOT NULL)"


class OfflineCache:
    def __init__(self, database: Path) -> None:
        database.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(database), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(SCHEMA)

    def put(self, name: str, value: Any) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO cached_answer (name, body, saved_at) VALUES (?, ?, ?)",
                (name, msgspec.json.encode(value), time.time()),
            )

    def get(self, name: str, kind: Any) -> Any | None:
        """The cached value decoded as `kind`; None when absent or no longer readable as `kind`."""
        with self._lock:
            row = self._db.execute("SELECT body FROM cached_answer WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        try:
            return msgspec.json.decode(row[0], type=kind)
        except msgspec.ValidationError:
            return None

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM cached_answer")

    def close(self) -> None:
        with self._lock:
            self._db.close()
