"""bot/feedback.py: what a rating can hold (rule ids, region, audience, rating, reason, day and
nothing else), the check that the rated message is the conversation's own, storage on SQLite,
retention through bot.lifecycle.purge, and erasure having nothing to erase."""

import datetime as dt
import re
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot import feedback, lifecycle
from bot.knowledge import REGION_IDS, knowledge, rule_ids

WEBCHAT = Path(__file__).resolve().parents[2] / "bot" / "webchat"
SENDER = "webchat-" + "ab" * 16
RULE = "halland.consent.both_guardians"
TEXTS = [SENDER, "29:teams-user-1", "Anna Andersson", "121212-1212", "anna@example.se",
         "Behöver båda vårdnadshavarna samtycka?", "halland.consent.both_guardians; DROP TABLE events"]


@pytest.fixture
def engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    yield engine
    engine.dispose()


def bot_event(rules, region="halland", rated=True, **extra):
    return {"event": "bot", "text": "…", "data": {"custom": {"sipguiden": {
        "rules": rules, "region": region, "feedback": rated, **extra}}}}


def test_the_table_has_only_the_columns_the_issue_allows():
    assert [c.name for c in feedback.FEEDBACK.columns] == ["id", "day", "rules", "region", "audience", "rating", "reason"]
    assert isinstance(feedback.FEEDBACK.c.day.type, sa.Date)  # a day, no time of day
    assert not any(name in c.name for c in feedback.FEEDBACK.columns for name in ("sender", "text", "message"))


@pytest.mark.parametrize("text", TEXTS)
def test_no_column_can_hold_a_sender_id_or_text(text):
    good = dict(rules=[RULE], region="halland", audience="staff", rating="down", reason="fel_svar")
    for field in ("rules", "region", "rating", "reason"):
        value = [text] if field == "rules" else text
        with pytest.raises(feedback.Invalid):
            feedback.make(**{**good, field: value})
    # An audience the bot did not set is not stored at all.
    assert feedback.make(**{**good, "audience": text}).audience is None
    with pytest.raises(feedback.Invalid):
        feedback.make(**good, day=dt.datetime.now())  # a time of day is more than the day


def test_the_database_refuses_values_outside_the_vocabularies_too(engine):
    feedback.ensure_table(engine)
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            conn.execute(sa.insert(feedback.FEEDBACK).values(day=dt.date.today(), rules=RULE, rating=SENDER))
    for column in ("region", "audience", "reason"):
        with pytest.raises(sa.exc.IntegrityError):
            with engine.begin() as conn:
                conn.execute(sa.insert(feedback.FEEDBACK).values(day=dt.date.today(), rules=RULE, rating="down",
                                                                 **{column: "Anna Andersson"}))


def test_the_rated_message_must_be_one_the_bot_sent_in_the_conversation():
    events = [{"event": "user", "text": "samtycke?"},
              bot_event(["skane.consent.required"], "skane"),
              bot_event([RULE, "national.consent.required"], "halland"),
              bot_event(["halland.closing.who"], "halland", rated=False)]
    rating = feedback.from_conversation(events, "guardian", {"rules": [RULE, "national.consent.required"], "rating": "up"},
                                        day=dt.date(2026, 12, 4))
    assert rating == feedback.Feedback(dt.date(2026, 12, 4), (RULE, "national.consent.required"), "halland",
                                       "guardian", "up", None)
    # The region comes from the message, not from the request.
    assert feedback.from_conversation(events, None, {"rules": ["skane.consent.required"], "rating": "down",
                                                     "region": "halland"}).region == "skane"
    for body in ({"rules": [RULE], "rating": "up"},                 # not the same set as any message
                 {"rules": ["halland.closing.who"], "rating": "up"},  # a message that may not be rated
                 {"rules": ["uppsala.consent.required"], "rating": "up"}):
        with pytest.raises(feedback.Invalid, match="inget svar"):
            feedback.from_conversation(events, None, body)


