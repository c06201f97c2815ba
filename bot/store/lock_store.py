"""The lock that lets several Rasa replicas share conversations (the scale-out profile).

Rasa takes a conversation's messages one at a time by giving each a numbered ticket, kept in
Redis. Its own Redis lock store reads the tickets, adds one and writes them back as separate
steps, so two replicas taking messages of one conversation at the same moment can be given
the same number and both go ahead: one then overwrites the other's turn (tests/test_scale_out.py
caught this: 6 of 9 messages kept). Here every such read-and-write happens under a short Redis
mutex (SET NX with an expiry, released by a script that checks it is still ours).
"""

from __future__ import annotations

import contextlib
from typing import Iterator, Optional

from rasa.core.lock_store import LOCK_LIFETIME, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

MUTEX_SECONDS = 10  # far longer than one read-and-write; expires if a replica dies holding it


class SharedRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs) -> None:
        settings = {**(endpoint_config.kwargs if endpoint_config else {}), **kwargs}
        host = (endpoint_config.url if endpoint_config else None) or settings.pop("host", "localhost")
        settings.pop("url", None)
        super().__init__(host=host, **settings)

    @contextlib.contextmanager
    def _mutex(self, conversation_id: str) -> Iterator[None]:
        with self.red.lock(
            f"{self.key_prefix}{conversation_id}:mutex",
            timeout=MUTEX_SECONDS,
            blocking_timeout=MUTEX_SECONDS,
            sleep=0.005,
        ):
            yield

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            LockStore.finish_serving(self, conversation_id, ticket_number)  # not ours: the mutex is held
            if not self.is_someone_waiting(conversation_id):
                self.delete_lock(conversation_id)
