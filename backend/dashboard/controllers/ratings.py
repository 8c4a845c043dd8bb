"""Blinded rating in the dashboard: rounds (set up and followed by the admin), the rater view and
its JSON calls (same-origin fetch with the session's CSRF token), and the agreement page."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from backend.dashboard.forms import text
from backend.dashboard.pages import content_security_policy, render, staff_of
from backend.errors import status_for
from backend.coverage import reliability as coverage_reliability
from backend.ratings import agreement, release, rounds, scoring
from backend.ratings.controllers import rating_context
from shared.contract.ratings import CANNOT_RATE_LABELS, SCALE, RoundCreate, RoundStatus, ScoreSubmit, UndoRequest
from shared.errors import FollicleError, NotAuthenticated, NotFound
from shared.views import DEFAULT_PROTOCOL

T = TypeVar("T")


def _rater_page(name: str, request: Request, **context: Any) -> Template:
    """The rater view: its images arrive as blobs (fetched ahead), so img-src also allows blob:."""
    page = render(name, request, **context)
    policy = content_security_policy(request.app.state.settings).replace("img-src ", "img-src blob: ", 1)
    page.headers["Content-Security-Policy"] = policy
    return page


def _json(value: Any, status: int = 200) -> Response:
    return Response(msgspec.json.encode(value), status_code=status, media_type=MediaType.JSON)


async def _answer(work: Awaitable[Any]) -> Response:
    """The rater view's calls answer JSON; a refusal it can show (a closed round, nothing to undo)
    is JSON too, while not-found and signed-out go to the dashboard's own pages."""
    try:
        return _json(await work)
    except (NotFound, NotAuthenticated):
        raise
    except FollicleError as exc:
        return _json({"error": {"code": exc.code, "message": exc.message}}, status_for(exc))


async def _body(request: Request, kind: type[T]) -> T | Response:
    try:
        return msgspec.json.decode(await request.body(), type=kind)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return _json({"error": {"code": "validation_failed", "message": "The score sent is not valid."}}, 400)


def _round_form(form: Any) -> RoundCreate:
    months = sorted({int(m) for m in text(form, "months").replace(",", " ").split() if m.isdigit()})
    return msgspec.convert(
        {
            "name": text(form, "name"),
            "months": months,
            "views": [v for v in form.getall("views", []) if isinstance(v, str)] or None,
            "rater_ids": [r for r in form.getall("raters", []) if isinstance(r, str)],
            "retest_fraction": int(text(form, "retest_percent") or "10") / 100,
        },
        RoundCreate,
        strict=False,
    )


