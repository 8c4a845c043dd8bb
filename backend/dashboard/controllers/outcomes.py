"""The outcomes page: the clinic's outcomes by arm, filtered, with server-drawn charts."""

from __future__ import annotations

from typing import Annotated

import anyio
from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from backend.auth.guards import clinical_staff
from backend.dashboard.pages import render, staff_of
from backend.outcomes import charts, filters, service
from backend.outcomes.service import TREATMENT_LABELS
from shared.contract.patients import Treatment
from shared.errors import FollicleError
from shared.hair_loss import AGE_BAND_LABELS, DIAGNOSIS_LABELS, SCALE_LABELS, SEX_LABELS, GradeScale, all_grades

Choice = Annotated[str | None, QueryParameter(max_length=40)]
Day = Annotated[str | None, QueryParameter(max_length=10)]
Product = Annotated[str | None, QueryParameter(max_length=200)]


def _choices() -> dict[str, object]:
    return {
        "arms": {t.value: TREATMENT_LABELS[t] for t in Treatment},
        "sexes": {s.value: label for s, label in SEX_LABELS.items()},
        "diagnoses": {d.value: label for d, label in DIAGNOSIS_LABELS.items()},
        "age_bands": {b.value: label for b, label in AGE_BAND_LABELS.items()},
        "grade_groups": [(SCALE_LABELS[s], [g for g in all_grades() if g.scale == s]) for s in GradeScale],
    }


class OutcomePagesController(Controller):
    path = "/outcomes"
    guards = [clinical_staff]

    @get("/", operation_id="DashboardOutcomes")
    async def outcomes_page(
        self,
        request: Request,
        arm: Choice = None,
        sex: Choice = None,
        diagnosis: Choice = None,
        grade: Choice = None,
        age_band: Choice = None,
        baseline_from: Day = None,
        baseline_to: Day = None,
        product: Product = None,
    ) -> Template:
        typed = {
            "arm": arm, "sex": sex, "diagnosis": diagnosis, "grade": grade, "age_band": age_band,
            "baseline_from": baseline_from, "baseline_to": baseline_to, "product": product,
        }
        try:
            where = filters.parse(**typed)
        except FollicleError as exc:
            return render(
                "outcomes/page.html", request, status=400, result=None, svg={}, typed=typed,
                problem=exc, **_choices(),
            )
        result = await service.outcomes(staff_of(request), where)
        svg = await anyio.to_thread.run_sync(charts.draw_all, result)
        return render("outcomes/page.html", request, result=result, svg=svg, typed=typed, problem=None, **_choices())
