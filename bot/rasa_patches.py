"""Every change this project makes to Rasa's own internals, in one place, installed by ``apply()``.

**Upgrading Rasa? Start here.** Each patch below replaces a function of Rasa 3.6 (3.6.21 is
locked in requirements.lock) by name. After an upgrade, check that each patched name still
exists with the same signature and meaning, that the reason for the patch still holds, and run
the tests named. Nothing else in the project reaches into Rasa's internals: the channels
(bot/channels/) use Rasa's public channel classes, and actions/ uses rasa-sdk only.

``apply()`` is called by every channel's constructor (``RedactingRestInput`` and so
``WebChatInput``, bot/channels/rest.py and webchat.py; ``TeamsInput``, bot/channels/teams.py),
so the Rasa server is patched whichever channels credentials.yml configures. It is
idempotent: each replaced function carries a ``sipguiden_*`` mark, and a second call changes
nothing.

1. **Store failures are visible** (``_strict_tracker_store``). Rasa wraps the tracker store in
   a ``rasa.core.tracker_store.FailSafeTrackerStore`` that, on a failed read, silently starts a
   NEW conversation and keeps it in memory: the user would get answers that have forgotten
   their region and case. Here ``FailSafeTrackerStore.retrieve``, ``retrieve_full_tracker`` and
   ``save`` raise ``StoreUnavailable`` instead; the channels recognise it (``store_failure``)
   and answer "Tjänsten är tillfälligt otillgänglig …", nothing of the turn is stored, and the
   conversation goes on where it was once the store is back. Also
   ``rasa.core.tracker_store.create_engine_kwargs`` adds ``pool_pre_ping`` for PostgreSQL, so
   the first message after a database restart is answered normally instead of failing on a
   dead pooled connection. Tests: tests/unit/test_store_failures.py, tests/scale/test_scaled.py.
2. **Redis tickets are atomic** (``_atomic_redis_tickets``). With several Rasa replicas, Rasa's
   ``rasa.core.lock_store.RedisLockStore`` makes the messages of one conversation wait for each
   other: each message takes a numbered ticket in a lock (``rasa.core.lock.TicketLock``) kept
   in Redis. Rasa 3.6 changes that lock by reading it, changing it in Python and writing it
   back (``issue_ticket``, ``update_lock``, ``cleanup``), with nothing in between to stop
   another replica doing the same: two messages arriving at the same moment on two replicas
   can both take the same ticket number and be handled at the same time (and a replica
   finishing its turn can remove another's new ticket). Here the three operations run as
   Redis transactions (WATCH the lock's key, read, change, MULTI/EXEC; retried when another
   replica changed the key in between), so a ticket number is only ever given out once.
   Everything else (the lock format, keys, lifetimes and waiting) is Rasa's own, so replicas
   with and without this patch still understand each other's locks.
   Tests: tests/scale/test_scaled.py.
3. **The action response validator is cached** (``_cached_action_validator``). Rasa checks each
   action server response in ``rasa.core.actions.action.RemoteAction._validate_action_result``
   with ``jsonschema.validate``, which first validates the schema itself against the JSON
   Schema meta-schema: ~20 ms of CPU per message, about half of what the Rasa server spent on
   one (scripts/bench.py). The schema is now checked once and its validator kept; an invalid
   response still fails through Rasa's own check, with its own message.
   Tests: tests/unit/test_rasa_patches.py, tests/integration/test_reliability.py.
4. **Event classes are remembered** (``_cached_event_classes``). Reading a conversation from
   the tracker store looks up every stored event's class with
   ``rasa.shared.core.events.Event.resolve_by_type``, which walks all Event subclasses (~5 ms
   per message, growing with the conversation). The class found for an event type name is now
   remembered; unknown names behave as before (the default, or Rasa's ValueError).
   Tests: tests/unit/test_rasa_patches.py, tests/integration/test_reliability.py.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Dict, Optional, Text, Tuple

logger = logging.getLogger(__name__)


def apply() -> None:
    """Installs every patch of this module (see its text). Idempotent."""
    _strict_tracker_store()
    _atomic_redis_tickets()
    _cached_action_validator()
    _cached_event_classes()


# ---------------------------------------------------------------- 1. store failures are visible

class StoreUnavailable(RuntimeError):
    """The conversation store could not be read or written: the turn is not handled."""


def _strict_tracker_store() -> None:
    import rasa.core.tracker_store as tracker_store_module
    from rasa.core.tracker_store import FailSafeTrackerStore

    if not getattr(FailSafeTrackerStore.retrieve, "sipguiden_strict", False):
        def strict(name: str):
            async def call(self: FailSafeTrackerStore, *args: Any, **kwargs: Any) -> Any:
                try:
                    return await getattr(self._tracker_store, name)(*args, **kwargs)
                except Exception as error:  # noqa: BLE001 - any store failure fails the turn
                    raise StoreUnavailable(f"{type(self._tracker_store).__name__}.{name}: {type(error).__name__}") from error

            call.sipguiden_strict = True  # type: ignore[attr-defined]
            return call

        for method in ("retrieve", "retrieve_full_tracker", "save"):
            setattr(FailSafeTrackerStore, method, strict(method))

    original_kwargs = tracker_store_module.create_engine_kwargs
    if not getattr(original_kwargs, "sipguiden_ping", False):
        def create_engine_kwargs(url: Any) -> Dict[str, Any]:
            kwargs = original_kwargs(url)
            if tracker_store_module.is_postgresql_url(url):
                kwargs["pool_pre_ping"] = True  # a restarted database: reconnect, don't fail
            return kwargs

        create_engine_kwargs.sipguiden_ping = True  # type: ignore[attr-defined]
        tracker_store_module.create_engine_kwargs = create_engine_kwargs


def store_failure(error: BaseException) -> bool:
    """Whether ``error`` means the conversation store or the lock store is unreachable."""
    import redis.exceptions
    import sqlalchemy.exc
    from rasa.core.lock_store import LockError

    kinds = (StoreUnavailable, LockError, sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError,
             redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, ConnectionError)
    while error is not None:
        if isinstance(error, kinds):
            return True
        error = error.__cause__ or error.__context__
    return False


# ---------------------------------------------------------------- 2. Redis tickets are atomic

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


def _atomic_redis_tickets() -> None:
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


# ---------------------------------------------------------------- 3. the action response validator

def _cached_action_validator() -> None:
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    original_validate = RemoteAction._validate_action_result
    if getattr(original_validate, "sipguiden_cached", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        if jsonschema.exceptions.best_match(validator.iter_errors(result)) is None:
            return True
        return original_validate(self, result)  # Rasa's own check raises, with its own message

    validate_action_result.sipguiden_cached = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[assignment]


# ---------------------------------------------------------------- 4. event classes

def _cached_event_classes() -> None:
    from rasa.shared.core.events import Event

    original_resolve = Event.resolve_by_type
    if getattr(original_resolve, "sipguiden_cached", False):
        return
    known: Dict[str, Any] = {}

    def resolve_by_type(type_name: Text, default: Optional[Any] = None) -> Optional[Any]:
        found = known.get(type_name)
        if found is None:
            found = original_resolve(type_name, default)
            if found is not None and found is not default:
                known[type_name] = found
        return found

    resolve_by_type.sipguiden_cached = True  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[assignment]
