"""Feedback on answers: "Hjälpte svaret? 👍 👎", and for a 👎 an optional reason (issue 14).

Stored in a table of its own, ``sipguiden_feedback``, next to Rasa's ``events`` table on the
same database (the tracker store's: SQLite by default, PostgreSQL in the scaled set-up), with
SQLAlchemy Core. One row per rating::

    id | day (date) | rules (rule ids, space-separated) | region | audience | rating | reason

What a row can hold is closed by construction: ``rules`` only rule ids of the knowledge base,
``region`` only a region id of the knowledge base, ``audience`` one of the audience slot's
values, ``rating`` ``up``/``down``, ``reason`` one of ``REASONS``, ``day`` a date (no time of
day). There is no column for a sender id, a message, a name or any other text, and ``record``
refuses every value outside those vocabularies (the database checks the closed ones too). So

- **erasure** (``make forget``, the web chat's "Radera samtalet") has nothing to erase here: no
  row can be linked to a conversation;
- **retention** (``make purge``, bot.lifecycle.purge) deletes the rows older than the
  retention period, like old conversations;
- **export** of a conversation has nothing to add from here either.

Which message is rated is checked against the conversation itself (``rated_message``): the rule
ids must be those of a message the bot sent in that conversation with ``feedback: true``, and
the region is taken from that message, the audience from the conversation's slot; the client
only says which message and how it was rated. The web chat posts to its own route
(bot/channels/webchat.py), Teams sends an ``Action.Submit`` (bot/channels/teams.py).

Pure Python + SQLAlchemy: no Rasa import.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.knowledge import REGION_IDS, KnowledgeBase, knowledge, rule_ids

TABLE_NAME = "sipguiden_feedback"
RATINGS = ("up", "down")
# The reasons a 👎 can give, in the order the buttons are shown.
REASONS: Dict[str, str] = {
    "fel_svar": "Fel svar",
    "svarar_inte": "Svarar inte på frågan",
    "for_langt": "För långt",
    "svart_att_forsta": "Svårt att förstå",
}
AUDIENCES = ("staff", "guardian", "young")  # the audience slot's values (domain.yml)
MAX_RULES = 20
RULES_LENGTH = 2000
_RULE_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")

QUESTION = "Hjälpte svaret?"
THANKS = "Tack för ditt svar!"
THANKS_DOWN = "Tack! Det hjälper oss att förbättra svaren."
ASK_REASON = "Vad var det som inte hjälpte? (frivilligt)"
NO_REASON = "Skicka utan orsak"

# The Swedish errors of the feedback routes (HTTP 400 / 404 / 503).
BAD_RATING = "Betyget ska vara up (👍) eller down (👎)."
BAD_REASON = "Orsaken ska vara en av: " + ", ".join(REASONS) + " (eller ingen), och bara till ett 👎."
BAD_RULES = f"rules ska vara en lista med 1–{MAX_RULES} regel-id:n från ett svar i samtalet."
NOT_RATED = "Det finns inget svar med de reglerna att betygsätta i det här samtalet."
ALREADY = "Du har redan gett ett omdöme om det här svaret. Tack!"
DOWN = "Det gick inte att spara omdömet just nu, eftersom databasen inte svarar. Försök igen om en stund."

_metadata = sa.MetaData()
FEEDBACK = sa.Table(
    TABLE_NAME,
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("day", sa.Date, nullable=False, index=True),
    sa.Column("rules", sa.String(RULES_LENGTH), nullable=False),
    sa.Column("region", sa.String(32)),
    sa.Column("audience", sa.String(16)),
    sa.Column("rating", sa.String(8), nullable=False),
    sa.Column("reason", sa.String(32)),
    sa.CheckConstraint(sa.column("rating").in_(RATINGS), name="sipguiden_feedback_rating"),
    sa.CheckConstraint(sa.or_(sa.column("reason").is_(None), sa.column("reason").in_(list(REASONS))),
                       name="sipguiden_feedback_reason"),
    sa.CheckConstraint(sa.or_(sa.column("region").is_(None), sa.column("region").in_(REGION_IDS)),
                       name="sipguiden_feedback_region"),
    sa.CheckConstraint(sa.or_(sa.column("audience").is_(None), sa.column("audience").in_(AUDIENCES)),
                       name="sipguiden_feedback_audience"),
)


class Invalid(ValueError):
    """Feedback that cannot be stored; ``args[0]`` is the Swedish reason."""


@dataclass(frozen=True)
class Feedback:
    """One rating, as stored."""

    day: dt.date
    rules: Tuple[str, ...]
    region: Optional[str]
    audience: Optional[str]
    rating: str
    reason: Optional[str] = None


def _known_rules(kb: Optional[KnowledgeBase] = None) -> frozenset:
    return frozenset(rule_ids(kb or knowledge()))


def clean_rules(raw: Any, kb: Optional[KnowledgeBase] = None) -> Tuple[str, ...]:
    """The rule ids of a request: a list of 1..MAX_RULES known rule ids (duplicates dropped,
    order kept); Invalid otherwise."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_RULES:
        raise Invalid(BAD_RULES)
    known = _known_rules(kb)
    out: List[str] = []
    for item in raw:
        if not isinstance(item, str) or not _RULE_ID.fullmatch(item) or item not in known:
            raise Invalid(BAD_RULES)
        if item not in out:
            out.append(item)
    return tuple(out)


