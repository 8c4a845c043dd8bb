"""The clinic in the network: join (an admin opts in; a key pair is made), publish a period's
signed summary into the outbox, deliver the outbox to the registry with retries, leave, and take
the registry's lot signals for the lots this clinic used into its safety inbox."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import msgspec
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.clinics.models import Clinic
from backend.disclosure import policy_for_clinic
from backend.injections.models import InjectionSession
from backend.network import summary
from backend.network.models import NetworkLotSignal, NetworkMembership, NetworkSubmission
from backend.outbox import LeasedTable, backoff, claim_rows, still_held
from backend.registry import signing
from shared.contract.network import JoinReceipt, LotSignalList, Withdrawal
from shared.errors import Conflict, ErrorCode, InvalidInput, Unavailable

log = logging.getLogger(__name__)

STATEMENT = (
    "Joining the Follicle network sends the registry, once a month and when you press Publish now, a signed "
    "summary of this clinic's research-consented patients: per treatment, how many patients and sessions, the "
    "blinded consensus at months 3, 6 and 12 (how many patients were rated, their mean and spread, how many "
    "improved), side effects per session, and per product lot the sessions and those followed by a "
    "moderate-or-worse or serious side effect. Nothing about any one patient leaves: no names, record numbers, "
    "dates, photos or answers, and every figure passes the clinic's disclosure control first (a figure hidden "
    "on your outcomes page is not sent). Patients without research consent are never counted. You can leave "
    "at any time; the registry then drops this clinic's figures from every pooled result."
)
TABLE = LeasedTable("network_submission", ("id", "clinic_id", "kind", "payload", "signature", "attempts"))
LEASE = timedelta(seconds=60)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
TIMEOUT = httpx.Timeout(10.0)


@dataclass
class NetworkHttp:
    """How this process reaches registries; tests hand it a transport to an in-process registry."""

    transport: httpx.AsyncBaseTransport | None = None

    def client(self, base_url: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=base_url.rstrip("/"), transport=self.transport, timeout=TIMEOUT)


async def membership(clinic_id: uuid.UUID) -> NetworkMembership | None:
    """The clinic's current membership (None when it never joined or has left)."""
    return await NetworkMembership.filter(clinic_id=clinic_id, left_at__isnull=True).first()


def _registry_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) > 300:
        raise InvalidInput("The registry's address must start with https:// (or http:// on this machine).")
    return url


async def join(principal: StaffPrincipal, registry_url: str, http: NetworkHttp) -> NetworkMembership:
    """Opt the clinic in: a key pair is made, the registry is told the public half."""
    url = _registry_url(registry_url)
    if await membership(principal.clinic_id):
        raise Conflict("This clinic is in the network already.", code=ErrorCode.INVALID_STATE)
    clinic = await Clinic.get(id=principal.clinic_id)
    private_key = signing.new_private_key()
    public_key = signing.public_key_of(private_key)
    try:
        async with http.client(url) as client:
            response = await client.post("/network/clinics", json={"name": clinic.name[:200], "public_key": public_key})
    except httpx.HTTPError as exc:
        raise Unavailable(f"The registry at {url} did not answer ({type(exc).__name__}).",
                          code=ErrorCode.REGISTRY_UNAVAILABLE, retry_after=30) from None
    if response.status_code != 201:
        raise Unavailable(f"The registry refused to join this clinic ({response.status_code}).",
                          code=ErrorCode.REGISTRY_UNAVAILABLE, retry_after=30)
    receipt = msgspec.json.decode(response.content, type=JoinReceipt)
    async with in_transaction():
        await NetworkMembership.filter(clinic_id=principal.clinic_id).delete()  # an earlier, left membership
        member = await NetworkMembership.create(
            clinic_id=principal.clinic_id, registry_url=url, registry_clinic_id=receipt.clinic,
            private_key=private_key, public_key=public_key, joined_at=datetime.now(UTC), joined_by_id=principal.staff_id,
        )
        await audit.record(principal, "network.join", "clinic", principal.clinic_id, detail={"registry": url})
    return member


async def _next_sequence(clinic_id: uuid.UUID) -> tuple[NetworkMembership, int]:
    """Inside a transaction: the membership, locked, with its message number moved on."""
    member = await NetworkMembership.filter(clinic_id=clinic_id, left_at__isnull=True).select_for_update().first()
    if member is None:
        raise Conflict("This clinic is not in the network; an admin can join it on the Network page.",
                       code=ErrorCode.NOT_IN_NETWORK)
    member.sequence += 1
    await member.save(update_fields=["sequence"])
    return member, member.sequence


