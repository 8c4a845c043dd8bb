"""Query parameter types shared by the routes: every integer a caller sends has a lower and an upper
bound, so an absurd value is a 400 `validation_failed` instead of a database error.

`tests/backend/api/test_contract.py` fails for a route whose integer parameter lacks either bound.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

MAX_OFFSET = 1_000_000
MAX_PAGE = 200

Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="How many items to skip.")]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="How many items to return at most.")]
SearchText = Annotated[str | None, QueryParameter(max_length=200)]
LotFilter = Annotated[str | None, QueryParameter(max_length=64)]
