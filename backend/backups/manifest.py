"""The manifest of a backup folder, and the check of a folder against it.

A backup folder holds `database.sqlite3` or `database.pgdump`, `objects/<key>` for every object
of the store, `manifest.json` (written last: a backup without it never finished) and
`manifest.sha256` (the manifest's own digest, so a damaged manifest is caught too).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "follicle-backup"
VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_DIGEST = "manifest.sha256"
OBJECTS = "objects"
_CHUNK = 1024 * 1024


class BackupRefused(Exception):
    """The backup cannot be used (or made); `problems` says what is wrong, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Entry:
    path: str  # relative to the backup folder
    size: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


@dataclass
class Manifest:
    created_at: str
    database_kind: str  # "sqlite" or "postgresql"
    database: Entry
    rows: dict[str, int]  # rows per table, counted in the copied snapshot
    migrations: list[str]  # applied when the copy was taken
    objects: dict[str, Entry] = field(default_factory=dict)  # by store key

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "created_at": self.created_at,
            "database": {"kind": self.database_kind, **self.database.as_json(), "rows": self.rows,
                         "migrations": self.migrations},
            "objects": [{"key": key, **entry.as_json()} for key, entry in sorted(self.objects.items())],
            "object_bytes": sum(entry.size for entry in self.objects.values()),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        db = data["database"]
        return cls(
            created_at=str(data["created_at"]),
            database_kind=str(db["kind"]),
            database=Entry(str(db["path"]), int(db["size"]), str(db["sha256"])),
            rows={str(k): int(v) for k, v in db["rows"].items()},
            migrations=[str(m) for m in db.get("migrations", [])],
            objects={
                str(item["key"]): Entry(str(item["path"]), int(item["size"]), str(item["sha256"]))
                for item in data["objects"]
            },
        )


def file_digest(path: Path) -> tuple[int, str]:
    """Size and sha256 of a file, read in pieces."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def object_path(key: str) -> str:
    return f"{OBJECTS}/{key}"


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """The manifest and its digest, each written whole then renamed into place (the digest last)."""
    text = json.dumps(manifest.as_json(), indent=1, sort_keys=True).encode()
    _write_atomic(folder / MANIFEST, text)
    _write_atomic(folder / MANIFEST_DIGEST, (hashlib.sha256(text).hexdigest() + "\n").encode())


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".partial")
    with temporary.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def read_manifest(folder: Path) -> Manifest:
    """The folder's manifest, or BackupRefused saying why it cannot be trusted."""
    if not folder.is_dir():
        raise BackupRefused([f"{folder}: no such folder"])
    manifest_file, digest_file = folder / MANIFEST, folder / MANIFEST_DIGEST
    if not manifest_file.is_file():
        raise BackupRefused([f"{folder}: no {MANIFEST}: not a Follicle backup, or one that never finished"])
    text = manifest_file.read_bytes()
    if not digest_file.is_file():
        raise BackupRefused([f"{folder}: no {MANIFEST_DIGEST}: the backup never finished"])
    if hashlib.sha256(text).hexdigest() != digest_file.read_text().strip():
        raise BackupRefused([f"{MANIFEST} is damaged: its sha256 is not the one in {MANIFEST_DIGEST}"])
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise BackupRefused([f"{MANIFEST} is not a Follicle backup manifest"])
        if data.get("version") != VERSION:
            raise BackupRefused([f"backup format version {data.get('version')} is not one this Follicle reads ({VERSION})"])
        return Manifest.from_json(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupRefused([f"{MANIFEST} is unreadable: {exc}"]) from None


def check_folder(folder: Path) -> Manifest:
    """The manifest, once every file it lists is there with its size and sha256; BackupRefused
    listing every missing, short, long or changed file otherwise."""
    manifest = read_manifest(folder)
    problems = []
    for label, entry in [("database", manifest.database), *manifest.objects.items()]:
        path = folder / entry.path
        if not path.is_file():
            problems.append(f"{entry.path}: missing ({label})")
            continue
        size, sha256 = file_digest(path)
        if size != entry.size:
            problems.append(f"{entry.path}: {size} bytes, the manifest says {entry.size} (truncated or partial)")
        elif sha256 != entry.sha256:
            problems.append(f"{entry.path}: sha256 differs from the manifest (damaged)")
    if problems:
        raise BackupRefused(problems)
    return manifest