async def publish(clinic_id: uuid.UUID, *, today: date | None = None, actor: StaffPrincipal | None = None) -> NetworkSubmission:
    """Sign this period's summary and put it in the outbox (an unsent one of the same period is superseded)."""
    today = today or datetime.now(UTC).date()
    data = await summary.aggregates(clinic_id, today)
    policy = await policy_for_clinic(clinic_id)
    period = summary.period_of(today)
    now = datetime.now(UTC)
    async with in_transaction():
        member, sequence = await _next_sequence(clinic_id)
        message = summary.disclosed_summary(
            data, policy, clinic=member.registry_clinic_id, period=period, sequence=sequence, issued_at=now
        )
        payload = msgspec.json.encode(message).decode()
        await NetworkSubmission.filter(clinic_id=clinic_id, kind="summary", period=period, state="pending").update(
            state="superseded", updated_at=now
        )
        row = await NetworkSubmission.create(
            clinic_id=clinic_id, kind="summary", period=period, sequence=sequence, payload=payload,
            signature=signing.sign(member.private_key, payload), next_attempt_at=now,
        )
        await audit.record(
            actor, "network.publish", "clinic", clinic_id, clinic_id=clinic_id,
            detail={"period": period, "sequence": sequence, "arms": len(message.arms), "lots": len(message.lots)},
        )
    return row


async def leave(principal: StaffPrincipal) -> None:
    """Leave the network: a signed withdrawal goes out through the outbox; nothing more is published."""
    now = datetime.now(UTC)
    async with in_transaction():
        member, sequence = await _next_sequence(principal.clinic_id)
        payload = msgspec.json.encode(Withdrawal(clinic=member.registry_clinic_id, sequence=sequence)).decode()
        await NetworkSubmission.filter(clinic_id=principal.clinic_id, state="pending").update(state="superseded", updated_at=now)
        await NetworkSubmission.create(
            clinic_id=principal.clinic_id, kind="withdrawal", period=summary.period_of(now.date()), sequence=sequence,
            payload=payload, signature=signing.sign(member.private_key, payload), next_attempt_at=now,
        )
        member.left_at = now
        await member.save(update_fields=["left_at"])
        await audit.record(principal, "network.leave", "clinic", principal.clinic_id)


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    refused: int = 0


async def deliver_due(http: NetworkHttp, *, worker: str, now: datetime | None = None, limit: int = 20) -> DeliveryReport:
    """Send the outbox's due messages; a registry that is down is tried again with doubling waits.
    The same signed message is what is retried, so the registry stores it once."""
    now = now or datetime.now(UTC)
    token, rows = await claim_rows(TABLE, now, worker=worker, lease=LEASE, limit=limit)
    report = DeliveryReport(claimed=len(rows))
    if not rows:
        return report
    members = {
        m.clinic_id: m for m in await NetworkMembership.filter(clinic_id__in={r["clinic_id"] for r in rows})
    }
    results: dict[uuid.UUID, dict[str, Any]] = {}
    for row in rows:
        row_id = row["id"] if isinstance(row["id"], uuid.UUID) else uuid.UUID(str(row["id"]))
        member = members.get(row["clinic_id"] if isinstance(row["clinic_id"], uuid.UUID) else uuid.UUID(str(row["clinic_id"])))
        if member is None:
            results[row_id] = {"state": "refused", "last_error": "the clinic's membership is gone"}
            continue
        path = "/network/withdrawals" if row["kind"] == "withdrawal" else "/network/submissions"
        try:
            async with http.client(member.registry_url) as client:
                response = await client.post(path, json={"payload": row["payload"], "signature": row["signature"]})
        except httpx.HTTPError as exc:
            response, error = None, f"registry unreachable ({type(exc).__name__})"
        if response is not None and response.status_code < 300:
            results[row_id] = {"state": "sent", "sent_at": now, "last_error": ""}
        elif response is not None and 400 <= response.status_code < 500 and response.status_code != 429:
            code = _error_code(response)
            state = "superseded" if code == ErrorCode.SUBMISSION_REPLAYED else "refused"
            results[row_id] = {"state": state, "last_error": f"{response.status_code} {code}"[:300]}
        else:
            if response is not None:
                error = f"registry answered {response.status_code}"
            wait = backoff(int(row["attempts"]), first=FIRST_RETRY, maximum=LONGEST_WAIT)
            results[row_id] = {"state": "pending", "next_attempt_at": now + wait, "last_error": error[:300]}
    async with in_transaction():
        held = await still_held(NetworkSubmission, list(results), token)
        for row_id, changes in results.items():
            if row_id in held:
                await NetworkSubmission.filter(id=row_id).update(**changes, claim_token=None, updated_at=now)
                report.sent += changes["state"] == "sent"
                report.retrying += changes["state"] == "pending"
                report.refused += changes["state"] in ("refused", "superseded")
    return report


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "unknown"


