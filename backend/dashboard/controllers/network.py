"""The Network page: the clinic's membership of the Follicle network (admins join, publish now and
leave; clinicians see the state), what leaves the clinic in plain words, the outbox's delivery
state, and acknowledging a network lot signal from the safety inbox."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from backend.auth.guards import admin_only, clinical_staff
from backend.dashboard.pages import render, staff_of
from backend.errors import status_for
from backend.network import service
from backend.reminders.runtime import worker_name
from shared.errors import FollicleError

PAGE = "/dashboard/network"
DONE = {
    "joined": "This clinic is in the network. Its first summary is on its way.",
    "published": "This period's summary is signed and on its way to the registry.",
    "left": "This clinic has left the network. The registry drops its figures when the withdrawal arrives.",
}
Done = Annotated[str | None, QueryParameter(max_length=20)]


async def _send_now(request: Request, clinic_id: uuid.UUID) -> None:
    """Try the outbox at once (the sweep retries whatever fails) and take the latest signals."""
    http = request.app.state.network_http
    await service.deliver_due(http, worker=worker_name())
    await service.sync_signals(clinic_id, http)


class NetworkPagesController(Controller):
    path = "/network"
    guards = [clinical_staff]

    @get("/", operation_id="DashboardNetwork")
    async def network_page(self, request: Request, done: Done = None) -> Template:
        return await _page(request, notice=DONE.get(done or "", ""))

    @post("/join", operation_id="DashboardJoinNetwork", guards=[admin_only])
    async def join(self, request: Request) -> Response:
        form = await request.form()
        url = str(form.get("registry_url", "")).strip()[:300]
        if form.get("agree") != "on":
            return await _page(request, status=400, problem_text="Tick the box to say you have read what leaves the clinic.", typed=url)
        staff = staff_of(request)
        try:
            await service.join(staff, url, request.app.state.network_http)
            await service.publish(staff.clinic_id, actor=staff)
            await _send_now(request, staff.clinic_id)
        except FollicleError as exc:
            return await _page(request, status=status_for(exc), problem=exc, typed=url)
        return Redirect(f"{PAGE}?done=joined", status_code=303)

    @post("/publish", operation_id="DashboardPublishToNetwork", guards=[admin_only])
    async def publish(self, request: Request) -> Response:
        staff = staff_of(request)
        try:
            await service.publish(staff.clinic_id, actor=staff)
            await _send_now(request, staff.clinic_id)
        except FollicleError as exc:
            return await _page(request, status=status_for(exc), problem=exc)
        return Redirect(f"{PAGE}?done=published", status_code=303)

    @post("/leave", operation_id="DashboardLeaveNetwork", guards=[admin_only])
    async def leave(self, request: Request) -> Response:
        staff = staff_of(request)
        try:
            await service.leave(staff)
            await service.deliver_due(request.app.state.network_http, worker=worker_name())
        except FollicleError as exc:
            return await _page(request, status=status_for(exc), problem=exc)
        return Redirect(f"{PAGE}?done=left", status_code=303)

    @post("/signals/{signal_id:uuid}/acknowledge", operation_id="DashboardAcknowledgeNetworkSignal")
    async def acknowledge(self, request: Request, signal_id: FromPath[uuid.UUID]) -> Response:
        await service.acknowledge_signal(staff_of(request), signal_id)
        return Redirect("/dashboard/side-effects#network-signals", status_code=303)


async def _page(
    request: Request, *, status: int = 200, notice: str = "", problem: FollicleError | None = None,
    problem_text: str = "", typed: str = "",
) -> Template:
    staff = staff_of(request)
    state = await service.status(staff.clinic_id)
    registry_url = typed or (state.member.registry_url if state.member else request.app.state.settings.network_registry_url)
    return render(
        "network/page.html", request, status=status, state=state, notice=notice,
        problem=problem.message if problem else problem_text, problem_code=problem.code if problem else "",
        registry_url=registry_url, today=date.today(), now=datetime.now(UTC),
    )
