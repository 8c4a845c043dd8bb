"""A clinic joins, publishes its disclosure-controlled summary through the outbox, survives a registry
that is down (retried with backoff, sent once), leaves; a lot bad at two clinics reaches both."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import msgspec
import numpy as np
import pytest
from scipy import stats

from backend.clinics.models import Clinic
from backend.network import service
from backend.network.models import NetworkLotSignal, NetworkMembership, NetworkSubmission
from backend.outcomes.demo import WORSE_LOT, seed_outcomes_cohort
from backend.outcomes.models import OutcomePatient
from backend.patients.models import Patient
from shared.contract.network import NetworkSummary
from tests.backend.network.conftest import REGISTRY, admin_of
from tests.backend.registry.test_pooling import independent

TODAY = date(2026, 6, 15)
SECOND_DEMO_SEED = 20261207


async def joined_demo_network(world, network) -> list[Clinic]:
    """Clinic X with the demo cohort, clinic Y with another draw of it, both joined and published."""
    clinics = [await Clinic.get(id=world.ids["clinic_x"]), await Clinic.get(id=world.ids["clinic_y"])]
    await seed_outcomes_cohort(clinics[0], today=TODAY)
    await seed_outcomes_cohort(clinics[1], today=TODAY, seed=SECOND_DEMO_SEED)
    for clinic in clinics:
        await service.join(await admin_of(clinic.id), REGISTRY, network.http)
        await service.publish(clinic.id, today=TODAY)
    report = await service.deliver_due(network.http, worker="test")
    assert (report.claimed, report.sent) == (2, 2)
    return clinics


async def pooled(network) -> dict:
    return (await network.registry.get("/network/pooled")).json()


def figure(body: dict, arm: str, name: str, month: int | None) -> dict:
    return next(f for f in body["figures"] if (f["arm"], f["figure"], f["month"]) == (arm, name, month))


@pytest.mark.today("2026-06-15")
async def test_the_demo_networks_pooled_consensus_equals_a_computation_from_the_patients(client, world, network):
    clinics = await joined_demo_network(world, network)
    body = await pooled(network)
    assert body["clinics"] == 2 and body["patients"] == 400
    for arm in ("exosomes", "prp", "microneedling", "combination"):
        for month in (3, 6, 12):
            # each clinic's mean and spread straight from its patients' own consensus facts
            effects, variances, patients = [], [], 0
            for clinic in clinics:
                values = await OutcomePatient.filter(
                    patient__clinic_id=clinic.id, patient__consent_research=True, patient__treatment=arm,
                    **{f"c{month}__isnull": False},
                ).values_list(f"c{month}", flat=True)
                x = np.asarray(values, dtype=float)
                effects.append(x.mean())
                variances.append(x.var(ddof=1) / len(x))
                patients += len(x)
            expected = independent(effects, variances, "dl")
            got = figure(body, arm, "consensus", month)
            assert (arm, month, got["clinics"], got["patients"]) == (arm, month, 2, patients)
            for name in ("estimate", "low", "high", "tau2"):  # summaries carry means and spreads to 6 decimals
                assert got["pooled"][name] == pytest.approx(expected[name], abs=1e-5), (arm, month, name)
    # exosomes ahead of microneedling across the network, as at each clinic
    assert figure(body, "exosomes", "consensus", 12)["pooled"]["low"] > figure(body, "microneedling", "consensus", 12)["pooled"]["high"]


@pytest.mark.today("2026-06-15")
async def test_a_lot_bad_at_two_clinics_reaches_both_clinics_inboxes(client, world, network):
    clinics = await joined_demo_network(world, network)
    signals = (await network.registry.get("/network/lot-signals")).json()["items"]
    worse = [s for s in signals if s["lot_number"] == WORSE_LOT]
    assert worse and worse[0]["clinics"] == 2
    for clinic in clinics:
        assert await service.sync_signals(clinic.id, network.http) >= 1
        mine = await service.signals_for(clinic.id)
        assert WORSE_LOT in {s.lot_number for s in mine}
        assert all(s.acknowledged_at is None for s in mine)
    # fetching again changes nothing: one signal per lot and kind
    await service.sync_signals(clinics[0].id, network.http)
    assert await NetworkLotSignal.filter(clinic_id=clinics[0].id, lot_number=WORSE_LOT).count() == len(
        {s["kind"] for s in worse}
    )


@pytest.mark.today("2026-06-15")
async def test_a_registry_that_is_down_is_retried_with_backoff_and_the_summary_counted_once(client, world, network):
    clinic = await Clinic.get(id=world.ids["clinic_x"])
    await seed_outcomes_cohort(clinic, today=TODAY)
    await service.join(await admin_of(clinic.id), REGISTRY, network.http)
    row = await service.publish(clinic.id, today=TODAY)
    network.switch.down = True
    now = datetime.now(UTC)
    first = await service.deliver_due(network.http, worker="test", now=now)
    assert (first.claimed, first.retrying) == (1, 1)
    row = await NetworkSubmission.get(id=row.id)
    assert row.state == "pending" and row.attempts == 1 and "unreachable" in row.last_error
    assert row.next_attempt_at >= now + timedelta(seconds=29)
    # not due yet: nothing is tried
    assert (await service.deliver_due(network.http, worker="test", now=now + timedelta(seconds=5))).claimed == 0
    second = await service.deliver_due(network.http, worker="test", now=now + timedelta(seconds=31))
    row = await NetworkSubmission.get(id=row.id)
    assert second.retrying == 1 and row.next_attempt_at >= now + timedelta(seconds=31 + 59)  # the wait doubled
    network.switch.down = False
    third = await service.deliver_due(network.http, worker="test", now=now + timedelta(hours=2))
    assert third.sent == 1 and (await NetworkSubmission.get(id=row.id)).state == "sent"
    # the answer was lost and the same signed message goes again: the registry keeps one
    await NetworkSubmission.filter(id=row.id).update(state="pending", next_attempt_at=now)
    assert (await service.deliver_due(network.http, worker="test", now=now + timedelta(hours=3))).sent == 1
    body = await pooled(network)
    assert body["clinics"] == 1 and body["patients"] == 200


@pytest.mark.today("2026-06-15")
async def test_what_leaves_passed_disclosure_control_and_holds_research_patients_only(client, world, network):
    clinic = await Clinic.get(id=world.ids["clinic_x"])
    await seed_outcomes_cohort(clinic, today=TODAY)
    # microneedling keeps 3 research-consented patients: too few for anything of that arm to leave
    micro = await Patient.filter(clinic=clinic, treatment="microneedling", consent_research=True).order_by("record_number")
    for patient in micro[3:]:
        patient.consent_research = False
        await patient.save()
    from backend.outcomes import facts

    await facts.rebuild(clinic.id)
    await service.join(await admin_of(clinic.id), REGISTRY, network.http)
    row = await service.publish(clinic.id, today=TODAY)
    sent = msgspec.json.decode(row.payload, type=NetworkSummary)
    assert {a.arm for a in sent.arms} == {"exosomes", "prp", "combination"}
    assert "DP-CART-17" not in {lot.lot_number for lot in sent.lots}  # the microneedling arm's only lot
    research = await Patient.filter(clinic=clinic, consent_research=True).count()
    assert sum(a.patients for a in sent.arms) == research - 3
    for a in sent.arms:
        for cell in a.efficacy:
            assert cell.patients >= 5
            assert cell.improved is None or 5 <= cell.improved <= cell.patients - 5 or cell.improved in (0, cell.patients)
    text = row.payload
    for patient in await Patient.filter(clinic=clinic).limit(50):
        assert patient.record_number not in text and patient.display_name not in text
    assert (await service.deliver_due(network.http, worker="test")).sent == 1


@pytest.mark.today("2026-06-15")
async def test_a_clinic_that_leaves_drops_out_of_the_network(client, world, network):
    await joined_demo_network(world, network)
    admin = await admin_of(world.ids["clinic_x"])
    await service.leave(admin)
    assert (await service.deliver_due(network.http, worker="test")).sent == 1
    assert (await pooled(network))["clinics"] == 1
    assert await service.membership(world.ids["clinic_x"]) is None
    from shared.errors import Conflict

    with pytest.raises(Conflict):
        await service.publish(world.ids["clinic_x"], today=TODAY)
    # joining again is a new member with a new key
    await service.join(admin, REGISTRY, network.http)
    assert await NetworkMembership.filter(clinic_id=world.ids["clinic_x"]).count() == 1


async def test_joining_an_unreachable_registry_says_so_and_stores_nothing(client, world, network):
    network.switch.down = True
    from shared.errors import Unavailable

    with pytest.raises(Unavailable) as raised:
        await service.join(await admin_of(world.ids["clinic_x"]), REGISTRY, network.http)
    assert raised.value.code == "registry_unavailable"
    assert await NetworkMembership.all().count() == 0
