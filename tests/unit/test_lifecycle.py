"""The conversation data lifecycle (bot/lifecycle.py, scripts/lifecycle.py) on a real tracker store.

Every store here is written by Rasa's own SQLTrackerStore (SQLite), so the rows are exactly the
rows the bot stores; the checks compare the whole table before and after, row by row.
"""

from __future__ import annotations

import asyncio
import configparser
import importlib.util
import json
import os
import re
import shlex
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Sequence, Set

import pytest
import sqlalchemy as sa

from bot import lifecycle
from bot.settings import PROJECT_ROOT, Settings

# Rasa's own warnings when a domain with a slot is loaded and when its store is built.
pytestmark = [
    pytest.mark.slow,  # Rasa's SQL tracker store and the CLI in subprocesses (~30 s): not in make check
    pytest.mark.filterwarnings("ignore:Slot auto-fill:UserWarning"),
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning"),
]

DAY = 86400.0
# The unit tests' clock: a fixed time, so that the boundaries are exact.
NOW = 1_780_000_000.0

DOMAIN_YAML = """
version: "3.1"
intents: [greet, ask_sip]
session_config:
  session_expiration_time: 480
  carry_over_slots_to_new_session: true
slots:
  region:
    type: text
    influence_conversation: false
    mappings:
    - type: custom
  audience:
    type: text
    influence_conversation: false
    mappings:
    - type: custom
responses:
  utter_greet:
  - text: Hej
"""

# sender id -> the ages (in days before "now") of the turns of its conversation, oldest first.
# Each turn is a user message, a slot and a bot answer; the conversation's last event is the
# bot answer of the last turn, 2 s after the turn's time.
CONVERSATIONS: Dict[str, Sequence[float]] = {
    "a-gammal": (45, 44, 40),                # idle for 40 days
    "b-aktiv": (60, 50, 0.5),                # old first turns, but used yesterday: kept whole
    "c-ny": (0.1, 0.05),                     # today
    "d-mellan": (10, 8),                     # idle for 8 days
    "e-åäö användare": (35,),                # a sender id with Swedish letters and a space
    "x%": (2,),                              # like-wildcards: forgetting "x%" must not touch "x-y"
    "x-y": (50,),
}

# Boundary conversations: their LAST event exactly at, just before and just after the 30-day cutoff.
BOUNDARY = {
    "f-före-gränsen": NOW - 30 * DAY - 0.001,
    "g-på-gränsen": NOW - 30 * DAY,
    "h-efter-gränsen": NOW - 30 * DAY + 0.001,
}


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    return Domain.from_yaml(DOMAIN_YAML)


def turn(at: float, number: int) -> list:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    return [
        UserUttered(f"Fråga {number}: vad är en SIP?", intent={"name": "ask_sip", "confidence": 0.98}, timestamp=at),
        ActionExecuted("action_answer", timestamp=at + 1),
        SlotSet("region", "stockholm", timestamp=at + 1),
        BotUttered(f"Svar {number}: en samordnad individuell plan.", timestamp=at + 2),
        ActionExecuted("action_listen", timestamp=at + 2),
    ]


def conversation_events(turn_times: Sequence[float]) -> list:
    """A whole conversation as the bot stores it: a session start, then the turns."""
    from rasa.shared.core.events import ActionExecuted, SessionStarted

    start = turn_times[0] - 5
    events = [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start),
        ActionExecuted("action_listen", timestamp=start),
    ]
    for number, at in enumerate(turn_times, 1):
        events += turn(at, number)
    return events


def tracker(sender: str, events: list, domain):
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker.from_events(sender, events, domain.slots)


def rasa_store(path: Path, domain):
    from rasa.core.tracker_store import SQLTrackerStore

    return SQLTrackerStore(domain, dialect="sqlite", db=str(path))


def build_store(path: Path, domain, now: float, boundary: bool = True):
    """Rasa's store with CONVERSATIONS (ages relative to ``now``) and, if asked, BOUNDARY.
    Returns the store and each conversation's events as saved."""
    store = rasa_store(path, domain)
    saved = {}
    for sender, ages in CONVERSATIONS.items():
        # the last event of a turn is 2 s after it: shift so the LAST event is at the stated age
        times = [now - age * DAY - 2 for age in ages]
        saved[sender] = conversation_events(times)
    if boundary:
        for sender, last in BOUNDARY.items():
            saved[sender] = conversation_events([last - 3 * DAY, last - 2])
    for sender, events in saved.items():
        asyncio.run(store.save(tracker(sender, events, domain)))
    return store, saved


def all_rows(path: Path) -> Set[tuple]:
    with sqlite3.connect(path) as db:
        return set(db.execute("SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data FROM events"))


def rows_of(rows: Set[tuple], senders: Set[str]) -> Set[tuple]:
    return {row for row in rows if row[1] in senders}


def last_event(path: Path, sender: str) -> float:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT max(timestamp) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


@pytest.fixture
def store(tmp_path, domain):
    path = tmp_path / "tracker.db"
    rasa, saved = build_store(path, domain, NOW)
    engine = sa.create_engine(f"sqlite:///{path}")
    yield path, rasa, saved, engine
    engine.dispose()


# --- the test data is what we think it is --------------------------------------------------


def test_the_store_holds_rasas_rows_with_the_chosen_times(store):
    path, _, saved, engine = store
    assert set(lifecycle.senders(engine)) == set(CONVERSATIONS) | set(BOUNDARY)
    for sender, events in saved.items():
        assert lifecycle.count(engine, sender) == len(events)
    assert last_event(path, "g-på-gränsen") == NOW - 30 * DAY
    assert last_event(path, "b-aktiv") == NOW - 0.5 * DAY
    with sqlite3.connect(path) as db:
        first = db.execute("SELECT min(timestamp) FROM events WHERE sender_id = 'b-aktiv'").fetchone()[0]
    assert first < NOW - 60 * DAY