def clean_rating(rating: Any, reason: Any) -> Tuple[str, Optional[str]]:
    if not isinstance(rating, str) or rating not in RATINGS:
        raise Invalid(BAD_RATING)
    if reason in (None, ""):
        return rating, None
    if not isinstance(reason, str) or reason not in REASONS or rating != "down":
        raise Invalid(BAD_REASON)
    return rating, reason


def make(rules: Sequence[str], region: Optional[str], audience: Optional[str], rating: str,
         reason: Optional[str] = None, day: Optional[dt.date] = None,
         kb: Optional[KnowledgeBase] = None) -> Feedback:
    """A checked Feedback; Invalid (in Swedish) for anything outside the vocabularies."""
    rules_ = clean_rules(list(rules), kb)
    rating_, reason_ = clean_rating(rating, reason)
    if region is not None and region not in REGION_IDS:
        raise Invalid("Okänd region.")
    if audience is not None and audience not in AUDIENCES:
        audience = None  # an audience the bot did not set is simply not known
    day = day or dt.date.today()
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise Invalid("Datumet ska vara en dag.")
    return Feedback(day, rules_, region, audience, rating_, reason_)


def rated_message(bot_messages: Iterable[Mapping[str, Any]], rules: Sequence[str]) -> Optional[Mapping[str, Any]]:
    """Of the ``custom["sipguiden"]`` payloads the bot sent in a conversation, the latest that may
    be rated (``feedback: true``) and states exactly ``rules``; None if there is none."""
    wanted = list(rules)
    found = None
    for custom in bot_messages:
        if not isinstance(custom, Mapping) or custom.get("feedback") is not True:
            continue
        said = custom.get("rules")
        if isinstance(said, list) and list(dict.fromkeys(said)) == wanted:
            found = custom
    return found


def rateable(bot_messages: Iterable[Mapping[str, Any]], rules: Sequence[str]) -> int:
    """How many messages of a conversation may be rated with exactly ``rules``."""
    wanted = list(rules)
    return sum(1 for c in bot_messages if isinstance(c, Mapping) and c.get("feedback") is True
               and isinstance(c.get("rules"), list) and list(dict.fromkeys(c["rules"])) == wanted)


class Ratings:
    """How often each message of a conversation was rated, kept in this process's memory only
    (a hash of the conversation id and the rule ids, never stored): one rating per message the
    bot sent, so that one conversation cannot pile up ratings. Bounded: the oldest are forgotten."""

    def __init__(self, limit: int = 20000) -> None:
        from collections import OrderedDict

        self.limit = limit
        self.seen: "OrderedDict[str, int]" = OrderedDict()

    @staticmethod
    def key(sender_id: str, rules: Sequence[str]) -> str:
        import hashlib

        return hashlib.sha256((sender_id + "\n" + " ".join(rules)).encode("utf-8")).hexdigest()

    def take(self, sender_id: str, rules: Sequence[str], allowed: int) -> bool:
        """Counts a rating of ``rules`` in the conversation; False when all ``allowed`` messages
        with those rules were rated already."""
        key = self.key(sender_id, rules)
        count = self.seen.pop(key, 0)
        if count >= allowed:
            self.seen[key] = count
            return False
        self.seen[key] = count + 1
        while len(self.seen) > self.limit:
            self.seen.popitem(last=False)
        return True

    def give_back(self, sender_id: str, rules: Sequence[str]) -> None:
        """A rating that could not be stored does not count."""
        key = self.key(sender_id, rules)
        if self.seen.get(key):
            self.seen[key] -= 1


