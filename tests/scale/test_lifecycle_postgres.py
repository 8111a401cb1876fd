"""The conversation data lifecycle (bot/lifecycle.py) on PostgreSQL, the scaled set-up's store.

The rows are written by Rasa's own SQLTrackerStore(dialect="postgresql"), so the table is
Rasa's. Uses the fixture ``postgres_url`` (tests/scale/conftest.py): a SQLAlchemy URL string,
password included, of a database these tests may write to. Every conversation made here has
the sender id prefix ``lctest-`` and is deleted afterwards; rows of other tests in the same
database are part of every before/after comparison and must stay untouched. The data of the
retention tests lie in 2001, so purging against that time cannot reach anyone else's data: all
of it is younger, and of a conversation in use only sessions before a younger one can go.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from typing import Dict, Sequence, Set

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot import lifecycle
from bot.settings import PROJECT_ROOT, Settings

# The same Rasa domain and turns as the SQLite tests, so both stores are tested on equal data.
sys.path.insert(0, str(PROJECT_ROOT / "tests" / "unit"))
from test_lifecycle import DOMAIN_YAML  # noqa: E402
from test_lifecycle import NOW as UNIT_NOW  # noqa: E402
from test_lifecycle import SESSIONS as UNIT_SESSIONS  # noqa: E402
from test_lifecycle import conversation_events as unit_conversation_events  # noqa: E402
from test_lifecycle import sessions_tracker, stored_sessions  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore:Slot auto-fill:UserWarning"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning"),
]

DAY = 86400.0
NOW = 1_000_000_000.0   # 2001-09-09: far before any real conversation in the database
PREFIX = "lctest-"


# name -> the ages in days of the conversation's turns; the last event is at the last age.
CONVERSATIONS: Dict[str, Sequence[float]] = {
    "gammal": (45, 40),
    "aktiv": (60, 0.5),            # old first turn, used yesterday, one session: kept whole
    "ny": (0.1,),
    "mellan": (10, 8),
    "åäö användare": (35,),
    "x%": (2,),
    "x-y": (50,),
}


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    return Domain.from_yaml(DOMAIN_YAML)


@pytest.fixture(scope="module")
def pg(postgres_url, domain):
    """Rasa's store and our engine (built by engine_for from the SIPGUIDEN_* settings) on the
    same database."""
    from rasa.core.tracker_store import SQLTrackerStore

    url = make_url(postgres_url)
    rasa = SQLTrackerStore(domain, dialect="postgresql", host=url.host, port=url.port, db=url.database,
                           username=url.username, password=url.password)
    env = {
        "SIPGUIDEN_TRACKER_STORE": "postgresql",
        "SIPGUIDEN_DB_HOST": url.host or "localhost",
        "SIPGUIDEN_DB_PORT": str(url.port or 5432),
        "SIPGUIDEN_DB_NAME": url.database,
        "SIPGUIDEN_DB_USER": url.username,
        "SIPGUIDEN_DB_PASSWORD": url.password or "",
    }
    engine = lifecycle.engine_for(Settings.from_env(env), env)
    _delete_ours(engine)   # left by an interrupted earlier run
    yield rasa, engine, env
    _delete_ours(engine)
    engine.dispose()
    rasa.engine.dispose()


def _delete_ours(engine, prefix: str = PREFIX) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM events WHERE sender_id LIKE :p"), {"p": prefix + "%"})


def conversation_events(ages: Sequence[float], now: float) -> list:
    """The unit tests' conversation (tests/unit/test_lifecycle.py), at ages in days before ``now``."""
    return unit_conversation_events([now - age * DAY - 2 for age in ages])


def save(rasa, sender: str, events: list, domain) -> None:
    from rasa.shared.core.trackers import DialogueStateTracker

    asyncio.run(rasa.save(DialogueStateTracker.from_events(sender, events, domain.slots)))


