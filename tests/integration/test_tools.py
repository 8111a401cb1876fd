"""The staff tools of issue 15 through the real servers (scripts/run.py): the kallelse and the
quiz over REST, and the web chat's own downloads (kallelse.docx, kalender.ics, planen.docx)
built from the conversation's slots; another conversation's id is refused."""

import io
import json
import re
import urllib.error
import urllib.request

import pytest


pytestmark = pytest.mark.integration

W = "webchat-" + "7a" * 16
REST = "rest-tools-1"
SECRET = ("19121212-1212", "Lisa Andersson", "Andersson", "070-123 45 67", "lisa@example.se")


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def customs(messages):
    return [m["custom"]["sipguiden"] for m in messages if isinstance(m.get("custom"), dict) and "sipguiden" in m["custom"]]


def get(bot, path):
    try:
        with urllib.request.urlopen(f"{bot.base}/webhooks/webchat/{path}", timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def kallelse_through(bot, sender, channel):
    say = (lambda t: bot.say(sender, t, channel=channel)["messages"]) if channel == "webchat" else \
        (lambda t: bot.say(sender, t))
    say('/inform_region{"region":"skane"}')
    out = say("hjälp mig skriva kallelsen")
    assert "Fråga 1 av" in texts(out), texts(out)
    answers = ["12 mars 2026", "13.00–14.30", "hoppa över", "skolans kurator, BUP och socialtjänsten",
               "Deltar en del av mötet", "Ring Lisa Andersson på 070-123 45 67 om samordning för 19121212-1212",
               "Hur ska skolan och BUP samordna stödet?", "nej"]
    seen = []
    for answer in answers:
        out = say(answer)
        seen += out
        if "Här är ett utkast" in texts(out):
            break
    all_text = texts(seen)
    assert "Jag tog bort personuppgifter" in all_text
    assert "Här är ett utkast till kallelsen" in all_text
    assert "skane.invitation.content" in " ".join(r for c in customs(seen) for r in c.get("rules", []))
    assert any(d["file"] == "kallelse.docx" for c in customs(seen) for d in c.get("downloads", []))
    draft = all_text.split("Här är ett utkast", 1)[1]
    for secret in SECRET:
        assert secret not in draft
    assert "Källa:" in draft
    return seen


def test_the_kallelse_over_rest(bot):
    kallelse_through(bot, REST, "rest")


def test_the_kallelse_and_its_docx_from_the_web_chat(bot):
    import docx

    kallelse_through(bot, W, "webchat")
    status, headers, body = get(bot, f"kallelse.docx?sender={W}")
    assert status == 200, body[:300]
    assert headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert 'filename="sip-kallelse.docx"' in headers["Content-Disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(body)).paragraphs)
    assert "Kallelse till SIP-möte" in text and "12 mars 2026" in text
    for secret in SECRET:
        assert secret not in text


def test_another_conversations_id_is_refused(bot):
    for path in ("kallelse.docx?sender=" + REST, "kallelse.docx", "kalender.ics?sender=rest-x",
                 "planen.docx?sender=webchat-123"):
        status, _, body = get(bot, path)
        assert status == 400, path
        assert json.loads(body)["error"] == "Ogiltigt sender-id."
    status, _, body = get(bot, "kallelse.docx?sender=webchat-" + "99" * 16)  # no such conversation
    assert status == 404 and "kallelse" in json.loads(body)["error"]


def test_deadlines_check_offers_the_calendar_and_the_ics_downloads(bot):
    import icalendar

    sender = "webchat-" + "8b" * 16
    bot.say(sender, '/inform_region{"region":"skane"}', channel="webchat")
    out = bot.say(sender, "räkna ut datum för vårt ärende, SIP-mötet var 12 mars 2026", channel="webchat")["messages"]
    assert any(d["file"] == "kalender.ics" and d["url"] == "/webhooks/webchat/kalender.ics"
               for c in customs(out) for d in c.get("downloads", [])), texts(out)
    status, headers, body = get(bot, f"kalender.ics?sender={sender}")
    assert status == 200, body[:300]
    assert headers["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(body)
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert events and any(e.decoded("dtstart").isoformat() == "2027-03-12" for e in events)
    assert "12 mars 2027" in texts(out)  # the same dates as text (what Teams shows)


def test_the_plan_checklist_download(bot):
    import docx

    sender = "webchat-" + "9c" * 16
    bot.say(sender, '/inform_region{"region":"skane"}', channel="webchat")
    out = bot.say(sender, "/ask_plan_contents", channel="webchat")["messages"]
    assert any(d["file"] == "planen.docx" for c in customs(out) for d in c.get("downloads", []))
    status, headers, body = get(bot, f"planen.docx?sender={sender}")
    assert status == 200
    assert "checklista" in "\n".join(p.text for p in docx.Document(io.BytesIO(body)).paragraphs).lower()


def test_the_quiz_over_rest(bot):
    sender = "rest-quiz-1"
    bot.say(sender, '/inform_region{"region":"halland"}')
    out = bot.say(sender, "testa dig själv")
    assert "Fråga 1 av" in texts(out), texts(out)
    first = next(m for m in out if m.get("buttons"))
    assert [b["payload"] for b in first["buttons"]][:2] == ["1", "2"]
    out = bot.say(sender, "1")
    assert re.search(r"Rätt!|Inte rätt", texts(out)) and "Källa:" in texts(out), texts(out)
    assert "Fråga 2 av" in texts(out)
    out = bot.say(sender, "avbryt")  # paused
    assert "pausat" in texts(out)
    out = bot.say(sender, "fortsätt testet")
    assert "Fråga 2 av" in texts(out), texts(out)
    for _ in range(20):
        if "rätt." in texts(out) and "Du fick" in texts(out):
            break
        out = bot.say(sender, "2")
    assert "Du fick" in texts(out), texts(out)
