"""Feedback and the coordinator's report through the real servers (issue 14).

One bot (scripts/run.py, with the Teams channel on against the fake Bot Framework service of
test_teams.py) fills its store the way users do: web chat, REST and Teams conversations. Then:

- the web chat's feedback route stores a rating in sipguiden_feedback with the rated message's
  rule ids and region, and nothing of the conversation; bad input gets a Swedish JSON error;
- Teams gets an answer as an Adaptive Card ("Visa mer" as Action.ShowCard, 👍/👎 as
  Action.Submit) and a submitted rating is stored the same way;
- ``make report``'s script reads that store read-only and writes var/report-like index.html
  with the counts, never a message or a sender id.
"""

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sipserver import ROOT, Bot, request
from test_teams import APP_ID, APP_PASSWORD, FakeBotFramework, activity, post, texts

pytestmark = pytest.mark.integration

WEB = "webchat-" + "12" * 16
OTHER_WEB = "webchat-" + "34" * 16
REST = "rest-report-skane"
TEAMS_USER, TEAMS_CONVERSATION = "29:teams-feedback-user", "a:conv-feedback"
CARD = "application/vnd.microsoft.card.adaptive"
# What the users write (none of it may reach the report).
QUESTION = "behövs samtycke från båda vårdnadshavarna?"
REST_QUESTIONS = ["vem ska jag kalla?", "hur länge gäller samtycket?", "vem ska jag kalla till mötet?"]


@pytest.fixture(scope="module")
def fake():
    fake = FakeBotFramework()
    fake.thread.start()
    yield fake
    fake.server.shutdown()


@pytest.fixture(scope="module")
def bot(tmp_path_factory, fake):
    bot = Bot(tmp_path_factory.mktemp("feedback"))
    bot.env.update(
        SIPGUIDEN_TEAMS_APP_ID=APP_ID,
        SIPGUIDEN_TEAMS_APP_PASSWORD=APP_PASSWORD,
        SIPGUIDEN_TEAMS_OPENID_URL=f"{fake.base}/v1/.well-known/openidconfiguration",
        SIPGUIDEN_TEAMS_TOKEN_URL=f"{fake.base}/botframework.com/oauth2/v2.0/token",
    )
    bot.start()
    yield bot
    if bot.process.poll() is None:
        bot.stop()


def custom_of(messages):
    return [m["custom"]["sipguiden"] for m in messages if isinstance(m.get("custom"), dict) and "sipguiden" in m["custom"]]


def rated(messages):
    found = [c for c in custom_of(messages) if c.get("feedback") is True]
    assert found, messages
    return found[-1]


def stored(bot):
    with sqlite3.connect(bot.env["SIPGUIDEN_SQLITE_PATH"]) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM sipguiden_feedback ORDER BY id")]


def feedback_route(bot, body):
    return request(f"{bot.base}/webhooks/webchat/feedback", body)


@pytest.fixture(scope="module")
def web_answer(bot):
    bot.say(WEB, QUESTION, channel="webchat")
    answer = rated(bot.say(WEB, "Halland", channel="webchat")["messages"])
    assert answer["region"] == "halland" and answer["answer"] and answer["rules"]
    return answer


def test_the_web_chat_stores_a_rating_without_the_conversation(bot, web_answer):
    status, body = feedback_route(bot, {"sender": WEB, "rules": web_answer["rules"], "rating": "down", "reason": "for_langt"})
    assert status == 200, body
    assert json.loads(body) == {"saved": True, "message": "Tack! Det hjälper oss att förbättra svaren."}
    # One rating per message the bot sent: a second one for the same answer is refused.
    status, body = feedback_route(bot, {"sender": WEB, "rules": web_answer["rules"], "rating": "up"})
    assert status == 409 and json.loads(body)["error"] == "Du har redan gett ett omdöme om det här svaret. Tack!"
    # The same question again: a new answer, which may be rated too.
    again = rated(bot.say(WEB, QUESTION, channel="webchat")["messages"])
    assert again["rules"] == web_answer["rules"]
    status, body = feedback_route(bot, {"sender": WEB, "rules": web_answer["rules"], "rating": "up"})
    assert status == 200 and json.loads(body)["message"] == "Tack för ditt svar!"
    rows = stored(bot)
    assert [(r["rules"].split(), r["region"], r["rating"], r["reason"]) for r in rows] == [
        (web_answer["rules"], "halland", "down", "for_langt"), (web_answer["rules"], "halland", "up", None)]
    assert all(r["day"] == time.strftime("%Y-%m-%d", time.gmtime()) or r["day"] == time.strftime("%Y-%m-%d") for r in rows)
    assert set(rows[0]) == {"id", "day", "rules", "region", "audience", "rating", "reason"}
    everything = json.dumps(rows, ensure_ascii=False)
    assert WEB not in everything and "samtycke från båda" not in everything
    # Nothing of the rating went to Rasa: the conversation has the same events as before.
    status, tracker = request(f"{bot.base}/conversations/{WEB}/tracker?token=integration-test-token-0123456789")
    assert "sipguiden_feedback" not in tracker and "for_langt" not in tracker


