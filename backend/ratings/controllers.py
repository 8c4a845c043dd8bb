"""The rating API: rounds (admin), a rater's queue and scores, agreement, consensus, and the
rater view's image links."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.auth.deps import STAFF, CurrentStaff
from backend.auth.guards import staff_only
from backend.ratings import agreement, patient_consensus, release, rounds, scoring
from backend.ratings.images import IMAGE_HEADERS, image_bytes
from backend.ratings.scoring import RatingContext
from backend.security.client_address import client_address
from shared.contract.ratings import (
    Agreement,
    ConsensusScore,
    RaterQueue,
    RoundCreate,
    RoundKey,
    RoundOut,
    ScoreSubmit,
    UndoRequest,
)
from shared.errors import ErrorCode


def rating_context(request: Request) -> RatingContext:
    settings = request.app.state.settings
    return RatingContext(
        secret=settings.secret_key, public_url=settings.public_url, link_seconds=settings.download_url_ttl_seconds
    )


CONTEXT = {"ratings": Provide(rating_context, sync_to_thread=False)}
Ratings = NamedDependency[RatingContext]
RoundFilter = Annotated[uuid.UUID | None, QueryParameter(description="one round's consensus (refused while it is open and unpublished)")]
Sitting = Annotated[uuid.UUID | None, QueryParameter(description="the rater view's sitting (for can_undo)")]


class RatingRoundController(Controller):
    path = "/ratings/rounds"
    tags = ["ratings"]
    guards = [staff_only]
    dependencies = {**STAFF, **CONTEXT}

    @post(
        "/",
        operation_id="CreateRatingRound",
        status_code=201,
        errors=(ErrorCode.NO_ELIGIBLE_PAIRS, ErrorCode.NO_RESEARCH_CONSENT, ErrorCode.RATER_NOT_ELIGIBLE),
    )
    async def create(self, staff: CurrentStaff, data: JSONBody[RoundCreate]) -> RoundOut:
        """Set up a blinded rating round and draw its pairs and queues (clinic admin)."""
        return await rounds.create_round(staff, data)

    @get("/", operation_id="ListRatingRounds")
    async def list_rounds(self, staff: CurrentStaff) -> list[RoundOut]:
        """The clinic's rating rounds with each rater's progress (admins and clinicians)."""
        return await rounds.list_rounds(staff)

    @get("/{round_id:uuid}", operation_id="GetRatingRound")
    async def show(self, staff: CurrentStaff, round_id: FromPath[uuid.UUID]) -> RoundOut:
        """One rating round with each rater's progress (admins and clinicians)."""
        return await rounds.show_round(staff, round_id)

    @post("/{round_id:uuid}/close", operation_id="CloseRatingRound", status_code=200, errors=(ErrorCode.ROUND_CLOSED,))
    async def close(self, staff: CurrentStaff, round_id: FromPath[uuid.UUID]) -> RoundOut:
        """Close a round: no more scores, its consensus final everywhere (clinic admin)."""
        return await release.close_round(staff, round_id)

    @post(
        "/{round_id:uuid}/publish",
        operation_id="PublishRatingRound",
        status_code=200,
        errors=(ErrorCode.ROUND_CLOSED, ErrorCode.ROUND_PUBLISHED, ErrorCode.NOTHING_TO_PUBLISH, ErrorCode.RATERS_STILL_RATING),
    )
    async def publish(self, staff: CurrentStaff, round_id: FromPath[uuid.UUID]) -> RoundOut:
        """Show an open round's consensus as provisional, once every rater's queue is done (clinic admin)."""
        return await release.publish_round(staff, round_id)

    @get("/{round_id:uuid}/key", operation_id="GetRatingRoundKey", errors=(ErrorCode.KEY_BLINDED,))
    async def key(self, staff: CurrentStaff, round_id: FromPath[uuid.UUID]) -> RoundKey:
        """Which patient, view and month each pair is (clinic admin who does not rate the open round; audited)."""
        return await rounds.round_key(staff, round_id)

    @get("/{round_id:uuid}/queue", operation_id="GetRaterQueue", errors=(ErrorCode.NOT_A_RATER, ErrorCode.ROUND_CLOSED))
    async def queue(self, staff: CurrentStaff, ratings: Ratings, round_id: FromPath[uuid.UUID], sitting: Sitting = None) -> RaterQueue:
        """The caller's next blinded pair and the one after it (a rater of the round)."""
        return await scoring.queue(staff, round_id, ratings, sitting)

    @post(
        "/{round_id:uuid}/tasks/{token:str}/score",
        operation_id="SubmitRatingScore",
        status_code=200,
        errors=(
            ErrorCode.NOT_A_RATER,
            ErrorCode.ROUND_CLOSED,
            ErrorCode.RATING_TOKEN_UNKNOWN,
            ErrorCode.SCORE_OUT_OF_RANGE,
            ErrorCode.CHANGE_REASON_REQUIRED,
        ),
    )
    async def score(
        self, staff: CurrentStaff, ratings: Ratings, round_id: FromPath[uuid.UUID], token: FromPath[str], data: JSONBody[ScoreSubmit]
    ) -> RaterQueue:
        """Score one pair of the caller's queue, or change a score with a reason (that pair's rater)."""
        return await scoring.submit(staff, round_id, token, data, ratings)

    @post(
        "/{round_id:uuid}/undo",
        operation_id="UndoRatingScore",
        status_code=200,
        errors=(ErrorCode.NOT_A_RATER, ErrorCode.ROUND_CLOSED, ErrorCode.NOTHING_TO_UNDO),
    )
    async def undo(self, staff: CurrentStaff, ratings: Ratings, round_id: FromPath[uuid.UUID], data: JSONBody[UndoRequest]) -> RaterQueue:
        """Withdraw the caller's last score of this sitting (a rater of the round)."""
        return await scoring.undo(staff, round_id, data, ratings)

    @get("/{round_id:uuid}/agreement", operation_id="GetRatingAgreement", errors=(ErrorCode.RESULTS_AFTER_QUEUE,))
    async def agreement(self, staff: CurrentStaff, round_id: FromPath[uuid.UUID]) -> Agreement:
        """Rater agreement with 95% intervals (admins and clinicians; a rater once their own queue is done)."""
        return await agreement.for_round(staff, round_id)


