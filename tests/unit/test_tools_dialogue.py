"""The staff tools as conversations (bot/tools_dialogue.py, issue 15), without Rasa: the
kallelse asked one question at a time, redacted before anything is stored; the quiz."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from bot import kallelse, quiz
from bot import tools_dialogue as td
from bot.knowledge import REGION_IDS, knowledge

KB = knowledge()
TODAY = dt.date(2026, 2, 2)
REGIONS = list(REGION_IDS) + [None, "annan"]
PERSONAL = "Ring Lisa Andersson på 070-123 45 67 eller lisa.andersson@example.se, gäller 19121212-1212"
SECRET_BITS = ("19121212", "1212-1212", "Lisa", "Andersson", "070-123", "123 45 67", "example.se", "@")


def run_kallelse(region, answer_for):
    slots = {"region": region}
    turn = td.start_kallelse_turn(slots, KB)
    slots.update(turn.slots)
    notes, asked = [], []
    for _ in range(40):
        q = td.ask_kallelse_turn(slots, KB)
        if not q.messages:
            break
        asked.append(q.messages[0].text)
        turn, done = td.kallelse_answer_turn(answer_for(q.messages[0].text, len(asked)), slots, TODAY, KB)
        notes += [m.text for m in turn.messages]
        slots.update(turn.slots)
        if done:
            break
    end = td.kallelse_end_turn(slots, TODAY, KB)
    slots.update(end.slots)
    return slots, asked, notes, end


def answers(question, n):
    return "12 mars 2026" if n == 1 else f"Svar {n}"


@pytest.mark.parametrize("region", REGIONS)
def test_the_kallelse_conversation_asks_every_field_and_gives_a_draft_with_each_elements_rule(region):
    slots, asked, notes, end = run_kallelse(region, answers)
    fields = kallelse.fields(KB, region if region in REGION_IDS else None)
    assert len(asked) == len(fields)
    for i, f in enumerate(fields):
        assert f.question in asked[i]
    message = end.messages[0]
    for el in kallelse.elements(region if region in REGION_IDS else None):
        assert el.rule in message.rules
    assert "Källa:" in message.text and "12 mars 2026" in message.text
    assert message.downloads == [{"title": td.KALLELSE_DOWNLOAD, "file": "kallelse.docx", "url": "/webhooks/webchat/kallelse.docx"}]
    assert slots["kallelse"]["done"] is True
    json.dumps(slots["kallelse"])  # a slot's value


def test_personal_data_never_reaches_the_slot_the_draft_or_the_docx():
    import docx

    slots, _, notes, end = run_kallelse("skane", lambda q, n: "12 mars 2026" if n == 1 else PERSONAL)
    assert any("Jag tog bort personuppgifter" in n for n in notes)
    stored = json.dumps(slots["kallelse"], ensure_ascii=False)
    body = td.kallelse_docx(KB, slots["kallelse"], TODAY)
    doc_text = "\n".join(p.text for p in docx.Document(io.BytesIO(body)).paragraphs)
    for bit in SECRET_BITS:
        assert bit not in stored
        assert bit not in end.messages[0].text
        assert bit not in doc_text
    assert "[namn borttaget]" in stored


def test_a_personal_number_in_the_date_answer_is_not_read_as_the_date():
    state = td.kallelse_start("halland")
    state, notes, done = td.kallelse_answer(KB, state, "19121212-1212", TODAY)
    assert state["index"] == 0 and not done and "19121212" not in json.dumps(state)
    assert any("datum" in n for n in notes)


def test_skip_and_stop():
    state = td.kallelse_start("uppsala")
    state, _, _ = td.kallelse_answer(KB, state, "hoppa över", TODAY)
    assert state["index"] == 1 and state["skipped"] == ["datum"]
    state, _, done = td.kallelse_answer(KB, state, "avbryt", TODAY)
    assert done and state["stopped"]
    end = td.kallelse_end_turn({"kallelse": state}, TODAY, KB)
    assert end.slots["kallelse"] is None and "slutar" in end.messages[0].text


def test_an_empty_answer_is_no_answer():
    state = td.kallelse_start("skane")
    turn, done = td.kallelse_answer_turn("", {"kallelse": state}, TODAY, KB)
    assert not done and "kallelse" not in turn.slots


def test_no_docx_without_a_kallelse():
    assert td.download(KB, "kallelse.docx", {}, TODAY) is None
    assert td.download(KB, "kalender.ics", {}, TODAY) is None
    assert td.download(KB, "planen.docx", {"region": "skane"}, TODAY)[:2] == b"PK"


def test_the_calendar_from_the_deadline_state():
    import icalendar

    state = td.deadline_state("skane", {"meeting": "2026-03-12", "note": {"x": 1}})
    assert state == {"region": "skane", "facts": {"meeting": "2026-03-12"}}
    cal = icalendar.Calendar.from_ical(td.download(KB, "kalender.ics", {"deadlines": state}, TODAY))
    assert [c for c in cal.walk() if c.name == "VEVENT"]
    assert any("12 mars 2027" in line for line in td.deadline_lines(KB, state, TODAY))


# ---------------------------------------------------------------- the quiz
def test_the_quiz_right_wrong_pause_resume_and_result():
    slots = {"region": "halland"}
    start = td.start_quiz_turn("testa dig själv", slots, seed=3, kb=KB)
    slots.update(start.slots)
    state = slots["quiz"]
    total = len(state["questions"])
    assert total >= 3
    ask = td.ask_quiz_turn(slots)
    assert ask.messages[0].text.startswith("Fråga 1 av")
    assert [p for _, p in ask.messages[0].buttons][:len(state["questions"][0]["options"])] == [
        str(i + 1) for i in range(len(state["questions"][0]["options"]))]
    right = str(state["questions"][0]["correct"] + 1)
    turn, done = td.quiz_answer_turn(right, slots, KB)
    assert turn.messages[0].text.startswith("Rätt!") and "Källa:" in turn.messages[0].text and not done
    assert turn.messages[0].rules == [state["questions"][0]["rule"]]
    slots.update(turn.slots)
    q2 = slots["quiz"]["questions"][1]
    wrong = str((q2["correct"] + 1) % len(q2["options"]) + 1)
    turn, done = td.quiz_answer_turn(wrong, slots, KB)
    assert turn.messages[0].text.startswith("Inte rätt.")
    slots.update(turn.slots)
    turn, done = td.quiz_answer_turn("17", slots, KB)  # no such option: asked again
    assert not done and "alternativen" in turn.messages[0].text
    turn, done = td.quiz_answer_turn("avbryt", slots, KB)
    assert done
    slots.update(turn.slots)
    paused = td.quiz_end_turn(slots, KB)
    assert "pausat" in paused.messages[0].text
    resumed = td.start_quiz_turn("fortsätt testet", slots, kb=KB)
    assert "fortsätter" in resumed.messages[0].text and resumed.slots["quiz"]["index"] == 2
    slots.update(resumed.slots)
    while True:
        turn, done = td.quiz_answer_turn("1", slots, KB)
        slots.update(turn.slots)
        if done:
            break
    end = td.quiz_end_turn(slots, KB)
    assert end.messages[0].text.startswith("Du fick ")
    wrong_topics = [title for _, title in quiz.result(slots["quiz"], KB).read_again]
    assert [t for t, _ in end.messages[0].buttons][:-1] == wrong_topics and wrong_topics
    new = td.start_quiz_turn("testa mig", slots, seed=4, kb=KB)  # after the end: a new test
    assert new.slots["quiz"]["index"] == 0


def test_the_plan_checklist_offer_keeps_the_answer():
    from bot.dialogue import Message, Turn

    turn = Turn([Message("svar", rules=["skane.plan.contents"]), Message("mer")])
    td.offer_plan_checklist(turn)
    assert turn.messages[0].downloads[0]["file"] == "planen.docx" and not turn.messages[1].downloads
