"""Erasing and downloading one's own conversation in the web chat (bot/channels/webchat.py,
on bot/lifecycle.py), against the real servers (scripts/run.py) on a temporary SQLite
tracker store: what the routes answer, and what is (and is not) left in the database."""

import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request

import pytest

from sipserver import TOKEN, request

pytestmark = pytest.mark.integration

A = "webchat-" + "a1" * 16
B = "webchat-" + "b2" * 16
C = "webchat-" + "c3" * 16
D = "webchat-" + "d4" * 16
E = "webchat-" + "e5" * 16


def say(bot, sender, text):
    return bot.say(sender, text, channel="webchat")


def texts(answer):
    return " ".join(m.get("text") or "" for m in answer["messages"])


def post(bot, route, data, raw=None):
    """Status, headers and body of a POST to a web chat route (``raw``: bytes sent as they are)."""
    body = raw if raw is not None else json.dumps(data).encode()
    req = urllib.request.Request(f"{bot.base}/webhooks/webchat/{route}", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def rows(bot, sender):
    """Every stored row of the conversation, as stored."""
    with sqlite3.connect(bot.env["SIPGUIDEN_SQLITE_PATH"]) as db:
        return db.execute(
            "SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data "
            "FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()


def stored_user_texts(bot, sender):
    return [json.loads(r[6]).get("text") for r in rows(bot, sender) if r[2] == "user"]


def tracker_events(bot, sender):
    status, body = request(f"{bot.base}/conversations/{sender}/tracker?token={TOKEN}")
    assert status == 200, body
    return json.loads(body)["events"]


def test_export_and_forget_only_touch_the_own_conversation(bot):
    for text in ("vad är SIP?", "vem ska jag kalla?", "Halland"):
        say(bot, A, text)
    for text in ("behövs samtycke från båda vårdnadshavarna? (fråga B-7391)", "hej igen från B-7391"):
        say(bot, B, text)
    bot.say("anna", "vad är SIP?")  # a REST-channel conversation
    a_before, b_before, anna_before = rows(bot, A), rows(bot, B), rows(bot, "anna")
    assert a_before and b_before and anna_before

    # Export: A's own stored events and conversation, as a file; nothing of B.
    status, headers, body = post(bot, "export", {"sender": A})
    assert status == 200, body
    assert headers["Content-Disposition"] == 'attachment; filename="sipguiden-samtal.json"'
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"].startswith("application/json")
    data = json.loads(body)
    assert data["sender_id"] == A and data["store"] == "sqlite" and data["exported_at"]
    assert len(data["events"]) == len(a_before)
    assert [e["text"] for e in data["events"] if e["event"] == "user"] == ["vad är SIP?", "vem ska jag kalla?", "Halland"]
    said = [(line["from"], line["text"]) for line in data["conversation"]]
    assert said[0] == ("user", "vad är SIP?") and ("user", "Halland") in said
    assert any(who == "bot" and "Halland" in text for who, text in said)
    assert "B-7391" not in body and B not in body

    # Forget A: every row of A gone, B's and the REST conversation's rows exactly as they were.
    erased_at = time.time()
    status, headers, body = post(bot, "forget", {"sender": A})
    assert status == 200, body
    assert headers["Cache-Control"] == "no-store"
    answer = json.loads(body)
    assert answer["forgotten"] is True and answer["events"] == len(a_before)
    assert "Samtalet är raderat" in answer["message"] and "nytt samtal" in answer["message"]
    assert rows(bot, A) == []
    assert rows(bot, B) == b_before
    assert rows(bot, "anna") == anna_before
    assert json.loads(post(bot, "export", {"sender": A})[2])["events"] == []

    # Rasa's own view (the tracker API) has nothing from before: no message, no region.
    events = tracker_events(bot, A)
    assert not [e for e in events if e["event"] in ("user", "bot")]
    assert all(e["timestamp"] >= erased_at for e in events), events
    # The bot has forgotten the region: it asks again.
    assert "Vilken kommun eller region" in texts(say(bot, A, "vem ska jag kalla?"))
    # A second erasure of an already erased conversation is fine, and B is still untouched.
    assert json.loads(post(bot, "forget", {"sender": A})[2])["forgotten"] is True
    assert rows(bot, A) == [] and rows(bot, B) == b_before


def test_typed_request_asks_first_and_is_never_stored(bot):
    say(bot, C, "vad är SIP?")
    before = rows(bot, C)
    for typed in ("Radera min konversation!", "  ta bort   MITT samtal. ", "radera min chatt?"):
        answer = say(bot, C, typed)
        assert len(answer["messages"]) == 1, answer
        message = answer["messages"][0]
        assert message["text"].startswith("Vill du radera hela samtalet?")
        assert message["buttons"] == [
            {"title": "Ja, radera samtalet", "payload": "/sipguiden_forget_confirm"},
            {"title": "Nej, behåll det", "payload": "/sipguiden_forget_cancel"},
        ]
        assert "forgotten" not in answer
        assert rows(bot, C) == before  # not handed to Rasa: nothing stored
    # Only the phrases themselves: a question about erasing goes to the bot as usual.
    assert "Vill du radera" not in texts(say(bot, C, "hur raderar man en SIP?"))
    before = rows(bot, C)

    answer = say(bot, C, "/sipguiden_forget_cancel")
    assert texts(answer).startswith("Samtalet är kvar.") and "forgotten" not in answer
    assert rows(bot, C) == before

    answer = say(bot, C, "/sipguiden_forget_confirm")
    assert answer["forgotten"] is True and answer["events"] == len(before)
    assert texts(answer).startswith("Samtalet är raderat")
    assert rows(bot, C) == []


def test_only_web_chat_ids_are_accepted(bot):
    bot.say("anna", "vem ska jag kalla?")
    anna = rows(bot, "anna")
    say(bot, D, "vad är SIP?")
    d_rows = rows(bot, D)
    bad_senders = ["anna", "", None, 42, ["webchat-" + "d4" * 16], "webchat-xyz", "webchat-" + "D4" * 16,
                   "webchat-" + "0" * 31 + "G", D + "\n", " " + D, D + "0", "WEBCHAT-" + "d4" * 16]
    for route in ("forget", "export", "webhook"):
        for sender in bad_senders:
            status, headers, body = post(bot, route, {"sender": sender, "message": "hej"})
            assert status == 400, (route, sender, body)
            assert json.loads(body)["error"] == "Ogiltigt sender-id."
        for raw in (b"not json", b"[]", b'"webchat"', b"{}"):
            status, headers, body = post(bot, route, None, raw=raw)
            assert status == 400, (route, raw, body)
            assert json.loads(body)["error"], body
    # Nothing was erased: not the REST conversation, not D.
    assert rows(bot, "anna") == anna and rows(bot, D) == d_rows
    assert any(e["event"] == "user" for e in tracker_events(bot, "anna"))


def test_a_turn_in_flight_cannot_bring_the_erased_conversation_back(bot):
    """The erasure waits for the conversation's lock: a turn that had loaded the conversation
    before it cannot save the old events again afterwards."""
    for round_ in range(3):
        say(bot, E, f"vad är SIP? gammal fråga {round_}")
        turn = threading.Thread(target=say, args=(bot, E, "vem ska jag kalla?"))
        turn.start()
        time.sleep(0.05)
        status, _, body = post(bot, "forget", {"sender": E})
        turn.join()
        assert status == 200, body
        left = [t for t in stored_user_texts(bot, E) if t and "gammal fråga" in t]
        assert left == [], left
        post(bot, "forget", {"sender": E})


def test_an_unreachable_store_gives_a_swedish_503_and_changes_nothing(bot):
    say(bot, D, "behövs samtycke?")
    before = rows(bot, D)
    locker = sqlite3.connect(bot.env["SIPGUIDEN_SQLITE_PATH"], timeout=1, isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")  # the database is busy: nobody else can write
        status, headers, body = post(bot, "forget", {"sender": D})
        assert status == 503, body
        assert headers["Cache-Control"] == "no-store"
        error = json.loads(body)["error"]
        assert error.startswith("Det gick inte att radera samtalet just nu") and "Ingenting har raderats" in error
        status, _, body = post(bot, "webhook", {"sender": D, "message": "/sipguiden_forget_confirm"})
        assert status == 503 and "Ingenting har raderats" in json.loads(body)["error"]
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert rows(bot, D) == before
    # Once the database answers again, the erasure goes through.
    status, _, body = post(bot, "forget", {"sender": D})
    assert status == 200 and json.loads(body)["events"] == len(before)
    assert rows(bot, D) == []
