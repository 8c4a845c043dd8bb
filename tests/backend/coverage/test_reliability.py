"""The index's reliability on a clinic's own rows: repeat captures in one sitting give the SEM and
smallest detectable change, a round's rated pairs give rho against the consensus; both on the
agreement page, each against a computation written here. Another clinic's photos never count."""

from __future__ import annotations

import math
import re
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from backend.checkins.models import CheckIn
from backend.photos.models import Photo
from backend.ratings.models import RatingConsensus, RatingPair, RatingRound
from shared.contract.checkins import PhotoStatus
from shared.coverage import METHOD
from tests.backend.coverage.test_statistics import _average_ranks, _pearson, _within_subject_sd
from tests.backend.dashboard.conftest import browser  # noqa: F401 - fixture

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)


async def _checkin(patient_id: uuid.UUID, month: int) -> CheckIn:
    found = await CheckIn.filter(patient_id=patient_id, month=month).first()
    return found or await CheckIn.create(
        patient_id=patient_id, month=month, due_on=date(2026, 1 + month, 15), views=["vertex", "crown"]
    )


async def _photo(patient_id: uuid.UUID, month: int, view: str, value: float | None, at: datetime) -> Photo:
    checkin = await _checkin(patient_id, month)
    coverage = {"method": METHOD, "value": value} if value is not None else {"method": METHOD, "refusal": "shine"}
    return await Photo.create(
        patient_id=patient_id, checkin_id=checkin.id, view=view, idempotency_key=uuid.uuid4(),
        storage_token=secrets.token_hex(16), status=PhotoStatus.READY, content_type="image/jpeg", sha256="0" * 64,
        size=1000, width=900, height=1200, captured_at=at, slot_issued_at=at, uploaded_at=at, processed_at=at,
        coverage=coverage,
    )


@pytest.mark.today("2026-06-20")
async def test_repeatability_and_rho_reach_the_agreement_page(world, browser):  # noqa: F811
    a, b, c = world.ids["patient_a"], world.ids["patient_b"], world.ids["patient_c"]
    repeats = [((a, 0, "vertex"), 40.0, 41.5), ((a, 0, "crown"), 30.0, 29.0), ((b, 0, "vertex"), 52.0, 52.6),
               ((b, 2, "crown"), 25.0, 27.0)]
    for (patient, month, view), first, second in repeats:
        at = T0 + timedelta(days=30 * month)
        await _photo(patient, month, view, first, at)
        await _photo(patient, month, view, second, at + timedelta(minutes=1))
    # not one sitting (two hours apart), a refused second frame, another clinic's repeat: none count
    await _photo(a, 1, "vertex", 38.0, T0 + timedelta(days=30))
    await _photo(a, 1, "vertex", 30.0, T0 + timedelta(days=30, hours=2))
    await _photo(b, 1, "vertex", 50.0, T0 + timedelta(days=30))
    await _photo(b, 1, "vertex", None, T0 + timedelta(days=30, minutes=1))
    await _photo(c, 0, "vertex", 10.0, T0)
    await _photo(c, 0, "vertex", 60.0, T0 + timedelta(minutes=1))

    rated = [  # (patient, view, month, consensus, baseline index, follow-up index)
        (a, "vertex", 3, 2.0, 41.0, 30.0), (a, "crown", 3, 1.0, 30.0, 27.5), (b, "vertex", 3, 0.0, 52.0, 52.5),
        (b, "crown", 3, 1.5, 25.0, 20.0), (a, "vertex", 4, 3.0, 41.0, 25.0), (b, "vertex", 4, -1.0, 52.0, 55.0),
        (a, "crown", 4, 0.5, 30.0, 29.0), (b, "crown", 4, 2.0, 25.0, 16.0),
    ]
    rating_round = await RatingRound.create(clinic_id=world.ids["clinic_x"], name="Panel", months=[3, 4], views=["vertex", "crown"])
    baselines: dict[tuple, Photo] = {}
    for patient, view, month, score, before, after in rated:
        start = baselines.get((patient, view)) or await _photo(patient, 0, view, before, T0 - timedelta(days=1))
        baselines[(patient, view)] = start
        end = await _photo(patient, month, view, after, T0 + timedelta(days=30 * month))
        await RatingPair.create(round=rating_round, patient_id=patient, view=view, month=month, baseline_photo=start, followup_photo=end)
        await RatingConsensus.create(
            clinic_id=world.ids["clinic_x"], round=rating_round, patient_id=patient, view=view, month=month, score=score, raters=2
        )

    admin = await browser("admin@x.example")
    page = await admin.get(f"/dashboard/ratings/{rating_round.id}/agreement")
    assert page.status_code == 200, page.text
    panel = re.search(r'id="coverage-reliability".*?</section>', page.text, re.S).group(0)
    assert "not a hair count" in panel

    sem = _within_subject_sd([(first, second) for _, first, second in repeats])
    shown_sem = float(re.search(r'data-sem="([^"]+)"', panel).group(1))
    assert shown_sem == pytest.approx(sem, rel=1e-9)
    assert float(re.search(r'data-sdc="([^"]+)"', panel).group(1)) == pytest.approx(1.96 * math.sqrt(2) * sem, rel=1e-3)
    assert f"from {len(repeats)} views captured twice in one sitting" in panel

    rho = _pearson(_average_ranks([r[3] for r in rated]), _average_ranks([r[4] - r[5] for r in rated]))
    assert float(re.search(r'data-rho="([^"]+)"', panel).group(1)) == pytest.approx(rho, abs=1e-9)
    assert f"over {len(rated)} rated pairs" in panel


async def test_another_clinics_round_has_no_reliability_to_show(world, client):
    theirs = await RatingRound.create(clinic_id=world.ids["clinic_y"], name="Theirs", months=[3], views=["vertex"])
    from backend.auth.principal import StaffPrincipal
    from backend.clinics.models import StaffUser
    from backend.coverage import reliability
    from shared.contract.auth import StaffRole
    from shared.errors import NotFound

    admin = await StaffUser.get(email="admin@x.example")
    principal = StaffPrincipal(
        staff_id=admin.id, clinic_id=admin.clinic_id, role=StaffRole.ADMIN, session_id=uuid.uuid4(),  # type: ignore[attr-defined]
        name=admin.name, email=admin.email, csrf_token="", via_cookie=False,
    )
    with pytest.raises(NotFound):
        await reliability.for_round(principal, theirs.id)
