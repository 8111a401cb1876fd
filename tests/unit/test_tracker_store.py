"""SIP-guiden's tracker store (bot/tracker_store.py) against Rasa's own SQLTrackerStore, on SQLite.

The conversations are written by Rasa's own store, with the project's domain (its slots and
forms) and events shaped like the bot's (checked against a real session of the bot): turns with
slots, forms that start and end, Rasa's fallback that reverts the user's message, a restart that
starts a new session. Then both stores read them, and what the policies and actions see must be
the same.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import sqlalchemy as sa
import yaml
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import lifecycle
from bot import tracker_store as module
from bot.settings import PROJECT_ROOT, TRACKER_STORE_CLASS, Settings
from bot.tracker_store import KEEP_TURNS, SessionTrackerStore

pytestmark = [
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

START = 1_780_000_000.0
MAX_HISTORY = 4  # MemoizationPolicy's, config.yml (checked below)
DAY = 86400.0


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


class Conversation:
    """Builds one conversation's events the way the bot's turns store them."""

    def __init__(self, at: float = START):
        self.at = at
        self.events: List[Any] = []
        self.turns = 0

    def tick(self, seconds: float = 0.01) -> float:
        self.at += seconds
        return self.at

    def session(self, carried: Optional[Dict[str, Any]] = None) -> "Conversation":
        self.events += [SlotSet("session_started_metadata", {"sipguiden_redacted": []}, timestamp=self.tick()),
                        ActionExecuted("action_session_start", timestamp=self.tick())]
        self.events.append(SessionStarted(timestamp=self.tick()))
        for name, value in (carried or {}).items():
            self.events.append(SlotSet(name, value, timestamp=self.tick()))
        self.events.append(ActionExecuted("action_listen", timestamp=self.tick()))
        return self

    def user(self, text: str, intent: str) -> None:
        self.turns += 1
        at = self.tick(30)
        parse = {"text": text, "intent": {"name": intent, "confidence": 0.93},
                 "intent_ranking": [{"name": intent, "confidence": 0.93}], "entities": []}
        self.events += [UserUttered(text, parse["intent"], [], parse, timestamp=at),
                        DefinePrevUserUtteredFeaturization(False, timestamp=self.tick())]

    def answer(self, intent: str, action: str, slots: Dict[str, Any], text: str = "Svar") -> "Conversation":
        self.user(f"fråga {self.turns}", intent)
        self.events += [ActionExecuted(action, timestamp=self.tick()), BotUttered(text, timestamp=self.tick())]
        self.events += [SlotSet(k, v, timestamp=self.tick()) for k, v in slots.items()]
        self.events.append(ActionExecuted("action_listen", timestamp=self.tick()))
        return self

    def form(self, form: str, answer_slot: str, answers: int) -> "Conversation":
        """A one-slot form asked ``answers`` times, then ended (the project's three forms)."""
        self.user("starta", "quiz_start")
        self.events += [ActionExecuted(form, timestamp=self.tick()), ActiveLoop(form, timestamp=self.tick()),
                        BotUttered("Fråga 1", timestamp=self.tick()),
                        SlotSet("requested_slot", answer_slot, timestamp=self.tick()),
                        ActionExecuted("action_listen", timestamp=self.tick())]
        for number in range(answers):
            self.user(str(number + 1), "inform")
            self.events += [SlotSet(answer_slot, str(number + 1), timestamp=self.tick()),
                            ActionExecuted(form, timestamp=self.tick())]
            if number + 1 < answers:
                self.events += [BotUttered(f"Fråga {number + 2}", timestamp=self.tick()),
                                SlotSet("requested_slot", answer_slot, timestamp=self.tick()),
                                ActionExecuted("action_listen", timestamp=self.tick())]
        self.events += [ActiveLoop(None, timestamp=self.tick()), SlotSet("requested_slot", None, timestamp=self.tick()),
                        ActionExecuted("action_quiz_result", timestamp=self.tick()),
                        BotUttered("Resultat", timestamp=self.tick()),
                        ActionExecuted("action_listen", timestamp=self.tick())]
        return self

    def core_fallback(self) -> "Conversation":
        """Rasa's action_default_fallback: its answer, then the user's message is reverted."""
        self.user("asdkjh", "nlu_fallback")
        self.events += [ActionExecuted("action_default_fallback", timestamp=self.tick()),
                        BotUttered("Förlåt", timestamp=self.tick()),
                        UserUtteranceReverted(timestamp=self.tick()),
                        ActionExecuted("action_listen", timestamp=self.tick())]
        return self

    def restart(self) -> "Conversation":
        self.user("börja om", "restart")
        self.events += [ActionExecuted("action_restart", timestamp=self.tick()),
                        BotUttered("Vi börjar om", timestamp=self.tick()), Restarted(timestamp=self.tick())]
        return self.session()

    def day(self, turns: int, region: str = "skane") -> "Conversation":
        """A working day's session: region, questions, a quiz, a fallback, more questions."""
        self.answer("inform_region", "action_set_region", {"region": region, "municipality": "Lund",
                                                            "audience": "staff", "pending": None})
        for number in range(turns):
            kind = number % 9
            if kind == 4:
                self.form("quiz_form", "quiz_answer", 3)
            elif kind == 6:
                self.core_fallback()
            else:
                offered = [["Bedöm samtycket", '/check_case{"check":"consent"}']] if kind % 2 else None
                self.answer("ask_consent", "action_answer_question",
                            {"offered": offered, "case_start": False, "pending": None, "guide_step": number})
        return self


def stored(path: Path, domain: Domain, conversations: Dict[str, Conversation]) -> SQLTrackerStore:
    """The conversations saved by Rasa's own SQLTrackerStore (one save per turn, as the bot does)."""
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(path))
    for sender, conversation in conversations.items():
        play(store, sender, conversation.events, domain)
    return store


