"""The outcomes API: the same figures as the dashboard's outcomes page, and the lot signals."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from backend.api.params import Limit, Offset
from backend.auth.deps import STAFF, CurrentStaff
from backend.auth.guards import clinical_staff, staff_only
from backend.outcomes import filters, service
from shared.contract.outcomes import LotSignalPage, OutcomesOut, SideEffectAlertPage
from shared.errors import ErrorCode

Choice = Annotated[str | None, QueryParameter(max_length=40)]
Day = Annotated[str | None, QueryParameter(max_length=10)]
Product = Annotated[str | None, QueryParameter(max_length=200)]


class OutcomeController(Controller):
    path = "/outcomes"
    tags = ["outcomes"]
    guards = [clinical_staff]
    dependencies = STAFF

    @get(
        "/",
        operation_id="GetOutcomes",
        errors=(ErrorCode.FILTER_VALUE_UNKNOWN, ErrorCode.DATE_RANGE_BACKWARDS, ErrorCode.GRADE_OFF_SCALE),
    )
    async def get_outcomes(
        self,
        staff: CurrentStaff,
        arm: Choice = None,
        sex: Choice = None,
        diagnosis: Choice = None,
        grade: Choice = None,
        age_band: Choice = None,
        baseline_from: Day = None,
        baseline_to: Day = None,
        product: Product = None,
    ) -> OutcomesOut:
        """Outcomes by treatment arm over the clinic's research-consented patients (clinicians and
        admins): follow-up, efficacy at months 3/6/12, dose-response, time to improvement, harm by arm
        and lot, questionnaire change, baseline mix; cells under 5 patients suppressed. Audited."""
        where = filters.parse(
            arm=arm, sex=sex, diagnosis=diagnosis, grade=grade, age_band=age_band,
            baseline_from=baseline_from, baseline_to=baseline_to, product=product,
        )
        return await service.outcomes(staff, where)

    @get("/lot-signals", operation_id="ListLotSignals")
    async def lot_signals(self, staff: CurrentStaff) -> LotSignalPage:
        """Lots whose moderate-or-worse or serious side-effect rate is beyond chance higher than the
        rest of their treatment's lots (clinicians and admins)."""
        return await service.signals_for_clinic(staff)


class SideEffectAlertController(Controller):
    """The safety inbox's alert list: serious reports no one has acknowledged, beside the lot signals
    (here, above the reports feature, because it joins the two)."""

    tags = ["reports"]
    guards = [staff_only]
    dependencies = STAFF

    @get("/side-effects/alerts", operation_id="ListSideEffectAlerts")
    async def list_alerts(self, staff: CurrentStaff, offset: Offset = 0, limit: Limit = 50) -> SideEffectAlertPage:
        """Serious reports no one has acknowledged yet, and the lots flagged by the outcomes' lot signal."""
        return await service.alerts(staff, offset=offset, limit=limit)
