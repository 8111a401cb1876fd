"""SIP-guiden's tracker store (bot/tracker_store.py) on PostgreSQL, the scaled set-up's store:
what it reads of a long session is what Rasa's own store reads, what it saves is what Rasa's
would have saved, its indexes are there, and an erased conversation is not read from memory.
The conversations and checks are those of tests/unit/test_tracker_store.py (on SQLite there)."""

from __future__ import annotations

import sys

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot import lifecycle
from bot.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "tests" / "unit"))

from test_tracker_store import (  # noqa: E402  (tests/unit: the conversations and the checks)
    DAY, Conversation, dicts, play, run, same_states, seen)

pytestmark = [
    pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

SENDER = "tracker-store-test-lisa"


@pytest.fixture(scope="module")
def stores(postgres_url):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from bot.tracker_store import SessionTrackerStore

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    url = make_url(postgres_url)
    settings = dict(dialect="postgresql", host=url.host, port=url.port, db=url.database, username=url.username,
                    password=url.password)
    rasa = SQLTrackerStore(domain, **settings)
    engine = sa.create_engine(postgres_url)
    lifecycle.forget(engine, SENDER)
    ours = SessionTrackerStore(domain, **settings)
    yield domain, rasa, ours, engine
    lifecycle.forget(engine, SENDER)
    for store in (rasa, ours):
        store.engine.dispose()
    engine.dispose()


def test_a_long_session_on_postgresql(stores):
    domain, rasa, ours, engine = stores
    conversation = Conversation().session().day(8)
    conversation.at += DAY
    conversation.session({"region": "skane", "audience": "staff"}).day(40)
    play(rasa, SENDER, conversation.events, domain)
    expected = run(rasa.retrieve(SENDER))
    assert dicts(run(ours.retrieve(SENDER))) == dicts(expected)
    window = run(ours.retrieve(SENDER))
    assert len(window.events) < len(expected.events) / 3
    assert seen(window, domain) == seen(expected, domain)
    assert same_states(window, expected, domain) >= 8

    extra = Conversation(conversation.at)
    extra.turns = 100
    extra.answer("ask_close", "action_answer_question", {"offered": None, "region": "halland"})
    extra.form("kallelse_form", "kallelse_answer", 2)
    play(ours, SENDER, extra.events, domain)
    for event in extra.events:
        expected.update(event)
    assert dicts(run(rasa.retrieve(SENDER))) == dicts(expected)
    assert seen(run(ours.retrieve(SENDER)), domain) == seen(expected, domain)

    indexes = {i["name"]: i["column_names"] for i in sa.inspect(engine).get_indexes("events")}
    assert indexes["ix_events_sender_id_id"] == ["sender_id", "id"]
    assert indexes["ix_events_sender_type_timestamp"] == ["sender_id", "type_name", "timestamp"]

    assert lifecycle.forget(engine, SENDER) > 0
    assert run(ours.retrieve(SENDER)) is None