def play(store: TrackerStore, sender: str, events: List[Any], domain: Domain) -> None:
    """The events as the bot's turns store them: each turn (up to its ``action_listen``) on
    the tracker read from ``store``, then saved."""
    turn: List[Any] = []
    for event in events:
        turn.append(event)
        if isinstance(event, ActionExecuted) and event.action_name == "action_listen" or event is events[-1]:
            tracker = run(store.retrieve(sender)) or DialogueStateTracker(sender, domain.slots)
            for e in turn:
                tracker.update(e)
            run(store.save(tracker))
            turn = []


def ours(path: Path, domain: Domain) -> SessionTrackerStore:
    return SessionTrackerStore(domain, dialect="sqlite", db=str(path))


def dicts(tracker: DialogueStateTracker) -> List[Dict[str, Any]]:
    return [e.as_dict() for e in tracker.events]


def seen(tracker: DialogueStateTracker, domain: Domain) -> Dict[str, Any]:
    """What the actions and Rasa's processor read of a tracker: its slots, form, latest
    message, latest action and bot message."""
    loop = tracker.active_loop
    return {
        "slots": tracker.current_slot_values(),
        "set": sorted(name for name, slot in tracker.slots.items() if slot.has_been_set),
        "loop": None if loop is None else (loop.name, loop.is_interrupted, loop.rejected),
        "latest_message": tracker.latest_message.as_dict() if tracker.latest_message else None,
        "latest_action": tracker.latest_action,
        "latest_bot": tracker.latest_bot_utterance.as_dict() if tracker.latest_bot_utterance else None,
        "followup": tracker.followup_action,
        "paused": tracker.is_paused(),
        "last_user": next((e.as_dict() for e in reversed(tracker.events) if isinstance(e, UserUttered)), None),
        "session_start": next((e.as_dict() for e in reversed(tracker.events) if isinstance(e, SessionStarted)), None),
    }


@pytest.fixture
def short_sessions(tmp_path, domain):
    """Two conversations of three sessions each, every session shorter than the window."""
    path = tmp_path / "tracker.db"
    conversations = {}
    for sender, region in (("anna", "skane"), ("bertil", "halland")):
        c = Conversation().session().day(KEEP_TURNS - 3, region)
        c.at += DAY
        c.session({"region": region, "audience": "staff"}).day(KEEP_TURNS, region)
        c.restart().day(2, region)
        conversations[sender] = c
    return path, stored(path, domain, conversations)


