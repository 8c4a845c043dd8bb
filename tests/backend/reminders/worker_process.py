"""A reminder worker without Redis, for the race test: `python -m tests.backend.reminders.worker_process`.

`follicle worker` needs a Redis broker; without one, this runs the same delivery round
(`deliver_due`) in a plain loop, every FOLLICLE_REMINDER_SWEEP_SECONDS, against the database.
"""

from __future__ import annotations

import asyncio

from backend.app import connect
from backend.db import close_database
from backend.reminders.delivery import DeliveryPolicy, deliver_due
from backend.reminders.runtime import push_providers, worker_name
from backend.settings import Settings


async def main() -> None:
    settings = Settings.from_env(env_file=None)
    await connect(settings.database_url)
    try:
        async with push_providers(settings) as providers:
            print("reminder worker: delivering", flush=True)
            while True:
                await deliver_due(providers, policy=DeliveryPolicy.from_settings(settings), worker=worker_name())
                await asyncio.sleep(settings.reminder_sweep_seconds)
    finally:
        await close_database()


if __name__ == "__main__":
    asyncio.run(main())
