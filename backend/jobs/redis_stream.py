"""The Redis stream broker with a reclaim that runs on a timer, whatever the traffic.

taskiq-redis 1.2.x `RedisStreamBroker.listen` claims messages left unacknowledged by a dead
worker (XAUTOCLAIM) only after a read returned new messages: on a quiet queue a job lost with a
killed worker waits for unrelated traffic. This broker's `listen` reads new messages and, after
every read (one that returned nothing included), claims what has been idle longer than
`idle_timeout`. XAUTOCLAIM hands each message to one consumer, so several workers may run it at
once. The fix belongs upstream (taskiq-redis); until it is released this subclass keeps it, and
tests/backend/jobs/test_redis_reclaim.py holds it to it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator

from redis.asyncio import Redis
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

log = logging.getLogger(__name__)


class ReclaimingStreamBroker(RedisStreamBroker):
    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        """New messages as they arrive, then messages idle past `idle_timeout`, every round."""
        streams = [self.queue_name, *self.additional_streams.keys()]
        async with Redis(connection_pool=self.connection_pool) as redis_conn:
            while True:
                fetched = await redis_conn.xreadgroup(
                    self.consumer_group_name,
                    self.consumer_name,
                    {self.queue_name: ">", **self.additional_streams},  # type: ignore[dict-item]
                    block=self.block,
                    noack=False,
                    count=self.count,
                )
                for stream, messages in fetched or []:
                    for message_id, message in messages:
                        yield AckableMessage(data=message[b"data"], ack=self._ack_generator(id=message_id, queue_name=stream))
                for stream in streams:
                    claimed = await redis_conn.xautoclaim(
                        name=stream,
                        groupname=self.consumer_group_name,
                        consumername=self.consumer_name,
                        min_idle_time=self.idle_timeout,
                        count=self.unacknowledged_batch_size,
                    )
                    for message_id, message in claimed[1]:
                        if not message:  # deleted from the stream meanwhile
                            continue
                        log.info("job %s of a stopped worker taken over", message_id)
                        yield AckableMessage(data=message[b"data"], ack=self._ack_generator(id=message_id, queue_name=stream))
