"""Small helpers every page handler uses: the signed-in staff member and rendering a page."""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar import MediaType, Request
from litestar.response import Template

from backend.auth.principal import StaffPrincipal
from backend.photos.deps import photo_context  # noqa: F401  (the page handlers import it from here)
from backend.dashboard.guards import dashboard_staff
from backend.settings import Settings


def staff_of(request: Request) -> StaffPrincipal:
    staff = dashboard_staff(request)
    assert staff is not None  # the router's signed_in guard ran first
    return staff


def public_url(request: Request) -> str:
    return request.app.state.settings.public_url.rstrip("/")


def render(name: str, request: Request, status: int = 200, **context: object) -> Template:
    """Render a template with the signed-in staff member (the layout needs them)."""
    return Template(
        name,
        context={"staff": staff_of(request), **context},
        status_code=status,
        media_type=MediaType.HTML,
        headers={"Content-Security-Policy": content_security_policy(request.app.state.settings)},
    )


def content_security_policy(settings: Settings) -> str:
    """Scripts, styles and forms only from this site; images also from the photo store."""
    images = " ".join(sorted({"'self'", "data:", _origin(settings.public_url), *_store_origins(settings)}))
    return (
        f"default-src 'self'; img-src {images}; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "'self'"


def _store_origins(settings: Settings) -> list[str]:
    if settings.store != "s3":
        return []  # the local store serves photos from public_url
    if settings.s3_endpoint_url:
        endpoint = _origin(settings.s3_endpoint_url)
        # virtual-hosted addressing puts the bucket in front of the endpoint's host
        return [endpoint] if settings.s3_path_style else [endpoint, endpoint.replace("://", f"://{settings.s3_bucket}.", 1)]
    return [f"https://{settings.s3_bucket}.s3.{settings.s3_region}.amazonaws.com", f"https://s3.{settings.s3_region}.amazonaws.com"]

