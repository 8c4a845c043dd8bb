from __future__ import annotations

import uuid

from litestar import Controller, post
from litestar.params import FromPath, JSONBody

from backend.auth.deps import STAFF, CurrentStaff
from backend.auth.guards import staff_only
from backend.coverage import service
from backend.photos.deps import CONTEXT, Photos
from shared.contract.coverage import CoverageOut, CoverageRecompute
from shared.errors import ErrorCode


class CoverageController(Controller):
    """The coverage index of one photo, worked out again on demand."""

    tags = ["coverage"]
    guards = [staff_only]
    dependencies = {**STAFF, **CONTEXT}

    @post(
        "/photos/{photo_id:uuid}/coverage",
        operation_id="RecomputeCoverage",
        status_code=200,
        errors=(ErrorCode.COVERAGE_METHOD_UNKNOWN, ErrorCode.FORBIDDEN, ErrorCode.INVALID_STATE, ErrorCode.STORE_UNAVAILABLE),
    )
    async def recompute(
        self, staff: CurrentStaff, photos: Photos, photo_id: FromPath[uuid.UUID], data: JSONBody[CoverageRecompute]
    ) -> CoverageOut:
        """Work a ready photo's coverage index out again from its stored preview, under the given method
        (the current one by default), and keep it. Admins and clinicians of the photo's clinic; audited."""
        return await service.recompute(staff, photo_id, data, photos)
