"""Outcomes by treatment arm across the clinic's research-consented patients, and lot signals.

Every figure carries its n (patients, or sessions with the patients they came from). A cell
built from fewer than 5 patients is `suppressed`: its numbers (n included) are null, and the
dashboard shows "too few to show".
"""

from __future__ import annotations

from datetime import date, datetime

from shared.contract.base import Response
from shared.contract.patients import Treatment
from shared.contract.reports import SideEffectReportPage

MIN_PATIENTS = 5


class Estimate(Response, kw_only=True):
    """A mean with its 95% t interval."""

    suppressed: bool
    n: int | None = None  # patients
    mean: float | None = None
    low: float | None = None
    high: float | None = None


class Share(Response, kw_only=True):
    """A share (events / n) with its 95% interval: Wilson for efficacy and follow-up,
    exact Clopper-Pearson for harm."""

    suppressed: bool
    n: int | None = None  # what the share is of (patients, check-ins or sessions)
    patients: int | None = None  # the patients behind n
    events: int | None = None
    share: float | None = None
    low: float | None = None
    high: float | None = None


class MonthEfficacy(Response, kw_only=True):
    month: int
    consensus: Estimate  # mean patient consensus (-3..+3)
    improved: Share  # share with consensus +1 or better


class DoseCell(Response, kw_only=True):
    sessions: int  # sessions given up to month 6; 5 means 5 or more
    label: str
    consensus: Estimate
    improved: Share


class SurvivalPoint(Response, kw_only=True):
    month: int
    at_risk: int
    improved: int
    censored: int | None  # not shown: with the at-risk counts it would give away the tail
    share_improved: float
    low: float | None
    high: float | None


class TimeToImprovement(Response, kw_only=True):
    suppressed: bool
    n: int | None = None
    improved: int | None = None
    median_months: float | None = None  # null while fewer than half have improved
    curve: list[SurvivalPoint] = []


class HarmRates(Response, kw_only=True):
    """Side effects per session given: sessions with at least one report of each kind."""

    suppressed: bool
    sessions: int | None = None
    patients: int | None = None
    any: Share
    moderate_or_worse: Share
    serious: Share
    late: Share  # started more than 30 days after the session


class SymptomSummary(Response, kw_only=True):
    symptom: str
    label: str
    suppressed: bool
    sessions: Share  # sessions after which it was felt (mild or worse), of all sessions given
    onset_median_days: float | None = None  # injection to the day it started
    reported_median_days: float | None = None  # from its start to the last report listing it (at least)


class QuestionnaireChange(Response, kw_only=True):
    month: int
    satisfaction_change: Estimate  # change since baseline in satisfaction with appearance (-6..+6)
    growth: Estimate  # the patient's own view of growth since the first treatment (-3..+3)


class MixCell(Response, kw_only=True):
    key: str
    label: str
    patients: int | None  # null: fewer than 5 (but at least 1)
    suppressed: bool


class BaselineMix(Response, kw_only=True):
    grade: list[MixCell]
    age_band: list[MixCell]
    sex: list[MixCell]
    diagnosis: list[MixCell]


class ArmOutcomes(Response, kw_only=True):
    arm: Treatment
    label: str
    patients: int | None  # null when suppressed
    suppressed: bool
    patients_treated: int | None = None
    sessions_given: int | None = None
    follow_up_kept: Share  # completed check-ins of those due (n = check-ins due)
    dropped_out: Share  # of patients with 3 or more check-ins due: missed the last two
    efficacy: list[MonthEfficacy] = []
    dose_response: list[DoseCell] = []
    time_to_improvement: TimeToImprovement
    harm: HarmRates
    symptoms: list[SymptomSummary] = []
    questionnaire: list[QuestionnaireChange] = []
    baseline_mix: BaselineMix


class LotSignal(Response, kw_only=True):
    """A lot whose rate of sessions with moderate-or-worse (or serious) side effects is higher
    than the rest of its treatment's lots: Fisher's exact test, one-sided, Holm-Sidak adjusted
    across the treatment's lots, flagged below 0.05."""

    treatment: Treatment
    lot_number: str
    kind: str  # "serious" or "moderate_or_worse"
    lot_sessions: int
    lot_events: int
    rest_sessions: int
    rest_events: int
    p_value: float
    p_adjusted: float


class LotOutcomes(Response, kw_only=True):
    treatment: Treatment
    product: str
    lot_number: str
    harm: HarmRates
    signals: list[LotSignal] = []


class OutcomesOut(Response, kw_only=True):
    generated_at: datetime
    filters: dict[str, str]
    patients: int | None  # research-consented patients matching the filters; null when hidden
    too_few_patients: bool = False  # under the clinic's minimum: no figure at all, only this
    minimum_patients: int = 10  # the clinic's minimum population for a filtered answer
    arms: list[ArmOutcomes]
    lots: list[LotOutcomes]
    lot_signals: list[LotSignal]
    consensus_rule: str
    lot_test: str
    note: str


class LotSignalPage(Response, kw_only=True):
    items: list[LotSignal]
    lot_test: str
    as_of: date


class SideEffectAlertPage(SideEffectReportPage, kw_only=True):
    """The alert list: serious reports not yet acknowledged, and the clinic's current lot signals."""

    lot_signals: list[LotSignal] = []
    lot_test: str = ""
