"""Delivering due reminders: claim a batch, send to each phone, record every attempt, once per reminder.

Any number of workers may run `deliver_due` at once. A claim takes a batch of due rows in one
statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL, an atomic conditional UPDATE on SQLite),
marks them `sending` with a lease and a claim token, and counts the attempt. The results are
written in one transaction that first checks the claim token is still theirs: a worker that lost
its lease (it stalled, or was killed and its rows re-claimed) writes nothing over the new owner.
A killed worker's rows come back when their lease ends.

Delivery to the outbox (the app pulls its schedule) is exactly once: it is the committed row. A
push to FCM or APNs that succeeded just before a crash may be sent again after the lease; the
phone shows it once, because every push carries the reminder id as its collapse id.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from backend.enrolment.models import Device
from backend.outbox import LeasedTable, backoff, claim_rows, still_held
from backend.patients.models import Patient
from backend.patients.schedule import patient_schedule
from backend.push import DeliveryStatus, OutboxOnlyProvider, PushMessage, PushOutcome, PushPlatform, PushProvider
from backend.reminders.models import DeliveryAttempt, Reminder
from shared.clock import utcnow
from shared.contract.reminders import ReminderState
from shared.errors import InvalidInput
from shared.schedule import ReminderKind, ScheduleRuleError, after_quiet_hours, in_quiet_hours

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
DELIVERED = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.DELIVERED_TO_OUTBOX})
# outcomes after which a phone is done with a reminder
FINAL_FOR_DEVICE = frozenset(s.value for s in DeliveryStatus if s != DeliveryStatus.RETRY_LATER)
CLAIMED_COLUMNS = ("id", "patient_id", "kind", "session_id", "checkin_month", "due_at", "attempts")
_OUTBOX = OutboxOnlyProvider()


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard and how long the outbox tries. Backoff doubles from `first_retry` up to `max_retry`."""

    batch_size: int = 100
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 6
    first_retry: timedelta = timedelta(minutes=1)
    max_retry: timedelta = timedelta(hours=1)
    # a reminder this late helps nobody (an appointment reminder after the appointment)
    max_lateness: timedelta = timedelta(hours=24)
    injection_max_lateness: timedelta = timedelta(hours=1)
    concurrent_sends: int = 20

    @classmethod
    def from_settings(cls, settings: Any) -> DeliveryPolicy:
        return cls(
            batch_size=settings.reminder_batch_size,
            lease=timedelta(seconds=settings.reminder_lease_seconds),
        )

    def backoff(self, attempt: int, retry_after: float | None = None) -> timedelta:
        """The wait before try `attempt + 1`: doubling per try, or what the service asked, capped."""
        return backoff(attempt, first=self.first_retry, maximum=self.max_retry, retry_after=retry_after)

    def lateness_limit(self, kind: ReminderKind) -> timedelta:
        return self.injection_max_lateness if kind == ReminderKind.INJECTION_UPCOMING else self.max_lateness


@dataclass(frozen=True, slots=True)
class ClaimedReminder:
    id: uuid.UUID
    patient_id: uuid.UUID
    kind: ReminderKind
    session_id: uuid.UUID | None
    checkin_month: int | None
    due_at: datetime
    attempts: int


@dataclass
class Claim:
    token: uuid.UUID
    reminders: list[ClaimedReminder]


@dataclass
class SweepReport:
    """What one `deliver_due` run did."""

    batches: int = 0
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    dead: int = 0
    deferred: int = 0
    lost: int = 0

    def add(self, other: SweepReport) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Result:
    """One reminder's fate in this round, and the attempts that decided it."""

    state: ReminderState
    next_attempt_at: datetime | None = None
    last_error: str = ""
    attempts: list[DeliveryAttempt] = field(default_factory=list)
    disable_devices: list[uuid.UUID] = field(default_factory=list)
    not_an_attempt: bool = False



