"""The patient's own data from the settings screen: a copy of everything (a ZIP the clinic prepares,
saved where the phone keeps downloads) and the request that the clinic delete it. No Kivy here;
every method may block on the network, so the app calls them from a worker thread."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mobile.services.api_client import ApiClient, ApiError, ProgressCallback
from shared.contract.records import DataExportOut, DeletionRequestOut, ExportState
from shared.errors import ErrorCode


class ExportFailed(ApiError):
    """The clinic could not prepare the copy, or what arrived is not what it prepared."""

    def __init__(self, text: str, *, detail: str = "") -> None:
        super().__init__("export_failed", text, detail=detail)


@dataclass(frozen=True)
class SavedCopy:
    path: Path
    size: int

    @property
    def size_text(self) -> str:
        return f"{self.size / 1_000_000:.1f} MB" if self.size >= 100_000 else f"{max(1, self.size // 1000)} kB"


def downloads_folder(data_dir: Path) -> Path:
    """Where a download is saved: FOLLICLE_DOWNLOADS_DIR, else the system's Downloads folder (plyer
    knows it on Android, iOS, macOS, Windows and Linux), else a Downloads folder in the app's data."""
    configured = os.environ.get("FOLLICLE_DOWNLOADS_DIR")
    if configured:
        return Path(configured)
    try:
        from plyer import storagepath

        found = storagepath.get_downloads_dir()
        if found and Path(found).is_dir():
            return Path(found)
    except Exception:  # noqa: BLE001 - no storage facade on this platform: use the fallbacks
        pass
    home = Path.home() / "Downloads"
    return home if home.is_dir() else data_dir / "Downloads"


class MyData:
    def __init__(self, api: ApiClient, folder: Path) -> None:
        self.api = api
        self.folder = folder

    def ask_for_copy(self) -> DataExportOut:
        return self.api.request_data_export()

    def copy_state(self) -> DataExportOut:
        return self.api.my_data_export()

    def save_copy(self, export: DataExportOut, progress: ProgressCallback | None = None) -> SavedCopy:
        """Download a ready copy into the downloads folder, checked against the size and sha256 the
        clinic gave; a partial or damaged file is removed, never left looking complete."""
        if export.state == ExportState.FAILED:
            raise ExportFailed(export.problem or "Your clinic could not prepare your data. Please try again.")
        link = self.api.data_export_link(str(export.id))
        self.folder.mkdir(parents=True, exist_ok=True)
        target = _free_name(self.folder / _safe_name(link.filename))
        partial = target.with_suffix(".zip.part")
        try:
            size = self.api.download_to(link.url, partial, progress)
            digest = _sha256(partial)
            if size != link.size or digest != link.sha256:
                raise ExportFailed("The download was damaged on the way. Please try again.", detail=f"{size} bytes, {digest}")
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        return SavedCopy(target, size)

    def ask_for_deletion(self) -> DeletionRequestOut:
        return self.api.ask_deletion()

    def deletion_request(self) -> DeletionRequestOut | None:
        return self.api.my_deletion_request().request


def not_asked_yet(error: ApiError) -> bool:
    """GET /me/data-export before the first request answers 404: nothing to show yet."""
    return error.code == ErrorCode.NOT_FOUND


def _safe_name(filename: str) -> str:
    """The clinic's name for the file, kept to a plain name in the downloads folder."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(filename).name).strip(".-")
    return name if name.endswith(".zip") and len(name) <= 120 else f"follicle-my-data-{datetime.now(UTC):%Y-%m-%d}.zip"


def _free_name(path: Path) -> Path:
    if not path.exists():
        return path
    for n in range(2, 1000):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