# --- forget ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sender", sorted(set(CONVERSATIONS) | set(BOUNDARY)))
def test_forget_removes_every_event_of_the_conversation_and_nothing_else(store, sender):
    path, rasa, saved, engine = store
    before = all_rows(path)
    assert asyncio.run(rasa.retrieve(sender)) is not None

    deleted = lifecycle.forget(engine, sender)

    after = all_rows(path)
    gone = rows_of(before, {sender})
    assert len(gone) == len(saved[sender]) > 0
    assert deleted == len(gone)
    assert after == before - gone                       # every other row untouched, byte for byte
    assert asyncio.run(rasa.retrieve(sender)) is None   # Rasa itself finds nothing
    assert asyncio.run(rasa.retrieve_full_tracker(sender)) is None
    for other in set(saved) - {sender}:
        assert len(asyncio.run(rasa.retrieve_full_tracker(other)).events) == len(saved[other])


@pytest.mark.parametrize("sender", ["okänd", "", "x", "X%", "a-gammal ", "'; DROP TABLE events; --"])
def test_forget_of_an_unknown_conversation_deletes_nothing(store, sender):
    path, _, _, engine = store
    before = all_rows(path)
    assert lifecycle.forget(engine, sender) == 0
    assert all_rows(path) == before


def test_forget_twice_is_harmless(store):
    path, _, saved, engine = store
    assert lifecycle.forget(engine, "c-ny") == len(saved["c-ny"])
    before = all_rows(path)
    assert lifecycle.forget(engine, "c-ny") == 0
    assert all_rows(path) == before


# --- purge ----------------------------------------------------------------------------------

PURGE_CASES = [
    # days, the conversations whose last event is older than now - days
    (30, {"a-gammal", "e-åäö användare", "x-y", "f-före-gränsen"}),
    (1, {"a-gammal", "d-mellan", "e-åäö användare", "x%", "x-y", "f-före-gränsen", "g-på-gränsen", "h-efter-gränsen"}),
    (7, {"a-gammal", "d-mellan", "e-åäö användare", "x-y", "f-före-gränsen", "g-på-gränsen", "h-efter-gränsen"}),
    (36, {"a-gammal", "x-y"}),
    (41, {"x-y"}),
    (51, set()),
    (36500, set()),
]


@pytest.mark.parametrize("days,purged", PURGE_CASES)
def test_purge_deletes_exactly_the_conversations_idle_longer_than_the_retention(store, days, purged):
    path, rasa, saved, engine = store
    before = all_rows(path)

    report = lifecycle.purge(engine, days, now=NOW)

    after = all_rows(path)
    gone = rows_of(before, purged)
    assert report == lifecycle.PurgeReport(conversations=len(purged), events=len(gone), cutoff=NOW - days * DAY)
    assert after == before - gone
    assert set(lifecycle.senders(engine)) == set(saved) - purged
    for sender in purged:
        assert asyncio.run(rasa.retrieve(sender)) is None
    for sender in set(saved) - purged:                  # kept whole, old events included
        assert len(asyncio.run(rasa.retrieve_full_tracker(sender)).events) == len(saved[sender])


def test_a_conversation_in_use_is_kept_whole_with_its_old_events(store):
    path, _, saved, engine = store
    with sqlite3.connect(path) as db:
        old = db.execute("SELECT count(*) FROM events WHERE sender_id = 'b-aktiv' AND timestamp < ?",
                         (NOW - 30 * DAY,)).fetchone()[0]
    assert old > 0
    lifecycle.purge(engine, 30, now=NOW)
    assert lifecycle.count(engine, "b-aktiv") == len(saved["b-aktiv"])


def test_purge_boundary_last_event_exactly_at_the_cutoff_is_kept(store):
    path, _, _, engine = store
    lifecycle.purge(engine, 30, now=NOW)
    remaining = set(lifecycle.senders(engine))
    assert "f-före-gränsen" not in remaining        # 1 ms older than the cutoff
    assert {"g-på-gränsen", "h-efter-gränsen"} <= remaining


def test_purge_again_finds_nothing(store):
    path, _, _, engine = store
    first = lifecycle.purge(engine, 30, now=NOW)
    before = all_rows(path)
    assert first.conversations > 0
    assert lifecycle.purge(engine, 30, now=NOW) == lifecycle.PurgeReport(0, 0, NOW - 30 * DAY)
    assert all_rows(path) == before


def test_purge_uses_the_current_time_by_default(store):
    _, _, _, engine = store
    report = lifecycle.purge(engine, 36500)
    assert abs(report.cutoff - (time.time() - 36500 * DAY)) < 60
    assert report.conversations == 0


def test_purge_in_batches_handles_many_conversations(tmp_path, domain):
    from rasa.shared.core.events import UserUttered

    path = tmp_path / "many.db"
    rasa = rasa_store(path, domain)
    with sqlite3.connect(path) as db:   # 1 200 conversations: more than one batch of senders
        for i in range(1200):
            at = NOW - (40 if i % 3 else 1) * DAY
            data = json.dumps(UserUttered(f"hej {i}", timestamp=at).as_dict())
            db.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, ?)",
                       (f"s{i:04d}", at, data))
    assert rasa is not None
    engine = sa.create_engine(f"sqlite:///{path}")
    report = lifecycle.purge(engine, 30, now=NOW)
    assert (report.conversations, report.events) == (800, 800)
    assert lifecycle.senders(engine) == [f"s{i:04d}" for i in range(0, 1200, 3)]


@pytest.mark.parametrize("days", [0, -1, 1.5, "30", None, True, 36501])
def test_purge_refuses_a_bad_retention_in_swedish(store, days):
    path, _, _, engine = store
    before = all_rows(path)
    with pytest.raises(ValueError, match="helt antal dagar"):
        lifecycle.purge(engine, days, now=NOW)
    assert all_rows(path) == before


# --- purge: the old sessions of a conversation in use ---------------------------------------
#
# Conversations of several sessions, written as Rasa's processor writes them when a session
# starts (MessageProcessor._update_tracker_session, checked against a real turn): the message's
# metadata as a SlotSet, action_session_start, then what Rasa's own ActionSessionStart returns —
# session_started, the slots carried over as SlotSet events, action_listen. The first two have
# earlier timestamps than session_started (Rasa stamps the action's events after the action).

CUTOFF = NOW - 30 * DAY

