"""The conversation data lifecycle: retention (purge), erasure (forget) and export.

Rasa's SQL tracker store (``rasa.core.tracker_store.SQLTrackerStore``) keeps every event of
every conversation as one row of the table ``events``::

    id (int, primary key) | sender_id | type_name | timestamp (unix seconds, float)
    | intent_name | action_name | data (the event as JSON text)

A conversation is all rows with one ``sender_id``. This module works on that table directly,
with SQLAlchemy Core, on SQLite (the default, ``var/tracker.db``) and PostgreSQL (the scaled
set-up), so it runs without Rasa and while the bot is running:

- ``forget(engine, sender_id)``  the right to erasure: every event of one conversation;
- ``purge(engine, days)``        retention: whole conversations whose last event is older than
                                 ``days`` days, and in a conversation still in use its old
                                 sessions, whole (see ``purge``);
- ``export(engine, sender_id)``  the right of access: what is stored, as a JSON-ready dict.

Rasa's events table is the only per-conversation data SIP-guiden stores; a new table keyed by
the conversation must be reached by forget and purge too. The feedback table next to it
(``sipguiden_feedback``, bot/feedback.py) is not keyed by the conversation: it has no column for
a sender id or any text, so ``forget`` has nothing to erase there and ``export`` nothing to add;
``purge`` deletes its rows older than the retention period too (``PurgeReport.feedback``).

Never creates the table: a store that was never used (no file, no table) has nothing to delete
or export. Every delete is one transaction; on SQLite it takes the write lock up front
(``BEGIN IMMEDIATE``), so what is counted is exactly what is deleted.

Pure Python + SQLAlchemy: no Rasa import (``scripts/lifecycle.py`` is the command line).
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine

from bot.settings import PROJECT_ROOT, Settings

PASSWORD_VARIABLE = "SIPGUIDEN_DB_PASSWORD"
SCHEMA_VARIABLE = "POSTGRESQL_SCHEMA"   # read by Rasa's SQLTrackerStore too
SECONDS_PER_DAY = 86400
# The longest retention purge accepts: 100 years (and no float overflow in the cutoff).
MAX_DAYS = 36500
# Senders per IN (...) list: well under SQLite's and PostgreSQL's parameter limits.
BATCH = 500

# Rasa's table, as SQLTrackerStore.SQLEvent declares it. Only read and deleted from here,
# never created (that is Rasa's job).
_metadata = sa.MetaData()
EVENTS = sa.Table(
    "events",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

# The same table under another name, for subqueries over it inside a DELETE from it.
_INNER = EVENTS.alias("conversation")

# Rasa's names for a session's start: SessionStarted.type_name, the action that starts a
# session and the slot that holds the first message's metadata (rasa.shared.core.constants).
SESSION_STARTED = "session_started"
ACTION_SESSION_START = "action_session_start"
SESSION_METADATA_SLOT = "session_started_metadata"


@dataclass(frozen=True)
class PurgeReport:
    """What one purge deleted, and the cutoff used (unix seconds; older than this is old):

    - ``conversations``, ``events``: whole conversations whose last event is older than the
      cutoff, and their events (with the recheck's re-saved rows);
    - ``in_use``, ``sessions``, ``session_events``: conversations still in use from which old
      sessions were deleted, how many sessions (their ``session_started`` events) and events.
    """

    conversations: int
    events: int
    cutoff: float
    in_use: int = 0
    sessions: int = 0
    session_events: int = 0
    feedback: int = 0  # ratings (bot/feedback.py) of days before the cutoff's day


# --- the engine ----------------------------------------------------------------------------


def engine_for(settings: Settings, env: Mapping[str, str] = os.environ) -> Engine:
    """An engine on the store the settings name: the SQLite file (a relative path is relative
    to the project root, like ``make run`` uses it) or PostgreSQL through psycopg2, with the
    password from ``env["SIPGUIDEN_DB_PASSWORD"]``. The password only goes into the URL object
    (whose text form masks it); it is never logged or printed here."""
    if settings.tracker_store == "sqlite":
        path = Path(settings.sqlite_path).expanduser()
        if not path.is_absolute():
            path = PROJECT_ROOT / path
        # Wait up to 30 s for the running bot's write lock instead of failing at once.
        return sa.create_engine(URL.create("sqlite", database=str(path)), connect_args={"timeout": 30})
    if settings.tracker_store == "postgresql":
        url = URL.create(
            "postgresql+psycopg2",
            username=settings.db_user,
            password=env.get(PASSWORD_VARIABLE) or None,
            host=settings.db_host,
            port=settings.db_port,
            database=settings.db_name,
        )
        connect_args: Dict[str, Any] = {"connect_timeout": 10}
        schema = env.get(SCHEMA_VARIABLE, "").strip()
        if schema:  # Rasa's own setting for a store outside the default schema: honour it the same way
            connect_args["options"] = f"-csearch_path={schema}"
        return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    raise ValueError(f"Samtalslagret {settings.tracker_store!r} stöds inte (sqlite eller postgresql).")


def store_name(engine: Engine) -> str:
    """``"sqlite"`` or ``"postgresql"``."""
    return engine.dialect.name


def store_label(engine: Engine) -> str:
    """A human description of the store, for messages: ``SQLite (var/tracker.db)`` or
    ``PostgreSQL (sipguiden@127.0.0.1:5433/sipguiden)``. Never contains the password."""
    url = engine.url
    if engine.dialect.name == "sqlite":
        database = url.database or ":memory:"
        try:
            database = str(Path(database).resolve().relative_to(PROJECT_ROOT))
        except ValueError:
            pass
        return f"SQLite ({database})"
    where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"
    return f"PostgreSQL ({url.username}@{where})" if url.username else f"PostgreSQL ({where})"


# --- helpers -------------------------------------------------------------------------------


def _sqlite_file_missing(engine: Engine) -> bool:
    """An SQLite store whose file does not exist yet: nothing stored. Checked before
    connecting, because connecting would create an empty file."""
    if engine.dialect.name != "sqlite":
        return False
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return False
    return not Path(database).exists()


def _has_events(conn: Connection) -> bool:
    return sa.inspect(conn).has_table(EVENTS.name)


@contextmanager
def _events(engine: Engine, write: bool = False) -> Iterator[Optional[Connection]]:
    """A connection on the store when it holds Rasa's events table, else None (a store never
    used: nothing stored, and an SQLite file is not created by looking). ``write``: one
    transaction, with SQLite's write lock taken at once (``_lock_for_write``)."""
    if _sqlite_file_missing(engine):
        yield None
        return
    with (engine.begin() if write else engine.connect()) as conn:
        if write:
            _lock_for_write(conn)
        yield conn if _has_events(conn) else None


