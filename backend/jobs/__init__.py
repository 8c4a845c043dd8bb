"""Background jobs on taskiq: one broker per process, features register their tasks on it.

- `build_broker(settings)`: taskiq's InMemoryBroker when FOLLICLE_BROKER_URL is "memory" (jobs
  run in the API process, the embedded default), a Redis stream broker (acknowledged messages;
  a message whose worker died is delivered again) when it is a redis:// URL.
- `JobRuntime`: the broker plus what tasks need (settings, store); `runtime.register(fn, name)`
  adds a task, `runtime.every(seconds, fn)` a periodic round, `runtime.enqueue(name, ...)` sends.
- A feature offers `def register_jobs(runtime) -> None`; `backend.app.job_registrations()` lists
  them, and both the API (`jobs_lifespan`) and `follicle worker` (`run_worker`) call each once.
Nothing is built or registered at import.
"""

from __future__ import annotations

from backend.jobs.broker import build_broker
from backend.jobs.runtime import JobRegistration, JobRuntime, jobs_lifespan, run_periodic
from backend.jobs.worker import run_worker

__all__ = ["JobRegistration", "JobRuntime", "build_broker", "jobs_lifespan", "run_periodic", "run_worker"]