class RatingPagesController(Controller):
    path = "/ratings"

    @get("/", operation_id="DashboardRatingRounds")
    async def rounds_page(self, request: Request) -> Template:
        staff = staff_of(request)
        listing = await rounds.list_rounds(staff)
        raters = await rounds.eligible_raters(staff) if staff.role == "admin" else []
        return render("ratings/rounds.html", request, rounds=listing, raters=raters, views=DEFAULT_PROTOCOL, values={}, problem=None)

    @post("/", operation_id="DashboardCreateRatingRound")
    async def create(self, request: Request) -> Response:
        staff = staff_of(request)
        form = await request.form()
        try:
            created = await rounds.create_round(staff, _round_form(form))
        except (msgspec.ValidationError, ValueError, FollicleError) as exc:
            problem = exc.message if isinstance(exc, FollicleError) else "Give the round a name, at least one follow-up month (1-600) and at least one rater."
            return render(
                "ratings/rounds.html", request, status=status_for(exc) if isinstance(exc, FollicleError) else 400,
                rounds=await rounds.list_rounds(staff), raters=await rounds.eligible_raters(staff), views=DEFAULT_PROTOCOL,
                values={"name": text(form, "name"), "months": text(form, "months")}, problem=problem,
            )
        return Redirect(f"/dashboard/ratings/{created.id}", status_code=303)

    @get("/{round_id:uuid}", operation_id="DashboardRatingRound")
    async def round_page(self, request: Request, round_id: FromPath[uuid.UUID]) -> Template:
        staff = staff_of(request)
        shown = await rounds.show_round(staff, round_id)
        key = None
        rater = shown.my_total is not None
        if staff.role == "admin" and not (rater and shown.status == RoundStatus.OPEN):
            key = await rounds.round_key(staff, round_id)
        return render("ratings/round.html", request, round=shown, key=key, rater=rater)

    @post("/{round_id:uuid}/close", operation_id="DashboardCloseRatingRound")
    async def close(self, request: Request, round_id: FromPath[uuid.UUID]) -> Redirect:
        await release.close_round(staff_of(request), round_id)
        return Redirect(f"/dashboard/ratings/{round_id}", status_code=303)

    @post("/{round_id:uuid}/publish", operation_id="DashboardPublishRatingRound")
    async def publish(self, request: Request, round_id: FromPath[uuid.UUID]) -> Response:
        staff = staff_of(request)
        try:
            await release.publish_round(staff, round_id)
        except NotFound:
            raise
        except FollicleError as exc:
            shown = await rounds.show_round(staff, round_id)
            key = await rounds.round_key(staff, round_id) if shown.my_total is None else None
            return render("ratings/round.html", request, status=status_for(exc), round=shown, key=key,
                          rater=shown.my_total is not None, problem=exc.message)
        return Redirect(f"/dashboard/ratings/{round_id}", status_code=303)

    @get("/{round_id:uuid}/rate", operation_id="DashboardRaterView")
    async def rate(self, request: Request, round_id: FromPath[uuid.UUID]) -> Template:
        """The blinded rater view: nothing on it names the patient, date, month or treatment."""
        sitting = uuid.uuid4()
        queue = await scoring.queue(staff_of(request), round_id, rating_context(request), sitting)
        return _rater_page(
            "ratings/rate.html", request, round_id=round_id, sitting=sitting, queue=msgspec.json.encode(queue).decode(),
            progress=queue, scale=SCALE, reasons=CANNOT_RATE_LABELS,
        )

    @get("/{round_id:uuid}/queue", operation_id="DashboardRaterQueue")
    async def queue(
        self, request: Request, round_id: FromPath[uuid.UUID], sitting: Annotated[uuid.UUID | None, QueryParameter()] = None
    ) -> Response:
        return await _answer(scoring.queue(staff_of(request), round_id, rating_context(request), sitting))

    @post("/{round_id:uuid}/tasks/{token:str}/score", operation_id="DashboardSubmitRatingScore")
    async def score(self, request: Request, round_id: FromPath[uuid.UUID], token: FromPath[str]) -> Response:
        staff = staff_of(request)
        await scoring.seat_for(staff, round_id)  # another clinic's round: the not-found page, before anything else
        data = await _body(request, ScoreSubmit)
        if isinstance(data, Response):
            return data
        return await _answer(scoring.submit(staff, round_id, token, data, rating_context(request)))

    @post("/{round_id:uuid}/undo", operation_id="DashboardUndoRatingScore")
    async def undo(self, request: Request, round_id: FromPath[uuid.UUID]) -> Response:
        staff = staff_of(request)
        await scoring.seat_for(staff, round_id)
        data = await _body(request, UndoRequest)
        if isinstance(data, Response):
            return data
        return await _answer(scoring.undo(staff, round_id, data, rating_context(request)))

    @get("/{round_id:uuid}/agreement", operation_id="DashboardRatingAgreement")
    async def agreement_page(self, request: Request, round_id: FromPath[uuid.UUID]) -> Template:
        staff = staff_of(request)
        figures = await agreement.for_round(staff, round_id)
        cov = await coverage_reliability.for_round(staff, round_id)
        return render("ratings/agreement.html", request, a=figures, cov=cov)
