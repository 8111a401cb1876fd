"""scripts/report.py on hand-made rows of Rasa's events table: what counts as a question of a
topic and region, a fallback, a question back and a topic where the routine is silent; and that
the page holds counts only."""

import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import report  # noqa: E402

from bot import feedback  # noqa: E402
from bot.dialogue import ASK_REGION, CLARIFY  # noqa: E402
from bot.knowledge import knowledge  # noqa: E402

DAY1 = dt.datetime(2026, 12, 1, 10, tzinfo=dt.timezone.utc).timestamp()
DAY2 = dt.datetime(2026, 12, 2, 10, tzinfo=dt.timezone.utc).timestamp()
SECRET = "Min dotter Anna i Lund"


def user(sender, t, intent="ask_consent", text=SECRET):
    return (sender, "user", t, intent, None, json.dumps({"event": "user", "text": text}))


def bot(sender, t, text="…", **sipguiden):
    data = {"event": "bot", "text": text, "data": {"custom": {"sipguiden": sipguiden}} if sipguiden else {}}
    return (sender, "bot", t, None, None, json.dumps(data))


def action(sender, t, name):
    return (sender, "action", t, None, name, json.dumps({"event": "action", "name": name}))


EVENTS = [
    user("a", DAY1), bot("a", DAY1, ASK_REGION),
    user("a", DAY1, "inform_region"), bot("a", DAY1, "Tack!"),
    bot("a", DAY1, "Ja. …", rules=["halland.consent.both_guardians"], region="halland", national=[], feedback=True),
    user("b", DAY2, "nlu_fallback"), bot("b", DAY2, CLARIFY + " …"),
    user("b", DAY2, "ask_invite"), action("b", DAY2, "action_default_fallback"),
    user("c", DAY2, "ask_invite"),
    bot("c", DAY2, "Det beror …", rules=["national.invitation.who"], region="skane", national=["skane"], feedback=True),
    user("c", DAY2, "ask_consent"),
    bot("c", DAY2, "…", rules=["national.consent.duration"], region="uppsala", national=[], feedback=True),
]


def test_turns_fallbacks_questions_back_and_silent_topics():
    kb = knowledge()
    ratings = [feedback.make(["halland.consent.both_guardians"], "halland", None, "down", "fel_svar", dt.date(2026, 12, 1))]
    f = report.figures(kb, EVENTS, ratings)
    assert (f.turns, f.conversations) == (6, 3)
    assert f.per_day == {dt.date(2026, 12, 1): [2, 0, 1], dt.date(2026, 12, 2): [4, 2, 1]}
    assert f.per_topic_region == {("consent.both_guardians", "halland"): 1, ("invitation.who", "skane"): 1,
                                  ("consent.duration", "uppsala"): 1}
    # Silent: the national list, or a national rule for a known region (Uppsala's here).
    assert f.silent == {("invitation.who", "skane"): 1, ("consent.duration", "uppsala"): 1}
    page = report.page(kb, f, "SQLite (test)", dt.date(2026, 12, 4))
    assert SECRET not in page and "Ja. …" not in page and CLARIFY not in page
    assert page.count("data:image/png;base64,") == 4
    assert "<td>50 %</td>" in page  # 2 of 4 turns on 2 December fell back
