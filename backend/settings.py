"""Settings read from the environment (prefix FOLLICLE_), with a `.env` file honoured.

Nothing here runs at import: `Settings.from_env()` is called by the CLI and `create_app`.
The real environment always wins over `.env`.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from backend.security.passwords import HashCost

PREFIX = "FOLLICLE_"


# fields whose empty value means "derive it" (see Settings.__post_init__)
_DERIVED = ("data_dir", "public_url", "database_url", "local_store_path", "backup_dir")


@dataclass(frozen=True, kw_only=True)
class Settings:
    # where the dashboard and upload URLs are reachable from outside; "" derives it from host and port
    public_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    # the data folder: SQLite database, local photo store and signing secret unless set apart;
    # "" is $XDG_DATA_HOME/follicle (~/.local/share/follicle), whatever the working directory
    data_dir: str = ""
    # "" is sqlite://<data_dir>/follicle.sqlite3
    database_url: str = ""
    # PostgreSQL connections one process may hold: commits (every audited read is one) share a
    # disk flush when several wait at once, so a larger pool answers more staff reads a second
    database_pool_size: int = 20
    # signs local-store URLs and invite QR links; generated per process when unset (dev only)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    debug: bool = False

    # object store: "local" (a folder) or "s3"
    store: str = "local"
    local_store_path: str = ""  # "" is <data_dir>/objects
    s3_bucket: str = "follicle-photos"
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_path_style: bool = False
    s3_kms_key_id: str = ""
    # "put" (presigned PUT bound to size, type and sha256) or "post" (presigned POST form)
    s3_upload_method: str = "put"
    s3_connect_timeout_seconds: int = 5
    s3_read_timeout_seconds: int = 30
    s3_max_attempts: int = 3  # botocore standard retries, first try included
    s3_max_connections: int = 32  # also the store's thread pool size
    upload_url_ttl_seconds: int = 300
    download_url_ttl_seconds: int = 300
    max_photo_bytes: int = 25 * 1024 * 1024
    max_photo_pixels: int = 50_000_000  # decompression bombs stop here, before any pixel is decoded
    # decoded pixels one process holds at once across its processing jobs (others wait): with
    # Pillow's 4 bytes a pixel, the default keeps decoding under about 400 MB whatever arrives
    decode_budget_pixels: int = 100_000_000
    decode_threads: int = 2  # the threads that decode photos in one process
    # after a store call worked, upload slots trust the store this long before asking it again
    store_trust_seconds: int = 30
    # the photo sweep: re-queue processing stuck this long, drop uploads never completed after this
    photo_stuck_minutes: int = 15
    abandoned_upload_hours: int = 48
    # how often this process sweeps photos when jobs run in it (broker "memory"; 0 turns it off)
    photo_sweep_seconds: int = 600
    # timelines this process keeps built (as JSON) for the patients read lately; 0 turns it off
    timeline_cache_entries: int = 256

    # shared state for all API workers (attempt limits): "" keeps it in each process's memory
    redis_url: str = ""
    redis_namespace: str = "follicle"

    # background jobs: "memory" (in the API process) or a redis:// URL
    broker_url: str = "memory"
    job_concurrency: int = 8  # jobs one process runs at once
    job_redelivery_seconds: int = 300  # a job unacknowledged this long (its worker died) runs again
    job_queue: str = "follicle:jobs"  # the Redis stream jobs go through

    # push: "outbox" (the app pulls its schedule) or "fcm,apns"
    push_providers: str = "outbox"
    fcm_service_account_file: str = ""
    fcm_endpoint: str = "https://fcm.googleapis.com"
    apns_key_file: str = ""
    apns_key_id: str = ""
    apns_team_id: str = ""
    apns_topic: str = ""
    apns_endpoint: str = "https://api.push.apple.com"

    # reminders: how often this process delivers due reminders when jobs run in it (broker "memory";
    # 0 turns that off), how long a worker holds a claimed batch, and how many it claims at once
    reminder_sweep_seconds: int = 60
    reminder_lease_seconds: int = 120
    reminder_batch_size: int = 100

    # records that leave Follicle: Follicle's FHIR code systems and identifiers live under this URI
    # (default: public_url + "/fhir"; set it once and keep it, record systems store these URIs)
    fhir_system_base: str = ""
    # the patient's ZIP: how long a download link works, how long the ZIP is kept, when a build is stuck
    export_link_ttl_seconds: int = 600
    export_keep_hours: int = 72
    export_stuck_minutes: int = 30
    records_sweep_seconds: int = 600  # expired ZIPs removed, stuck builds failed (0 turns it off)

    # alert emails (serious side effects) through SMTP; without smtp_host they are recorded in the
    # outbox only. smtp_security: "starttls", "tls" (implicit TLS, port 465) or "none" (loopback relays)
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "Follicle <alerts@follicle.invalid>"
    smtp_security: str = "starttls"
    smtp_timeout_seconds: int = 20
    email_sweep_seconds: int = 20  # how often this process sends due alert emails (0 turns it off)
    email_lease_seconds: int = 120
    # the network (backend/network): how often the outbox of signed summaries is delivered (0 turns the
    # network's rounds off), and the registry `make run` and the demo clinics join
    network_sweep_seconds: int = 30
    network_registry_url: str = ""
    # proxies in front of the API whose X-Forwarded-For is believed (addresses or CIDR networks,
    # comma-separated); without one, the socket's peer is the client
    trusted_proxies: str = ""

    # sign-in and sessions. Staff passwords are hashed with argon2id at this cost (production's
    # default is RFC 9106's low-memory profile; raise it and hashes are renewed at each sign-in)
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65536
    password_hash_parallelism: int = 4
    staff_token_ttl_hours: int = 12
    dashboard_idle_minutes: int = 30
    # failed sign-ins per window: from one address on one account, on one account from anywhere,
    # from one address on any account (see backend/security/rate_limit.py)
    sign_in_attempts: int = 5
    sign_in_account_attempts: int = 20
    sign_in_address_attempts: int = 20
    sign_in_window_seconds: int = 900
    invite_attempts: int = 10
    invite_window_seconds: int = 900
    invite_valid_hours: int = 72
    # staff accounts: how long an invite or password link works, how long the step between password
    # and second factor waits, and how fresh a second factor must be for an export (step-up)
    staff_link_valid_hours: int = 72
    sign_in_challenge_minutes: int = 10
    step_up_minutes: int = 5

    # scheduled backups of the embedded default (docs/operations.md): every this many hours (0 off)
    # into backup_dir ("" is <data_dir>/backups), keeping the newest backup_keep
    backup_every_hours: int = 0
    backup_dir: str = ""
    backup_keep: int = 7

    # which of _DERIVED were derived rather than given (so `replace` derives them again)
    derived: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        derived = {name for name in _DERIVED if not getattr(self, name)}
        data_dir = Path(self.data_dir).expanduser() if self.data_dir else default_data_dir()
        values = {
            "data_dir": str(data_dir.absolute()),
            "public_url": (self.public_url or derived_public_url(self.host, self.port)).rstrip("/"),
            "database_url": _absolute_sqlite(self.database_url or f"sqlite://{data_dir.absolute() / 'follicle.sqlite3'}"),
            "local_store_path": str(Path(self.local_store_path or data_dir / "objects").expanduser().absolute()),
            "backup_dir": str(Path(self.backup_dir or data_dir / "backups").expanduser().absolute()),
            "derived": frozenset(derived),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env", **overrides: Any
    ) -> Settings:
        """Build settings from `.env` (if present), then the environment, then keyword overrides."""
        values: dict[str, str] = {}
        if env_file and Path(env_file).is_file():
            values.update(_read_env_file(Path(env_file)))
        values.update(os.environ if environ is None else environ)
        hints = get_type_hints(cls)
        parsed: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if not f.init:
                continue
            raw = values.get(PREFIX + f.name.upper())
            if raw is not None:
                parsed[f.name] = _coerce(raw, hints[f.name], f.name)
        parsed.update(overrides)
        return cls(**parsed)

    def password_cost(self) -> HashCost:
        return HashCost(self.password_hash_time_cost, self.password_hash_memory_kib, self.password_hash_parallelism)

    def replace(self, **changes: Any) -> Settings:
        for name in self.derived:
            changes.setdefault(name, "")
        return dataclasses.replace(self, **changes)


def default_data_dir() -> Path:
    """$XDG_DATA_HOME/follicle, or ~/.local/share/follicle: the same folder from any directory."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "follicle"


def derived_public_url(host: str, port: int) -> str:
    """http://host:port as a browser on this machine reaches it (all-interfaces binds become 127.0.0.1)."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _absolute_sqlite(url: str) -> str:
    """A relative SQLite path is taken from the working directory now, and kept absolute from then on."""
    if url.startswith("sqlite://") and ":memory:" not in url:
        return "sqlite://" + str(Path(url.removeprefix("sqlite://")).expanduser().absolute())
    return url


def _coerce(raw: str, kind: Any, name: str) -> Any:
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"{PREFIX}{name.upper()} must be true or false, not {raw!r}")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{PREFIX}{name.upper()} must be a whole number, not {raw!r}") from None
    return raw


def _read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip().removeprefix("export ").strip()] = value
    return values