# sender id -> its sessions: (time of session_started, [(time of a turn, slots the turn sets)]),
# and the sessions (by index) that purge(30) deletes.
SESSIONS: Dict[str, tuple] = {
    # three old sessions, the region changed in the second; the current session began yesterday
    "s-aktiv": ([
        (NOW - 60 * DAY, [(NOW - 60 * DAY + 10, {"region": "halland", "audience": "staff"}), (NOW - 60 * DAY + 600, {})]),
        (NOW - 45 * DAY, [(NOW - 45 * DAY + 10, {"region": "skane"})]),
        (NOW - 40 * DAY, [(NOW - 40 * DAY + 10, {})]),
        (NOW - 1 * DAY, [(NOW - 1 * DAY + 10, {}), (NOW - 1 * DAY + 900, {})]),
    ], {0, 1, 2}),
    # an old session, then one that began before the limit and went on after it: kept whole
    "s-pågår": ([
        (NOW - 70 * DAY, [(NOW - 70 * DAY + 10, {"region": "uppsala", "audience": "guardian"})]),
        (NOW - 31 * DAY, [(NOW - 31 * DAY + 10, {}), (NOW - 29 * DAY, {}), (NOW - 2 * DAY, {})]),
    ], {0}),
    # one session only, begun long ago and still in use: not old as a whole, kept whole
    "s-en-lång": ([
        (NOW - 50 * DAY, [(NOW - 50 * DAY + 10, {"region": "jonkoping"}), (NOW - 10 * DAY, {}), (NOW - 0.2 * DAY, {})]),
    ], set()),
    # idle: its last event is older than the limit, so it goes whole
    "s-gammal": ([
        (NOW - 80 * DAY, [(NOW - 80 * DAY + 10, {"region": "haninge"})]),
        (NOW - 50 * DAY, [(NOW - 50 * DAY + 10, {})]),
    ], {0, 1}),
    # everything young
    "s-ny": ([
        (NOW - 5 * DAY, [(NOW - 5 * DAY + 10, {"region": "skane", "audience": "young"})]),
        (NOW - 1 * DAY, [(NOW - 1 * DAY + 10, {})]),
    ], set()),
    # the first session's last event exactly at the limit: not older, kept
    "s-slut-på-gränsen": ([
        (NOW - 33 * DAY, [(NOW - 33 * DAY + 10, {"region": "halland"}), (CUTOFF - 2, {})]),
        (NOW - 3 * DAY, [(NOW - 3 * DAY + 10, {})]),
    ], set()),
    # ... 1 ms earlier: that session goes
    "s-slut-före-gränsen": ([
        (NOW - 33 * DAY, [(NOW - 33 * DAY + 10, {"region": "halland"}), (CUTOFF - 2.001, {})]),
        (NOW - 3 * DAY, [(NOW - 3 * DAY + 10, {})]),
    ], {0}),
    # the kept session's session_started exactly at the limit
    "s-start-på-gränsen": ([
        (NOW - 40 * DAY, [(NOW - 40 * DAY + 10, {"audience": "guardian"})]),
        (CUTOFF, [(CUTOFF + 10, {"region": "uppsala"})]),
    ], {0}),
}


def session_turn(at: float, slots: Dict[str, str], number: int) -> list:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    return [
        UserUttered(f"Fråga {number}", intent={"name": "ask_sip", "confidence": 0.97}, timestamp=at),
        ActionExecuted("action_answer", timestamp=at + 1),
        *[SlotSet(name, value, timestamp=at + 1) for name, value in slots.items()],
        BotUttered(f"Svar {number}", timestamp=at + 2),
        ActionExecuted("action_listen", timestamp=at + 2),
    ]


def sessions_tracker(sender: str, sessions: Sequence[tuple], domain):
    """The tracker of a conversation of ``sessions``; each event's ``session`` index is recorded
    in ``session_of`` (event id -> index) for the checks."""
    from rasa.core.actions.action import ActionSessionStart
    from rasa.shared.core.events import ActionExecuted, SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    conversation = DialogueStateTracker(sender, domain.slots)
    session_of: Dict[int, int] = {}
    number = 0
    for index, (started, turns) in enumerate(sessions):
        opening = [SlotSet("session_started_metadata", {"sipguiden_redacted": []}, timestamp=started - 0.002),
                   ActionExecuted("action_session_start", timestamp=started - 0.001)]
        for event in opening:
            conversation.update(event, domain)
        # Rasa's own action, on the tracker as it is: it decides what is carried over.
        for event in asyncio.run(ActionSessionStart().run(None, None, conversation, domain)):
            event.timestamp = started
            conversation.update(event, domain)
        for at, slots in turns:
            number += 1
            for event in session_turn(at, slots, number):
                conversation.update(event, domain)
        for event in conversation.events:
            session_of.setdefault(id(event), index)
    return conversation, session_of


def stored_sessions(conversation, session_of) -> List[int]:
    """Each stored row's session index, in the order Rasa stores the events."""
    return [session_of[id(event)] for event in conversation.events]


@pytest.fixture
def sessions_store(tmp_path, domain):
    """CONVERSATIONS (single sessions) and SESSIONS, all saved by Rasa's store, one save per
    conversation (the rows are the same as with one save per turn)."""
    path = tmp_path / "sessions.db"
    rasa, saved = build_store(path, domain, NOW, boundary=False)
    layout = {}
    for sender, (sessions, _) in SESSIONS.items():
        conversation, session_of = sessions_tracker(sender, sessions, domain)
        asyncio.run(rasa.save(conversation))
        layout[sender] = stored_sessions(conversation, session_of)
    engine = sa.create_engine(f"sqlite:///{path}")
    yield path, rasa, saved, layout, engine
    engine.dispose()


