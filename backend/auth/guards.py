"""Route guards: who may call a route at all. What they may see is the services' job (tenancy)."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from backend.auth.principal import PatientPrincipal, Principal, StaffPrincipal
from shared.contract.auth import StaffRole
from shared.errors import ErrorCode, Forbidden, NotAuthenticated


def _principal(connection: ASGIConnection) -> Principal:
    principal = connection.scope.get("user")
    if principal is None:
        if connection.scope.get("auth"):
            raise NotAuthenticated(
                "Your sign-in has ended. Please sign in again.", code=ErrorCode.TOKEN_REVOKED
            )
        raise NotAuthenticated("Please sign in first.")
    return principal


def staff_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not isinstance(_principal(connection), StaffPrincipal):
        raise Forbidden("This is for clinic staff only.")


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
    return guard


admin_only = _roles(StaffRole.ADMIN)
clinical_staff = _roles(StaffRole.ADMIN, StaffRole.CLINICIAN)
