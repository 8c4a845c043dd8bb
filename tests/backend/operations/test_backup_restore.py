"""The restore rehearsal: a clinic with photos backed up, its data wiped, restored into a fresh data
folder (a new database), and every row and every object back with its sha256; a damaged or
partial backup is refused before anything is written. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from backend.backups.manifest import BackupRefused
from backend.backups.service import backup, restore, verify
from backend.db import is_postgres
from backend.photos.models import Photo
from backend.storage.local import LocalStore
from tests.backend.operations.processes import environment
from tests.backend.photos.phone import Phone
from tests.fixtures import images


async def table_rows(url: str) -> dict[str, list[str]]:
    """Every row of every table, as text, sorted (what a restore must give back)."""
    if not is_postgres(url):
        conn = sqlite3.connect(url.removeprefix("sqlite://"))
        try:
            tables = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
            return {t: sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{t}"')) for t in tables}
        finally:
            conn.close()
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        tables = [r[0] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {t: sorted(repr(tuple(row)) for row in await conn.fetch(f'SELECT * FROM "{t}"')) for t in tables}
    finally:
        await conn.close()


def store_files(root: str) -> dict[str, str]:
    base = Path(root)
    return {
        p.relative_to(base).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in base.rglob("*") if p.is_file() and ".incoming" not in p.parts
    }


async def fresh_database(settings, tmp_path) -> str:
    """A new, empty database for the restore: a file in a fresh data folder, or a new PostgreSQL database."""
    if not is_postgres(settings.database_url):
        return f"sqlite://{tmp_path / 'fresh' / 'follicle.sqlite3'}"
    import asyncpg

    url = settings.database_url + "_restored"
    server, name = url.rsplit("/", 1)
    conn = await asyncpg.connect(server.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url


@pytest.fixture
async def clinic_with_photos(client, world, app):
    phone = Phone(client, client, world.headers("patient_a"))
    for n, view in enumerate(("frontal", "vertex", "crown")):
        answer = await phone.upload(images.photo_jpeg(900, 700, seed=n), view=view)
        assert answer.status_code == 200, answer.text
    await app.state.jobs.wait_idle()
    assert await Photo.filter(status="ready").count() == 3
    return world


async def test_a_clinic_backed_up_wiped_and_restored_into_a_fresh_folder_has_every_row_and_object(
    clinic_with_photos, app, settings, tmp_path
):
    rows_before = await table_rows(settings.database_url)
    objects_before = store_files(settings.local_store_path)
    assert len(objects_before) == 9  # three photos, three renditions each

    report = await backup(settings, tmp_path / "backup", store=app.state.store)
    assert report.objects == 9 and report.rows == sum(len(r) for r in rows_before.values())
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert {o["key"]: o["sha256"] for o in manifest["objects"]} == objects_before

    shutil.rmtree(settings.local_store_path)  # the disk is gone
    fresh = settings.replace(database_url=await fresh_database(settings, tmp_path), data_dir=str(tmp_path / "fresh"),
                             local_store_path="")
    assert fresh.local_store_path.startswith(str(tmp_path / "fresh"))
    fresh_store = LocalStore(fresh.local_store_path, public_url=fresh.public_url, secret_key=fresh.secret_key)
    restored = await restore(fresh, tmp_path / "backup", store=fresh_store)
    assert restored.objects == 9
    assert await table_rows(fresh.database_url) == rows_before
    assert store_files(fresh.local_store_path) == objects_before


async def test_a_truncated_or_damaged_backup_is_refused_and_nothing_is_restored(clinic_with_photos, app, settings, tmp_path):
    await backup(settings, tmp_path / "backup", store=app.state.store)
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    photo = tmp_path / "backup" / manifest["objects"][0]["path"]
    photo.write_bytes(photo.read_bytes()[: manifest["objects"][0]["size"] // 2])  # a copy cut short
    fresh = settings.replace(database_url=await fresh_database(settings, tmp_path), data_dir=str(tmp_path / "fresh"),
                             local_store_path="")
    fresh_store = LocalStore(fresh.local_store_path, public_url=fresh.public_url, secret_key=fresh.secret_key)
    with pytest.raises(BackupRefused) as refused:
        await restore(fresh, tmp_path / "backup", store=fresh_store)
    assert refused.value.problems == [
        f"{manifest['objects'][0]['path']}: {manifest['objects'][0]['size'] // 2} bytes, "
        f"the manifest says {manifest['objects'][0]['size']} (truncated or partial)"
    ]
    assert not store_files(fresh.local_store_path)
    assert not any(rows for rows in (await table_rows(fresh.database_url)).values())

    (tmp_path / "backup" / "manifest.json").write_text(json.dumps({**manifest, "objects": manifest["objects"][1:]}))
    with pytest.raises(BackupRefused, match="manifest.json is damaged"):
        await verify(tmp_path / "backup")
    (tmp_path / "backup" / "manifest.sha256").unlink()
    with pytest.raises(BackupRefused, match="never finished"):
        await verify(tmp_path / "backup")


async def test_a_backup_goes_only_into_a_new_folder(clinic_with_photos, app, settings, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    with pytest.raises(BackupRefused, match="not empty"):
        await backup(settings, tmp_path / "used", store=app.state.store)


@pytest.mark.skipif(bool(__import__("os").environ.get("FOLLICLE_TEST_DATABASE_URL")), reason="the CLI run is SQLite's")
def test_follicle_backup_and_restore_on_the_command_line(tmp_path):
    """The operator's commands on the embedded default: backup, check, a damaged copy refused, restore."""
    def follicle(*args: str, data: Path) -> subprocess.CompletedProcess:
        env = environment({"data_dir": data})
        return subprocess.run([sys.executable, "-m", "backend.cli", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)

    assert follicle("migrate", data=tmp_path / "clinic").returncode == 0
    (tmp_path / "clinic" / "objects" / "photos" / ("a" * 32)).mkdir(parents=True)
    (tmp_path / "clinic" / "objects" / "photos" / ("a" * 32) / "full.jpg").write_bytes(images.photo_jpeg(320, 240))
    made = follicle("backup", str(tmp_path / "backup"), data=tmp_path / "clinic")
    assert made.returncode == 0 and "1 objects" in made.stdout, made.stderr
    damaged = tmp_path / "damaged"
    shutil.copytree(tmp_path / "backup", damaged)
    with (damaged / "database.sqlite3").open("r+b") as db:
        db.truncate(4096)
    refused = follicle("restore", str(damaged), data=tmp_path / "fresh")
    assert refused.returncode == 1 and "database.sqlite3: 4096 bytes" in refused.stderr
    assert not (tmp_path / "fresh" / "follicle.sqlite3").exists()
    restored = follicle("restore", str(tmp_path / "backup"), data=tmp_path / "fresh")
    assert restored.returncode == 0, restored.stderr
    assert (tmp_path / "fresh" / "objects" / "photos" / ("a" * 32) / "full.jpg").is_file()


async def test_scheduled_backups_come_when_due_and_only_the_newest_are_kept(clinic_with_photos, app, settings, tmp_path):
    from datetime import UTC, datetime, timedelta

    from backend.backups.service import finished_backups, scheduled_backup

    scheduled = settings.replace(backup_dir=str(tmp_path / "backups"), backup_every_hours=24, backup_keep=2)
    start = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    made = [await scheduled_backup(scheduled, store=app.state.store, now=start + timedelta(hours=h)) for h in (0, 5, 24, 48)]
    assert [m is not None for m in made] == [True, False, True, True]  # the one five hours in was not due
    kept = finished_backups(tmp_path / "backups")
    assert [p.name for p in kept] == ["follicle-backup-20261202T020000Z", "follicle-backup-20261203T020000Z"]
    assert not [p for p in (tmp_path / "backups").iterdir() if p.name.startswith(".partial")]
    for folder in kept:
        assert len((await verify(folder)).objects) == 9
