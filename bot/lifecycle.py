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
                                 ``days`` days (a conversation in use is kept whole);
- ``export(engine, sender_id)``  the right of access: what is stored, as a JSON-ready dict.

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


@dataclass(frozen=True)
class PurgeReport:
    """What one purge deleted: whole conversations, their events, and the cutoff used
    (unix seconds: conversations whose last event is older than this were deleted)."""

    conversations: int
    events: int
    cutoff: float


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


def _delete(conn: Connection, condition: Any) -> Tuple[int, int]:
    """Deletes the rows matching ``condition``; returns (conversations, events) deleted.

    PostgreSQL counts what the DELETE itself removed (DELETE … RETURNING in a CTE). On SQLite the
    caller holds the write lock (``_lock_for_write``), so counting first is exact too."""
    if conn.dialect.name == "postgresql":
        deleted = sa.delete(EVENTS).where(condition).returning(EVENTS.c.sender_id).cte("deleted")
        conversations, events = conn.execute(
            sa.select(sa.func.count(sa.distinct(deleted.c.sender_id)), sa.func.count()).select_from(deleted)
        ).one()
        return int(conversations), int(events)
    conversations = conn.execute(
        sa.select(sa.func.count(sa.distinct(EVENTS.c.sender_id))).where(condition)
    ).scalar_one()
    events = conn.execute(sa.delete(EVENTS).where(condition)).rowcount
    return int(conversations), int(events)


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
    """Deletes every conversation whose LAST event is older than ``now - days`` days, whole
    (a conversation that is still in use keeps its old events too); one transaction.

    ``days`` must be an int from 1 to MAX_DAYS (ValueError, in Swedish, otherwise). ``now`` defaults to the current time.
    The deleted senders are rechecked after ``recheck_after`` seconds like in ``forget`` (a turn
    in flight during the purge re-saves the old events; see there); those rows count as events.
    """
    days = _valid_days(days)
    now = time.time() if now is None else float(now)
    cutoff = now - days * SECONDS_PER_DAY
    conversations = events = 0
    purged: List[str] = []
    with _events(engine, write=True) as conn:
        if conn is None:
            return PurgeReport(0, 0, cutoff)
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
        purged_at = time.time()
    if recheck_after > 0 and purged:
        time.sleep(recheck_after)
        events += _delete_resaved(engine, purged, purged_at)
    return PurgeReport(conversations, events, cutoff)


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