REMINDERS = LeasedTable("reminder", CLAIMED_COLUMNS)


async def claim_due(now: datetime, *, policy: DeliveryPolicy, worker: str) -> Claim:
    """Take up to `policy.batch_size` due reminders (or ones whose worker's lease ended) for this worker."""
    token, rows = await claim_rows(REMINDERS, now, worker=worker, lease=policy.lease, limit=policy.batch_size)
    fields = Reminder._meta.fields_map
    claimed = []
    for row in rows:
        values = {name: fields[_field_name(name)].to_python_value(row[name]) for name in CLAIMED_COLUMNS}
        for name in ("id", "patient_id", "session_id"):
            # asyncpg hands back its own UUID type; keep one kind of key in sets and dicts
            values[name] = uuid.UUID(str(values[name])) if values[name] is not None else None
        claimed.append(ClaimedReminder(**{**values, "kind": ReminderKind(values["kind"])}))
    claimed.sort(key=lambda r: r.due_at)
    return Claim(token=token, reminders=claimed)


def _field_name(column: str) -> str:
    return "patient" if column == "patient_id" else column


async def count_due(now: datetime) -> int:
    return await Reminder.filter(
        state__in=[ReminderState.PENDING, ReminderState.SENDING], next_attempt_at__lte=now
    ).count()


async def deliver_due(
    providers: Mapping[PushPlatform, PushProvider],
    *,
    clock: Clock = utcnow,
    policy: DeliveryPolicy = DeliveryPolicy(),
    worker: str = "worker",
    max_batches: int | None = None,
) -> SweepReport:
    """Claim and deliver batches until nothing is due (or `max_batches`). Safe to run on many workers."""
    report = SweepReport()
    while max_batches is None or report.batches < max_batches:
        claim = await claim_due(clock(), policy=policy, worker=worker)
        if not claim.reminders:
            break
        report.add(await deliver_claim(claim, providers, clock=clock, policy=policy))
    return report


async def deliver_claim(
    claim: Claim,
    providers: Mapping[PushPlatform, PushProvider],
    *,
    clock: Clock = utcnow,
    policy: DeliveryPolicy = DeliveryPolicy(),
) -> SweepReport:
    """Send one claimed batch and record the outcome: a fixed number of queries, whatever its size."""
    reminders = claim.reminders
    patients = {
        p["id"]: p
        for p in await Patient.filter(id__in={r.patient_id for r in reminders}).values(
            "id", "baseline_date", "timezone", "check_in_time", "quiet_hours_start", "quiet_hours_end",
            "push_enabled", "clinic__injection_reminder_hours",
        )
    }
    devices = await _push_devices([pid for pid, p in patients.items() if p["push_enabled"]])
    done_devices = await _devices_done_with([r.id for r in reminders if r.attempts > 1])
    semaphore = asyncio.Semaphore(policy.concurrent_sends)

    async def one(reminder: ClaimedReminder) -> _Result:
        async with semaphore:
            return await _deliver_one(
                reminder,
                patients.get(reminder.patient_id),
                [d for d in devices.get(reminder.patient_id, []) if d["id"] not in done_devices.get(reminder.id, set())],
                providers,
                clock(),
                policy,
            )

    results = await asyncio.gather(*(one(r) for r in reminders))
    return await _record(claim, dict(zip([r.id for r in reminders], results, strict=True)), clock(), policy)