def _lock_for_write(conn: Connection) -> None:
    """SQLite: take the write lock now (BEGIN IMMEDIATE), so that the rows counted and the rows
    deleted are the same, and no turn of the running bot writes in between. pysqlite would
    otherwise only begin the transaction at the first DELETE. PostgreSQL needs nothing here."""
    if conn.dialect.name != "sqlite":
        return
    fairy = conn.connection
    raw = getattr(fairy, "dbapi_connection", None) or fairy.connection
    if not raw.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _counts(table: Any) -> List[Any]:
    """What ``_delete`` counts over rows of ``table``: conversations, events, session starts."""
    return [
        sa.func.count(sa.distinct(table.c.sender_id)),
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(sa.case((table.c.type_name == SESSION_STARTED, 1), else_=0)), 0),
    ]


def _delete(conn: Connection, condition: Any) -> Tuple[int, int, int]:
    """Deletes the rows matching ``condition``; returns (conversations, events, sessions)
    deleted, sessions counted as their ``session_started`` events.

    PostgreSQL counts what the DELETE itself removed (DELETE … RETURNING in a CTE). On SQLite the
    caller holds the write lock (``_lock_for_write``), so counting first is exact too."""
    if conn.dialect.name == "postgresql":
        deleted = (sa.delete(EVENTS).where(condition)
                   .returning(EVENTS.c.sender_id, EVENTS.c.type_name).cte("deleted"))
        conversations, events, sessions = conn.execute(sa.select(*_counts(deleted)).select_from(deleted)).one()
        return int(conversations), int(events), int(sessions)
    conversations, _, sessions = conn.execute(sa.select(*_counts(EVENTS)).where(condition)).one()
    events = conn.execute(sa.delete(EVENTS).where(condition)).rowcount
    return int(conversations), int(events), int(sessions)