@pytest.fixture
def data(pg, domain):
    """This test's conversations, under a prefix of its own: name -> (sender id, events)."""
    rasa, engine, env = pg
    tag = f"{PREFIX}{uuid.uuid4().hex[:8]}-"
    saved = {}
    for name, ages in CONVERSATIONS.items():
        saved[name] = (tag + name, conversation_events(ages, NOW))
    saved["på-gränsen"] = (tag + "på-gränsen", conversation_events((33, 30), NOW))          # last event = cutoff(30)
    saved["före-gränsen"] = (tag + "före-gränsen", conversation_events((33, 30 + 0.001 / DAY), NOW))
    for sender, events in saved.values():
        save(rasa, sender, events, domain)
    yield saved
    _delete_ours(engine, tag)


def all_rows(engine) -> Set[tuple]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text(
            "SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data FROM events")).all())


def rows_of(rows: Set[tuple], senders: Set[str]) -> Set[tuple]:
    return {row for row in rows if row[1] in senders}


def test_the_table_is_rasas_and_the_times_are_exact(pg, data):
    rasa, engine, _ = pg
    assert lifecycle.store_name(engine) == "postgresql"
    assert engine.pool._pre_ping
    assert not engine.url.password or engine.url.password not in lifecycle.store_label(engine)
    for sender, events in data.values():
        assert lifecycle.count(engine, sender) == len(events)
    assert set(lifecycle.senders(engine)) >= {sender for sender, _ in data.values()}
    with engine.connect() as conn:
        last = conn.execute(sa.text("SELECT max(timestamp) FROM events WHERE sender_id = :s"),
                            {"s": data["på-gränsen"][0]}).scalar_one()
    assert last == NOW - 30 * DAY


@pytest.mark.parametrize("name", ["gammal", "aktiv", "åäö användare", "x%"])
def test_forget_removes_the_conversation_and_nothing_else(pg, data, name):
    rasa, engine, _ = pg
    sender, events = data[name]
    before = all_rows(engine)
    assert asyncio.run(rasa.retrieve(sender)) is not None

    deleted = lifecycle.forget(engine, sender)

    gone = rows_of(before, {sender})
    assert deleted == len(gone) == len(events)
    assert all_rows(engine) == before - gone
    assert asyncio.run(rasa.retrieve(sender)) is None
    for other, other_events in data.values():
        if other != sender:
            assert len(asyncio.run(rasa.retrieve_full_tracker(other)).events) == len(other_events)


def test_forget_of_an_unknown_conversation_deletes_nothing(pg, data):
    _, engine, _ = pg
    before = all_rows(engine)
    for sender in (PREFIX + "okänd", data["x%"][0][:-1] + "_", "'; DROP TABLE events; --"):
        assert lifecycle.forget(engine, sender) == 0
    assert all_rows(engine) == before


@pytest.mark.parametrize("days,purged", [
    (30, {"gammal", "åäö användare", "x-y", "före-gränsen"}),
    (7, {"gammal", "mellan", "åäö användare", "x-y", "före-gränsen", "på-gränsen"}),
    (36, {"gammal", "x-y"}),
    (51, set()),
])
def test_purge_deletes_exactly_the_idle_conversations_whole(pg, data, days, purged):
    rasa, engine, _ = pg
    before = all_rows(engine)
    purged_ids = {data[name][0] for name in purged}

    report = lifecycle.purge(engine, days, now=NOW)

    gone = rows_of(before, purged_ids)
    assert report == lifecycle.PurgeReport(conversations=len(purged), events=len(gone), cutoff=NOW - days * DAY)
    assert all_rows(engine) == before - gone
    for name, (sender, events) in data.items():
        kept = asyncio.run(rasa.retrieve_full_tracker(sender))
        if name in purged:
            assert kept is None
        else:
            assert len(kept.events) == len(events)


@pytest.fixture
def session_data(pg, domain):
    """The unit tests' conversations of several sessions (SESSIONS, written as Rasa writes a new
    session, slots carried over), moved to this module's time: name -> (sender id, each stored
    row's session index, the sessions purge(30) deletes, the number of sessions)."""
    rasa, engine, _ = pg
    tag = f"{PREFIX}{uuid.uuid4().hex[:8]}-"
    shift = NOW - UNIT_NOW
    saved = {}
    for name, (sessions, deleted) in UNIT_SESSIONS.items():
        moved = [(start + shift, [(at + shift, slots) for at, slots in turns]) for start, turns in sessions]
        conversation, session_of = sessions_tracker(tag + name, moved, domain)
        asyncio.run(rasa.save(conversation))
        saved[name] = (tag + name, stored_sessions(conversation, session_of), deleted, len(sessions))
    yield saved
    _delete_ours(engine, tag)