def same_states(window: DialogueStateTracker, full: DialogueStateTracker, domain: Domain) -> int:
    """Checks that the policies' states of the window (as they featurise them, with and without
    unset slots) are those of the full tracker, all but the window's first one (the state just
    after the checkpoint, which has no previous action); returns how many are the same."""
    for omit in (False, True):
        got, expected = window.past_states(domain, omit_unset_slots=omit), full.past_states(domain, omit_unset_slots=omit)
        assert got[1:] == expected[-(len(got) - 1):]
    return len(got) - 1


def test_a_short_session_is_read_exactly_as_rasas_store_reads_it(short_sessions, domain):
    path, rasa = short_sessions
    store = ours(path, domain)
    for sender in ("anna", "bertil"):
        expected, got = run(rasa.retrieve(sender)), run(store.retrieve(sender))
        assert dicts(got) == dicts(expected)
        assert seen(got, domain) == seen(expected, domain)
        # Only the latest session: the one after the restart.
        assert sum(isinstance(e, SessionStarted) for e in got.events) == 1
    assert run(store.retrieve("nobody")) is None


def test_the_full_tracker_is_still_every_session(short_sessions, domain):
    path, rasa = short_sessions
    assert dicts(run(ours(path, domain).retrieve_full_tracker("anna"))) == dicts(run(rasa.retrieve_full_tracker("anna")))


@pytest.fixture
def long_session(tmp_path, domain):
    """One conversation: an old session, then a working day of 60 turns in one session."""
    path = tmp_path / "tracker.db"
    c = Conversation().session().day(8)
    c.at += DAY
    c.session({"region": "skane", "audience": "staff"}).day(60)
    return path, c, stored(path, domain, {"lisa": c})


def test_a_long_session_is_read_as_a_window_that_the_policies_cannot_tell_from_rasas(long_session, domain):
    path, conversation, rasa = long_session
    store = ours(path, domain)
    expected = run(rasa.retrieve("lisa"))
    first = run(store.retrieve("lisa"))  # read whole (nothing remembered yet), and a checkpoint is taken
    assert dicts(first) == dicts(expected)
    assert "lisa" in store._checkpoints
    window = run(store.retrieve("lisa"))  # from the checkpoint
    assert len(window.events) < len(expected.events) / 3
    users = [e for e in window.events if isinstance(e, UserUttered)]
    assert KEEP_TURNS <= len(users) <= 2 * KEEP_TURNS + 1
    assert seen(window, domain) == seen(expected, domain)
    # MemoizationPolicy reads max_history (4) states, the rules fewer: the window holds twice that.
    assert same_states(window, expected, domain) >= 2 * MAX_HISTORY
    # The window's events are the stored ones, after the session's start and the slots.
    tail = [e for e in window.events if not isinstance(e, SessionStarted)]
    assert dicts(expected)[-len(users) * 3:] == [e.as_dict() for e in tail][-len(users) * 3:]
    assert isinstance(window.events[0], SessionStarted)


def test_turns_saved_from_the_window_are_stored_as_rasa_stores_them(long_session, domain):
    path, conversation, rasa = long_session
    store = ours(path, domain)
    reference = run(rasa.retrieve("lisa"))
    run(store.retrieve("lisa"))
    extra = Conversation(conversation.at)
    extra.turns = 100
    extra.answer("ask_close", "action_answer_question", {"offered": None, "region": "halland"})
    extra.form("kallelse_form", "kallelse_answer", 2)
    play(store, "lisa", extra.events, domain)
    for event in extra.events:
        reference.update(event)
    # What is stored is what Rasa's store would have stored: every event once, in order.
    assert dicts(run(rasa.retrieve("lisa"))) == dicts(reference)
    window = run(store.retrieve("lisa"))
    assert len(window.events) < len(reference.events) / 3
    assert seen(window, domain) == seen(reference, domain)
    assert same_states(window, reference, domain) >= 2 * MAX_HISTORY
    assert run(store.retrieve("lisa")).get_slot("region") == "halland"


