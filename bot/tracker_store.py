"""SIP-guiden's tracker store: Rasa's own ``SQLTrackerStore``, with a cheaper read and write and a
bounded window of the current session, so a turn costs the same at the 200th message of a
working day as at the first.

Registered in the endpoints as ``type: bot.tracker_store.SessionTrackerStore`` with the same
settings as Rasa's ``type: SQL`` (SQLite file or PostgreSQL; bot/settings.py writes them). The
table, its rows and what they hold are exactly Rasa's: one row per event, ``data`` is the event
as JSON. bot/lifecycle.py (purge, forget, export) and Rasa's own store read and write the same
table, and the two stores can be swapped in either direction.

What differs from ``SQLTrackerStore`` (rasa/core/tracker_store.py, Rasa 3.6):

1. **Read** (``retrieve``): one SQLAlchemy Core ``select`` of ``id`` and ``data`` instead of ORM
   objects for every column, restricted like Rasa's to the latest session (the rows whose
   ``timestamp`` is at or after the latest ``session_started``'s; all rows when there is none),
   ordered by ``id``. Two indexes let the database find those rows without scanning the whole
   conversation: ``(sender_id, type_name, timestamp)`` for the session's start and
   ``(sender_id, id)`` for the rows from a given one on.
2. **A window of the session.** Rasa rebuilds the tracker from every event of the session at
   every message, featurises every earlier turn again in each policy, and sends every event to
   the action server: a session of 200 messages (~1700 events) cost six times the CPU of a new
   one. Nothing here looks that far back: MemoizationPolicy reads ``max_history: 4`` states,
   the longest rule or story is 4 user turns, and the actions read only the slots and the
   latest message. So once the session holds more than ``2 * KEEP_TURNS`` user messages, the
   tracker is rebuilt from a *checkpoint*: the session's ``session_started`` and one ``SlotSet``
   for every slot that is set (the state Rasa's own replay of the events before the cut gives)
   followed by the stored events verbatim from an ``action_listen`` on, with at least
   ``KEEP_TURNS`` user messages after it. The cut is never inside an active form (the loop's
   history matters to Rasa's replay), nor inside a paused conversation. Slots, latest message,
   latest action, active loop and the states the policies read are those of Rasa's full tracker
   (tests/unit/test_tracker_store.py); the rows in the database are untouched.
   The checkpoint is kept in this process's memory (a bounded LRU of ``CACHE_SIZE``
   conversations) and checked against the database at every read: the first row of the window
   must still be there with the same content, in the same session. Any other replica's turns
   in between are simply the newer rows; a conversation that was erased, purged or has started
   a new session, or is not in the cache (another replica, a restart), is read whole, as Rasa
   reads it, and cut again.
3. **Write** (``save``): inserts the tracker's events that are not stored yet, as one Core
   ``insert`` of many rows. Which ones those are is known from the read (``stored`` below), so
   the ``count()`` query Rasa runs for it at every save is gone. A tracker this store did not
   read (a new conversation, one the HTTP API built) is saved by Rasa's own rule: the events
   after as many as the session holds.

4. **States once per prediction.** The trackers it returns are ``WindowTracker``: Rasa's, with
   the policies' states (``past_states``) computed once per tracker state and set of options,
   where RulePolicy and MemoizationPolicy each asked Rasa to replay the events again.

``retrieve_full_tracker`` (every session, for the HTTP API) is Rasa's, unchanged. There is no
event broker in this project; with one, Rasa's ``stream_events`` would run as before.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (sa.orm.session below)
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

# The user messages always kept verbatim in the window, and the window's size (in user
# messages) at which it is cut back to that: a turn sees between KEEP_TURNS and 2 * KEEP_TURNS
# of them. MemoizationPolicy's max_history (config.yml) and the longest rule or story
# (data/) must stay well below KEEP_TURNS; tests/unit/test_tracker_store.py checks both.
KEEP_TURNS = 6
# Conversations whose checkpoint this process remembers (a few hundred bytes each).
CACHE_SIZE = 5000
# The attribute of a tracker this store read or saved: how many of its events are stored.
STORED = "_sipguiden_stored"

INDEXES = (
    ("ix_events_sender_type_timestamp", ("sender_id", "type_name", "timestamp")),
    ("ix_events_sender_id_id", ("sender_id", "id")),
)


@dataclass(frozen=True)
class Checkpoint:
    """Where the window of one conversation's current session starts: the row ``event_id``
    (whose ``data`` must still be ``event_data``) of the session that started at
    ``session_start`` (None: no ``session_started`` yet), and the events (as dicts) that give
    the tracker's state just before that row."""

    session_start: Optional[float]
    event_id: int
    event_data: str
    prefix: Tuple[Dict[Text, Any], ...]


