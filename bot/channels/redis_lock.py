"""Rasa's Redis lock store, with its ticket operations made atomic.

With several Rasa replicas, Rasa's ``RedisLockStore`` makes the messages of one conversation
wait for each other: each message takes a numbered ticket in a lock kept in Redis, and is
handled when its number comes up. Rasa 3.6 changes that lock by reading it, changing it in
Python and writing it back (``issue_ticket``, ``update_lock``, ``cleanup``), with nothing in
between to stop another replica doing the same: two messages arriving at the same moment on
two replicas can both take the same ticket number and be handled at the same time (and a
replica finishing its turn can remove another's new ticket). tests/scale shows both.

Here the three operations run as Redis transactions (WATCH the lock's key, read, change,
MULTI/EXEC; retried when another replica changed the key in between), so a ticket number is
only ever given out once. Everything else — the lock format, keys, lifetimes and waiting — is
Rasa's own, so replicas with and without this patch still understand each other's locks.

Installed by the REST channel (bot/channels/rest.py) when the Rasa server loads it; tied to
Rasa 3.6 (``rasa.core.lock_store.RedisLockStore``, ``rasa.core.lock.TicketLock``).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Optional, Text, Tuple

logger = logging.getLogger(__name__)

_UNCHANGED = object()


def _transaction(store: Any, conversation_id: Text, change: Callable[[Any], Tuple[Any, Any]]) -> Any:
    """Runs ``change(lock)`` on the conversation's lock as one Redis transaction.

    ``change`` returns (new lock, result): a lock is written, ``None`` deletes the key, and
    ``_UNCHANGED`` writes nothing."""
    import redis
    from rasa.core.lock import TicketLock

    key = store.key_prefix + conversation_id
    with store.red.pipeline() as pipe:
        while True:
            try:
                pipe.watch(key)
                raw = pipe.get(key)
                lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                new, result = change(lock)
                if new is _UNCHANGED:
                    pipe.unwatch()
                    return result
                pipe.multi()
                if new is None:
                    pipe.delete(key)
                else:
                    pipe.set(key, new.dumps())
                pipe.execute()
                return result
            except redis.WatchError:
                continue  # another replica changed the lock in between: read it again


def make_redis_tickets_atomic() -> None:
    """Replaces RedisLockStore's three read-change-write operations. Idempotent."""
    from rasa.core.lock import TicketLock
    from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

    if getattr(RedisLockStore.issue_ticket, "sipguiden_atomic", False):
        return

    def issue_ticket(self: RedisLockStore, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: Optional[TicketLock]) -> Tuple[Any, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return _transaction(self, conversation_id, change)
        except Exception as error:  # noqa: BLE001 - as Rasa's own: the caller expects LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self: RedisLockStore, conversation_id: Text) -> None:
        def change(lock: Optional[TicketLock]) -> Tuple[Any, None]:
            if lock is None:
                return _UNCHANGED, None
            lock.remove_expired_tickets()
            return lock, None

        _transaction(self, conversation_id, change)

    def cleanup(self: RedisLockStore, conversation_id: Text, ticket_number: int) -> None:
        def change(lock: Optional[TicketLock]) -> Tuple[Any, None]:
            if lock is None:
                return _UNCHANGED, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        _transaction(self, conversation_id, change)

    for name, function in (("issue_ticket", issue_ticket), ("update_lock", update_lock), ("cleanup", cleanup)):
        function.sipguiden_atomic = True  # type: ignore[attr-defined]
        setattr(RedisLockStore, name, function)
    logger.debug("Rasa's Redis lock store issues tickets atomically.")