def session_rows(path: Path, sender: str) -> List[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data FROM events "
                          "WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()


def expected_gone(path: Path, layout: Dict[str, List[int]]) -> Set[tuple]:
    """The rows purge(30) must delete, from the sessions' layout: every row of a deleted session
    (from its opening, the metadata slot and action_session_start, up to the next one's)."""
    gone: Set[tuple] = set()
    for sender, (_, deleted) in SESSIONS.items():
        rows = session_rows(path, sender)
        assert len(rows) == len(layout[sender])
        gone |= {row for row, session in zip(rows, layout[sender]) if session in deleted}
    return gone


def test_the_sessions_are_stored_as_rasa_stores_them(sessions_store):
    path, rasa, _, layout, _ = sessions_store
    rows = session_rows(path, "s-aktiv")
    opening = [(row[2], row[5]) for row in rows[:5]]
    assert opening == [("slot", "session_started_metadata"), ("action", "action_session_start"),
                       ("session_started", None), ("slot", "session_started_metadata"), ("action", "action_listen")]
    second = next(i for i, row in enumerate(rows) if row[2] == "session_started" and layout["s-aktiv"][i] == 1)
    first_user = next(i for i in range(second, len(rows)) if rows[i][2] == "user")
    carried = [json.loads(row[6]) for row in rows[second + 1:first_user] if row[2] == "slot"]
    assert [(e["name"], e["value"]) for e in carried if e["name"] != "session_started_metadata"] == \
        [("region", "halland"), ("audience", "staff")]                  # right after session_started
    assert rows[second - 1][3] < rows[second][3] and rows[second - 2][3] < rows[second][3]
    # Rasa reads only the latest session, and finds the carried-over slots there.
    latest = asyncio.run(rasa.retrieve("s-aktiv"))
    assert latest.get_slot("region") == "skane" and latest.get_slot("audience") == "staff"
    assert sum(1 for e in latest.events if e.type_name == "session_started") == 1


def test_the_project_carries_slots_over_to_a_new_session():
    """The retention relies on it: the kept session holds the region and the audience."""
    from rasa.shared.core.domain import Domain

    config = Domain.load(str(PROJECT_ROOT / "domain.yml")).session_config
    assert config.carry_over_slots is True
    assert config.session_expiration_time > 0   # sessions end: an active conversation's old sessions can go


def test_purge_deletes_the_old_sessions_of_conversations_in_use_and_keeps_their_slots(sessions_store):
    path, rasa, saved, layout, engine = sessions_store
    before = all_rows(path)
    senders = set(saved) | set(SESSIONS)
    tracker_before = {s: asyncio.run(rasa.retrieve(s)) for s in senders}
    full_before = {s: asyncio.run(rasa.retrieve_full_tracker(s)) for s in senders}
    gone = expected_gone(path, layout)
    whole = {s for s, (sessions, deleted) in SESSIONS.items() if deleted == set(range(len(sessions)))}
    trimmed = {s for s, (_, deleted) in SESSIONS.items() if deleted and s not in whole}
    whole |= {"a-gammal", "e-åäö användare", "x-y"}             # the single-session conversations idle > 30 days
    gone |= rows_of(before, {"a-gammal", "e-åäö användare", "x-y"})

    report = lifecycle.purge(engine, 30, now=NOW)

    after = all_rows(path)
    assert after == before - gone                                   # exactly these rows, every other one untouched
    assert report.conversations == len(whole) and report.events == len(rows_of(before, whole))
    assert report.in_use == len(trimmed) == 4
    assert report.sessions == sum(len(SESSIONS[s][1]) for s in trimmed) == 6
    assert report.session_events == len(gone) - report.events
    assert all(row[3] < CUTOFF for row in gone)                     # nothing younger than the limit went
    for sender in senders - whole:
        # What Rasa reads when it handles the next message is the same, event for event...
        now_read = asyncio.run(rasa.retrieve(sender))
        assert [e.as_dict() for e in now_read.events] == [e.as_dict() for e in tracker_before[sender].events]
        # ...and so are the slots of the whole stored conversation, rebuilt by Rasa.
        full = asyncio.run(rasa.retrieve_full_tracker(sender))
        assert full.current_slot_values() == full_before[sender].current_slot_values()
    for sender in whole:
        assert asyncio.run(rasa.retrieve(sender)) is None
    assert asyncio.run(rasa.retrieve("s-aktiv")).get_slot("region") == "skane"
    assert asyncio.run(rasa.retrieve_full_tracker("s-aktiv")).get_slot("audience") == "staff"
    assert asyncio.run(rasa.retrieve_full_tracker("s-pågår")).get_slot("region") == "uppsala"
    assert asyncio.run(rasa.retrieve_full_tracker("s-start-på-gränsen")).get_slot("audience") == "guardian"
    remaining = session_rows(path, "s-aktiv")                     # the current session, with its opening
    assert [(r[2], r[5]) for r in remaining[:3]] == [("slot", "session_started_metadata"),
                                                     ("action", "action_session_start"), ("session_started", None)]
    assert remaining[2][3] == NOW - DAY and [r[2] for r in remaining].count("session_started") == 1


def test_a_session_begun_before_the_limit_and_still_in_use_is_kept_whole(sessions_store):
    path, _, _, layout, engine = sessions_store
    lifecycle.purge(engine, 30, now=NOW)
    rows = session_rows(path, "s-pågår")
    assert [row[2] for row in rows[:3]] == ["slot", "action", "session_started"]   # with its opening
    assert rows[2][3] == NOW - 31 * DAY                                           # older than the limit, kept
    assert len(rows) == layout["s-pågår"].count(1)                                # the whole session
    one = session_rows(path, "s-en-lång")
    assert len(one) == len(layout["s-en-lång"])                               # the only session: untouched
    assert min(row[3] for row in one) < NOW - 49 * DAY


def test_purge_of_sessions_again_finds_nothing(sessions_store):
    path, _, _, _, engine = sessions_store
    first = lifecycle.purge(engine, 30, now=NOW)
    assert first.sessions > 0
    before = all_rows(path)
    assert lifecycle.purge(engine, 30, now=NOW) == lifecycle.PurgeReport(0, 0, CUTOFF)
    assert all_rows(path) == before


def test_a_longer_retention_keeps_more_sessions(sessions_store):
    path, rasa, _, _, engine = sessions_store
    report = lifecycle.purge(engine, 42, now=NOW)                 # only s-aktiv's first two sessions are older
    assert (report.in_use, report.sessions) == (2, 3)             # and s-pågår's first (70 days)
    starts = [row[3] for row in session_rows(path, "s-aktiv") if row[2] == "session_started"]
    assert starts == [NOW - 40 * DAY, NOW - DAY]
    assert asyncio.run(rasa.retrieve("s-aktiv")).get_slot("region") == "skane"


def test_a_turn_in_flight_during_the_session_purge_is_saved_once(sessions_store, domain):
    """Rasa's save() appends "the tracker's events after as many as the latest session holds":
    the latest session is kept whole, so a turn that loaded it before the purge and saves after
    adds just its new event, and nothing deleted comes back."""
    path, rasa, _, _, engine = sessions_store
    loaded = _inflight_turn(rasa, "s-aktiv")
    report = lifecycle.purge(engine, 30, now=NOW, recheck_after=0.01)
    assert report.sessions == 6
    count = lifecycle.count(engine, "s-aktiv")
    _finish_turn(rasa, loaded, domain)
    assert lifecycle.count(engine, "s-aktiv") == count + 1
    stored = asyncio.run(rasa.retrieve("s-aktiv"))
    assert [e.as_dict() for e in stored.events] == [e.as_dict() for e in loaded.events]
    assert stored.get_slot("region") == "skane"


# --- export ---------------------------------------------------------------------------------


def iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(timestamp))


