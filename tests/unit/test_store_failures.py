"""A conversation store that cannot be reached fails the turn (the user is told, in Swedish,
that the service is unavailable) instead of Rasa's silent fallback to a new, in-memory
conversation that has forgotten the user's region and case (bot/rasa_patches.py)."""

import asyncio

import pytest
import redis.exceptions
import sqlalchemy.exc
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_patches


class BrokenStore(InMemoryTrackerStore):
    def __init__(self):
        super().__init__(Domain.empty())
        self.calls = 0

    async def retrieve(self, sender_id):
        self.calls += 1
        raise sqlalchemy.exc.OperationalError("SELECT", {}, Exception("connection refused"))

    async def save(self, tracker):
        raise sqlalchemy.exc.OperationalError("INSERT", {}, Exception("connection refused"))


@pytest.fixture(scope="module", autouse=True)
def patched():
    rasa_patches.apply()
    rasa_patches.apply()  # idempotent


def test_a_failed_read_fails_the_turn_instead_of_starting_a_new_conversation():
    store = FailSafeTrackerStore(BrokenStore())
    with pytest.raises(rasa_patches.StoreUnavailable) as raised:
        asyncio.run(store.retrieve("anna"))
    assert rasa_patches.store_failure(raised.value)
    assert store._tracker_store.calls == 1


def test_a_failed_write_is_not_kept_in_memory():
    store = FailSafeTrackerStore(BrokenStore())
    with pytest.raises(rasa_patches.StoreUnavailable):
        asyncio.run(store.save(DialogueStateTracker("anna", [])))
    assert store._fallback_tracker_store is None  # nothing went to the in-memory fallback


def test_a_working_store_is_used_as_before():
    store = FailSafeTrackerStore(InMemoryTrackerStore(Domain.empty()))
    asyncio.run(store.save(DialogueStateTracker("anna", [])))
    assert asyncio.run(store.retrieve("anna")).sender_id == "anna"
    assert asyncio.run(store.retrieve("okänd")) is None


@pytest.mark.parametrize("error, expected", [
    (rasa_patches.StoreUnavailable("x"), True),
    (LockError("x"), True),
    (sqlalchemy.exc.OperationalError("SELECT", {}, Exception("down")), True),
    (redis.exceptions.ConnectionError("down"), True),
    (ConnectionRefusedError(), True),
    (ValueError("a bug"), False),
    (KeyError("slot"), False),
])
def test_which_failures_mean_the_store_is_unreachable(error, expected):
    assert rasa_patches.store_failure(error) is expected


def test_a_store_failure_wrapped_in_another_error_is_recognised():
    try:
        try:
            raise redis.exceptions.ConnectionError("down")
        except redis.exceptions.ConnectionError as inner:
            raise RuntimeError("while locking") from inner
    except RuntimeError as outer:
        assert rasa_patches.store_failure(outer)


def test_postgresql_connections_are_checked_before_use():
    import rasa.core.tracker_store as module

    assert module.create_engine_kwargs("postgresql://u@localhost/db")["pool_pre_ping"] is True
    assert "pool_pre_ping" not in module.create_engine_kwargs("sqlite:///x.db")
    assert create_engine_kwargs("sqlite:///x.db") == {}  # Rasa's original is unchanged
