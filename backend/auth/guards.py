"""Route guards: who may call a route at all. What they may see is the services' job (tenancy)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from backend.auth.principal import PatientPrincipal, Principal, StaffPrincipal
from shared.contract.auth import StaffRole
from shared.errors import ErrorCode, Forbidden, NotAuthenticated


@dataclass(frozen=True)
class Caller:
    """Who a guard lets through, for the published schema: its security scheme and, in words, who."""

    scheme: str  # a security scheme of backend.openapi (staffBearer, deviceBearer, dashboardCookie)
    who: str


def callable_by(scheme: str, who: str):
    """Mark a guard with the caller it admits (`backend.openapi` publishes it per operation)."""

    def mark(guard):
        guard.follicle_caller = Caller(scheme, who)
        return guard

    return mark


def caller_of(guard: object) -> Caller | None:
    return getattr(guard, "follicle_caller", None)


def _principal(connection: ASGIConnection) -> Principal:
    principal = connection.scope.get("user")
    if principal is None:
        if connection.scope.get("auth"):
            raise NotAuthenticated(
                "Your sign-in has ended. Please sign in again.", code=ErrorCode.TOKEN_REVOKED
            )
        raise NotAuthenticated("Please sign in first.")
    return principal


@callable_by("staffBearer", "clinic staff of any role (staff token)")
def staff_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not isinstance(_principal(connection), StaffPrincipal):
        raise Forbidden("This is for clinic staff only.")


@callable_by("deviceBearer", "the enrolled patient, from their own phone (device token)")
def patient_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not isinstance(_principal(connection), PatientPrincipal):
        raise Forbidden("This is for enrolled patients only.")


def _roles(*allowed: StaffRole):
    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = _principal(connection)
        if not isinstance(principal, StaffPrincipal):
            raise Forbidden("This is for clinic staff only.")
        if principal.role not in allowed:
            raise Forbidden("Your role does not allow this.")

    guard.__name__ = "roles_" + "_".join(allowed)
    names = " and ".join(f"{role}s" for role in (str(r).replace("_", " ") for r in allowed))
    return callable_by("staffBearer", f"clinic staff: {names} only (staff token)")(guard)


admin_only = _roles(StaffRole.ADMIN)
clinical_staff = _roles(StaffRole.ADMIN, StaffRole.CLINICIAN)