@pytest.mark.parametrize("body, status, words", [
    ("not json", 400, "JSON-objekt"),
    ({"sender": "anna", "rules": ["halland.consent.required"], "rating": "up"}, 400, "sender-id"),
    ({"sender": WEB, "rules": "halland.consent.required", "rating": "up"}, 400, "regel-id"),
    ({"sender": WEB, "rules": ["halland.consent.both_guardians; DROP TABLE events"], "rating": "up"}, 400, "regel-id"),
    ({"sender": WEB, "rules": None, "rating": "up"}, 400, "regel-id"),
    ({"sender": WEB, "rating": "up"}, 400, "regel-id"),
    ({"sender": WEB, "rules": ["halland.consent.required"], "rating": "bra"}, 400, "Betyget"),
    ({"sender": WEB, "rules": ["halland.consent.required"], "rating": "up", "reason": "för långt"}, 400, "Orsaken"),
    # A message this conversation never got, and a conversation that does not exist.
    ({"sender": WEB, "rules": ["skane.consent.required"], "rating": "down"}, 404, "inget svar"),
    ({"sender": OTHER_WEB, "rules": ["halland.consent.required"], "rating": "down"}, 404, "inget svar"),
])
def test_bad_input_to_the_feedback_route_gets_a_swedish_json_error(bot, web_answer, body, status, words):
    before = stored(bot)
    if isinstance(body, str):
        req = urllib.request.Request(f"{bot.base}/webhooks/webchat/feedback", data=body.encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(req, timeout=30)
            raise AssertionError("accepted")
        except urllib.error.HTTPError as error:
            code, text = error.code, error.read().decode()
    else:
        code, text = feedback_route(bot, body)
    assert code == status, text
    error = json.loads(text)["error"]
    assert words in error and re.search("[åäö]", error + "ä"), error
    assert stored(bot) == before


def test_teams_answers_as_a_card_and_stores_a_submitted_rating(bot, fake):
    def say(text, **extra):
        before = len(fake.replies(TEAMS_CONVERSATION))
        status, body = post(bot, activity(fake, text, user=TEAMS_USER, conversation=TEAMS_CONVERSATION, **extra), fake.token())
        assert status == 200, body
        deadline = time.monotonic() + 20
        while len(fake.replies(TEAMS_CONVERSATION)) == before:
            assert time.monotonic() < deadline, "no reply"
            time.sleep(0.1)
        time.sleep(0.5)
        return fake.replies(TEAMS_CONVERSATION)[before:]

    say('/inform_region{"region":"halland"}')
    replies = say(QUESTION)
    cards = [a["content"] for r in replies for a in r["activity"].get("attachments") or [] if a["contentType"] == CARD]
    assert len(cards) == 1, replies
    card = cards[0]
    assert card["type"] == "AdaptiveCard" and card["body"][0]["text"].startswith(("Ja", "Nej", "Det beror"))
    assert "Källa:" not in " ".join(b["text"] for b in card["body"])  # the sources are behind "Visa mer"
    more = next(a for a in card["actions"] if a["title"] == "Visa mer")
    assert more["type"] == "Action.ShowCard"
    assert any(b["text"].startswith("Källa:") for b in more["card"]["body"])
    up = next(a for a in card["actions"] if a["title"] == "👍 Ja")
    assert up["type"] == "Action.Submit"
    rules = up["data"]["sipguiden_feedback"]["rules"]
    assert rules and all(r.startswith("halland.") for r in rules)
    down = next(a for a in card["actions"] if a["title"] == "👎 Nej")
    reasons = down["card"]["actions"]
    assert [a["title"] for a in reasons] == ["Fel svar", "Svarar inte på frågan", "För långt", "Svårt att förstå",
                                             "Skicka utan orsak"]
    assert all(a["type"] == "Action.Submit" and a["data"]["sipguiden_feedback"]["rating"] == "down" for a in reasons)
    # Teams sends a submit as a message with the action's data as value and no text.
    before = len(stored(bot))
    thanks = say(None, value=reasons[0]["data"])
    assert texts(thanks) == "Tack! Det hjälper oss att förbättra svaren."
    row = stored(bot)[-1]
    assert len(stored(bot)) == before + 1
    assert (row["rules"].split(), row["region"], row["rating"], row["reason"]) == (rules, "halland", "down", "fel_svar")
    assert TEAMS_USER not in json.dumps(stored(bot))
    # A forged rating (rules the bot never sent here) is refused in Swedish and not stored.
    refused = say(None, value={"sipguiden_feedback": {"rules": ["skane.consent.required"], "rating": "up"}})
    assert "inget svar" in texts(refused)
    assert len(stored(bot)) == before + 1


def run_report(env, out):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "report.py"), "--out", str(out)], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=300)