def ordered_rows(engine, sender: str) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data FROM events "
            "WHERE sender_id = :s ORDER BY id"), {"s": sender}).all()


def test_purge_deletes_the_old_sessions_of_conversations_in_use_and_keeps_their_slots(pg, data, session_data):
    rasa, engine, _ = pg
    before = all_rows(engine)
    gone: Set[tuple] = set()
    whole, trimmed = set(), set()
    for name, (sender, layout, deleted, count) in session_data.items():
        rows = ordered_rows(engine, sender)
        assert len(rows) == len(layout)
        gone |= {tuple(row) for row, session in zip(rows, layout) if session in deleted}
        if deleted == set(range(count)):
            whole.add(sender)
        elif deleted:
            trimmed.add(sender)
    single = {data[name][0] for name in ("gammal", "åäö användare", "x-y", "före-gränsen")}   # idle > 30 days
    whole |= single
    gone |= rows_of(before, single)
    kept = {sender for sender, *_ in session_data.values()} - whole
    read_before = {s: [e.as_dict() for e in asyncio.run(rasa.retrieve(s)).events] for s in kept}
    slots_before = {s: asyncio.run(rasa.retrieve_full_tracker(s)).current_slot_values() for s in kept}

    report = lifecycle.purge(engine, 30, now=NOW)

    assert all_rows(engine) == before - gone                      # every other row untouched
    assert (report.conversations, report.events) == (len(whole), len(rows_of(before, whole)))
    assert (report.in_use, report.sessions, report.session_events) == (len(trimmed), 6, len(gone) - report.events)
    assert all(row[3] < NOW - 30 * DAY for row in gone)
    for sender in kept:                                           # rebuilt by Rasa's own PostgreSQL store
        assert [e.as_dict() for e in asyncio.run(rasa.retrieve(sender)).events] == read_before[sender]
        assert asyncio.run(rasa.retrieve_full_tracker(sender)).current_slot_values() == slots_before[sender]
    active = session_data["s-aktiv"][0]
    assert asyncio.run(rasa.retrieve(active)).get_slot("region") == "skane"
    assert asyncio.run(rasa.retrieve_full_tracker(active)).get_slot("audience") == "staff"
    assert [row[2] for row in ordered_rows(engine, active)].count("session_started") == 1
    only = session_data["s-en-lång"]                               # one session, begun 50 days ago, in use
    assert len(ordered_rows(engine, only[0])) == len(only[1])
    assert lifecycle.purge(engine, 30, now=NOW) == lifecycle.PurgeReport(0, 0, NOW - 30 * DAY)


def test_export(pg, data):
    _, engine, _ = pg
    sender, events = data["aktiv"]
    exported = lifecycle.export(engine, sender, now=NOW)
    assert (exported["sender_id"], exported["store"], exported["exported_at"]) == (sender, "postgresql", "2001-09-09T01:46:40+00:00")
    assert exported["events"] == [json.loads(json.dumps(event.as_dict())) for event in events]
    assert [(c["from"], c["text"]) for c in exported["conversation"]] == [
        ("user", "Fråga 1: vad är en SIP?"), ("bot", "Svar 1: en samordnad individuell plan."),
        ("user", "Fråga 2: vad är en SIP?"), ("bot", "Svar 2: en samordnad individuell plan."),
    ]
    assert lifecycle.export(engine, PREFIX + "okänd", now=NOW)["events"] == []


def _in_thread(function, *args, **kwargs):
    result = {}
    thread = threading.Thread(target=lambda: result.update(value=function(*args, **kwargs)))
    thread.start()
    return thread, result