def _opening(table: Any) -> Any:
    """The rows Rasa writes just before a ``session_started`` when it starts a session (see
    ``_old_sessions``): ``action_session_start`` and the message's metadata as a slot."""
    name = sa.func.coalesce(table.c.action_name, "")  # never NULL: a plain true or false
    return sa.or_(
        sa.and_(table.c.type_name == "action", name == ACTION_SESSION_START),
        sa.and_(table.c.type_name == "slot", name == SESSION_METADATA_SLOT),
    )


def _old_sessions(cutoff: float) -> Any:
    """The condition on ``EVENTS`` that matches the old sessions of the conversations in use, as
    ``purge`` describes them.

    How Rasa stores a session (checked against a real turn of the bot): when a session starts,
    the message's metadata as a SlotSet (``session_started_metadata``), ``action_session_start``,
    then what Rasa's ActionSessionStart returns: ``session_started``, the carried-over slots as
    SlotSet events, ``action_listen``. The first two get earlier timestamps than
    ``session_started``, and Rasa reads a session as "the rows from its ``session_started``'s
    timestamp on" (SQLTrackerStore._event_query), ordered by id.

    For each conversation: its first row (by id) that is not older than the cutoff, not counting
    those two opening rows (a young session's opening does not make the session before it
    young). The last ``session_started`` at or before that row starts the oldest session kept.
    Deleted are the rows before it and before its opening (the opening rows right before it)
    that are older than it (lower timestamp) and older than the cutoff (rows without a timestamp
    count as old). So a session that began long ago and is still in use is kept whole, with its
    opening; every row Rasa reads as part of a kept session stays; and a conversation with no
    row younger than the cutoff is not touched here (``purge`` deletes it whole)."""
    young = (
        sa.select(_INNER.c.sender_id, sa.func.min(_INNER.c.id).label("first_young"))
        .where(_INNER.c.timestamp >= cutoff, sa.not_(_opening(_INNER)))
        .group_by(_INNER.c.sender_id)
        .subquery("young")
    )
    start = EVENTS.alias("start")
    kept = (
        sa.select(start.c.sender_id, sa.func.max(start.c.id).label("start_id"))
        .join(young, sa.and_(start.c.sender_id == young.c.sender_id, start.c.id <= young.c.first_young))
        .where(start.c.type_name == SESSION_STARTED)
        .group_by(start.c.sender_id)
        .subquery("kept")
    )
    earlier = EVENTS.alias("earlier")
    last_old = (  # the last row before the kept session's opening
        sa.select(earlier.c.sender_id, sa.func.max(earlier.c.id).label("last_old_id"))
        .join(kept, sa.and_(earlier.c.sender_id == kept.c.sender_id, earlier.c.id < kept.c.start_id))
        .where(sa.not_(_opening(earlier)))
        .group_by(earlier.c.sender_id)
        .subquery("last_old")
    )
    boundary = EVENTS.alias("boundary")
    old = EVENTS.alias("old")
    rows = (
        sa.select(old.c.id)
        .join(last_old, old.c.sender_id == last_old.c.sender_id)
        .join(kept, kept.c.sender_id == last_old.c.sender_id)
        .join(boundary, boundary.c.id == kept.c.start_id)
        .where(
            old.c.id <= last_old.c.last_old_id,
            sa.or_(old.c.timestamp.is_(None),
                   sa.and_(old.c.timestamp < boundary.c.timestamp, old.c.timestamp < cutoff)),
        )
        .correlate(None)
    )
    return EVENTS.c.id.in_(rows)