def _copy_states(states: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """A copy of a list of states that callers may change: a state is a dict of sub-states, each
    a dict of names to strings or tuples (immutable), so two levels are copied."""
    return [{key: dict(sub) if isinstance(sub, dict) else sub for key, sub in state.items()} for state in states]


class WindowTracker(DialogueStateTracker):
    """The tracker this store returns: Rasa's, with the policies' states remembered for as long
    as no event is added. In one prediction RulePolicy and MemoizationPolicy each ask for the
    states of the same tracker (with their own options), and Rasa replays every event for
    each ask; here each set of options is computed once per tracker state. The key is the
    number of events and the last event (events are only ever appended), the domain and the
    options; callers get a copy (Rasa's featurizers change the last state in place)."""

    def past_states(self, domain: Domain, omit_unset_slots: bool = False, ignore_rule_only_turns: bool = False,
                    rule_only_data: Optional[Dict[Text, Any]] = None) -> List[Dict[Text, Any]]:
        version = (len(self.events), id(self.events[-1]) if self.events else None, id(domain))
        cache = self.__dict__.get("_sipguiden_states")
        if cache is None or cache[0] != version:
            cache = (version, {})
            self.__dict__["_sipguiden_states"] = cache
        key = (omit_unset_slots, ignore_rule_only_turns,
               json.dumps(rule_only_data, sort_keys=True, default=str) if rule_only_data else None)
        states = cache[1].get(key)
        if states is None:
            states = super().past_states(domain, omit_unset_slots=omit_unset_slots,
                                         ignore_rule_only_turns=ignore_rule_only_turns, rule_only_data=rule_only_data)
            cache[1][key] = _copy_states(states)
            return states
        return _copy_states(states)


class SessionTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store with a Core read and write and a window of the session."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._events = self.SQLEvent.__table__
        self._checkpoints: "OrderedDict[Text, Checkpoint]" = OrderedDict()
        if self.engine.dialect.name == "sqlite":
            self._sqlite_engine()
        self._create_indexes()

    def _sqlite_engine(self) -> None:
        """SQLite: write-ahead logging with ``synchronous=NORMAL`` and a pool of open
        connections. Rasa's default (a rollback journal with ``synchronous=FULL``, a new
        connection for every read and write) waits for the disk three times at every save,
        ~20 ms on this machine, with the server's one event loop blocked meanwhile; here a
        save is written to the log and synced at checkpoints (~0.1 ms). A commit survives a
        crash of the bot; after a power cut or an OS crash the last turns may be missing, the
        file is never corrupt (SQLite's documented guarantee for WAL with NORMAL). Erasure and
        retention (bot/lifecycle.py) use their own connections with SQLite's default
        ``synchronous=FULL``: what they delete stays deleted. The mode is kept in the file, so
        every process that opens it (the lifecycle commands, the tests) reads it the same way."""
        url = self.engine.url
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            return
        self.engine.dispose()
        self.engine = sa.create_engine(url, connect_args={"check_same_thread": False}, poolclass=sa.pool.QueuePool)

        path = url.database

        def _inode() -> Optional[int]:
            try:
                return os.stat(path).st_ino
            except OSError:
                return None

        @sa.event.listens_for(self.engine, "connect")
        def _pragmas(dbapi_connection: Any, record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            record.info["inode"] = _inode()

        @sa.event.listens_for(self.engine, "checkout")
        def _same_file(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
            # A pooled connection keeps the file it opened even when the store's file is moved,
            # replaced (a restore from backup) or gone: then it must not go on reading and writing
            # an orphaned file. The pool drops it and opens the path anew, which fails as a
            # store that is down would (answered in Swedish, nothing stored is lost).
            if record.info.get("inode") != _inode():
                raise sa.exc.DisconnectionError("the tracker store's file is no longer the one opened")

        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    # -- schema ---------------------------------------------------------------------------

    def _create_indexes(self) -> None:
        """The two indexes the reads use, created when missing (on an existing store too), on a
        copy of the table's columns so that Rasa's own table metadata (and ``create_all``) stay
        as they are. Several replicas starting at once may race to create one: the loser's
        error is logged and ignored, the index exists."""
        for name, columns in INDEXES:
            table = sa.Table(self._events.name, sa.MetaData(), *(sa.Column(c) for c in columns),
                             schema=self._events.schema)
            statement = sa.schema.CreateIndex(sa.Index(name, *(table.c[c] for c in columns)), if_not_exists=True)
            try:
                with self.engine.begin() as conn:
                    conn.execute(statement)
            except sa.exc.SQLAlchemyError as error:  # e.g. created by another replica meanwhile
                logger.warning("Index %s kunde inte skapas (%s); läsningen blir långsammare.", name,
                               type(error).__name__)

    # -- read -----------------------------------------------------------------------------

    def _session_start(self, session: Any, sender_id: Text) -> Optional[float]:
        t = self._events
        return session.execute(
            sa.select(sa.func.max(t.c.timestamp)).where(
                t.c.sender_id == sender_id, t.c.type_name == SessionStarted.type_name)
        ).scalar()

    def _rows(self, session: Any, sender_id: Text, session_start: Optional[float],
              from_id: Optional[int] = None) -> List[Any]:
        """(id, data) of the session's rows (from ``from_id`` on), ordered by id."""
        t = self._events
        query = sa.select(t.c.id, t.c.data).where(t.c.sender_id == sender_id)
        if session_start is not None:
            query = query.where(t.c.timestamp >= session_start)
        if from_id is not None:
            query = query.where(t.c.id >= from_id)
        return list(session.execute(query.order_by(t.c.id)).all())

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker of the latest session (its window: see the module's docstring), or None
        when nothing is stored for ``sender_id``."""
        with self.session_scope() as session:
            session_start = self._session_start(session, sender_id)
            checkpoint = self._checkpoints.get(sender_id)
            rows: List[Any] = []
            if checkpoint is not None and checkpoint.session_start == session_start:
                rows = self._rows(session, sender_id, session_start, checkpoint.event_id)
                if not rows or rows[0].id != checkpoint.event_id or rows[0].data != checkpoint.event_data:
                    rows = []
            if rows:
                self._checkpoints.move_to_end(sender_id)
                prefix: List[Dict[Text, Any]] = [dict(e) for e in checkpoint.prefix]
            else:
                self._checkpoints.pop(sender_id, None)
                rows = self._rows(session, sender_id, session_start)
                prefix = []
        if not rows or not self.domain:
            return None
        stored = [json.loads(row.data) for row in rows]
        tracker = self._build(sender_id, prefix, stored, [row.id for row in rows], [row.data for row in rows],
                              session_start)
        setattr(tracker, STORED, len(tracker.events))
        return tracker

    async def retrieve_session(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker of the whole latest session, as Rasa's own ``retrieve`` reads it (no
        window): for what needs every event of the session, such as rating an earlier answer
        in the web chat. Leaves the checkpoint as it is."""
        with self.session_scope() as session:
            rows = self._rows(session, sender_id, self._session_start(session, sender_id))
        if not rows or not self.domain:
            return None
        tracker = WindowTracker.from_dict(sender_id, [json.loads(row.data) for row in rows], self.domain.slots)
        setattr(tracker, STORED, len(tracker.events))
        return tracker

    def _build(self, sender_id: Text, prefix: List[Dict[Text, Any]], stored: List[Dict[Text, Any]],
               ids: List[int], texts: List[str], session_start: Optional[float]) -> DialogueStateTracker:
        """The tracker of ``prefix`` + ``stored`` (replayed by Rasa, event by event), and, when
        ``stored`` holds more than 2 * KEEP_TURNS user messages, a new checkpoint for the next
        read: the state just before the last ``action_listen`` with at least KEEP_TURNS user
        messages after it at which no form is active and the conversation is not paused."""
        prefix_events = [e for e in (Event.from_parameters(d) for d in prefix) if e]
        stored_events = [Event.from_parameters(d) for d in stored]
        tracker = WindowTracker(sender_id, self.domain.slots)
        for event in prefix_events:
            tracker.update(event)
        users_left = sum(1 for d in stored if d.get("event") == "user")
        cut: Optional[Tuple[int, List[Dict[Text, Any]]]] = None
        may_cut = users_left > 2 * KEEP_TURNS
        session_head = next((d for d in itertools.chain(prefix, stored) if d.get("event") == SessionStarted.type_name),
                            None)
        for index, (data, event) in enumerate(zip(stored, stored_events)):
            if event is None:
                continue
            if (may_cut and users_left >= KEEP_TURNS and index > 0 and isinstance(event, ActionExecuted)
                    and event.action_name == ACTION_LISTEN_NAME and not tracker.active_loop_name
                    and not tracker.is_paused()):
                cut = (index, self._state_events(tracker, session_head, data.get("timestamp")))
            if data.get("event") == "user":
                users_left -= 1
            tracker.update(event)
        if cut is not None:
            index, state = cut
            self._remember(sender_id, Checkpoint(session_start, ids[index], texts[index], tuple(state)))
        return tracker

    @staticmethod
    def _state_events(tracker: DialogueStateTracker, session_head: Optional[Dict[Text, Any]],
                      timestamp: Optional[float]) -> List[Dict[Text, Any]]:
        """Events (as dicts) that give a new tracker the state of ``tracker`` that a checkpoint
        keeps: the session's start and every slot that is set (even to its initial value, as
        Rasa's featurisation tells a set slot from an unset one). A checkpoint is only taken
        where no form is active and the conversation is not paused, and the window starts with
        an ``action_listen``: latest action, follow-up action and latest message are the
        window's own."""
        events: List[Dict[Text, Any]] = []
        if session_head is not None:
            events.append(dict(session_head))
        for name, slot in tracker.slots.items():
            if slot.has_been_set:
                # A JSON round trip: the checkpoint holds a copy, never the tracker's own lists.
                value = json.loads(json.dumps(slot.value))
                events.append(SlotSet(name, value, timestamp=timestamp).as_dict())
        return events

    def _remember(self, sender_id: Text, checkpoint: Checkpoint) -> None:
        self._checkpoints[sender_id] = checkpoint
        self._checkpoints.move_to_end(sender_id)
        while len(self._checkpoints) > CACHE_SIZE:
            self._checkpoints.popitem(last=False)

    def forget_checkpoint(self, sender_id: Text) -> None:
        """Drops what this process remembers of a conversation (after an erasure)."""
        self._checkpoints.pop(sender_id, None)

    # -- write ----------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Inserts the tracker's events that are not stored yet (one Core insert)."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            stored = getattr(tracker, STORED, None)
            if stored is None or stored > len(tracker.events):
                # Not read by this store: Rasa's rule, the events after as many as the session holds.
                t = self._events
                session_start = self._session_start(session, tracker.sender_id)
                query = sa.select(sa.func.count()).select_from(t).where(t.c.sender_id == tracker.sender_id)
                if session_start is not None:
                    query = query.where(t.c.timestamp >= session_start)
                stored = session.execute(query).scalar() or 0
            rows = [self._row(tracker.sender_id, event) for event in itertools.islice(tracker.events, stored, None)]
            if rows:
                session.execute(sa.insert(self._events), rows)
                session.commit()
        setattr(tracker, STORED, len(tracker.events))
        logger.debug(f"Tracker with sender_id '{tracker.sender_id}' stored to database")

    @staticmethod
    def _row(sender_id: Text, event: Event) -> Dict[Text, Any]:
        """The row Rasa's ``SQLTrackerStore.save`` writes for ``event``."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }


def _unwrapped(store: Any) -> Optional["SessionTrackerStore"]:
    """The SessionTrackerStore inside the agent's tracker store (Rasa wraps it in a
    FailSafeTrackerStore and an AwaitableTrackerStore), or None."""
    inner = store
    for _ in range(4):
        if isinstance(inner, SessionTrackerStore):
            return inner
        inner = getattr(inner, "_tracker_store", None)
    return None


def forget_checkpoint(store: Any, sender_id: Text) -> None:
    """After an erasure: this process no longer remembers anything of the conversation."""
    inner = _unwrapped(store)
    if inner is not None:
        inner.forget_checkpoint(sender_id)


async def session_tracker(store: Any, sender_id: Text) -> Optional[DialogueStateTracker]:
    """The whole latest session of ``sender_id`` from the agent's tracker store ``store`` (Rasa
    wraps the store: the wrappers are looked through): ``SessionTrackerStore.retrieve_session``,
    or the store's own ``retrieve`` for any other store (Rasa's reads the whole session)."""
    inner = _unwrapped(store)
    if inner is not None:
        return await inner.retrieve_session(sender_id)
    return await store.retrieve(sender_id)


__all__ = ["SessionTrackerStore", "WindowTracker", "session_tracker", "forget_checkpoint", "Checkpoint", "KEEP_TURNS", "CACHE_SIZE", "INDEXES"]