def table(page, caption):
    """The rows of the report's table with this caption, as lists of cell texts."""
    match = re.search(r"<table><caption>" + re.escape(caption) + r"</caption>(.*?)</table>", page, re.S)
    assert match, caption
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", match.group(1))]


def test_the_report_counts_what_the_servers_stored_and_shows_no_text(bot, web_answer, tmp_path):
    from bot.knowledge import knowledge

    import html as html_lib

    kb = knowledge()
    # A conversation for Skåne, whose routine is silent on whom to call.
    bot.say(REST, "Lund")
    answers = [rated(bot.say(REST, q)) for q in REST_QUESTIONS]
    assert answers[0]["national"] == ["skane"] and answers[0]["rules"][0].startswith("national.")
    database = Path(bot.env["SIPGUIDEN_SQLITE_PATH"])
    size, mtime = database.stat().st_size, database.stat().st_mtime
    done = run_report({"SIPGUIDEN_SQLITE_PATH": str(database)}, tmp_path / "report")
    assert done.returncode == 0, done.stderr
    assert "Rapporten är skriven" in done.stdout
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert (database.stat().st_size, database.stat().st_mtime) == (size, mtime)  # read-only
    assert page.count('src="data:image/png;base64,') >= 3  # the charts, inline
    assert '<html lang="sv">' in page

    # Questions per topic and region: the Skåne cells are this test's REST questions.
    head, *rows = table(page, "Frågor per ämne och region")
    skane = head.index("Skåne")
    by_title = {html_lib.unescape(r[0]): r for r in rows}
    asked = {}
    for answer in answers:
        title = kb.topics[kb.rule_by_id(answer["rules"][0]).topic].title
        asked[title] = asked.get(title, 0) + 1
    for title, n in asked.items():
        assert int(by_title[title][skane]) == n, (title, by_title[title])
    halland_title = kb.topics[kb.rule_by_id(web_answer["rules"][0]).topic].title
    assert int(by_title[halland_title][head.index("Halland")]) >= 1

    # The routine is silent: whom to call in Skåne, asked twice, first.
    head, *rows = table(page, "Ämnen där rutinen är tyst")
    invite = kb.topics[kb.rule_by_id(answers[0]["rules"][0]).topic].title
    assert html_lib.unescape(rows[0][0]) == invite and int(rows[0][head.index("Skåne")]) == 2

    # 👍/👎 per rule, the worst first: the Halland rules have the 👎 from the web chat and Teams.
    head, *rows = table(page, "👍/👎 per regel, sämst först")
    assert rows and all(int(r[head.index("👎")]) >= int(rows[-1][head.index("👎")]) for r in rows[:1])
    shares = [int(r[head.index("Andel 👎")].rstrip(" %")) for r in rows]
    assert shares == sorted(shares, reverse=True)
    assert web_answer["rules"][0] in [r[0] for r in rows]

    # Fallback and clarification per day: today's row counts every user turn of the store.
    head, *rows = table(page, "Reservsvar och motfrågor per dag")
    with sqlite3.connect(database) as db:
        users = db.execute("SELECT count(*) FROM events WHERE type_name = 'user'").fetchone()[0]
    assert sum(int(r[1]) for r in rows) == users
    assert sum(int(r[4]) for r in rows) >= 1  # "Vilken kommun eller region gäller det?" was asked back

    # Counts only: no message, no sender id.
    for text in [QUESTION, *REST_QUESTIONS, WEB, REST, TEAMS_USER, web_answer["answer"][:40], answers[0]["answer"][:40]]:
        assert text not in page and html_lib.escape(text) not in page, text


def test_the_report_on_a_store_never_used_says_so_and_creates_nothing(tmp_path):
    missing = tmp_path / "none.db"
    done = run_report({"SIPGUIDEN_SQLITE_PATH": str(missing)}, tmp_path / "report")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert "inga uppgifter ännu" in page and not missing.exists()
