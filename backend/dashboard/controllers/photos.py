"""One photo large, and two photos of one view compared side by side and as an overlay."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from backend.dashboard import service
from backend.dashboard.pages import photo_context, render, staff_of


class PhotoPagesController(Controller):
    @get("/photos/{photo_id:uuid}", operation_id="DashboardPhoto")
    async def photo(self, request: Request, photo_id: FromPath[uuid.UUID]) -> Template:
        data = await service.photo_page(staff_of(request), [photo_id], photo_context(request))
        return render("photos/photo.html", request, data=data, photo=data.photos[0])

    @get("/compare", operation_id="DashboardComparePhotos")
    async def compare(
        self, request: Request, photo: Annotated[list[uuid.UUID], QueryParameter(min_items=2, max_items=2)]
    ) -> Template:
        data = await service.photo_page(staff_of(request), photo, photo_context(request))
        earlier, later = data.photos
        return render("photos/compare.html", request, data=data, earlier=earlier, later=later)
