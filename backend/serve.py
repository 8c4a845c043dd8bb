"""`follicle serve`: a banner that says where everything is, then the API in one or more uvicorn
worker processes on one port.

Workers are separate processes built by `backend.app:create_app` from the environment, so the
settings resolved here (derived public URL, data folder, the signing secret from that folder) are
handed to them as FOLLICLE_* variables. Several workers share PostgreSQL, the object store and,
for attempt limits, Redis (FOLLICLE_REDIS_URL); jobs run in `follicle worker` processes when
FOLLICLE_BROKER_URL is a redis:// URL.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from backend.security.client_address import TrustedProxies
from backend.settings import Settings

# what a worker process must see exactly as this process resolved it
_HANDED_TO_WORKERS = ("host", "port", "public_url", "data_dir", "database_url", "local_store_path", "secret_key")


def database_label(url: str) -> str:
    """The database URL without its password, for printing."""
    if url.startswith("sqlite://"):
        return url.removeprefix("sqlite://")
    parts = urlsplit(url)
    if parts.password:
        user = parts.username or ""
        host = parts.hostname or ""
        netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def banner(settings: Settings, workers: int) -> str:
    base = settings.public_url
    listening = f"http://{settings.host}:{settings.port}"
    if settings.host in ("0.0.0.0", "::"):
        listening += " (every network interface)"
    lines = [
        "",
        "  Follicle",
        f"  Listening on:   {listening}, {workers} worker{'s' if workers > 1 else ''}",
        f"  Public URL:     {base}" + ("  (from host and port; set FOLLICLE_PUBLIC_URL for phones on your network)"
                                         if "public_url" in settings.derived else ""),
        f"  Dashboard:      {base}/dashboard",
        f"  API docs:       {base}/schema/swagger",
        f"  Data folder:    {settings.data_dir}",
        f"  Database:       {database_label(settings.database_url)}",
        "  Photo store:    " + (f"folder {settings.local_store_path}" if settings.store == "local"
                                else f"S3 bucket {settings.s3_bucket}" + (f" at {settings.s3_endpoint_url}" if settings.s3_endpoint_url else "")),
        "  Jobs:           " + ("inside each API worker" if settings.broker_url == "memory"
                                else "queued to Redis for `follicle worker` processes"),
        "  Attempt limits: " + ("shared through Redis" if settings.redis_url else "in this process's memory"),
        "",
    ]
    return "\n".join(lines)


def environment_for_workers(settings: Settings) -> dict[str, str]:
    return {f"FOLLICLE_{name.upper()}": str(getattr(settings, name)) for name in _HANDED_TO_WORKERS}


def serve(settings: Settings, *, workers: int) -> int:
    """Print the banner and run the API until stopped (Ctrl-C, SIGTERM)."""
    import uvicorn

    if workers < 1:
        raise ValueError("--workers must be at least 1")
    if workers > 1 and not settings.redis_url:
        raise ValueError(
            "several workers must share attempt limits: set FOLLICLE_REDIS_URL (e.g. redis://127.0.0.1:6379/0)"
        )
    TrustedProxies.parse(settings.trusted_proxies)  # a bad value stops here, before any worker starts
    print(banner(settings, workers), flush=True)
    os.environ.update(environment_for_workers(settings))
    uvicorn.run(
        "backend.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        # the client's address comes from FOLLICLE_TRUSTED_PROXIES only (backend/security/client_address.py)
        proxy_headers=False,
        log_level="info",
    )
    return 0