def test_saving_twice_stores_nothing_twice(long_session, domain):
    path, _, rasa = long_session
    store = ours(path, domain)
    before = lifecycle.count(engine(path), "lisa")
    tracker = run(store.retrieve("lisa"))
    run(store.save(tracker))
    run(store.save(tracker))
    assert lifecycle.count(engine(path), "lisa") == before


def test_a_new_conversation_is_saved_whole(tmp_path, domain):
    path = tmp_path / "tracker.db"
    store = ours(path, domain)
    tracker = run(store.get_or_create_tracker("ny"))
    c = Conversation().session().day(3)
    for event in c.events:
        tracker.update(event)
    run(store.save(tracker))
    assert lifecycle.export(engine(path), "ny")["events"] == dicts(tracker)
    assert dicts(run(store.retrieve("ny"))) == dicts(run(SQLTrackerStore(domain, db=str(path)).retrieve("ny")))


def engine(path: Path) -> sa.engine.Engine:
    return sa.create_engine(f"sqlite:///{path}")


def test_an_erased_conversation_that_starts_again_is_not_read_from_memory(long_session, domain):
    path, _, rasa = long_session
    store = ours(path, domain)
    run(store.retrieve("lisa"))
    assert "lisa" in store._checkpoints
    assert lifecycle.forget(engine(path), "lisa") > 0
    assert run(store.retrieve("lisa")) is None
    # The same id again, with rows that may reuse the erased ids (SQLite reuses the highest).
    again = Conversation(START + 10 * DAY).session().day(2, "halland")
    stored(path, domain, {"lisa": again})
    got = run(store.retrieve("lisa"))
    assert dicts(got) == dicts(run(rasa.retrieve("lisa")))
    assert got.get_slot("region") == "halland"


def test_a_new_session_is_read_from_its_start(long_session, domain):
    path, conversation, rasa = long_session
    store = ours(path, domain)
    tracker = run(store.retrieve("lisa"))
    run(store.retrieve("lisa"))
    conversation.events = []
    conversation.at += DAY
    conversation.session({"region": "skane", "audience": "staff"}).day(1)
    for event in conversation.events:
        tracker.update(event)
    run(store.save(tracker))
    got, expected = run(store.retrieve("lisa")), run(rasa.retrieve("lisa"))
    assert dicts(got) == dicts(expected)
    assert sum(isinstance(e, UserUttered) for e in got.events) == 2


def test_purging_old_sessions_leaves_the_current_session_as_rasa_reads_it(long_session, domain):
    path, conversation, rasa = long_session
    store = ours(path, domain)
    before = seen(run(store.retrieve("lisa")), domain)
    report = lifecycle.purge(engine(path), 1, now=conversation.at + 1)
    assert report.sessions == 1 and report.session_events > 0
    assert seen(run(store.retrieve("lisa")), domain) == before == seen(run(rasa.retrieve("lisa")), domain)
    export = lifecycle.export(engine(path), "lisa")
    assert sum(e["event"] == "session_started" for e in export["events"]) == 1


def test_the_indexes_are_created_also_on_an_existing_store(short_sessions, domain):
    path, _ = short_sessions
    names = {index["name"] for index in sa.inspect(engine(path)).get_indexes("events")}
    assert not {name for name, _ in module.INDEXES} & names  # Rasa's own store made none of them
    ours(path, domain)
    ours(path, domain)  # a second start (another replica) finds them there
    names = {index["name"]: index["column_names"] for index in sa.inspect(engine(path)).get_indexes("events")}
    for name, columns in module.INDEXES:
        assert names[name] == list(columns)


def test_the_endpoints_load_this_store_through_rasa(tmp_path, domain):
    settings = Settings.from_env({"SIPGUIDEN_SQLITE_PATH": str(tmp_path / "t.db")})
    config = settings.endpoints()["tracker_store"]
    assert config["type"] == TRACKER_STORE_CLASS
    store = TrackerStore.create(EndpointConfig(**config), domain)
    inner = store
    while not isinstance(inner, SessionTrackerStore):
        inner = getattr(inner, "_tracker_store")
    assert isinstance(inner, SQLTrackerStore)


