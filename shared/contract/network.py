"""The Follicle network's messages: what a clinic publishes to the registry (a signed summary of
aggregates, nothing per patient) and what the registry publishes back (pooled figures, lot signals)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from shared.contract.base import Request, Response

SUMMARY_FORMAT = "follicle-network-summary/1"
Period = Annotated[str, msgspec.Meta(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")]  # a calendar month
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Tally = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]
Score = Annotated[float, msgspec.Meta(ge=-3, le=3)]
Spread = Annotated[float, msgspec.Meta(ge=0, le=6)]


class Payload(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A message signed inside a SignedMessage: closed like a Request, but checked for control
    characters once, whole, where the registry takes it (`has_control_character`), not per nested
    Struct, so reading a thousand stored summaries back costs only their decoding."""


PublicKey = Annotated[str, msgspec.Meta(min_length=40, max_length=60)]  # base64 of 32 bytes (Ed25519)


class EfficacyCell(Payload, kw_only=True):
    """An arm's blinded consensus at a month: the patients rated, their mean and spread, how many
    improved (None when the disclosure control hid it: few improved, or few did not)."""

    month: Annotated[int, msgspec.Meta(ge=1, le=61)]
    patients: Tally
    mean: Score
    sd: Spread
    improved: Tally | None = None


class HarmCell(Payload, kw_only=True):
    """Sessions given and those followed by a side effect of each kind."""

    patients: Tally
    sessions: Tally
    any: Tally
    moderate_or_worse: Tally
    serious: Tally


class ArmSummary(Payload, kw_only=True):
    arm: Label
    products: list[Label] = []
    patients: Tally
    sessions: Tally
    efficacy: list[EfficacyCell] = []
    harm: HarmCell | None = None


class LotSummary(Payload, kw_only=True):
    treatment: Label
    product: Annotated[str, msgspec.Meta(max_length=200)] = ""
    lot_number: Label
    patients: Tally
    sessions: Tally
    moderate_or_worse: Tally
    serious: Tally


class NetworkSummary(Payload, kw_only=True):
    """One clinic's figures for one period, as the disclosure control left them (a hidden cell is absent)."""

    format: str = SUMMARY_FORMAT
    clinic: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    period: Period
    sequence: Annotated[int, msgspec.Meta(ge=1, le=2**53)]  # grows with every message the clinic signs
    issued_at: datetime
    arms: list[ArmSummary] = []
    lots: list[LotSummary] = []


class SignedMessage(Request, kw_only=True):
    """`payload` is the JSON text signed (Ed25519, base64 `signature`) exactly as sent."""

    payload: Annotated[str, msgspec.Meta(min_length=2, max_length=1_000_000)]
    signature: Annotated[str, msgspec.Meta(min_length=80, max_length=100)]


class Withdrawal(Payload, kw_only=True):
    """A clinic leaves the network; its figures drop out of every pooled result."""

    clinic: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    sequence: Annotated[int, msgspec.Meta(ge=1, le=2**53)]
    action: str = "withdraw"


class JoinRequest(Request, kw_only=True):
    name: Label
    public_key: PublicKey


class JoinReceipt(Response, kw_only=True):
    clinic: str
    joined_at: datetime


class SubmissionReceipt(Response, kw_only=True):
    clinic: str
    period: str
    sequence: int
    digest: str  # sha256 of the payload: the same summary sent again answers the same receipt
    replaced_earlier: bool


class NetworkLotSignal(Response, kw_only=True):
    """A lot flagged across the network: its share of sessions followed by the kind of side effect,
    against the product's other lots, pooled over every clinic that used it."""

    treatment: str
    product: str
    lot_number: str
    kind: str  # moderate_or_worse | serious
    clinics: int
    lot_sessions: int
    lot_events: int
    rest_sessions: int
    rest_events: int
    p_value: float
    p_adjusted: float


class LotSignalList(Response, kw_only=True):
    items: list[NetworkLotSignal]
    method: str
