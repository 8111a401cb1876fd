"""The staff tools of issue 15 as conversations: "Hjälp mig skriva kallelsen".

The kallelse conversation asks ``kallelse.fields(kb, region)`` one at a time, like a case
check (bot/casecheck.py): its state is a plain JSON-able dict that lives in one Rasa slot
(``kallelse``), the form's one slot (``kallelse_answer``) takes each answer. Every answer is
redacted with ``bot.privacy.redact`` *before* it is stored in the state, and the user is
told what kind of personal data was removed. "hoppa över" leaves a question as [fyll i],
"avbryt" ends the conversation. At the end ``draft`` builds the kallelse
(``kallelse.draft``) from the stored, redacted answers, so the text, the .docx and the
slot never hold what was removed.

Downloads are offered as ``Download`` entries (a title and a file name the web chat serves
for its own conversation id, bot/channels/webchat.py). Pure Python: no Rasa import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from bot import facts as factlib
from bot import kallelse
from bot.knowledge import REGION_IDS, KnowledgeBase
from bot.privacy import REMINDER, redact

KALLELSE_FILE = "kallelse.docx"
KALLELSE_DOWNLOAD = "Ladda ner kallelsen (.docx)"
SKIP_HINT = "Skriv ”hoppa över” för att lämna frågan tom, eller ”avbryt” för att sluta."
SKIP_BUTTON = ("Hoppa över", "hoppa över")
STOP_BUTTON = ("Avbryt", "avbryt")


@dataclass(frozen=True)
class Download:
    title: str
    file: str  # served by the web chat for the conversation's own id: kallelse.docx, kalender.ics, planen.docx


WEBCHAT_ROUTES = "/webhooks/webchat/"


def download_entry(title: str, file: str) -> Dict[str, str]:
    """What a message carries for a download (in ``custom.sipguiden.downloads``): the title, the
    file, and the web chat route that serves it for the conversation's own id (``?sender=…``)."""
    return {"title": title, "file": file, "url": WEBCHAT_ROUTES + file}


def _region(region: Optional[str]) -> Optional[str]:
    return region if region in REGION_IDS else None


# ---------------------------------------------------------------- the kallelse conversation
def kallelse_start(region: Optional[str]) -> Dict[str, Any]:
    """A fresh kallelse conversation for the region (None or "annan": the national baseline)."""
    return {"region": _region(region), "answers": {}, "skipped": [], "removed": [], "index": 0,
            "stopped": False, "done": False}


def _fields(kb: KnowledgeBase, state: Mapping[str, Any]) -> List[kallelse.Field]:
    return kallelse.fields(kb, state.get("region"))


def kallelse_intro(kb: KnowledgeBase, state: Mapping[str, Any]) -> str:
    from bot.render import region_label

    region = state.get("region")
    basis = (f"rutinen för {region_label(kb, region)}" if region in REGION_IDS
             else "den nationella grunden (ingen regional SIP-rutin är vald)")
    n = len(_fields(kb, state))
    return (f"Jag hjälper dig att skriva kallelsen enligt {basis}. Jag ställer {n} frågor, en i taget. "
            "Skriv inga namn, personnummer eller kontaktuppgifter: barnets och vårdnadshavarnas uppgifter "
            f"fyller du i själv i ert eget system. {SKIP_HINT}")


def kallelse_question(kb: KnowledgeBase, state: Mapping[str, Any]) -> Optional[Tuple[str, List[Tuple[str, str]]]]:
    """The question being asked (text and buttons), or None when every question is answered."""
    fields = _fields(kb, state)
    index = int(state.get("index") or 0)
    if state.get("stopped") or index >= len(fields):
        return None
    f = fields[index]
    text = f"Fråga {index + 1} av {len(fields)}: {f.question}"
    if f.hint:
        text += f"\n(Rutinen: ”{f.hint}”)"
    return text, [SKIP_BUTTON, STOP_BUTTON]


