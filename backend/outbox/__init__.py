"""The one outbox mechanism every outbox table uses (reminders, alert emails): claim due rows under
a lease, retry with doubling backoff, write results only while the claim is still yours."""

from backend.outbox.lease import LeasedTable, backoff, claim_rows, still_held

__all__ = ["LeasedTable", "backoff", "claim_rows", "still_held"]