class PatientConsensusController(Controller):
    tags = ["ratings"]
    guards = [staff_only]
    dependencies = STAFF

    @get("/patients/{patient_id:uuid}/consensus", operation_id="GetPatientConsensus", errors=(ErrorCode.CONSENSUS_BLINDED,))
    async def consensus(
        self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID], round_id: RoundFilter = None
    ) -> list[ConsensusScore]:
        """The blinded raters' consensus per view and follow-up month from released rounds (closed: final; published:
        provisional), or one round's (admins and clinicians; audited)."""
        return await patient_consensus.for_staff(staff, patient_id, round_id)


class RatingImageController(Controller):
    tags = ["ratings"]

    @get(
        "/ratings/images/{link:str}",
        operation_id="GetRatingImage",
        media_type="image/jpeg",
        errors=(ErrorCode.UPLOAD_URL_INVALID, ErrorCode.STORE_UNAVAILABLE),
        public=True,
    )
    async def image(self, request: Request, link: FromPath[str]) -> Response[bytes]:
        """One image of a blinded pair, rendered for this presentation (same size, length and headers for every image;
        never the same bytes twice). The short-lived link is the credential (whoever holds it, for minutes)."""
        state = request.app.state
        jobs = getattr(state, "jobs", None)
        data = await image_bytes(
            state.settings.secret_key, link, state.store, state.settings.max_photo_bytes, address=client_address(request),
            rendered=state.rating_images, budget=jobs.resources.get("decode_budget") if jobs is not None else None,
        )
        return Response(data, media_type="image/jpeg", headers=IMAGE_HEADERS)