def kallelse_answer(kb: KnowledgeBase, state: Mapping[str, Any], text: str,
                    today: dt.date) -> Tuple[Dict[str, Any], List[str], bool]:
    """Read the answer to the question asked. Returns the new state, what to tell the user
    (a privacy notice, an explanation when the answer was not understood) and whether the
    conversation is over (every question answered, or stopped)."""
    state = {**state, "answers": dict(state.get("answers") or {}), "skipped": list(state.get("skipped") or []),
             "removed": list(state.get("removed") or [])}
    fields = _fields(kb, state)
    index = int(state.get("index") or 0)
    notes: List[str] = []
    text = (text or "").strip()
    if index >= len(fields):
        state["done"] = True
        return state, notes, True
    if factlib.is_stop(text):
        state["stopped"] = True
        return state, notes, True
    f = fields[index]
    if factlib.is_skip(text) or not text:
        state["skipped"].append(f.id)
    else:
        cleaned = redact(text)
        if cleaned.kinds:
            state["removed"] += [k for k in cleaned.kinds if k not in state["removed"]]
            notes.append(REMINDER.format(kinds=", ".join(cleaned.kinds)))
        if f.kind == "date" and factlib.date_answer(cleaned.text, today) is None:
            notes.append("Skriv mötets datum, till exempel ”12 mars 2026” eller ”2026-03-12”. " + SKIP_HINT)
            return state, notes, False
        state["answers"][f.id] = cleaned.text
    state["index"] = index + 1
    done = state["index"] >= len(fields)
    state["done"] = done
    return state, notes, done


def kallelse_draft(kb: KnowledgeBase, state: Mapping[str, Any], today: dt.date) -> kallelse.Draft:
    """The draft from the stored (already redacted) answers; a date answer becomes a date."""
    region = state.get("region")
    fields = {f.id: f for f in kallelse.fields(kb, region)}
    answers: Dict[str, Any] = {}
    for key, value in (state.get("answers") or {}).items():
        if key not in fields:
            continue
        if fields[key].kind == "date":
            answers[key] = factlib.date_answer(str(value), today) or value
        else:
            answers[key] = value
    return kallelse.draft(kb, region, answers, today)


def kallelse_result(kb: KnowledgeBase, state: Mapping[str, Any], today: dt.date) -> Tuple[str, List[str], List[Download]]:
    """The draft's text, the rule ids it rests on, and the download offered."""
    d = kallelse_draft(kb, state, today)
    text = kallelse.to_text(d)
    if state.get("removed"):
        text += ("\n\n(Personuppgifter togs bort ur dina svar innan de sparades: "
                 + ", ".join(state["removed"]) + ".)")
    return text, list(d.rule_ids), [Download(KALLELSE_DOWNLOAD, KALLELSE_FILE)]


def kallelse_docx(kb: KnowledgeBase, state: Optional[Mapping[str, Any]], today: dt.date) -> Optional[bytes]:
    """The .docx of the conversation's kallelse (None when there is none to build)."""
    if not state or not isinstance(state, Mapping) or "answers" not in state:
        return None
    return kallelse.to_docx(kallelse_draft(kb, state, today))


__all__ = ["Download", "KALLELSE_DOWNLOAD", "KALLELSE_FILE", "kallelse_answer", "kallelse_docx", "kallelse_draft",
           "kallelse_intro", "kallelse_question", "kallelse_result", "kallelse_start"]


# ---------------------------------------------------------------- turns (bot.dialogue.Turn)
def _turn():
    from bot.dialogue import Turn

    return Turn()


def _say(turn, text: str, buttons=(), rules=(), region=None, downloads=()):
    from bot.dialogue import Message

    turn.messages.append(Message(text, list(buttons), list(rules), region,
                                 downloads=[download_entry(d.title, d.file) for d in downloads]))
    return turn


def start_kallelse_turn(slots: Mapping[str, Any], kb: Optional[KnowledgeBase] = None):
    """"Hjälp mig skriva kallelsen": the intro; the form then asks the first question."""
    from bot.knowledge import knowledge

    kb = kb or knowledge()
    state = kallelse_start(slots.get("region"))
    turn = _turn()
    turn.slots["kallelse"] = state  # (not kallelse_answer: a slot set here is validated as an answer)
    return _say(turn, kallelse_intro(kb, state))


def ask_kallelse_turn(slots: Mapping[str, Any], kb: Optional[KnowledgeBase] = None):
    from bot.knowledge import knowledge

    kb = kb or knowledge()
    turn = _turn()
    state = slots.get("kallelse")
    if not state:
        return _say(turn, "Det finns ingen kallelse på gång. Skriv ”hjälp mig skriva kallelsen” för att börja.")
    asked = kallelse_question(kb, state)
    if asked is None:
        return turn
    return _say(turn, asked[0], asked[1])


def kallelse_answer_turn(text: str, slots: Mapping[str, Any], today: Optional[dt.date] = None,
                         kb: Optional[KnowledgeBase] = None):
    """Returns the turn (notes, the new state) and whether the form is complete."""
    from bot.knowledge import knowledge

    kb = kb or knowledge()
    turn = _turn()
    state = slots.get("kallelse")
    if not state:
        return turn, True
    if not (text or "").strip():  # the form's own slot event on activation, no answer
        return turn, False
    state, notes, done = kallelse_answer(kb, state, text, today or dt.date.today())
    for note in notes:
        _say(turn, note)
    turn.slots["kallelse"] = state
    return turn, done


