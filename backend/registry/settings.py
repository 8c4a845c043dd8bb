"""The registry's settings, from FOLLICLE_REGISTRY_* variables (nothing read at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RegistrySettings:
    database_url: str = "sqlite://var/registry.sqlite3"
    host: str = "127.0.0.1"
    port: int = 8100
    method: str = "dl"  # the tau-squared estimator: dl (DerSimonian-Laird) or pm (Paule-Mandel)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> RegistrySettings:
        env = dict(os.environ if env is None else env)
        base = cls()
        return cls(
            database_url=env.get("FOLLICLE_REGISTRY_DATABASE_URL", base.database_url),
            host=env.get("FOLLICLE_REGISTRY_HOST", base.host),
            port=int(env.get("FOLLICLE_REGISTRY_PORT", base.port)),
            method=env.get("FOLLICLE_REGISTRY_METHOD", base.method),
        )

    def replace(self, **changes) -> RegistrySettings:
        return replace(self, **changes)
