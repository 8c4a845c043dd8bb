"""Who is calling: a staff member, an enrolled patient's phone, or nobody.

The middleware resolves the caller once per request (one indexed query) and puts it in
`scope["user"]`; guards and handlers read it from there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from backend.auth.models import StaffSession
from backend.enrolment.models import Device
from backend.security.client_address import UNKNOWN, scope_address
from backend.security.tokens import DASHBOARD_SESSION_PREFIX, DEVICE_TOKEN_PREFIX, STAFF_TOKEN_PREFIX, token_hash
from shared.contract.auth import StaffRole

SESSION_COOKIE = "follicle_session"
DASHBOARD_PREFIX = "/dashboard"
# a device's last-seen time is refreshed at most this often, to keep reads read-only
LAST_SEEN_RESOLUTION = timedelta(minutes=5)
# a dashboard session's, for the idle sign-out: fine enough against a 30-minute idle limit
SESSION_SEEN_RESOLUTION = timedelta(minutes=1)
# the dashboard's own CSS and JS: public, and no reason to touch the database
STATIC_PREFIX = DASHBOARD_PREFIX + "/static/"


@dataclass(frozen=True, slots=True)
class StaffPrincipal:
    staff_id: uuid.UUID
    clinic_id: uuid.UUID
    role: StaffRole
    session_id: uuid.UUID
    name: str
    email: str
    csrf_token: str
    via_cookie: bool
    address: str = UNKNOWN  # where the request came from: the audit trail's "from where"

    @property
    def actor_kind(self) -> str:
        return "staff"

    @property
    def actor_id(self) -> uuid.UUID:
        return self.staff_id


@dataclass(frozen=True, slots=True)
class PatientPrincipal:
    patient_id: uuid.UUID
    clinic_id: uuid.UUID
    device_id: uuid.UUID
    address: str = UNKNOWN

    @property
    def actor_kind(self) -> str:
        return "patient"

    @property
    def actor_id(self) -> uuid.UUID:
        return self.patient_id


Principal = StaffPrincipal | PatientPrincipal


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token:
                return token.strip()
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    for header, value in scope.get("headers", []):
        if header == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                if key == name and val:
                    return val
    return None


async def resolve_principal(scope: Scope, dashboard_idle: timedelta) -> tuple[Principal | None, str | None]:
    """The caller and, when credentials were sent but refused, why ("token_revoked")."""
    if scope["path"].startswith(STATIC_PREFIX):
        return None, None
    now = datetime.now(UTC)
    token = _bearer(scope)
    via_cookie = False
    if token is None and scope["path"].startswith(DASHBOARD_PREFIX):
        token = _cookie(scope, SESSION_COOKIE)
        via_cookie = token is not None
    if token is None:
        return None, None
    # the cookie carries a dashboard session id, a bearer header an API token: never the other
    if token.startswith(DASHBOARD_SESSION_PREFIX if via_cookie else STAFF_TOKEN_PREFIX):
        session = (
            await StaffSession.filter(token_hash=token_hash(token))
            .select_related("staff")
            .first()
        )
        if session is None or session.revoked_at is not None or session.expires_at <= now:
            return None, "token_revoked"
        if not session.staff.active or via_cookie != (session.kind == "cookie"):
            return None, "token_revoked"
        if via_cookie:
            if session.last_seen_at + dashboard_idle <= now:
                await StaffSession.filter(id=session.id).update(revoked_at=now)
                return None, "session_expired"
            if session.last_seen_at + SESSION_SEEN_RESOLUTION <= now:
                await StaffSession.filter(id=session.id).update(last_seen_at=now)
        staff = session.staff
        return (
            StaffPrincipal(
                staff_id=staff.id,
                clinic_id=staff.clinic_id,  # type: ignore[attr-defined]
                role=StaffRole(staff.role),
                session_id=session.id,
                name=staff.name,
                email=staff.email,
                csrf_token=session.csrf_token,
                via_cookie=via_cookie,
                address=scope_address(scope),
            ),
            None,
        )
    if token.startswith(DEVICE_TOKEN_PREFIX):
        device = await Device.filter(token_hash=token_hash(token)).select_related("patient").first()
        if device is None or device.revoked_at is not None:
            return None, "token_revoked"
        if device.last_seen_at is None or device.last_seen_at + LAST_SEEN_RESOLUTION <= now:
            await Device.filter(id=device.id).update(last_seen_at=now)
        return (
            PatientPrincipal(
                patient_id=device.patient.id,
                clinic_id=device.patient.clinic_id,  # type: ignore[attr-defined]
                device_id=device.id,
                address=scope_address(scope),
            ),
            None,
        )
    return None, "token_revoked"


class PrincipalMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        settings = scope["app"].state.settings
        principal, refusal = await resolve_principal(
            scope, timedelta(minutes=settings.dashboard_idle_minutes)
        )
        scope["user"] = principal
        scope["auth"] = refusal
        await next_app(scope, receive, send)