def kallelse_end_turn(slots: Mapping[str, Any], today: Optional[dt.date] = None,
                      kb: Optional[KnowledgeBase] = None):
    """The draft with its sources and the download, or the goodbye of a stopped conversation.
    The state stays in the slot (marked done) so that the download can be built from it."""
    from bot.dialogue import MAIN_BUTTONS
    from bot.knowledge import knowledge

    kb = kb or knowledge()
    turn = _turn()
    turn.slots["kallelse_answer"] = None
    state = slots.get("kallelse")
    if not state:
        return _say(turn, "Det finns ingen kallelse på gång. Skriv ”hjälp mig skriva kallelsen” för att börja.")
    if state.get("stopped"):
        turn.slots["kallelse"] = None
        return _say(turn, "Okej, jag slutar med kallelsen. Inget av svaren sparas. Ställ gärna en ny fråga.",
                    MAIN_BUTTONS)
    text, rule_ids, downloads = kallelse_result(kb, state, today or dt.date.today())
    turn.slots["kallelse"] = {**state, "done": True}
    return _say(turn, "Här är ett utkast till kallelsen. Kontrollera det och fyll i det som står inom hakparentes "
                      "i ert eget system.\n\n" + text, [("Ny fråga", "/help")], rule_ids,
                state.get("region") or "annan", downloads)


# ---------------------------------------------------------------- "Testa dig själv" (bot/quiz.py)
QUIZ_STOP_BUTTON = ("Pausa testet", "avbryt")
_NEW_QUIZ = ("nytt test", "börja om testet", "borja om testet", "ett nytt test", "nya frågor", "nya fragor")


def _quiz_active(state: Any) -> bool:
    from bot import quiz

    return bool(state) and isinstance(state, Mapping) and "questions" in state and quiz.current(state) is not None


def start_quiz_turn(text: str, slots: Mapping[str, Any], seed: Optional[int] = None,
                    kb: Optional[KnowledgeBase] = None):
    """"Testa dig själv": a new test for the region, or the one left ("fortsätt testet")."""
    import random

    from bot import quiz
    from bot.knowledge import knowledge
    from bot.render import region_label

    kb = kb or knowledge()
    turn = _turn()
    state = slots.get("quiz")
    folded = factlib.strip_accents(text or "")
    if _quiz_active(state) and not any(factlib.strip_accents(w) in folded for w in _NEW_QUIZ):
        turn.slots["quiz"] = state
        done = len(state["answers"])
        return _say(turn, f"Vi fortsätter testet där du slutade: du har svarat på {done} av "
                          f"{len(state['questions'])} frågor.")
    region = _region(slots.get("region"))
    state = quiz.quiz(kb, region, seed if seed is not None else random.randrange(1_000_000))
    turn.slots["quiz"] = state
    where = (f"rutinen för {region_label(kb, region)}" if region else "den nationella grunden")
    return _say(turn, f"Testa dig själv: {len(state['questions'])} frågor om SIP enligt {where}. "
                      "Svara med knapparna (eller siffran). Skriv ”avbryt” för att pausa – ”fortsätt testet” tar dig tillbaka.")


def ask_quiz_turn(slots: Mapping[str, Any]):
    from bot import quiz

    turn = _turn()
    state = slots.get("quiz")
    if not _quiz_active(state):
        return turn
    asked = quiz.current(state)
    return _say(turn, asked.text, list(asked.buttons) + [QUIZ_STOP_BUTTON])


def quiz_answer_turn(text: str, slots: Mapping[str, Any], kb: Optional[KnowledgeBase] = None):
    """Feedback on the answer; returns the turn and whether the form ends (done or paused)."""
    import copy

    from bot import quiz
    from bot.knowledge import knowledge

    kb = kb or knowledge()
    turn = _turn()
    state = copy.deepcopy(slots.get("quiz"))
    if not _quiz_active(state):
        return turn, True
    if not (text or "").strip():  # the form's own slot event on activation, no answer
        return turn, False
    if factlib.is_stop(text or ""):
        state["paused"] = True
        turn.slots["quiz"] = state
        return turn, True
    fb = quiz.answer(state, (text or "").strip(), kb)
    state.pop("paused", None)
    turn.slots["quiz"] = state
    if fb.understood:
        _say(turn, fb.text, rules=[fb.rule_id] if fb.rule_id else [], region=state.get("region") or "annan")
    else:
        _say(turn, fb.text + " Skriv ”avbryt” för att pausa testet.")
    return turn, fb.understood and fb.done