async def _push_devices(patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    if not patient_ids:
        return {}
    rows = await Device.filter(
        patient_id__in=patient_ids, revoked_at=None, push_disabled_at=None, push_token__isnull=False
    ).values("id", "patient_id", "platform", "push_token")
    by_patient: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_patient[row["patient_id"]].append(row)
    return by_patient


async def _devices_done_with(reminder_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Phones an earlier try already settled (delivered, or refused for good): a retry skips them."""
    if not reminder_ids:
        return {}
    rows = await DeliveryAttempt.filter(
        reminder_id__in=reminder_ids, outcome__in=list(FINAL_FOR_DEVICE), device_id__isnull=False
    ).values("reminder_id", "device_id")
    done: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for row in rows:
        done[row["reminder_id"]].add(row["device_id"])
    return done


async def _deliver_one(
    reminder: ClaimedReminder,
    patient: dict[str, Any] | None,
    devices: list[dict[str, Any]],
    providers: Mapping[PushPlatform, PushProvider],
    now: datetime,
    policy: DeliveryPolicy,
) -> _Result:
    if reminder.attempts > policy.max_attempts:
        # only a worker dying mid-send, again and again, gets a row here: stop feeding it to workers
        return _Result(ReminderState.DEAD, last_error=f"gave up after {policy.max_attempts} tries", not_an_attempt=True)
    late = now - reminder.due_at
    if late > policy.lateness_limit(reminder.kind):
        limit = _hours(policy.lateness_limit(reminder.kind))
        return _Result(ReminderState.DEAD, last_error=f"too late to send: more than {limit} after its time", not_an_attempt=True)
    if patient is not None:
        try:
            schedule = patient_schedule(patient, fallback=False)
        except ScheduleRuleError:
            schedule = None
        if schedule is not None and in_quiet_hours(schedule, now):
            # a retry or a late worker must not wake anyone: wait for the end of quiet hours
            return _Result(ReminderState.PENDING, next_attempt_at=after_quiet_hours(schedule, now), not_an_attempt=True)
    if not devices:
        # no phone takes push (none registered, or the patient turned push off): the app's own schedule has it
        attempt = _attempt(reminder, None, _OUTBOX.name, PushOutcome.in_outbox(), now)
        return _Result(ReminderState.SENT, attempts=[attempt])
    sends = [_send_to_device(reminder, device, providers, policy) for device in devices]
    outcomes = await asyncio.gather(*sends)
    result = _Result(ReminderState.SENT)
    for device, (provider_name, outcome) in zip(devices, outcomes, strict=True):
        result.attempts.append(_attempt(reminder, device["id"], provider_name, outcome, now))
        if outcome.disables_device:
            result.disable_devices.append(device["id"])
    return _settle(result, [o for _, o in outcomes], reminder, now, policy)


async def _send_to_device(
    reminder: ClaimedReminder, device: dict[str, Any], providers: Mapping[PushPlatform, PushProvider], policy: DeliveryPolicy
) -> tuple[str, PushOutcome]:
    try:
        platform = PushPlatform(device["platform"])
    except ValueError:
        # a desktop install has no push service; it reads its schedule from the outbox
        return _OUTBOX.name, PushOutcome.in_outbox()
    provider = providers.get(platform, _OUTBOX)
    try:
        message = _message(reminder, device, policy)
    except InvalidInput as exc:
        return provider.name, PushOutcome.token_invalid(f"stored token refused: {exc.message}")
    try:
        return provider.name, await provider.send(message)
    except Exception as exc:  # a provider promises not to raise; if one does, retry later rather than lose it
        log.exception("push provider %s raised", provider.name)
        return provider.name, PushOutcome.retry_later(f"{provider.name} raised {type(exc).__name__}")


def _message(reminder: ClaimedReminder, device: dict[str, Any], policy: DeliveryPolicy) -> PushMessage:
    return PushMessage(
        device_token=device["push_token"],
        platform=PushPlatform(device["platform"]),
        kind=reminder.kind,
        reminder_id=str(reminder.id),
        session_id=str(reminder.session_id) if reminder.session_id else None,
        checkin_month=reminder.checkin_month,
        time_to_live=policy.lateness_limit(reminder.kind),
    )


def _settle(
    result: _Result, outcomes: list[PushOutcome], reminder: ClaimedReminder, now: datetime, policy: DeliveryPolicy
) -> _Result:
    """One phone reached is enough; otherwise retry while a phone may still take it; otherwise failed."""
    if any(o.status in DELIVERED for o in outcomes):
        return result
    retries = [o for o in outcomes if not o.is_final]
    errors = "; ".join(dict.fromkeys(o.detail or o.status.value for o in outcomes))[:500]
    if retries:
        if reminder.attempts >= policy.max_attempts:
            result.state, result.last_error = ReminderState.DEAD, f"not delivered after {reminder.attempts} tries: {errors}"[:500]
            return result
        wait = policy.backoff(reminder.attempts, max((o.retry_after or 0) for o in retries) or None)
        result.state, result.next_attempt_at, result.last_error = ReminderState.PENDING, now + wait, errors
        return result
    result.state, result.last_error = ReminderState.FAILED, errors
    return result


def _attempt(
    reminder: ClaimedReminder, device_id: uuid.UUID | None, provider: str, outcome: PushOutcome, now: datetime
) -> DeliveryAttempt:
    return DeliveryAttempt(
        reminder_id=reminder.id,
        device_id=device_id,
        attempt=reminder.attempts,
        provider=provider,
        outcome=outcome.status.value,
        detail=(outcome.detail or "")[:500],
        at=now,
    )


async def _record(claim: Claim, results: dict[uuid.UUID, _Result], now: datetime, policy: DeliveryPolicy) -> SweepReport:
    report = SweepReport(batches=1, claimed=len(results))
    async with in_transaction():
        # still ours? (locked, so a worker re-claiming them after our lease ended waits for this commit)
        held = await still_held(Reminder, list(results), claim.token)
        attempts: list[DeliveryAttempt] = []
        for reminder_id, result in results.items():
            if reminder_id in held:
                attempts += result.attempts
            else:
                # another worker owns it now; a push that really left is still worth its record
                attempts += [a for a in result.attempts if a.provider != _OUTBOX.name]
        if attempts:
            await DeliveryAttempt.bulk_create(attempts)
        disable = sorted({d for r in results.values() for d in r.disable_devices})
        if disable:
            await Device.filter(id__in=disable, push_disabled_at=None).update(push_disabled_at=now)
        sent = [rid for rid, r in results.items() if rid in held and r.state == ReminderState.SENT]
        if sent:
            await Reminder.filter(id__in=sent, claim_token=claim.token).update(
                state=ReminderState.SENT, sent_at=now, claim_token=None, claimed_by=None, last_error="", updated_at=now
            )
        # the rest, grouped by what they become: a handful of statements whatever the batch size
        claimed = {r.id: r for r in claim.reminders}
        groups: dict[tuple, list[uuid.UUID]] = defaultdict(list)
        for reminder_id, result in results.items():
            if reminder_id not in held or result.state == ReminderState.SENT:
                continue
            # deferred for quiet hours, or given up without sending: this round was not a try
            attempts = claimed[reminder_id].attempts - 1 if result.not_an_attempt else None
            groups[(result.state, result.last_error, result.next_attempt_at, attempts)].append(reminder_id)
        for (state, last_error, next_attempt_at, attempts), ids in groups.items():
            values: dict[str, Any] = {
                "state": state, "last_error": last_error, "claim_token": None, "claimed_by": None, "updated_at": now,
            }
            if next_attempt_at is not None:
                values["next_attempt_at"] = next_attempt_at
            if attempts is not None:
                values["attempts"] = max(0, attempts)
            await Reminder.filter(id__in=ids, claim_token=claim.token).update(**values)
    report.lost = len(results) - len(held)
    for reminder_id, result in results.items():
        if reminder_id not in held:
            continue
        if result.state == ReminderState.SENT:
            report.sent += 1
        elif result.state == ReminderState.PENDING:
            if result.not_an_attempt:
                report.deferred += 1
            else:
                report.retrying += 1
        elif result.state == ReminderState.FAILED:
            report.failed += 1
        elif result.state == ReminderState.DEAD:
            report.dead += 1
    return report


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g} h"