def bot_payloads(events: Iterable[Any]) -> List[Mapping[str, Any]]:
    """The ``sipguiden`` custom payloads of a conversation's bot messages, in order, from Rasa's
    events (BotUttered objects, or their dicts as stored)."""
    out: List[Mapping[str, Any]] = []
    for event in events:
        if isinstance(event, Mapping):
            data = event.get("data") if event.get("event") == "bot" else None
        else:
            data = getattr(event, "data", None) if getattr(event, "type_name", None) == "bot" else None
        custom = (data or {}).get("custom") if isinstance(data, Mapping) else None
        payload = custom.get("sipguiden") if isinstance(custom, Mapping) else None
        if isinstance(payload, Mapping):
            out.append(payload)
    return out


def from_conversation(events: Iterable[Any], audience: Optional[str], body: Mapping[str, Any],
                      day: Optional[dt.date] = None, kb: Optional[KnowledgeBase] = None) -> Feedback:
    """The Feedback a request ``body`` ({"rules": […], "rating": "up"|"down", "reason": …}) gives
    for a conversation with these events: the rated message must be one of the conversation's
    (``rated_message``), whose region is used; Invalid otherwise."""
    rules = clean_rules(body.get("rules"), kb)
    rating, reason = clean_rating(body.get("rating"), body.get("reason"))
    message = rated_message(bot_payloads(events), rules)
    if message is None:
        raise Invalid(NOT_RATED)
    region = message.get("region") if message.get("region") in REGION_IDS else None
    return make(rules, region, audience, rating, reason, day, kb)


# --- storage ---------------------------------------------------------------------------------


def ensure_table(engine: Engine) -> None:
    """Creates the table when it is missing (never touches Rasa's). Two replicas creating it at
    the same moment: the one that loses finds it made by the other."""
    try:
        _metadata.create_all(engine, tables=[FEEDBACK], checkfirst=True)
    except sa.exc.SQLAlchemyError:
        with engine.connect() as conn:
            if not _has_table(conn):
                raise


def record(engine: Engine, feedback: Feedback) -> None:
    """Stores one rating (creating the table the first time)."""
    ensure_table(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(FEEDBACK).values(
            day=feedback.day, rules=" ".join(feedback.rules), region=feedback.region,
            audience=feedback.audience, rating=feedback.rating, reason=feedback.reason,
        ))


def _has_table(conn: Connection) -> bool:
    return sa.inspect(conn).has_table(TABLE_NAME)


def _sqlite_file_missing(engine: Engine) -> bool:
    if engine.dialect.name != "sqlite":
        return False
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return False
    return not Path(database).exists()


def rows(engine: Engine) -> List[Feedback]:
    """Every stored rating, oldest first ([] when nothing was ever stored; creates nothing)."""
    if _sqlite_file_missing(engine):
        return []
    with engine.connect() as conn:
        if not _has_table(conn):
            return []
        result = conn.execute(sa.select(FEEDBACK).order_by(FEEDBACK.c.id)).all()
    return [Feedback(r.day, tuple(r.rules.split()), r.region, r.audience, r.rating, r.reason) for r in result]


def purge(engine: Engine, days: int, now: Optional[float] = None) -> int:
    """Retention: deletes the ratings of days before ``now - days`` days (the same cutoff as the
    conversations'); the number deleted. Creates nothing."""
    import time

    now = time.time() if now is None else float(now)
    cutoff = dt.datetime.fromtimestamp(now - days * 86400, dt.timezone.utc).date()
    if _sqlite_file_missing(engine):
        return 0
    with engine.begin() as conn:
        if not _has_table(conn):
            return 0
        return int(conn.execute(sa.delete(FEEDBACK).where(FEEDBACK.c.day < cutoff)).rowcount or 0)


def per_rule(feedback: Iterable[Feedback]) -> List[Dict[str, Any]]:
    """👍/👎 per rule, worst first (most 👎 relative to all, then most 👎), with the reasons."""
    table: Dict[str, Dict[str, Any]] = {}
    for item in feedback:
        for rule in item.rules:
            row = table.setdefault(rule, {"rule": rule, "up": 0, "down": 0, "reasons": {}})
            row[item.rating] += 1
            if item.reason:
                row["reasons"][item.reason] = row["reasons"].get(item.reason, 0) + 1
    return sorted(table.values(), key=lambda r: (-r["down"] / (r["up"] + r["down"]), -r["down"], r["rule"]))


__all__ = [
    "AUDIENCES", "FEEDBACK", "Feedback", "Invalid", "REASONS", "RATINGS", "Ratings", "TABLE_NAME", "bot_payloads",
    "clean_rating", "clean_rules", "ensure_table", "from_conversation", "make", "per_rule", "purge",
    "rateable", "rated_message", "record", "rows",
]