def _chunks(items: Sequence[str], size: int = BATCH) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _delete_resaved(engine: Engine, sender_ids: Sequence[str], erased_at: float) -> int:
    """The recheck after an erasure: deletes, again and whole, every conversation of
    ``sender_ids`` that holds an event from before ``erased_at``; returns the events deleted."""
    if not sender_ids:
        return 0
    events = 0
    with _events(engine, write=True) as conn:
        if conn is None:
            return 0
        for batch in _chunks(list(sender_ids)):
            resaved = (
                sa.select(_INNER.c.sender_id)
                .where(
                    _INNER.c.sender_id.in_(batch),
                    sa.or_(_INNER.c.timestamp <= erased_at, _INNER.c.timestamp.is_(None)),
                )
                .distinct()
                .correlate(None)
            )
            events += _delete(conn, EVENTS.c.sender_id.in_(resaved))[1]
    return events


def _iso(timestamp: Optional[float]) -> Optional[str]:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(float(timestamp), timezone.utc).isoformat(timespec="seconds")


# --- the lifecycle -------------------------------------------------------------------------


def forget(engine: Engine, sender_id: str, recheck_after: float = 0.0) -> int:
    """Deletes every event of the conversation ``sender_id`` (one transaction); returns the
    number of rows deleted (0 when nothing was stored, also when the store was never used).

    Why the recheck: a turn of the running bot that was in flight during the erasure loaded the
    conversation before the DELETE and saves it after. Rasa's ``SQLTrackerStore.save()`` does not
    save "the new events" but "the tracker's events after as many as the store holds": with the
    store now empty for this sender it appends the whole tracker again, old events included, and
    the erased conversation is back. So with ``recheck_after > 0`` this waits that long (longer
    than a turn takes) and, if the conversation reappeared with any event whose timestamp is not
    after the erasure, deletes the whole conversation again; those rows are added to the count.
    A conversation the same sender starts after the erasure has only newer events and is kept.
    Timestamps are the bot's clock: the bot's hosts and this one must agree on the time (NTP).
    """
    with _events(engine, write=True) as conn:
        if conn is None:
            return 0
        deleted = _delete(conn, EVENTS.c.sender_id == sender_id)[1]
        erased_at = time.time()
    if recheck_after > 0:
        time.sleep(recheck_after)
        deleted += _delete_resaved(engine, [sender_id], erased_at)
    return deleted


def _valid_days(days: Any) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValueError(f"Lagringstiden måste vara ett helt antal dagar från 1 till {MAX_DAYS} (fick {days!r}).")
    return days


