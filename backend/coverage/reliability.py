"""The coverage index's reliability on the clinic's own photos, for the agreement page: its
repeatability from repeat captures (two ready photos of one view in one check-in, taken within
REPEAT_WINDOW of each other) and its agreement with the blinded consensus of a round's pairs.
Aggregates only (no patient is named), current method only."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import numpy as np
from tortoise.functions import Count

from backend.auth.principal import StaffPrincipal
from backend.coverage import statistics
from backend.checkins.coverage_cells import reading_of
from backend.photos.models import Photo
from backend.ratings.models import RatingConsensus, RatingPair
from backend.ratings.rounds import get_round, require_clinical
from shared.contract.checkins import PhotoStatus
from shared.contract.coverage import CoverageReliability, Estimate
from shared.coverage import METHOD

# two captures this close together are one sitting (the app's second frame, or a retake)
REPEAT_WINDOW = timedelta(minutes=30)
NOTE = (
    "An index of visible scalp (the share of the view's region where scalp shows), not a hair count. "
    "Repeatability from two captures of one view in one sitting; agreement with the blinded consensus "
    "as Spearman's rho between the consensus score and the fall in visible scalp from baseline."
)


def _value(raw: object) -> float | None:
    reading = reading_of(raw)
    return reading.value if reading is not None and reading.method == METHOD else None


async def repeat_pairs(clinic_id: uuid.UUID) -> tuple[np.ndarray, np.ndarray]:
    """The first two figures of every view photographed twice in one sitting, clinic-wide
    (two statements: which check-in views have more than one ready photo, then their photos)."""
    repeated = (
        await Photo.filter(patient__clinic_id=clinic_id, status=PhotoStatus.READY, coverage__not_isnull=True)
        .annotate(n=Count("id"))
        .group_by("checkin_id", "view")
        .filter(n__gt=1)
        .values_list("checkin_id", "view")
    )
    if not repeated:
        return np.empty(0), np.empty(0)
    wanted = {(str(checkin), view) for checkin, view in repeated}
    rows = (
        await Photo.filter(
            checkin_id__in=list({checkin for checkin, _ in repeated}), status=PhotoStatus.READY, coverage__not_isnull=True
        )
        .order_by("captured_at")
        .values_list("checkin_id", "view", "captured_at", "coverage")
    )
    last: dict[tuple[str, str], tuple] = {}
    paired: set[tuple[str, str]] = set()
    first, second = [], []
    for checkin, view, captured, raw in rows:
        key = (str(checkin), view)
        if key not in wanted or key in paired:
            continue
        value = _value(raw)
        held = last.get(key)
        last[key] = (captured, value)
        # two consecutive captures close together are one sitting; one pair per check-in and view
        if held is not None and captured - held[0] <= REPEAT_WINDOW and held[1] is not None and value is not None:
            first.append(held[1])
            second.append(value)
            paired.add(key)
    return np.array(first, dtype=float), np.array(second, dtype=float)


async def consensus_pairs(round_id: uuid.UUID) -> tuple[np.ndarray, np.ndarray]:
    """(consensus score, fall in visible scalp from baseline) for each rated pair of the round
    whose two photos both have a figure."""
    scores = {
        (str(patient), view, month): score
        for patient, view, month, score in await RatingConsensus.filter(round_id=round_id).values_list(
            "patient_id", "view", "month", "score"
        )
    }
    pairs = await RatingPair.filter(round_id=round_id).values_list(
        "patient_id", "view", "month", "baseline_photo__coverage", "followup_photo__coverage"
    )
    consensus, fall = [], []
    for patient, view, month, before, after in pairs:
        score = scores.get((str(patient), view, month))
        start, end = _value(before), _value(after)
        if score is None or start is None or end is None:
            continue
        consensus.append(score)
        fall.append(start - end)
    return np.array(consensus, dtype=float), np.array(fall, dtype=float)


def compute(first: np.ndarray, second: np.ndarray, consensus: np.ndarray, fall: np.ndarray) -> CoverageReliability:
    repeat = statistics.repeatability(first, second)
    rho = statistics.spearman(consensus, fall)
    return CoverageReliability(
        method=METHOD,
        pairs=repeat.pairs,
        sem_points=repeat.sem,
        cv_percent=repeat.cv_percent,
        sdc_points=repeat.sdc,
        rho=Estimate(value=rho.value, low=rho.low, high=rho.high, n=rho.n, note=rho.note or None),
        note=NOTE,
    )


async def for_round(principal: StaffPrincipal, round_id: uuid.UUID) -> CoverageReliability:
    """The index's reliability beside a round's agreement: repeatability clinic-wide, rho on the
    round's rated pairs (admins and clinicians of the round's clinic)."""
    require_clinical(principal)
    await get_round(principal, round_id)
    first, second = await repeat_pairs(principal.clinic_id)
    consensus, fall = await consensus_pairs(round_id)
    return await asyncio.to_thread(compute, first, second, consensus, fall)


async def sdc_for_clinic(clinic_id: uuid.UUID) -> float | None:
    """The clinic's smallest detectable change in points, or None while too few repeat pairs."""
    first, second = await repeat_pairs(clinic_id)
    return statistics.repeatability(first, second).sdc