def test_the_window_is_longer_than_anything_the_policies_look_back_on():
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    for policy in config["policies"]:
        # max_history counts states (about two per turn): a window of KEEP_TURNS turns holds more.
        assert policy.get("max_history") is None or policy["max_history"] <= MAX_HISTORY
    longest = 0
    for name in ("rules.yml", "stories.yml"):
        data = yaml.safe_load((PROJECT_ROOT / "data" / name).read_text(encoding="utf-8")) or {}
        for item in data.get("rules", []) + data.get("stories", []):
            assert not item.get("conversation_start"), "a rule that needs the conversation's start"
            longest = max(longest, sum(1 for step in item["steps"] if "intent" in step or "or" in step))
    assert longest < KEEP_TURNS


def test_sqlite_is_written_ahead_and_the_lifecycle_still_erases(long_session, domain):
    path, _, rasa = long_session
    store = ours(path, domain)
    run(store.retrieve("lisa"))
    with engine(path).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert lifecycle.forget(engine(path), "lisa") > 0
    assert run(store.retrieve("lisa")) is None and run(rasa.retrieve("lisa")) is None
    assert lifecycle.senders(engine(path)) == []


def test_the_whole_session_is_there_for_what_needs_it_and_an_erasure_forgets_the_checkpoint(long_session, domain):
    from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore

    from bot.tracker_store import forget_checkpoint, session_tracker

    path, _, rasa = long_session
    store = ours(path, domain)
    wrapped = AwaitableTrackerStore(FailSafeTrackerStore(store))  # as Rasa wraps it
    run(store.retrieve("lisa"))
    assert len(run(wrapped.retrieve("lisa")).events) < len(run(rasa.retrieve("lisa")).events) / 3
    assert dicts(run(session_tracker(wrapped, "lisa"))) == dicts(run(rasa.retrieve("lisa")))
    assert dicts(run(session_tracker(rasa, "lisa"))) == dicts(run(rasa.retrieve("lisa")))
    assert "lisa" in store._checkpoints
    forget_checkpoint(wrapped, "lisa")
    assert "lisa" not in store._checkpoints


def test_the_policies_states_are_computed_once_per_tracker_state_and_handed_out_as_copies(long_session, domain):
    from bot.tracker_store import WindowTracker

    path, conversation, _ = long_session
    tracker = run(ours(path, domain).retrieve("lisa"))
    assert isinstance(tracker, WindowTracker)
    options = {"ignore_rule_only_turns": True, "rule_only_data": {"slots": [], "loops": []}}
    first = tracker.past_states(domain, **options)
    first[-1].clear()  # Rasa's featurizers change the last state in place
    again = tracker.past_states(domain, **options)
    assert again == DialogueStateTracker.past_states(tracker, domain, **options)  # Rasa's own, computed anew
    assert again[-1]
    # A new event: the states are computed again and show it.
    tracker.update(UserUttered("ny fråga", {"name": "ask_close", "confidence": 0.9}, timestamp=conversation.at + 60))
    tracker.update(ActionExecuted("action_answer_question", timestamp=conversation.at + 61))
    states = tracker.past_states(domain)
    assert states[-1]["prev_action"] == {"action_name": "action_answer_question"}
    assert states[-1]["user"]["intent"] == "ask_close"


def test_a_pooled_connection_never_outlives_the_stores_file(tmp_path, domain):
    # The file moved away (a database that is down, a restore from backup): a connection the
    # pool kept open must not go on reading the moved file; once the file is back, all is there.
    path = tmp_path / "tracker.db"
    stored(path, domain, {"anna": Conversation().session().answer("ask_consent", "action_answer_question", {"region": "skane"})})
    store = ours(path, domain)
    before = dicts(run(store.retrieve("anna")))
    aside = path.with_name("aside.db")
    path.rename(aside)
    path.mkdir()  # SQLite cannot open a folder
    try:
        with pytest.raises(sa.exc.OperationalError):
            run(store.retrieve("anna"))
    finally:
        path.rmdir()
        aside.rename(path)
    assert dicts(run(store.retrieve("anna"))) == before