def purge(engine: Engine, days: int, now: Optional[float] = None, recheck_after: float = 0.0) -> PurgeReport:
    """Retention: deletes what is older than ``now - days`` days, in one transaction.

    - A conversation whose LAST event is older than that is deleted whole.
    - A conversation still in use loses its old sessions, whole: everything before the first
      session that is not entirely older than the limit (``_old_sessions``). Rasa starts a new
      session after ``session_expiration_time`` (domain.yml) without messages and, with
      ``carry_over_slots_to_new_session``, writes the slots (region, audience …) as SlotSet events
      right after the new ``session_started``; Rasa itself reads only the latest session when
      it handles a message. So the kept sessions still give the same slots, and what the bot
      reads of the conversation is unchanged. A session is never cut: one that began before the
      limit and is still going on (or ended after it) is kept whole, also when it is the
      conversation's only session.

    ``days`` must be an int from 1 to MAX_DAYS (ValueError, in Swedish, otherwise). ``now`` defaults to the current time.
    The deleted whole conversations are rechecked after ``recheck_after`` seconds like in ``forget``
    (a turn in flight during the purge re-saves the old events; see there); those rows count as
    events. Old sessions need no recheck: a turn in flight holds only the latest session, which
    is kept, and Rasa's save counts only that session's rows.
    """
    days = _valid_days(days)
    now = time.time() if now is None else float(now)
    cutoff = now - days * SECONDS_PER_DAY
    from bot import feedback  # its own table, its own transaction; no conversation in it

    ratings = feedback.purge(engine, days, now)
    conversations = events = 0
    purged: List[str] = []
    with _events(engine, write=True) as conn:
        if conn is None:
            return PurgeReport(0, 0, cutoff, feedback=ratings)
        stale = (
            sa.select(_INNER.c.sender_id)
            .group_by(_INNER.c.sender_id)
            .having(sa.func.max(_INNER.c.timestamp) < cutoff)
            .correlate(None)
        )
        purged = list(conn.execute(stale).scalars())
        for batch in _chunks(purged):
            # The condition again, at the DELETE: a conversation that got a new event since the
            # SELECT (PostgreSQL: another transaction) is in use and kept.
            still_stale = stale.where(_INNER.c.sender_id.in_(batch))
            deleted = _delete(conn, EVENTS.c.sender_id.in_(still_stale))
            conversations += deleted[0]
            events += deleted[1]
        # What is left is in use: only old sessions go (evaluated at the DELETE itself).
        in_use, session_events, sessions = _delete(conn, _old_sessions(cutoff))
        purged_at = time.time()
    if recheck_after > 0 and purged:
        time.sleep(recheck_after)
        events += _delete_resaved(engine, purged, purged_at)
    return PurgeReport(conversations, events, cutoff, in_use, sessions, session_events, ratings)


def export(engine: Engine, sender_id: str, now: Optional[float] = None) -> Dict[str, Any]:
    """What is stored about one conversation: every stored event (Rasa's event dicts, in the
    order they were stored) and, readable, the messages of the user and the bot with their
    times (UTC). An unknown conversation gives ``events == []``: the caller says so."""
    now = time.time() if now is None else float(now)
    rows: List[Any] = []
    with _events(engine) as conn:
        if conn is not None:
            rows = conn.execute(
                sa.select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
                .where(EVENTS.c.sender_id == sender_id)
                .order_by(EVENTS.c.id)
            ).all()
    events: List[Dict[str, Any]] = []
    conversation: List[Dict[str, Any]] = []
    for row in rows:
        try:
            event = json.loads(row.data) if row.data else None
        except ValueError:
            event = None
        if not isinstance(event, dict):  # not written by Rasa: shown as stored
            event = {"event": row.type_name, "timestamp": row.timestamp, "data": row.data}
        events.append(event)
        text = event.get("text")
        if event.get("event") in ("user", "bot") and isinstance(text, str) and text.strip():
            when = event.get("timestamp", row.timestamp)
            conversation.append({
                "time": _iso(when if isinstance(when, (int, float)) else row.timestamp),
                "from": event["event"],
                "text": text,
            })
    return {
        "sender_id": sender_id,
        "exported_at": _iso(now),
        "store": store_name(engine),
        "events": events,
        "conversation": conversation,
    }


def count(engine: Engine, sender_id: str) -> int:
    """How many events of the conversation ``sender_id`` are stored."""
    with _events(engine) as conn:
        if conn is None:
            return 0
        return int(conn.execute(
            sa.select(sa.func.count()).select_from(EVENTS).where(EVENTS.c.sender_id == sender_id)
        ).scalar_one())


def senders(engine: Engine) -> List[str]:
    """The ids of all stored conversations, sorted."""
    with _events(engine) as conn:
        if conn is None:
            return []
        return list(conn.execute(
            sa.select(EVENTS.c.sender_id).distinct().order_by(EVENTS.c.sender_id)
        ).scalars())


__all__: Iterable[str] = (
    "PurgeReport", "engine_for", "store_name", "store_label", "forget", "purge", "export", "count", "senders",
)