def test_export_returns_the_stored_events_in_order_and_the_readable_conversation(store):
    path, rasa, saved, engine = store
    data = lifecycle.export(engine, "b-aktiv", now=NOW)

    assert data["sender_id"] == "b-aktiv"
    assert data["exported_at"] == iso(NOW)
    assert data["store"] == "sqlite"
    assert data["events"] == [json.loads(json.dumps(event.as_dict())) for event in saved["b-aktiv"]]
    stored = asyncio.run(rasa.retrieve_full_tracker("b-aktiv")).events
    assert [event["event"] for event in data["events"]] == [event.type_name for event in stored]
    users = [e for e in saved["b-aktiv"] if e.type_name == "user"]
    bots = [e for e in saved["b-aktiv"] if e.type_name == "bot"]
    expected = []
    for user, bot in zip(users, bots):
        expected.append({"time": iso(user.timestamp), "from": "user", "text": user.text})
        expected.append({"time": iso(bot.timestamp), "from": "bot", "text": bot.text})
    assert data["conversation"] == expected
    assert data["conversation"][0]["text"] == "Fråga 1: vad är en SIP?"
    json.dumps(data, ensure_ascii=False)   # JSON-ready


def test_export_keeps_the_stored_order_not_the_timestamps(tmp_path, domain):
    from rasa.shared.core.events import BotUttered, UserUttered

    path = tmp_path / "order.db"
    rasa = rasa_store(path, domain)
    events = [UserUttered("först sparad", timestamp=NOW), BotUttered("", timestamp=NOW - 50),
              BotUttered("svar", timestamp=NOW - 100), UserUttered("sist", timestamp=NOW - 10)]
    asyncio.run(rasa.save(tracker("ordning", events, domain)))
    data = lifecycle.export(sa.create_engine(f"sqlite:///{path}"), "ordning", now=NOW)
    assert [e.get("text") for e in data["events"]] == ["först sparad", "", "svar", "sist"]
    assert [(c["from"], c["text"]) for c in data["conversation"]] == [("user", "först sparad"), ("bot", "svar"), ("user", "sist")]
    assert data["conversation"][1]["time"] == iso(NOW - 100)


def test_export_of_an_unknown_conversation_is_empty(store):
    _, _, _, engine = store
    data = lifecycle.export(engine, "okänd", now=NOW)
    assert (data["events"], data["conversation"], data["sender_id"]) == ([], [], "okänd")


# --- a store that was never used -------------------------------------------------------------


def _no_file(tmp_path):
    return sa.create_engine(f"sqlite:///{tmp_path / 'saknas' / 'tracker.db'}"), tmp_path / "saknas"


def _empty_file(tmp_path):
    path = tmp_path / "tom.db"
    sqlite3.connect(path).close()
    return sa.create_engine(f"sqlite:///{path}"), path


def _other_table(tmp_path):
    path = tmp_path / "annan.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        db.execute("INSERT INTO notes (text) VALUES ('orörd')")
    return sa.create_engine(f"sqlite:///{path}"), path


@pytest.mark.parametrize("make", [_no_file, _empty_file, _other_table])
def test_a_store_without_the_events_table_has_nothing(tmp_path, make):
    engine, path = make(tmp_path)
    existed = path.exists()
    assert lifecycle.forget(engine, "a", recheck_after=0.01) == 0
    assert lifecycle.purge(engine, 30, now=NOW, recheck_after=0.01) == lifecycle.PurgeReport(0, 0, NOW - 30 * DAY)
    data = lifecycle.export(engine, "a", now=NOW)
    assert (data["events"], data["conversation"]) == ([], [])
    assert lifecycle.count(engine, "a") == 0 and lifecycle.senders(engine) == []
    assert path.exists() == existed                     # nothing created
    if path.is_file():
        with sqlite3.connect(path) as db:
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "events" not in tables


# --- the recheck after a turn in flight ------------------------------------------------------


