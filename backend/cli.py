"""The `follicle` command: migrate, create-admin, seed-demo, serve, worker, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import secrets
import sys
from pathlib import Path

from backend.settings import Settings


def _settings() -> Settings:
    settings = Settings.from_env()
    if "FOLLICLE_SECRET_KEY" not in os.environ and not _env_file_has("FOLLICLE_SECRET_KEY"):
        # a stable key for a local install, so signed URLs survive a restart: in the data folder
        key_file = Path(settings.data_dir) / "secret_key"
        key_file.parent.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(32))
            key_file.chmod(0o600)
        settings = settings.replace(secret_key=key_file.read_text().strip())
    from backend.security.passwords import use_cost

    use_cost(settings.password_cost())
    return settings


def _env_file_has(name: str) -> bool:
    env = Path(".env")
    return env.is_file() and any(line.strip().startswith(name + "=") for line in env.read_text().splitlines())


def _wire() -> None:
    """The CLI's processes change patients too: the same reactions as the API's."""
    from backend.app import patient_reactions
    from backend.patients import changes

    changes.wire(patient_reactions())


async def _with_db(settings: Settings, work) -> object:
    from backend.db import close_database, open_database

    _wire()
    await open_database(settings.database_url)
    try:
        return await work()
    finally:
        await close_database()


def cmd_migrate(args: argparse.Namespace) -> int:
    from backend.db import apply_migrations
    from backend.serve import database_label

    settings = _settings()
    applied = asyncio.run(apply_migrations(settings.database_url))
    where = database_label(settings.database_url)
    if applied:
        print(f"Applied {len(applied)} migration{'s' if len(applied) > 1 else ''} to {where}:")
        print("\n".join(f"  {name}" for name in applied))
    else:
        print(f"Nothing to apply: {where} is already up to date.")
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    from backend.auth.service import create_clinic_with_admin
    from shared.errors import FollicleError

    password = args.password or os.environ.get("FOLLICLE_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    try:
        clinic, admin = asyncio.run(
            _with_db(
                _settings(),
                lambda: create_clinic_with_admin(args.clinic, args.email, args.name, password, timezone=args.timezone),
            )
        )
    except FollicleError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"Created clinic {clinic.name!r} ({clinic.id}) with admin {admin.email}.")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from backend.demo import seed_demo

    settings = _settings()
    demo = asyncio.run(_with_db(settings, lambda: seed_demo(settings)))
    base = settings.public_url.rstrip("/")
    print(
        "\n".join(
            [
                "",
                "  Follicle is ready.",
                f"  Dashboard:        {base}/dashboard",
                f"  API docs:         {base}/schema/swagger",
                f"  Staff sign-in:    {demo.email} / {demo.password}",
                f"  Patient invite:   {demo.invite_code}  (for {demo.patient_name}; enter it in the app, `make app`)",
                *([f"  Network registry: {settings.network_registry_url}/  (the demo clinic and a second demo clinic pooled)"]
                  if settings.network_registry_url else []),
                "",
            ]
        )
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from backend.serve import serve

    changes = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    try:
        return serve(_settings().replace(**changes), workers=args.workers)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def cmd_worker(args: argparse.Namespace) -> int:
    import logging

    from backend.app import job_registrations
    from backend.jobs import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _wire()
    asyncio.run(run_worker(_settings(), job_registrations()))
    return 0


def cmd_sweep_photos(args: argparse.Namespace) -> int:
    from backend.photos.reconciler import sweep
    from backend.storage import build_store

    settings = _settings()

    async def work():
        store = build_store(settings)
        try:
            return await sweep(store=store, settings=settings)
        finally:
            await store.close()

    report = asyncio.run(_with_db(settings, work))
    print(
        f"Photos re-processed: {report.requeued}, abandoned uploads removed: {report.abandoned}, "
        f"stray objects deleted: {report.objects_deleted}."
    )
    return 0


def cmd_recompute_coverage(args: argparse.Namespace) -> int:
    from backend.coverage.service import recompute_stale
    from backend.storage import build_store
    from shared.errors import FollicleError

    settings = _settings()

    async def work():
        store = build_store(settings)
        try:
            return await recompute_stale(store, args.method)
        finally:
            await store.close()

    try:
        count = asyncio.run(_with_db(settings, work))
    except FollicleError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"Coverage index worked out again under method {args.method} for {count} photos.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from backend.backups.manifest import BackupRefused
    from backend.backups.service import backup
    from backend.storage import build_store

    settings = _settings()

    async def work():
        store = build_store(settings)
        try:
            return await backup(settings, Path(args.dest), store=store)
        finally:
            await store.close()

    try:
        report = asyncio.run(work())
    except BackupRefused as refused:
        print("error: backup not made:\n  " + "\n  ".join(refused.problems), file=sys.stderr)
        return 1
    print(
        f"Backed up {report.rows} rows in {report.tables} tables and {report.objects} objects "
        f"({report.object_bytes / 1e6:.1f} MB) to {report.folder}; every file checked against its manifest."
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from backend.backups.manifest import BackupRefused
    from backend.backups.service import restore, verify
    from backend.storage import build_store

    settings = _settings()

    async def work():
        if args.check:
            return await verify(Path(args.src))
        store = build_store(settings)
        try:
            return await restore(settings, Path(args.src), store=store, force=args.force)
        finally:
            await store.close()

    try:
        report = asyncio.run(work())
    except BackupRefused as refused:
        print("error: this backup cannot be restored:\n  " + "\n  ".join(refused.problems), file=sys.stderr)
        return 1
    if args.check:
        print(f"{args.src}: complete, {len(report.objects)} objects and the database match the manifest.")
        return 0
    from backend.db import apply_migrations

    applied = asyncio.run(apply_migrations(settings.database_url))
    if applied:
        print(f"Brought the restored database up to date: {', '.join(applied)}.")
    print(
        f"Restored {report.rows} rows in {report.tables} tables and {report.objects} objects from {report.folder}; "
        "rows and every object's sha256 checked."
    )

def cmd_registry(args: argparse.Namespace) -> int:
    """`follicle registry migrate|serve`: the network's registry, a second app with its own database."""
    from backend.registry.settings import RegistrySettings

    settings = RegistrySettings.from_env()
    if args.host:
        settings = settings.replace(host=args.host)
    if args.port:
        settings = settings.replace(port=args.port)
    if args.registry_command == "migrate":
        from backend.registry.database import RegistryDatabase
        from backend.registry.migrations import apply

        async def work() -> list[str]:
            db = RegistryDatabase(settings.database_url)
            await db.open()
            try:
                return await apply(db)
            finally:
                await db.close()

        applied = asyncio.run(work())
        print(f"Registry database {settings.database_url}: " + (", ".join(applied) if applied else "up to date") + ".")
        return 0
    import uvicorn

    from backend.registry.app import create_registry_app

    print(f"\n  Follicle network registry: http://{settings.host}:{settings.port}/  (database {settings.database_url})\n")
    uvicorn.run(create_registry_app(settings), host=settings.host, port=settings.port, log_level="warning")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="follicle", description="Follicle backend commands.")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    admin = commands.add_parser("create-admin", help="create a clinic and its first admin")
    admin.add_argument("--clinic", required=True, help="the clinic's name")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="Clinic admin")
    admin.add_argument("--timezone", default="UTC")
    admin.add_argument("--password", help="or FOLLICLE_ADMIN_PASSWORD, or asked for")
    admin.set_defaults(func=cmd_create_admin)

    commands.add_parser("seed-demo", help="create the demo clinic and print how to sign in").set_defaults(
        func=cmd_seed_demo
    )

    serve = commands.add_parser("serve", help="run the API and dashboard")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--workers", type=int, default=1,
        help="API processes sharing the port (more than one needs FOLLICLE_REDIS_URL for shared limits)",
    )
    serve.set_defaults(func=cmd_serve)

    commands.add_parser(
        "worker", help="run background jobs from the Redis queue (FOLLICLE_BROKER_URL=redis://...)"
    ).set_defaults(func=cmd_worker)

    commands.add_parser(
        "sweep-photos", help="finish or remove half-done uploads and stray objects now (also runs periodically)"
    ).set_defaults(func=cmd_sweep_photos)

    recompute = commands.add_parser(
        "recompute-coverage", help="work the coverage index out again for ready photos not measured by a method"
    )
    recompute.add_argument("--method", default=None, help="a coverage method id (default: the current one)")
    recompute.set_defaults(func=cmd_recompute_coverage)

    backup = commands.add_parser(
        "backup", help="copy the database and every stored object into a new folder, with a verified manifest"
    )
    backup.add_argument("dest", help="a new (or empty) folder")
    backup.set_defaults(func=cmd_backup)

    restore = commands.add_parser(
        "restore", help="check a backup folder whole, then restore it into an empty database and store"
    )
    restore.add_argument("src", help="a folder made by `follicle backup`")
    restore.add_argument("--check", action="store_true", help="only check the backup against its manifest")
    restore.add_argument("--force", action="store_true", help="restore over a database and store that are not empty")
    restore.set_defaults(func=cmd_restore)

    registry = commands.add_parser("registry", help="the network's registry: pooled results from clinics that opted in")
    registry.add_argument("registry_command", choices=["migrate", "serve"])
    registry.add_argument("--host")
    registry.add_argument("--port", type=int)
    registry.set_defaults(func=cmd_registry)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
