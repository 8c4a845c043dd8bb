"""Clinics for registry tests: a key pair, a join, and summaries built and signed as a clinic does."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

import msgspec

from backend.registry import signing
from shared.contract.network import ArmSummary, EfficacyCell, HarmCell, LotSummary, NetworkSummary


@dataclass(eq=False)
class NetworkClinic:
    name: str
    private_key: str = field(default_factory=signing.new_private_key)
    clinic_id: str = ""
    sequence: int = 0

    @property
    def public_key(self) -> str:
        return signing.public_key_of(self.private_key)

    async def join(self, registry) -> None:
        response = await registry.post("/network/clinics", json={"name": self.name, "public_key": self.public_key})
        assert response.status_code == 201, response.text
        self.clinic_id = response.json()["clinic"]

    def signed(self, payload: dict | NetworkSummary, *, key: str | None = None) -> dict:
        text = payload if isinstance(payload, str) else msgspec.json.encode(payload).decode()
        return {"payload": text, "signature": signing.sign(key or self.private_key, text)}

    def summary(self, period: str, arms: list[ArmSummary], lots: list[LotSummary] = ()) -> NetworkSummary:
        self.sequence += 1
        return NetworkSummary(
            clinic=self.clinic_id, period=period, sequence=self.sequence, issued_at=datetime.now(UTC),
            arms=list(arms), lots=list(lots),
        )


def arm(name: str, rng: random.Random, *, effect: float = 0.8, patients: int = 40) -> ArmSummary:
    cells = []
    for month in (3, 6, 12):
        n = max(12, patients - month)
        mean = round(rng.gauss(effect * month / 12 + 0.2, 0.2), 3)
        cells.append(EfficacyCell(month=month, patients=n, mean=max(-3, min(3, mean)), sd=round(rng.uniform(0.7, 1.1), 3),
                                  improved=max(5, min(n - 5, int(n * (0.3 + mean / 3))))))
    sessions = patients * 4
    moderate = rng.randint(2, sessions // 8)
    return ArmSummary(
        arm=name, products=[f"{name} product"], patients=patients, sessions=sessions, efficacy=cells,
        harm=HarmCell(patients=patients, sessions=sessions, any=moderate * 2, moderate_or_worse=moderate, serious=0),
    )