def _wait_until(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _finish_turn(rasa, loaded, domain) -> None:
    from rasa.shared.core.events import UserUttered

    loaded.update(UserUttered("och sen då?", intent={"name": "ask_sip", "confidence": 0.9}), domain)
    asyncio.run(rasa.save(loaded))


@pytest.mark.parametrize("operation", ["forget", "purge"])
def test_the_recheck_removes_a_conversation_saved_back_by_a_turn_in_flight(pg, data, domain, operation):
    rasa, engine, _ = pg
    sender, events = data["gammal"]
    before = all_rows(engine)
    loaded = asyncio.run(rasa.retrieve(sender))         # the turn in flight loaded it before

    if operation == "forget":
        thread, result = _in_thread(lifecycle.forget, engine, sender, recheck_after=1.5)
        removed = {sender}
    else:
        thread, result = _in_thread(lifecycle.purge, engine, 36, now=NOW, recheck_after=1.5)
        removed = {data["gammal"][0], data["x-y"][0]}
    _wait_until(lambda: lifecycle.count(engine, sender) == 0)
    _finish_turn(rasa, loaded, domain)                   # ...and saves it after: all of it again
    resaved = lifecycle.count(engine, sender)
    assert resaved == len(events) + 1
    thread.join(timeout=30)

    assert lifecycle.count(engine, sender) == 0
    deleted = result["value"] if operation == "forget" else result["value"].events
    assert deleted == len(rows_of(before, removed)) + resaved
    assert all_rows(engine) == before - rows_of(before, removed)


def test_the_recheck_keeps_a_conversation_started_after_the_erasure(pg, data, domain):
    from rasa.shared.core.events import BotUttered, UserUttered

    rasa, engine, _ = pg
    sender, events = data["ny"]
    thread, result = _in_thread(lifecycle.forget, engine, sender, recheck_after=1.0)
    _wait_until(lambda: lifecycle.count(engine, sender) == 0)
    time.sleep(0.05)
    save(rasa, sender, [UserUttered("Hej igen"), BotUttered("Hej! Vad vill du veta?")], domain)
    thread.join(timeout=30)
    assert result["value"] == len(events)
    assert lifecycle.count(engine, sender) == 2


def test_a_schema_without_the_table_has_nothing(pg, data):
    _, engine, env = pg
    schema = f"lctest_{uuid.uuid4().hex[:8]}"
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.ProgrammingError:
        pytest.skip("the test role may not create a schema")
    # Rasa's POSTGRESQL_SCHEMA: a store in that (empty) schema
    empty = lifecycle.engine_for(Settings.from_env(env), {**env, "POSTGRESQL_SCHEMA": schema})
    try:
        before = all_rows(engine)
        assert lifecycle.forget(empty, "a", recheck_after=0.01) == 0
        assert lifecycle.purge(empty, 1, now=NOW) == lifecycle.PurgeReport(0, 0, NOW - DAY)
        assert lifecycle.export(empty, "a")["events"] == []
        assert lifecycle.senders(empty) == []
        assert all_rows(engine) == before
    finally:
        empty.dispose()
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def test_the_command_line_on_postgresql(pg, data, tmp_path):
    _, engine, env = pg
    sender, events = data["mellan"]
    child = {k: v for k, v in os.environ.items() if not k.startswith("SIPGUIDEN_")}
    child.update(env, PYTHONPATH=str(PROJECT_ROOT), PYTHONWARNINGS="ignore")
    script = [sys.executable, str(PROJECT_ROOT / "scripts" / "lifecycle.py")]
    out = tmp_path / "export.json"

    result = subprocess.run([*script, "export", sender, "--out", str(out)], env=child, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(out.read_text(encoding="utf-8"))["events"]) == len(events)
    assert (out.stat().st_mode & 0o777) == 0o600

    before = all_rows(engine)
    result = subprocess.run([*script, "forget", sender], env=child, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    url = engine.url
    assert result.stdout.strip() == (f"Samtalet «{sender}» är raderat ur PostgreSQL "
                                     f"({url.username}@{url.host}:{url.port}/{url.database}): {len(events)} händelser.")
    assert env["SIPGUIDEN_DB_PASSWORD"] not in result.stdout + result.stderr
    assert all_rows(engine) == before - rows_of(before, {sender})