def quiz_end_turn(slots: Mapping[str, Any], kb: Optional[KnowledgeBase] = None):
    """The score and the topics to read again (as buttons), or the pause note."""
    from bot import quiz
    from bot.knowledge import knowledge

    kb = kb or knowledge()
    turn = _turn()
    turn.slots["quiz_answer"] = None
    state = slots.get("quiz")
    if not state or "questions" not in state:
        return _say(turn, "Det finns inget test på gång. Skriv ”testa dig själv” för att börja.")
    res = quiz.result(state, kb)
    if _quiz_active(state):
        return _say(turn, "Testet är pausat. " + res.text + " Skriv ”fortsätt testet” när du vill fortsätta.",
                    [("Fortsätt testet", "fortsätt testet")])
    buttons = [(title, title) for _, title in res.read_again] + [("Nytt test", "testa mig, nytt test")]
    return _say(turn, res.text, buttons)


# ---------------------------------------------------------------- downloads (the web chat's own routes)
CALENDAR_FILE = "kalender.ics"
CALENDAR_DOWNLOAD = "Lägg datumen i kalendern"
PLAN_FILE = "planen.docx"
PLAN_DOWNLOAD = "Ladda ner checklistan för planen (.docx)"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# file -> (Content-Type, the attachment's file name: no personal data in it)
FILES = {
    KALLELSE_FILE: (DOCX, "sip-kallelse.docx"),
    CALENDAR_FILE: ("text/calendar; charset=utf-8", "sip-datum.ics"),
    PLAN_FILE: (DOCX, "sip-planens-innehall.docx"),
}
NOTHING = {
    KALLELSE_FILE: "Det finns ingen kallelse i det här samtalet. Skriv ”hjälp mig skriva kallelsen” i chatten först.",
    CALENDAR_FILE: "Det finns inga uträknade datum i det här samtalet. Be mig räkna ut datumen för ert ärende först.",
    PLAN_FILE: "Checklistan kunde inte göras.",
}


def deadline_state(region: Optional[str], facts: Mapping[str, Any]) -> Dict[str, Any]:
    """What the ``deadlines`` slot keeps of a deadlines check: the region and the facts (dates
    as ISO strings; never free text), enough to compute the dates again."""
    return {"region": _region(region), "facts": {k: v for k, v in dict(facts).items()
                                                 if isinstance(v, (str, int, bool, float)) or v is None}}


def _deadlines(kb: KnowledgeBase, state: Mapping[str, Any], today: dt.date):
    from bot import rules

    facts = rules.DeadlineFacts.parse_obj(state.get("facts") or {})
    decision = rules.deadlines(kb, state.get("region"), facts, today)
    return decision.details.get("deadlines") or []


def download(kb: KnowledgeBase, file: str, slots: Mapping[str, Any], today: dt.date) -> Optional[bytes]:
    """The file built from the conversation's slots (nothing on disk), or None when the
    conversation has nothing to build it from."""
    if file == KALLELSE_FILE:
        return kallelse_docx(kb, slots.get("kallelse"), today)
    if file == CALENDAR_FILE:
        state = slots.get("deadlines")
        if not isinstance(state, Mapping):
            return None
        found = _deadlines(kb, state, today)
        if not found:
            return None
        from bot import calendar_ics

        return calendar_ics.ics(found, state.get("region"), today, kb)
    if file == PLAN_FILE:
        from bot import plan_checklist

        return plan_checklist.to_docx(plan_checklist.checklist(kb, _region(slots.get("region")), today))
    raise KeyError(file)


def deadline_lines(kb: KnowledgeBase, state: Mapping[str, Any], today: dt.date) -> List[str]:
    """The dates as text (Teams has no download): '12 mars 2026: …'."""
    from bot import documents as doc
    from bot import rules

    return [f"{rules.swedish_date(d.date)}: {doc.deadline_sentence(d, kb.rule_by_id(d.rule_id), today)}"
            for d in sorted(_deadlines(kb, state, today), key=lambda d: d.date)]


def offer_plan_checklist(turn) -> None:
    """"Vad ska stå i planen?": the answer stays; its last answering message (the one that
    states rules, else the last) also offers the checklist (planen.docx)."""
    if not turn.messages:
        return
    target = next((m for m in reversed(turn.messages) if m.rules), turn.messages[-1])
    target.downloads = list(target.downloads) + [download_entry(PLAN_DOWNLOAD, PLAN_FILE)]