def _wait_until(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _in_thread(function, *args, **kwargs):
    result = {}

    def target():
        result["value"] = function(*args, **kwargs)

    thread = threading.Thread(target=target)
    thread.start()
    return thread, result


def _inflight_turn(rasa, sender: str):
    """A turn that loaded the conversation before the erasure (Rasa's own retrieve)."""
    loaded = asyncio.run(rasa.retrieve(sender))
    assert loaded is not None
    return loaded


def _finish_turn(rasa, loaded, domain) -> None:
    """...and saves it after the erasure, with its new event, through Rasa's own save()."""
    from rasa.shared.core.events import UserUttered

    loaded.update(UserUttered("och sen då?", intent={"name": "ask_sip", "confidence": 0.9}), domain)
    asyncio.run(rasa.save(loaded))


def test_without_the_recheck_a_turn_in_flight_brings_the_erased_conversation_back(store, domain):
    """The reason for the recheck: Rasa's save() appends "the events after as many as are
    stored", so after an erasure it saves the whole conversation again."""
    path, rasa, saved, engine = store
    loaded = _inflight_turn(rasa, "b-aktiv")
    assert lifecycle.forget(engine, "b-aktiv") == len(saved["b-aktiv"])
    _finish_turn(rasa, loaded, domain)
    assert lifecycle.count(engine, "b-aktiv") == len(saved["b-aktiv"]) + 1


def test_forget_rechecks_and_removes_a_conversation_saved_back_by_a_turn_in_flight(store, domain):
    path, rasa, saved, engine = store
    before = all_rows(path)
    loaded = _inflight_turn(rasa, "b-aktiv")

    thread, result = _in_thread(lifecycle.forget, engine, "b-aktiv", recheck_after=1.5)
    _wait_until(lambda: lifecycle.count(engine, "b-aktiv") == 0)
    _finish_turn(rasa, loaded, domain)
    resaved = lifecycle.count(engine, "b-aktiv")
    assert resaved == len(saved["b-aktiv"]) + 1          # it came back...
    thread.join(timeout=20)

    assert lifecycle.count(engine, "b-aktiv") == 0       # ...and is gone again
    assert result["value"] == len(saved["b-aktiv"]) + resaved
    assert all_rows(path) == before - rows_of(before, {"b-aktiv"})
    assert asyncio.run(rasa.retrieve("b-aktiv")) is None


def test_the_recheck_keeps_a_new_conversation_started_after_the_erasure(store, domain):
    from rasa.shared.core.events import BotUttered, UserUttered

    path, rasa, saved, engine = store
    thread, result = _in_thread(lifecycle.forget, engine, "c-ny", recheck_after=1.0)
    _wait_until(lambda: lifecycle.count(engine, "c-ny") == 0)
    time.sleep(0.05)
    fresh = [UserUttered("Hej igen"), BotUttered("Hej! Vad vill du veta om SIP?")]  # stamped now
    asyncio.run(rasa.save(tracker("c-ny", fresh, domain)))
    thread.join(timeout=20)
    assert result["value"] == len(saved["c-ny"])
    assert [e["text"] for e in lifecycle.export(engine, "c-ny")["events"]] == ["Hej igen", "Hej! Vad vill du veta om SIP?"]


def test_purge_rechecks_the_purged_conversations(tmp_path, domain):
    path = tmp_path / "tracker.db"
    now = time.time()
    rasa, saved = build_store(path, domain, now, boundary=False)
    engine = sa.create_engine(f"sqlite:///{path}")
    before = all_rows(path)
    purged = {"a-gammal", "e-åäö användare", "x-y"}
    loaded = _inflight_turn(rasa, "a-gammal")

    thread, result = _in_thread(lifecycle.purge, engine, 30, now=now, recheck_after=1.5)
    _wait_until(lambda: lifecycle.count(engine, "a-gammal") == 0)
    _finish_turn(rasa, loaded, domain)
    resaved = lifecycle.count(engine, "a-gammal")
    assert resaved == len(saved["a-gammal"]) + 1
    thread.join(timeout=20)

    report = result["value"]
    assert lifecycle.count(engine, "a-gammal") == 0
    assert report.conversations == len(purged)
    assert report.events == len(rows_of(before, purged)) + resaved
    assert all_rows(path) == before - rows_of(before, purged)


# --- engine_for ----------------------------------------------------------------------------


def test_engine_for_sqlite_is_relative_to_the_project_root():
    engine = lifecycle.engine_for(Settings.from_env({}), {})
    assert engine.dialect.name == "sqlite"
    assert Path(engine.url.database) == PROJECT_ROOT / "var" / "tracker.db"
    assert lifecycle.store_label(engine) == "SQLite (var/tracker.db)"
    absolute = lifecycle.engine_for(Settings.from_env({"SIPGUIDEN_SQLITE_PATH": "/tmp/x/t.db"}), {})
    assert absolute.url.database == "/tmp/x/t.db"


def test_engine_for_postgresql_takes_the_password_from_the_environment_and_never_shows_it():
    env = {"SIPGUIDEN_TRACKER_STORE": "postgresql", "SIPGUIDEN_DB_HOST": "db.example", "SIPGUIDEN_DB_PORT": "6543",
           "SIPGUIDEN_DB_NAME": "sip", "SIPGUIDEN_DB_USER": "bot", "SIPGUIDEN_DB_PASSWORD": "hemligt/lösen@#"}
    engine = lifecycle.engine_for(Settings.from_env(env), env)
    url = engine.url
    assert (url.drivername, url.host, url.port, url.database, url.username) == ("postgresql+psycopg2", "db.example", 6543, "sip", "bot")
    assert url.password == "hemligt/lösen@#"
    assert engine.pool._pre_ping
    for shown in (repr(url), repr(engine), lifecycle.store_label(engine)):  # (str(url) shows it: never used)
        assert "hemligt" not in shown
    assert lifecycle.store_label(engine) == "PostgreSQL (bot@db.example:6543/sip)"


# --- the command line ------------------------------------------------------------------------

SCRIPT = PROJECT_ROOT / "scripts" / "lifecycle.py"


def cli_env(db: Path, **extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIPGUIDEN_")}
    env.update(PYTHONPATH=str(PROJECT_ROOT), SIPGUIDEN_SQLITE_PATH=str(db), PYTHONWARNINGS="ignore")
    env.update(extra)
    return env


def cli(args: List[str], env: Dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)


def assert_clean(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr + result.stdout
    assert "Error" not in result.stderr


@pytest.fixture
def live(tmp_path, domain):
    """A store with times relative to the real clock (the command line purges against now)."""
    path = tmp_path / "tracker.db"
    rasa, saved = build_store(path, domain, time.time(), boundary=False)
    return path, rasa, saved


USAGE_CASES = [
    (["forget", ""], "Ange samtalets id: make forget SENDER=…"),
    (["forget", "   "], "Ange samtalets id: make forget SENDER=…"),
    (["forget"], "Ange samtalets id: make forget SENDER=…"),
    (["export", ""], "Ange samtalets id: make export SENDER=…"),
    (["export", "", "--out", "x.json"], "Ange samtalets id: make export SENDER=…"),
    (["purge", "--days", "0"], "--days måste vara ett helt antal dagar"),
    (["purge", "--days", "-3"], "--days måste vara ett helt antal dagar"),
    (["purge", "--days=-3"], "--days måste vara ett helt antal dagar"),
    (["purge", "--days", "1.5"], "--days måste vara ett helt antal dagar"),
    (["purge", "--days", "trettio"], "--days måste vara ett helt antal dagar"),
    (["purge", "--days", "99999999999999999999"], "--days måste vara ett helt antal dagar"),
    (["purge", "--days"], "--days behöver ett värde"),
    (["purge", "a-gammal"], "purge tar inget id"),
    ([], "Ange vad som ska göras"),
    (["radera", "a-gammal"], "Okänt kommando"),
    (["forget", "a", "b"], "Ett samtals id i taget"),
    (["forget", "a", "--days", "3"], "--days hör till purge"),
    (["--verbose", "purge"], "Okänt val"),
]


@pytest.mark.parametrize("args,message", USAGE_CASES)
def test_cli_wrong_use_gets_a_swedish_answer_and_exit_2(live, args, message):
    path, _, _ = live
    before = all_rows(path)
    result = cli(args, cli_env(path))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert_clean(result)
    assert all_rows(path) == before


def test_cli_bad_retention_in_the_environment(live):
    path, _, _ = live
    result = cli(["purge"], cli_env(path, SIPGUIDEN_RETENTION_DAYS="en månad"))
    assert result.returncode == 2
    assert "SIPGUIDEN_RETENTION_DAYS måste vara ett helt antal dagar" in result.stderr
    assert_clean(result)


def test_cli_bad_settings(live):
    path, _, _ = live
    result = cli(["purge"], cli_env(path, SIPGUIDEN_TRACKER_STORE="mongodb"))
    assert result.returncode == 2 and "FEL i inställningarna" in result.stderr
    assert_clean(result)


def test_cli_help_is_swedish(live):
    result = cli(["--help"], cli_env(live[0]))
    assert result.returncode == 0 and "Användning:" in result.stdout


def test_cli_forget(live):
    path, rasa, saved = live
    before = all_rows(path)
    result = cli(["forget", "e-åäö användare"], cli_env(path))
    assert result.returncode == 0, result.stderr
    n = len(saved["e-åäö användare"])
    assert result.stdout.strip() == f"Samtalet «e-åäö användare» är raderat ur SQLite ({path}): {n} händelser."
    assert all_rows(path) == before - rows_of(before, {"e-åäö användare"})
    assert asyncio.run(rasa.retrieve("e-åäö användare")) is None


def test_cli_forget_unknown_says_nothing_was_stored(live):
    path, _, _ = live
    before = all_rows(path)
    result = cli(["forget", "okänd-123"], cli_env(path))
    assert result.returncode == 0
    assert "Inget samtal med id «okänd-123» finns" in result.stdout and "inget var lagrat" in result.stdout
    assert all_rows(path) == before
    assert_clean(result)


@pytest.mark.parametrize("args,extra_env,purged", [
    (["purge"], {}, {"a-gammal", "e-åäö användare", "x-y"}),                                   # default 30
    (["purge"], {"SIPGUIDEN_RETENTION_DAYS": "9"}, {"a-gammal", "e-åäö användare", "x-y"}),
    (["purge"], {"SIPGUIDEN_RETENTION_DAYS": "7"}, {"a-gammal", "d-mellan", "e-åäö användare", "x-y"}),
    (["purge", "--days", "41"], {"SIPGUIDEN_RETENTION_DAYS": "7"}, {"x-y"}),                    # --days wins
    (["purge", "--days=100"], {}, set()),
])
def test_cli_purge(live, args, extra_env, purged):
    path, _, _ = live
    before = all_rows(path)
    result = cli(args, cli_env(path, **extra_env))
    assert result.returncode == 0, result.stderr
    assert all_rows(path) == before - rows_of(before, purged)
    out = result.stdout.strip()
    assert out.startswith(f"Rensning av SQLite ({path}): ")
    if purged:
        assert f"{len(purged)} samtal med {len(rows_of(before, purged))} händelser raderades" in out
    else:
        assert "inget raderades" in out


def test_cli_purge_reports_the_old_sessions_of_conversations_in_use(live, domain):
    path, rasa, _ = live
    now = time.time()
    sessions = [(now - 60 * DAY, [(now - 60 * DAY + 10, {"region": "halland", "audience": "staff"})]),
                (now - 45 * DAY, [(now - 45 * DAY + 10, {})]),
                (now - DAY, [(now - DAY + 10, {})])]
    conversation, session_of = sessions_tracker("pågående", sessions, domain)
    asyncio.run(rasa.save(conversation))
    layout = stored_sessions(conversation, session_of)
    before = all_rows(path)
    old = {row for row, session in zip(sorted(rows_of(before, {"pågående"})), layout) if session < 2}

    result = cli(["purge"], cli_env(path))

    assert result.returncode == 0, result.stderr
    whole = {"a-gammal", "e-åäö användare", "x-y"}
    assert all_rows(path) == before - rows_of(before, whole) - old
    out = result.stdout.strip()
    assert out.startswith(f"Rensning av SQLite ({path}): 3 samtal med {len(rows_of(before, whole))} händelser raderades helt; "
                          f"ur 1 pågående samtal raderades 2 gamla sessioner med {len(old)} händelser (äldre än ")
    assert out.endswith(", lagringstid 30 dagar).")
    assert len(out.splitlines()) == 1
    assert asyncio.run(rasa.retrieve("pågående")).get_slot("region") == "halland"
    assert_clean(result)


def test_cli_export_to_stdout(live):
    path, _, saved = live
    result = cli(["export", "b-aktiv"], cli_env(path))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["sender_id"] == "b-aktiv" and data["store"] == "sqlite"
    assert data["events"] == [json.loads(json.dumps(e.as_dict())) for e in saved["b-aktiv"]]
    assert "Fråga 1: vad är en SIP?" in result.stdout           # ensure_ascii=False: readable Swedish
    assert result.stdout.startswith("{\n  ")                       # indented
    datetime.fromisoformat(data["exported_at"])


def test_cli_export_to_a_private_file(live, tmp_path):
    path, _, saved = live
    out = tmp_path / "export.json"
    out.write_text("gammalt")
    out.chmod(0o644)
    result = cli(["export", "d-mellan", "--out", str(out)], cli_env(path))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["events"]) == len(saved["d-mellan"])
    assert len(data["conversation"]) == 4
    assert str(out) in result.stdout and "exporterat" in result.stdout

    fresh = tmp_path / "ny.json"
    result = cli(["export", "d-mellan", f"--out={fresh}"], cli_env(path))
    assert result.returncode == 0 and stat.S_IMODE(fresh.stat().st_mode) == 0o600


def test_cli_export_of_an_unknown_conversation(live, tmp_path):
    path, _, _ = live
    out = tmp_path / "export.json"
    result = cli(["export", "okänd-123", "--out", str(out)], cli_env(path))
    assert result.returncode == 1
    assert "Inget samtal med id «okänd-123» finns" in result.stderr
    assert result.stdout == "" and not out.exists()
    assert_clean(result)


def test_cli_export_to_an_unwritable_place(live, tmp_path):
    path, _, _ = live
    result = cli(["export", "b-aktiv", "--out", str(tmp_path / "finns-inte" / "x.json")], cli_env(path))
    assert result.returncode == 1 and "Kunde inte skriva" in result.stderr
    assert_clean(result)


def test_cli_on_a_store_that_was_never_used(tmp_path):
    missing = tmp_path / "aldrig" / "tracker.db"
    result = cli(["purge"], cli_env(missing))
    assert result.returncode == 0 and "inget raderades" in result.stdout
    result = cli(["export", "a"], cli_env(missing))
    assert result.returncode == 1 and "Inget samtal med id «a» finns" in result.stderr
    assert not missing.parent.exists()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PASSWORD = "hemligt-lösen-4711"


@pytest.mark.parametrize("args", [["purge"], ["forget", "a"], ["export", "a"]])
def test_cli_postgresql_down_is_one_swedish_line(tmp_path, args):
    port = _closed_port()
    env = cli_env(tmp_path / "unused.db", SIPGUIDEN_TRACKER_STORE="postgresql", SIPGUIDEN_DB_HOST="127.0.0.1",
                  SIPGUIDEN_DB_PORT=str(port), SIPGUIDEN_DB_PASSWORD=PASSWORD)
    result = cli(args, env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Samtalslagret PostgreSQL (sipguiden@127.0.0.1:{port}/sipguiden) gick inte att använda")
    assert PASSWORD not in result.stderr + result.stdout
    assert_clean(result)


@pytest.fixture
def script():
    spec = importlib.util.spec_from_file_location("lifecycle_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_scaled_without_the_scaled_set_up(script, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(script, "SCALE_ENV", tmp_path / "scale" / "env")
    assert script.main(["--scaled", "purge"], {}) == 1
    err = capsys.readouterr().err
    assert "kör make run-scaled först" in err


def test_cli_scaled_reads_the_launchers_file_over_the_environment(script, tmp_path, monkeypatch, capsys):
    port = _closed_port()
    env_file = tmp_path / "env"
    env_file.write_text(
        "# skriven av den skalade startaren\n\n"
        "SIPGUIDEN_TRACKER_STORE=postgresql\n"
        "SIPGUIDEN_DB_HOST=127.0.0.1\n"
        f"SIPGUIDEN_DB_PORT={port}\n"
        "SIPGUIDEN_DB_NAME=sipskala\n"
        "SIPGUIDEN_DB_USER=skala\n"
        f"SIPGUIDEN_DB_PASSWORD={PASSWORD}\n"
    )
    monkeypatch.setattr(script, "SCALE_ENV", env_file)
    environ = {"SIPGUIDEN_TRACKER_STORE": "sqlite", "SIPGUIDEN_DB_PORT": "1"}
    assert script.main(["--scaled", "forget", "a"], environ) == 1
    captured = capsys.readouterr()
    assert f"PostgreSQL (skala@127.0.0.1:{port}/sipskala)" in captured.err
    assert "make run-scaled" in captured.err
    assert PASSWORD not in captured.err + captured.out
    assert len(captured.err.strip().splitlines()) == 1


def test_cli_scaled_with_a_broken_file_names_the_line_not_its_content(script, tmp_path, monkeypatch, capsys):
    env_file = tmp_path / "env"
    env_file.write_text(f"SIPGUIDEN_TRACKER_STORE=postgresql\n{PASSWORD}\n")
    monkeypatch.setattr(script, "SCALE_ENV", env_file)
    assert script.main(["--scaled", "purge"], {}) == 1
    err = capsys.readouterr().err
    assert "rad 2" in err and PASSWORD not in err


# --- the scheduled job ---------------------------------------------------------------------

DEPLOY = PROJECT_ROOT / "deploy"


def unit_file(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",), comment_prefixes=("#", ";"))
    parser.optionxform = str
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


def test_the_systemd_service_runs_make_purge_in_the_project():
    service = unit_file("sipguiden-purge.service")
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["WorkingDirectory"] == "/srv/sipguiden"
    command = shlex.split(service["Service"]["ExecStart"])
    assert Path(command[0]).is_absolute() and Path(command[0]).name == "make"
    assert command[1:] == ["purge"]


def test_the_systemd_timer_starts_it_daily_at_03_15():
    timer = unit_file("sipguiden-purge.timer")
    assert timer["Timer"]["OnCalendar"] in ("*-*-* 03:15:00", "03:15", "*-*-* 03:15")
    assert timer["Timer"].get("Unit", "sipguiden-purge.service") == "sipguiden-purge.service"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_the_crontab_runs_make_purge_in_the_project_daily_at_03_15():
    lines = [line for line in (DEPLOY / "crontab.example").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    settings = [line for line in lines if re.fullmatch(r"[A-Z_]+=\S*", line.strip())]
    assert settings == ["SIPGUIDEN_RETENTION_DAYS=30"]
    lines = [line for line in lines if line not in settings]
    assert len(lines) == 1
    minute, hour, day, month, weekday, command = lines[0].split(None, 5)
    assert (minute, hour, day, month, weekday) == ("15", "3", "*", "*", "*")
    words = shlex.split(command)
    assert words[:3] == ["cd", "/srv/sipguiden", "&&"]
    assert Path(words[3]).name == "make" and words[4] == "purge"


@pytest.mark.parametrize("arguments, expected", [
    (["purge"], "scripts/lifecycle.py purge"),
    (["purge", "DAYS=7"], "scripts/lifecycle.py purge --days 7"),
    (["purge", "SCALED=1"], "scripts/lifecycle.py --scaled purge"),
    (["purge", "SCALED=0"], "scripts/lifecycle.py purge"),
    (["forget", "SENDER=abc"], 'scripts/lifecycle.py forget "abc"'),
    (["export", "SENDER=abc", "OUT=x.json", "SCALED=ja"], 'scripts/lifecycle.py --scaled export "abc" --out "x.json"'),
])
def test_the_make_targets_run_the_lifecycle_script(arguments, expected):
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}  # also under `make test`
    result = subprocess.run(["make", "--no-print-directory", "-n", *arguments], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert " ".join(result.stdout.split()).endswith(expected), result.stdout


def test_bot_lifecycle_does_not_import_rasa():
    code = "import sys, bot.lifecycle; sys.exit(1 if any(m == 'rasa' or m.startswith('rasa.') for m in sys.modules) else 0)"
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT,
                            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, timeout=60)
    assert result.returncode == 0