async def lots_used(clinic_id: uuid.UUID) -> set[str]:
    rows = await InjectionSession.filter(clinic_id=clinic_id).exclude(lot_number="").distinct().values_list("lot_number", flat=True)
    return {str(lot).strip().upper() for lot in rows}


async def sync_signals(clinic_id: uuid.UUID, http: NetworkHttp) -> int:
    """Fetch the network's lot signals and keep those on lots this clinic used (new ones wait in the
    safety inbox until a clinician acknowledges them); the number of signals on the clinic's lots."""
    member = await membership(clinic_id)
    if member is None:
        return 0
    try:
        async with http.client(member.registry_url) as client:
            response = await client.get("/network/lot-signals")
        response.raise_for_status()
        signals = msgspec.json.decode(response.content, type=LotSignalList).items
    except (httpx.HTTPError, msgspec.DecodeError) as exc:
        log.warning("network lot signals: registry unreachable: %s", exc)
        return 0
    mine = await lots_used(clinic_id)
    now = datetime.now(UTC)
    kept = 0
    async with in_transaction():
        for s in signals:
            if s.lot_number.upper() not in mine:
                continue
            kept += 1
            figures = {
                "treatment": s.treatment[:20], "product": s.product[:200], "clinics": s.clinics,
                "lot_sessions": s.lot_sessions, "lot_events": s.lot_events, "rest_sessions": s.rest_sessions,
                "rest_events": s.rest_events, "p_adjusted": s.p_adjusted,
            }
            found = await NetworkLotSignal.filter(clinic_id=clinic_id, lot_number=s.lot_number.upper(), kind=s.kind).first()
            if found is None:
                await NetworkLotSignal.create(
                    clinic_id=clinic_id, lot_number=s.lot_number.upper(), kind=s.kind, received_at=now, **figures
                )
            else:
                await NetworkLotSignal.filter(id=found.id).update(**figures)
    return kept


async def signals_for(clinic_id: uuid.UUID) -> list[NetworkLotSignal]:
    """The network's signals on this clinic's lots, unacknowledged first."""
    rows = await NetworkLotSignal.filter(clinic_id=clinic_id).order_by("-received_at")
    return sorted(rows, key=lambda s: s.acknowledged_at is not None)


async def acknowledge_signal(principal: StaffPrincipal, signal_id: uuid.UUID) -> None:
    async with in_transaction():
        changed = await NetworkLotSignal.filter(id=signal_id, clinic_id=principal.clinic_id, acknowledged_at__isnull=True).update(
            acknowledged_at=datetime.now(UTC), acknowledged_by_id=principal.staff_id
        )
        if changed:
            await audit.record(principal, "network.signal.acknowledge", "network_lot_signal", signal_id)


@dataclass(frozen=True)
class NetworkStatus:
    member: NetworkMembership | None
    outbox: list[NetworkSubmission]
    signals: list[NetworkLotSignal]
    statement: str = STATEMENT


async def status(clinic_id: uuid.UUID) -> NetworkStatus:
    """What the Network page shows: membership, the latest messages with their delivery state, signals."""
    outbox = await NetworkSubmission.filter(clinic_id=clinic_id).order_by("-sequence").limit(10)
    return NetworkStatus(await membership(clinic_id), outbox, await signals_for(clinic_id))


async def publish_due(*, today: date | None = None) -> int:
    """The monthly round: every member clinic without a summary for this period publishes one."""
    today = today or datetime.now(UTC).date()
    period = summary.period_of(today)
    done = set(
        await NetworkSubmission.filter(kind="summary", period=period).exclude(state="superseded").values_list("clinic_id", flat=True)
    )
    published = 0
    for member in await NetworkMembership.filter(left_at__isnull=True):
        if member.clinic_id not in done:
            await publish(member.clinic_id, today=today)
            published += 1
    return published


async def sync_all(http: NetworkHttp) -> int:
    return sum([await sync_signals(m.clinic_id, http) for m in await NetworkMembership.filter(left_at__isnull=True)])