@pytest.mark.parametrize("body, message", [
    ({"rules": RULE, "rating": "up"}, feedback.BAD_RULES),
    ({"rules": [], "rating": "up"}, feedback.BAD_RULES),
    ({"rules": ["x.y"] * 21, "rating": "up"}, feedback.BAD_RULES),
    ({"rules": ["halland.no_such_rule"], "rating": "up"}, feedback.BAD_RULES),
    ({"rules": [RULE], "rating": "bra"}, feedback.BAD_RATING),
    ({"rules": [RULE]}, feedback.BAD_RATING),
    ({"rules": [RULE], "rating": "up", "reason": "fel_svar"}, feedback.BAD_REASON),  # a reason belongs to a 👎
    ({"rules": [RULE], "rating": "down", "reason": "tråkigt"}, feedback.BAD_REASON),
])
def test_bad_requests_get_a_swedish_reason(body, message):
    with pytest.raises(feedback.Invalid) as error:
        feedback.from_conversation([bot_event([RULE])], None, body)
    assert error.value.args[0] == message
    assert re.search("[åäö]|ska vara", message)


def test_stored_on_sqlite_and_read_back(engine):
    assert feedback.rows(engine) == []  # nothing stored yet: nothing created by looking
    one = feedback.make([RULE], "halland", "staff", "down", "for_langt", dt.date(2026, 12, 1))
    two = feedback.make(["skane.consent.required", RULE], "skane", None, "up", None, dt.date(2026, 12, 2))
    feedback.record(engine, one)
    feedback.record(engine, two)
    assert feedback.rows(engine) == [one, two]
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT * FROM sipguiden_feedback")).all()
    joined = repr(stored)
    assert all(text not in joined for text in TEXTS if "." not in text)
    per_rule = feedback.per_rule(feedback.rows(engine))
    assert per_rule[0] == {"rule": RULE, "up": 1, "down": 1, "reasons": {"for_langt": 1}}
    assert per_rule[1]["rule"] == "skane.consent.required" and per_rule[1]["down"] == 0


def test_retention_deletes_old_ratings_and_erasure_has_nothing_to_erase(engine):
    now = time.mktime(dt.date(2026, 12, 4).timetuple()) + 12 * 3600
    for day in (dt.date(2026, 10, 1), dt.date(2026, 11, 3), dt.date(2026, 11, 4), dt.date(2026, 12, 4)):
        feedback.record(engine, feedback.make([RULE], "halland", "staff", "up", None, day))
    assert lifecycle.forget(engine, SENDER) == 0
    assert len(feedback.rows(engine)) == 4  # no row belongs to a conversation
    report = lifecycle.purge(engine, 30, now=now)
    assert report.feedback == 2  # 1 October and 3 November are before the cutoff day (4 November)
    assert [r.day for r in feedback.rows(engine)] == [dt.date(2026, 11, 4), dt.date(2026, 12, 4)]
    assert lifecycle.purge(engine, 30, now=now).feedback == 0


def test_purge_on_a_store_never_used_creates_nothing(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'none.db'}")
    assert feedback.purge(engine, 30) == 0 and feedback.rows(engine) == []
    assert not (tmp_path / "none.db").exists()


def test_the_vocabularies_are_the_knowledge_base_and_the_domain():
    import yaml

    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
    assert tuple(domain["slots"]["audience"]["values"]) == feedback.AUDIENCES
    assert set(REGION_IDS) <= {r.split(".")[0] for r in rule_ids(knowledge())}
    # The web chat shows the same reasons, in the same order, as bot/feedback.py stores.
    script = (WEBCHAT / "chat.js").read_text(encoding="utf-8")
    shown = re.findall(r'\{ key: "([a-z_]+)", title: "([^"]+)" \}', script)
    assert shown == list(feedback.REASONS.items())


def test_each_message_can_be_rated_once_counted_in_memory_only():
    ratings = feedback.Ratings(limit=3)
    assert ratings.take(SENDER, [RULE], allowed=1)
    assert not ratings.take(SENDER, [RULE], allowed=1)  # the same answer again
    assert ratings.take(SENDER, [RULE], allowed=2)      # the bot gave that answer twice
    assert ratings.take("webchat-" + "cd" * 16, [RULE], allowed=1)  # another conversation
    assert SENDER not in repr(ratings.seen)              # only hashes are kept
    ratings.give_back(SENDER, [RULE])                   # a rating that could not be stored
    assert ratings.take(SENDER, [RULE], allowed=2)
    for i in range(5):
        ratings.take(f"webchat-{i:032x}", [RULE], allowed=1)
    assert len(ratings.seen) == 3                        # bounded
    events = [bot_event([RULE]), bot_event([RULE]), bot_event([RULE], rated=False), bot_event(["halland.closing.who"])]
    assert feedback.rateable(feedback.bot_payloads(events), [RULE]) == 2
