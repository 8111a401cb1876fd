"""What the bot says and remembers in each kind of turn. The Rasa actions only carry this out.

Every function takes the message (text, intent, entities), the conversation's slots as a
plain dict and today's date, and returns a ``Turn``: the messages to send (text and
buttons) and the slots to change. Pure Python: no Rasa import, so the whole conversation
logic is testable without a server.

Slots used: region, municipality, audience (staff | guardian | young), pending (a question
waiting for the region), case (a case check's state, see bot/casecheck.py), case_start
(a case check should start now), guide_step (position in the step-by-step guide).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from bot import audience as audiences
from bot import casecheck, comparison, guide, understand
from bot import facts as factlib
from bot.answers import answer_topics, questions
from bot.knowledge import REGION_IDS, KnowledgeBase, knowledge
from bot.places import Directory, directory
from bot.privacy import PLACEHOLDERS, REMINDER
from bot.region_flow import place_from_message, place_note
from bot.render import Shaped, decision_shaped, region_label, rule_body, source_lines, timeline

Buttons = List[Tuple[str, str]]

# The region question and its buttons: knowledge/regions.yml (bot/places.py).
REGION_BUTTONS: Buttons = directory().region_buttons()
ASK_REGION = directory().texts.ask
MAIN_BUTTONS: Buttons = [
    ("Vem ska jag kalla?", "/ask_invite"),
    ("Behövs samtycke från båda vårdnadshavarna?", "/ask_consent"),
    ("Kan vi avsluta SIP:en?", "/ask_close"),
    ("Guida mig genom en SIP", "/guide_start"),
]
CHECK_BUTTON_TITLE = {
    "consent": "Bedöm samtycket i vårt ärende",
    "invitations": "Vilka ska vi kalla i vårt ärende?",
    "closing": "Kan vårt ärende avslutas?",
    "deadlines": "Räkna ut datum för vårt ärende",
}
_ASSESS = re.compile(r"(?i)(bedöm|bedom|i\s+vårt\s+fall|i\s+vart\s+fall|i\s+mitt\s+fall|vårt\s+ärende|vart\s+arende|"
                     r"mitt\s+ärende|vi\s+har\s+en|jag\s+har\s+en|i\s+det\s+här\s+fallet|i\s+detta\s+fall)")


# Facts that make a question a case description (a bare "föräldrarna säger nej" is a question).
_CASE_FACTS = {"age", "organisations", "reason", "date", *casecheck.DATE_FACTS}
_DATE_KEYS = {"date", *casecheck.DATE_FACTS}


def _describes_case(known: Mapping[str, Any], text: str, audience: Optional[str]) -> bool:
    """Whether a question is about the user's own case, so that a case check starts at once.
    Asking for an assessment always is; otherwise (staff only) a date, a reason to close, or
    two facts of a case ("en 14-åring med två vårdnadshavare", "BUP och skolan"). A single
    organisation or age in a general question ("kan vi kalla BUP utan remiss?") gets the
    general answer with a button to check a case; guardians and young people always do."""
    if _ASSESS.search(text or ""):
        return True
    if audiences.wants_plain(audience):
        return False
    keys = set(known) & _CASE_FACTS
    if keys & (_DATE_KEYS | {"reason"}):
        return True
    facts_count = len(set(known)) + max(0, len(known.get("organisations", [])) - 1)
    return bool(keys) and facts_count >= 2


@dataclass
class Message:
    text: str
    buttons: Buttons = field(default_factory=list)
    rules: List[str] = field(default_factory=list)   # rule ids the text states (for the channels and tests)
    region: Optional[str] = None                      # the region the answer was given for
    downloads: List[Dict[str, str]] = field(default_factory=list)  # [{title, file}]: the web chat's own downloads
    shaped: Optional[Shaped] = None                   # an answer in its parts (opening, details, sources, notes)

    def payload(self) -> Optional[Dict[str, Any]]:
        """What travels in the message's ``custom`` for the channels (the web chat's "Visa mer",
        pictures and feedback, Teams' card, REST clients); None for a message with nothing more."""
        out: Dict[str, Any] = {}
        if self.rules:
            out.update(rules=self.rules, region=self.region)
        if self.shaped is not None:
            s = self.shaped
            out.update(answer=s.answer, details="\n\n".join(d for d in s.details if d),
                       sources=s.sources + [f"Obs: {note}" for _, note in s.notes],
                       national=list(s.national), visual=s.visual, feedback=bool(self.rules))
        if self.downloads:
            out["downloads"] = self.downloads
        return {"sipguiden": out} if out else None


@dataclass
class Turn:
    messages: List[Message] = field(default_factory=list)
    slots: Dict[str, Any] = field(default_factory=dict)

    def say(self, text: str, buttons: Optional[Buttons] = None, answers: Iterable[Any] = (),
            region: Optional[str] = None) -> "Turn":
        self.messages.append(Message(text, list(buttons or []), [a.rule.id for a in answers], region))
        return self

    def answer(self, shaped: Shaped, buttons: Optional[Buttons] = None, region: Optional[str] = None) -> "Turn":
        """An answer in its parts (bot.render.Shaped): the opening first, the rest under "Visa mer"."""
        self.messages.append(Message(shaped.text, list(buttons or []), [a.rule.id for a in shaped.answers],
                                     region, shaped=shaped))
        return self


def finish(turn: Turn, slots: Mapping[str, Any]) -> Turn:
    """Before sending: a law notice already shown in this conversation (slot ``shown_notes``)
    is left out of later answers, so the notice about the new socialtjänstlag comes once."""
    shown = list(slots.get("shown_notes") or [])
    before = list(shown)
    for m in turn.messages:
        if m.shaped is None or not m.shaped.notes:
            continue
        fresh = [(k, note) for k, note in m.shaped.notes if k not in shown]
        shown += [k for k, _ in fresh]
        if len(fresh) != len(m.shaped.notes):
            m.shaped = replace(m.shaped, notes=fresh)
            m.text = m.shaped.text
    if shown != before:
        turn.slots["shown_notes"] = shown
    return turn


def _today(today: Optional[dt.date]) -> dt.date:
    return today or dt.date.today()


# ----------------------------------------------------------------------------- shared steps
def _common(turn: Turn, text: str, slots: Mapping[str, Any]) -> None:
    """Privacy reminder and the audience, on every turn that reads free text."""
    kinds = [k for k, placeholder in PLACEHOLDERS.items() if placeholder in (text or "")]
    if kinds:
        turn.say(REMINDER.format(kinds=", ".join(kinds)))
    role = audiences.infer(text or "")
    if role and role != slots.get("audience"):
        turn.slots["audience"] = role


def _audience(turn: Turn, slots: Mapping[str, Any]) -> Optional[str]:
    return turn.slots.get("audience", slots.get("audience"))


def _region_from_message(turn: Turn, text: str, entities: Iterable[Mapping], slots: Mapping[str, Any],
                         places: Directory) -> Optional[str]:
    """The user's own place named in the message changes the region (said briefly); else the
    slot's region. A place that is part of the case ("pojken bodde tidigare i Göteborg",
    "flyttar till Malmö") never does (bot.understand.places_in), nor do words like "annan
    region" in a question: only a named municipality or county changes the region here."""
    if (text or "").startswith("/") and any(e.get("entity") == "region" for e in entities):  # a region button
        place, _ = place_from_message(text, entities, places)
    else:
        place = understand.places_in(text, places, region_known=bool(slots.get("region")))[0]
    if place is not None and not place.has_routine and not (place.municipality or place.county):
        place = None
    if place is not None and place.region != slots.get("region"):
        turn.slots["region"] = place.region
        turn.slots["municipality"] = place.municipality
        if place.region in REGION_IDS:
            turn.say(places.texts.switched.format(place_note=place_note(place, places),
                                                  region_name=region_label(knowledge(), place.region)))
        else:
            turn.say(places.texts.switched_other)
        return place.region
    return slots.get("region")


def ask_region(turn: Turn, pending: str) -> Turn:
    turn.slots["pending"] = pending
    turn.slots["case_start"] = False
    return turn.say(ASK_REGION, REGION_BUTTONS)


# ----------------------------------------------------------------------------- questions
def question(intent: str, text: str, entities: Iterable[Mapping], slots: Mapping[str, Any],
             today: Optional[dt.date] = None, places: Optional[Directory] = None) -> Turn:
    """A question intent (knowledge/questions.yml): the region's rules, with sources, and a
    case check when the message describes a case."""
    places = places or directory()
    turn = Turn(slots={"case_start": False})
    _common(turn, text, slots)
    q = questions().get(intent)
    if q is None:
        return turn.say("Förlåt, den frågan kan jag inte besvara ännu. Välj gärna något nedan.", MAIN_BUTTONS)
    region = _region_from_message(turn, text, entities, slots, places)
    if region is None and q.regional:
        turn.slots["pending_text"] = text
        return ask_region(turn, intent)
    turn.slots["pending"] = None
    kb = knowledge()
    known = factlib.from_text(text or "", _today(today))
    moved = _moving(text, region, known, places)
    if moved:
        known.update(moved)
        known.pop("date", None)  # "flyttar i januari": the date of the move, not of the plan
    dates = {k: v for k, v in known.items() if k in _DATE_KEYS}
    if dates and not known.get("reason") and (set(known) <= _DATE_KEYS or intent in _DATE_QUESTIONS):
        # A question with dates: compute the dates it asks about at once (consent expiry,
        # latest meeting, send-by, follow-up, forfeiture) where the routine gives the numbers;
        # otherwise the topic's answer says what the routine says.
        dated = casecheck.new_state("deadlines", _dated(dates, q.check))
        computed = casecheck.decide(kb, region, dated, _today(today)).details.get("deadlines") or []
        wanted = _DATE_QUESTIONS.get(intent)
        if any(wanted is None or dl.key in wanted for dl in computed):
            return _start_check(turn, kb, region, dated, slots, today)
        known = {k: v for k, v in known.items() if k not in _DATE_KEYS}
    known_all = dict(known)
    check = _check_of_facts(known, q) or q.check
    if check != q.check and check is not None and _describes_case(known, text, None):
        # The facts say what the case is about ("drog tillbaka sitt samtycke" is closing,
        # "har en förvaltare" is consent) whatever the question's words matched.
        return _start_check(turn, kb, region, casecheck.new_state(check, known), slots, today)
    if not q.check:
        known = {}
    state = casecheck.new_state(q.check, known) if q.check else None
    starts_check = bool(state) and _describes_case(known, text, _audience(turn, slots))
    if state is not None and starts_check:
        return _start_check(turn, kb, region, state, slots, today)
    reply = answer_topics(kb, region, _topics_for(q, known_all, _audience(turn, slots)), _audience(turn, slots), text or "")
    buttons = [(CHECK_BUTTON_TITLE[q.check], f'/check_case{{"check":"{q.check}"}}')] if q.check else []
    return turn.answer(reply, buttons, region or "annan")


_CONSENT_QUESTIONS = ("ask_consent", "ask_consent_refused", "ask_consent_child")


def _topics_for(q: Any, known: Mapping[str, Any], audience: Optional[str] = None) -> List[str]:
    """The question's topics, and the ones the facts it gives make relevant: one of two
    guardians refusing (or a parent asking what happens when a guardian says no) brings in the
    rule on two guardians, a child's age or own view the child's consent, a withdrawn consent
    what withdrawal means."""
    topics, extra = list(q.topics), []
    g, yes = known.get("guardians"), known.get("guardians_consenting")
    if (g == 2 and yes is not None and yes < 2) or (q.intent == "ask_consent_refused" and audience == "guardian"):
        extra.append("consent.both_guardians")
    child = known.get("age") is not None and known["age"] < knowledge().parameter("adult_age")
    if known.get("person_consents") is not None or (child and q.intent in _CONSENT_QUESTIONS):
        extra.append("consent.child")
    if known.get("reason") == "samtycke_aterkallat":
        extra.append("consent.withdrawal")
    kb = knowledge()
    no_contact = any(isinstance(o, dict) and o.get("ongoing") is False for o in known.get("organisations", []))
    if no_contact and all(kb.topics[t].group == "kallelse" for t in topics):
        # "Logopeden har aldrig träffat pojken, kan hen bjudas in?": what contact the routine asks for
        extra.append("invitation.ongoing_contact")
    return list(topics) + [t for t in extra if t not in topics]


def _check_of_facts(known: Mapping[str, Any], q: Any = None) -> Optional[str]:
    """The check that facts of a case point to, the most specific first (services with or
    without contact only for a question about whom to call)."""
    if known.get("reason"):
        return "closing"
    if any(k in known for k in ("can_consent", "legal_representative")):
        return "consent"
    inviting = q is not None and all(knowledge().topics[t].group == "kallelse" for t in q.topics)
    if inviting and any(isinstance(o, dict) and o.get("ongoing") is not None for o in known.get("organisations", [])):
        return "invitations"
    return None


_MOVE = re.compile(r"(?i)(?<![\wåäö])flytta\w*(?![\wåäö])")
# A move *here* ("flyttade hit från Jönköping", "har flyttat från Haninge") is no reason to close.
_ARRIVAL = re.compile(r"(?i)(?<![\wåäö])(?:in)?flytta\w*\s+(?:hit|hem\s+hit|(?:\w+\s+){0,2}?från)(?![\wåäö])")


def _moving(text: str, region: Optional[str], known: Mapping[str, Any], places: Directory) -> Dict[str, Any]:
    """A move to a named place is a reason of the closing check: out of the user's region, or
    within it ("Familjen flyttar till Umeå" in Skåne is a move out of the region)."""
    if known.get("reason") or region not in REGION_IDS or not _MOVE.search(text or "") or _ARRIVAL.search(text or ""):
        return {}
    moved_to = understand.places_in(text, places, region_known=True)[2]
    if not moved_to:
        return {}
    return {"reason": "flytt_inom_regionen" if moved_to[-1].region == region else "flytt_utanfor_regionen"}


# Question intents about dates, and the computed dates (bot/rules.COMPUTED_DATES) that answer
# each; None: any date answers it.
_DATE_QUESTIONS: Dict[str, Optional[set]] = {
    "ask_consent_duration": {"consent_valid_until"},
    "ask_invitation_timing": {"send_invitation_by", "confirm_by", "meeting_earliest"},
    "ask_follow_up": {"follow_up_latest", "forfeited_on", "auto_closed_on"},
    "ask_forfeiture": {"forfeited_on", "auto_closed_on", "follow_up_latest"},
    "ask_close": {"forfeited_on", "auto_closed_on"},
    "ask_deadline": None,
}


def _dated(known: Mapping[str, Any], check: Optional[str]) -> Dict[str, Any]:
    """A date whose kind the message did not say is the question's main date."""
    if "date" not in known:
        return dict(known)
    main = {"consent": "consent_date", "closing": "last_follow_up"}.get(check or "", "need_identified")
    out = {k: v for k, v in known.items() if k != "date"}
    out.setdefault(main, known["date"])
    return out


def pending_after_region(slots: Mapping[str, Any], today: Optional[dt.date] = None) -> Turn:
    """Once the region is known, answer the question that was waiting for it."""
    pending = slots.get("pending")
    turn = Turn(slots={"pending": None, "pending_text": None, "case_start": False})
    if not pending:
        return turn
    if pending.startswith("check:"):
        check = pending.split(":", 1)[1]
        state = casecheck.new_state(check, factlib.from_text(slots.get("pending_text") or "", _today(today)))
        return _start_check(turn, knowledge(), slots.get("region"), state, slots, today)
    if pending == "guide":
        return guide_turn("start", slots, today=today, turn=turn)
    if pending == "compare":
        return compare(slots.get("pending_text") or "", [], slots, places=None, turn=turn)
    if pending == "onboarding":  # "jag är ny" before the region was known (bot/onboarding.py)
        from bot import onboarding

        return onboarding.after_region(slots, turn)
    inner = question(pending, slots.get("pending_text") or "", [], slots, today)
    inner.slots.pop("pending_text", None)
    turn.messages.extend(inner.messages)
    turn.slots.update(inner.slots)
    turn.slots["pending_text"] = None
    return turn


# ----------------------------------------------------------------------------- case checks
def start_check(check: Optional[str], text: str, entities: Iterable[Mapping], slots: Mapping[str, Any],
                today: Optional[dt.date] = None, places: Optional[Directory] = None) -> Turn:
    """The user asks for an assessment of their case ("/check_case" button or typed)."""
    places = places or directory()
    turn = Turn(slots={"case_start": False})
    _common(turn, text, slots)
    region = _region_from_message(turn, text, entities, slots, places)
    known = factlib.from_text(text or "", _today(today))
    if check not in casecheck.CHECKS:
        check = _guess_check(text, known)
    if check is None:
        return turn.say("Vad vill du att jag bedömer i ert ärende?", [
            (CHECK_BUTTON_TITLE[c], f'/check_case{{"check":"{c}"}}') for c in casecheck.CHECKS])
    if region is None:
        turn.slots["pending_text"] = text
        return ask_region(turn, f"check:{check}")
    return _start_check(turn, knowledge(), region, casecheck.new_state(check, known), slots, today)


def _guess_check(text: str, known: Mapping[str, Any]) -> Optional[str]:
    t = factlib.strip_accents(text or "")
    if known.get("reason"):  # "drog tillbaka sitt samtycke" is a reason to close
        return "closing"
    if "samtyck" in t or "guardians" in known or "age" in known:
        return "consent"
    if "avslut" in t or "reason" in known:
        return "closing"
    if "kalla" in t or "bjuda" in t or "organisations" in known:
        return "invitations"
    if "datum" in t or "senast" in t or any(k in known for k in casecheck.DATE_FACTS + ("date",)):
        return "deadlines"
    return None


def _start_check(turn: Turn, kb: KnowledgeBase, region: Optional[str], state: Dict[str, Any],
                 slots: Mapping[str, Any], today: Optional[dt.date]) -> Turn:
    if casecheck.next_fact(kb, region, state, _today(today)) is None:
        turn.slots["case"] = None
        return _result(turn, kb, region, state, _audience(turn, slots), today)
    turn.slots["case"] = state
    turn.slots["case_start"] = True
    intro = (f"Jag bedömer ert ärende ({casecheck.TITLES[state['check']]}) utifrån rutinen i "
             f"{region_label(kb, region)}. Jag frågar bara efter det som behövs. "
             "Du kan hoppa över en fråga (”hoppa över”) eller avbryta (”avbryt”).")
    if not state.get("facts"):
        return turn.say(intro)
    # What the facts already given decide, with its rules and sources; the form then asks
    # only for what the rules core still needs.
    decision = casecheck.decide(kb, region, state, _today(today))
    return turn.answer(decision_shaped(kb, decision, _audience(turn, slots), after=[intro]), [], region or "annan")


def ask_case(slots: Mapping[str, Any], today: Optional[dt.date] = None) -> Turn:
    """The form's question: the fact being asked, or the next one the rules core needs."""
    turn = Turn()
    state = dict(slots.get("case") or {})
    if not state:
        return turn.say("Det finns ingen pågående bedömning. Ställ gärna en fråga.", MAIN_BUTTONS)
    fact = state.get("asking") or casecheck.next_fact(knowledge(), slots.get("region"), state, _today(today))
    if fact is None:
        return turn
    state["asking"] = fact
    turn.slots["case"] = state
    ask = casecheck.question(fact)
    return turn.say(ask.text, ask.buttons)


def case_answer(text: str, slots: Mapping[str, Any], today: Optional[dt.date] = None) -> Tuple[Turn, bool]:
    """Read the answer to the form's question. Returns the turn and whether the check is complete."""
    turn = Turn()
    _common(turn, text, slots)
    state = dict(slots.get("case") or {})
    if not state:
        return turn, True
    state["facts"] = dict(state.get("facts") or {})
    state["skipped"] = list(state.get("skipped") or [])
    if factlib.is_stop(text):
        state["stopped"] = True
        turn.slots["case"] = state
        return turn, True
    error = casecheck.apply_answer(state, text, _today(today))
    if error:
        turn.say(error)
    turn.slots["case"] = state
    done = error is None and casecheck.next_fact(knowledge(), slots.get("region"), state, _today(today)) is None
    return turn, done


def case_result(slots: Mapping[str, Any], today: Optional[dt.date] = None) -> Turn:
    turn = Turn(slots={"case": None, "case_start": False})
    state = slots.get("case")
    if state and state.get("stopped"):
        return stop_case(slots)
    if not state:
        return turn.say("Det finns ingen pågående bedömning. Ställ gärna en fråga.", MAIN_BUTTONS)
    return _result(turn, knowledge(), slots.get("region"), dict(state), slots.get("audience"), today)


def _result(turn: Turn, kb: KnowledgeBase, region: Optional[str], state: Dict[str, Any],
            audience: Optional[str], today: Optional[dt.date]) -> Turn:
    decision = casecheck.decide(kb, region, state, _today(today))
    skipped = [casecheck.question(f).text.split("?")[0].lower() for f in state.get("skipped") or []]
    before = ["Jag kan inte ge ett säkert svar utan de uppgifter du hoppade över. Så här säger rutinen:"] if decision.missing else []
    after = ["(Du hoppade över: " + "; ".join(skipped) + ".)"] if skipped and not decision.missing else []
    after.append("Bedömningen i det enskilda ärendet görs alltid av er som arbetar med det.")
    shaped = decision_shaped(kb, decision, audience, before, after)
    if state.get("check") == "deadlines":
        shaped.visual = timeline(kb, decision, state.get("facts") or {})
    turn.answer(shaped, [("Ny fråga", "/help")], region or "annan")
    if state.get("check") == "deadlines" and decision.details.get("deadlines"):  # "Lägg datumen i kalendern"
        from bot import tools_dialogue

        turn.slots["deadlines"] = tools_dialogue.deadline_state(region, state.get("facts") or {})
        turn.messages[-1].downloads = [tools_dialogue.download_entry(tools_dialogue.CALENDAR_DOWNLOAD,
                                                                     tools_dialogue.CALENDAR_FILE)]
    return turn


def stop_case(slots: Optional[Mapping[str, Any]] = None, text: str = "") -> Turn:
    turn = Turn(slots={"case": None, "case_start": False})
    if slots is not None and not slots.get("case"):
        answer = understand.short_answer(text)
        if answer and slots.get("offered"):  # "hoppa över" / "nej" to the bot's own buttons
            return _merge(turn, follow_offer(answer, slots["offered"], slots))
        if answer == "skip" and slots.get("guide_step"):  # "hoppa över" in the guide: the next step
            return _merge(turn, guide_turn("next", slots))
        if answer:  # "hoppa över" with nothing asked: what the user can ask
            return turn.say(NOTHING_ASKED, MAIN_BUTTONS)
        return turn.say("Det finns ingen pågående bedömning att avbryta. Ställ gärna en fråga.", MAIN_BUTTONS)
    return turn.say("Okej, jag avbryter bedömningen. Du kan ställa en ny fråga eller börja om när du vill.", MAIN_BUTTONS)


# ----------------------------------------------------------------------------- guide
def _step_number(text: str) -> Optional[str]:
    """'gå till steg 3', 'hoppa till steg fyra' -> '3' / '4'."""
    m = re.search(r"(?i)(?<![\wåäö])(\d{1,2}|" + "|".join(factlib.NUMBER_WORDS) + r")(?![\wåäö])", text or "")
    if not m:
        return None
    n = factlib.number(m.group(1))
    return str(n) if n else None


def guide_turn(command: str, slots: Mapping[str, Any], step: Optional[str] = None,
               today: Optional[dt.date] = None, turn: Optional[Turn] = None, text: str = "") -> Turn:
    """start | next | back | goto | stop. ``start`` resumes where the user left off."""
    turn = turn or Turn(slots={"case_start": False})
    region = slots.get("region")
    kb = knowledge()
    if command == "stop":
        turn.slots["guide_step"] = None
        return turn.say("Guiden är avslutad. Skriv ”guida mig” när du vill börja igen.", MAIN_BUTTONS)
    if region is None:
        return ask_region(turn, "guide")
    current = slots.get("guide_step")
    audience = _audience(turn, slots)
    if command == "start":
        resumed = current is not None
        n = guide.clamp(kb, region, current) if resumed else 1
        page = guide.page(kb, region, n, audience, resumed=resumed)
    elif current is None:  # "nästa steg" with no guide running: start it
        page = guide.page(kb, region, 1, audience)
    elif command == "goto":
        step = step if step is not None and str(step).strip().isdigit() else _step_number(text)
        if step is None:
            text, buttons = guide.step_menu(kb, region)
            return turn.say(text, buttons)
        page = guide.page(kb, region, guide.clamp(kb, region, int(str(step).strip())), audience)
    else:
        delta = 1 if command == "next" else -1
        page = guide.page(kb, region, guide.clamp(kb, region, int(current) + delta), audience)
    turn.slots["guide_step"] = float(page.step)
    return turn.answer(page.shaped, page.buttons, region)


# ----------------------------------------------------------------------------- comparison
def compare(text: str, entities: Iterable[Mapping], slots: Mapping[str, Any],
            places: Optional[Directory] = None, turn: Optional[Turn] = None) -> Turn:
    places = places or directory()
    turn = turn or Turn(slots={"case_start": False})
    kb = knowledge()
    subject = comparison.subject(kb, text or "")
    regions = comparison.regions_named(places, text or "")
    if subject is None:
        buttons = [(g.title, f'/compare_regions{{"subject":"{g.id}"}}') for g in kb.groups.values()
                   if g.id in ("samtycke", "kallelse", "avslut", "uppfoljning", "initiativ", "process")]
        return turn.say("Vilket ämne vill du jämföra regionerna i? Välj nedan eller skriv till exempel "
                        "”hur skiljer sig Halland och Skåne om samtycke?”.", buttons)
    return turn.answer(comparison.compare_shaped(kb, subject, regions))


def compare_subject(subject: str, slots: Mapping[str, Any]) -> Turn:
    kb = knowledge()
    turn = Turn(slots={"case_start": False})
    if subject not in kb.groups and subject not in kb.topics:
        return compare("", [], slots, turn=turn)
    return turn.answer(comparison.compare_shaped(kb, subject, []))


# ----------------------------------------------------------------------------- other turns
_ENGLISH_UNCOVERED = re.compile(r"(?i)\b(record\w*|film\w*|dog|pets?|parking|pay|paid|costs?|fee|evening|"
                                r"weekend|holiday|dress|clothes|lawyer)\b")
_ENGLISH_LANGUAGE = re.compile(r"(?i)\b(in\s+english|my\s+swedish|interpreter|translat\w*)\b")
_ENGLISH_TOPICS = [
    (re.compile(r"(?i)\b(sign|signature|permission)"), "ask_consent"),
    (re.compile(r"(?i)\bschool\b.*\b(call|invite|start|initiate|arrange)|\b(call|invite|start|initiate)\b.*\bschool"), "ask_school_role"),
    (re.compile(r"(?i)\bconsent"), "ask_consent"),
    (re.compile(r"(?i)\b(invite|invitation|call|who should)"), "ask_invite"),
    (re.compile(r"(?i)\b(close|closing|end the plan|terminate)"), "ask_close"),
    (re.compile(r"(?i)\b(deadline|how soon|when)"), "ask_deadline"),
    (re.compile(r"(?i)\b(step|guide|process)"), "ask_steps"),
    (re.compile(r"(?i)\b(what is|what's|sip)\b"), "what_is_sip"),
]
ENGLISH_NOTICE = ("SIP-guiden svarar på svenska. Du kan skriva på engelska, men svaren kommer på svenska.\n"
                  "SIP-guiden answers in Swedish. You may write in English, but the answers will be in Swedish. "
                  "SIP (samordnad individuell plan) is the coordinated individual plan that a Swedish municipality "
                  "and region draw up together. Choose a question below, or write your question in Swedish.")


def english(text: str, slots: Mapping[str, Any], today: Optional[dt.date] = None,
            entities: Iterable[Mapping] = (), places: Optional[Directory] = None) -> Turn:
    """A message in English: the notice, the place the user gave, and the Swedish answer where
    the English question is recognisable (or the honest answer when no rule speaks of it)."""
    turn = Turn(slots={"case_start": False}).say(ENGLISH_NOTICE)
    region = _region_from_message(turn, text, entities, slots, places or directory())
    if _ENGLISH_UNCOVERED.search(text or ""):
        return _not_found(turn, region, [])
    if _ENGLISH_LANGUAGE.search(text or ""):  # a meeting in English: the routines speak only of an interpreter
        return _not_found(turn, region, ["ask_information"], text)
    for pattern, intent in _ENGLISH_TOPICS:
        if pattern.search(text or ""):
            q = questions()[intent]
            if region is None and q.regional:
                turn.say("Which municipality? / Vilken kommun gäller det?", REGION_BUTTONS)
                turn.slots["pending"] = intent
                return turn
            reply = answer_topics(knowledge(), region, q.topics, slots.get("audience") or "guardian")
            return turn.answer(reply, [], region or "annan")
    turn.messages[-1].buttons = MAIN_BUTTONS + [("Vad är SIP? / What is SIP?", "/what_is_sip")]
    return turn


def privacy_only(text: str, slots: Mapping[str, Any]) -> Turn:
    """A message that was mostly personal data: the reminder and an invitation to go on."""
    turn = Turn()
    _common(turn, text, slots)
    return turn


_AUDIENCE_SAID = {
    audiences.GUARDIAN: "Då svarar jag som till en vårdnadshavare, med enkla ord.",
    audiences.YOUNG: "Då svarar jag så enkelt och tydligt jag kan.",
    audiences.STAFF: "Då svarar jag som till personal, med rutinens egna formuleringar.",
}


def set_audience(text: str, role: Optional[str], slots: Mapping[str, Any]) -> Turn:
    """The user says who they are: plain answers for guardians and young people, the
    professional statement for staff."""
    turn = Turn(slots={"case_start": False})
    _common(turn, text, slots)
    region = _region_from_message(turn, text, [], slots, directory())
    found = turn.slots.get("audience")
    if found is None:
        found = audiences.infer_loose(f"{role or ''} {text or ''}")
    if found is None and turn.messages:  # only the privacy reminder: nothing more to ask
        return turn
    if found is None:
        return turn.say("Berätta gärna om du är vårdnadshavare, ung eller arbetar med SIP, så anpassar jag svaren.",
                        [("Jag är vårdnadshavare", "jag är vårdnadshavare"), ("Jag är ung", "jag är ungdom"),
                         ("Jag arbetar med SIP", "jag är personal")])
    turn.slots["audience"] = found
    if region is None:
        return turn.say(_AUDIENCE_SAID[found] + " " + ASK_REGION, REGION_BUTTONS)
    return turn.say(_AUDIENCE_SAID[found] + " Vad vill du veta om SIP?", MAIN_BUTTONS)


# ----------------------------------------------------------------------------- free messages
# What the bot says when it has read a whole message and no single intent settled it
# (bot.understand): the region and role it said, a question, a case, a short answer to the
# bot's own question, a question about SIP that no rule answers, or something else.
NOT_FOUND = ("Jag hittar inget i rutinen för {region} som svarar på just det. Rutinen tar upp bland annat samtycke, "
             "vem som kallas, mötet, planen, uppföljning och avslut. Fråga gärna er SIP-samordnare eller den som "
             "ansvarar för rutinen ({issuer}).")
NOT_FOUND_NATIONAL = ("Jag hittar inget i lagen eller rutinerna jag känner till som svarar på just det. Fråga gärna "
                      "er SIP-samordnare i kommunen eller regionen.")
NEARBY = "Det här kan ligga nära din fråga:"
NEAREST = "Det närmaste rutinen säger om det är:"
CLARIFY = "Menar du något av det här?"  # scripts/report.py counts it as asking back (no turn says it today)
OFF_TOPIC = ("Det kan jag tyvärr inte svara på. Jag svarar på frågor om SIP – samordnad individuell plan: "
             "vad SIP är, samtycke, vem som kallas, mötet, uppföljning och avslut.")
WHAT_NEXT = "Vad vill du veta om SIP?"
NOTHING_TO_ANSWER = "Okej. Vad vill du veta om SIP?"
NOTHING_ASKED = "Jag har ingen fråga till dig just nu. Vad vill du veta om SIP? Välj gärna nedan."
SKIP_REGION = ("Då svarar jag utifrån lagen och det som rutinerna har gemensamt. Säg gärna vilken kommun det gäller, "
               "så blir svaret mer exakt.")


def _topic_question(intent: str) -> str:
    """A question intent as a button title: its first topic's question (knowledge/topics.yml)."""
    q = questions()[intent]
    return knowledge().topics[q.topics[0]].question


def _merge(turn: Turn, inner: Turn) -> Turn:
    turn.messages.extend(inner.messages)
    turn.slots.update(inner.slots)
    return turn


def more_than_a_place(reading: understand.Reading) -> bool:
    """A message that says more than where the user is: a question, a case, or a place that
    belongs to a case. Anything less is the region flow's (bot.region_flow)."""
    case = set(reading.facts) - {"organisations"} or len(reading.facts.get("organisations", [])) > 1
    return bool(reading.asks or reading.question or case or reading.case_places)


def only_a_place(reading: understand.Reading) -> bool:
    """A message that says where the user is and nothing else."""
    return (reading.place is not None or bool(reading.competing)) and not more_than_a_place(reading)


def free_message(reading: understand.Reading, entities: Iterable[Mapping], slots: Mapping[str, Any],
                 today: Optional[dt.date] = None, places: Optional[Directory] = None) -> Turn:
    """Everything a message said, in order: a short answer to the bot's own buttons; the user's
    own place and role; a question waiting for the region; the question; a case; or an honest
    "I find nothing on that" with the nearest topics as buttons."""
    places = places or directory()
    turn = Turn(slots={"case_start": False})
    _common(turn, reading.text, slots)
    offered = slots.get("offered") or []
    if reading.short_answer and offered:
        return _merge(turn, follow_offer(reading.short_answer, offered, slots, today))
    if reading.short_answer:  # "ja" or "2" with nothing offered
        return turn.say(NOTHING_ASKED, MAIN_BUTTONS)
    named = understand.offered_choice(reading.text, offered) if offered and reading.place is None else None
    if named is not None:
        return _merge(turn, follow_offer(str(named + 1), offered, slots, today))
    if reading.competing:
        names = ", ".join(places.label(p) for p in reading.competing)
        return turn.say(f"Du nämner platser i olika regioner ({names}). Vilken kommun gäller det?", REGION_BUTTONS)
    if reading.off_topic:
        return turn.say(OFF_TOPIC, MAIN_BUTTONS)
    if understand.looks_english(reading.text):
        return _merge(turn, english(reading.text, slots, today, entities, places))
    had_region = slots.get("region")
    region = _region_from_message(turn, reading.text, entities, slots, places)
    now = {**slots, **turn.slots}
    if region is not None and region != had_region and slots.get("pending"):
        return _merge(turn, pending_after_region(now, today))
    if reading.question is not None:
        return _merge(turn, question(reading.question, reading.text, [], {**now, "region": region}, today, places))
    check = _guess_check(reading.text, reading.facts) if _describes_case(reading.facts, reading.text, None) else None
    if check is not None:
        if region is None:
            turn.slots["pending_text"] = reading.text
            return ask_region(turn, f"check:{check}")
        return _start_check(turn, knowledge(), region, casecheck.new_state(check, reading.facts), now, today)
    if region is not None and region != had_region and not reading.asks:
        return turn.say(WHAT_NEXT, MAIN_BUTTONS)
    if reading.about_sip or reading.candidates or reading.uncovered:
        return _not_found(turn, region, reading.candidates, reading.text, _audience(turn, slots))
    if turn.slots.get("audience") and not reading.asks:  # "jag skriver som vårdnadshavare"
        said = _AUDIENCE_SAID[turn.slots["audience"]]
        return turn.say(f"{said} {ASK_REGION}", REGION_BUTTONS) if region is None else turn.say(f"{said} {WHAT_NEXT}", MAIN_BUTTONS)
    if turn.messages and not reading.asks:  # the privacy reminder: nothing more was asked
        return turn.say(WHAT_NEXT, MAIN_BUTTONS)
    return turn.say(OFF_TOPIC, MAIN_BUTTONS)


def _not_found(turn: Turn, region: Optional[str], candidates: List[str], asked: str = "",
               audience: Optional[str] = None) -> Turn:
    """An honest answer: nothing found on just that, where to turn, and what lies nearest: the
    rule whose text shares the question's rarest words (with its source), and nearby topics."""
    from bot import retrieval

    kb = knowledge()
    if region in REGION_IDS:
        source = next((s for s in kb.sources.values() if s.region == region), None)
        text = NOT_FOUND.format(region=region_label(kb, region), issuer=source.issuer.split(",")[0] if source else "")
    else:
        text = NOT_FOUND_NATIONAL
    buttons = [(_topic_question(i), f"/{i}") for i in candidates[:3]]
    about = understand.about(asked) if asked else ""
    likely_topics = [t for i in candidates[:3] for t in questions()[i].topics]
    # The nearest rule: among the likeliest questions' topics, else any topic, by the question's
    # rarest words; with no shared word, the likeliest question's first topic.
    topic = (retrieval.nearest_topic(about, region, likely_topics) or retrieval.nearest_topic(about, region)) if about else None
    if topic is None and candidates and asked:
        topic = questions()[candidates[0]].topics[0]
    if topic is not None:
        near = kb.answer(region, topic)
        text += f"\n\n{NEAREST}\n{rule_body(near, audience=audience)}\n" + "\n".join(source_lines(kb, [near]))
        turn.say(text, buttons, [near], region or "annan")
        return turn
    if buttons:
        text += "\n" + NEARBY
    return turn.say(text, buttons or MAIN_BUTTONS)


_PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$")


def follow_offer(answer: str, offered: List[List[str]], slots: Mapping[str, Any], today: Optional[dt.date] = None) -> Turn:
    """A short answer ("ja", "nej", "2", "hoppa över") to the buttons the bot offered last:
    the number picks that button; "ja" the first; "nej" lets the user ask something else;
    "hoppa över" to the region question answers from the national baseline."""
    import json

    payloads = [p for _, p in offered]
    if answer == "no":
        return Turn(slots={"offered": None}).say(NOTHING_TO_ANSWER, MAIN_BUTTONS)
    if answer == "skip" and "/guide_next" in payloads:  # "hoppa över" in the guide: the next step
        return guide_turn("next", slots, today=today)
    if answer == "skip":
        if slots.get("pending") and any(p.startswith("/inform_region") for p in payloads):
            turn = Turn(slots={"region": "annan", "municipality": None}).say(SKIP_REGION)
            return _merge(turn, pending_after_region({**slots, "region": "annan"}, today))
        return Turn(slots={"offered": None}).say(NOTHING_TO_ANSWER, MAIN_BUTTONS)
    index = 0 if answer == "yes" else int(answer) - 1
    if not 0 <= index < len(payloads):
        return Turn().say(f"Välj ett av alternativen 1–{len(payloads)}, eller skriv din fråga.", [tuple(b) for b in offered])
    m = _PAYLOAD.match(payloads[index])
    if m is None:  # a button that sends text
        return Turn().say(f"Du valde: {offered[index][0]}.")
    name, raw = m.group(1), m.group(2)
    values = json.loads(raw) if raw else {}
    if name == "inform_region":
        region = values.get("region")
        turn = Turn(slots={"region": region, "municipality": None})
        texts = directory().texts
        turn.say(texts.switched.format(place_note="", region_name=region_label(knowledge(), region))
                 if region in REGION_IDS else texts.chosen_other)
        if slots.get("pending"):
            return _merge(turn, pending_after_region({**slots, "region": region}, today))
        return turn.say(WHAT_NEXT, MAIN_BUTTONS)
    if name in questions():
        return question(name, "", [], slots, today)
    if name == "check_case":
        return start_check(values.get("check"), "", [], slots, today)
    if name.startswith("guide_"):
        return guide_turn(name.split("_", 1)[1], slots, today=today)
    if name == "compare_regions":
        return compare_subject(values.get("subject", ""), slots)
    if name == "explain_term":  # "3" after the glossary's menu, or after "Vad betyder det här?"
        from bot import glossary

        if values.get("term"):
            return glossary.explain(values["term"], slots.get("region"), slots.get("audience"))
        return glossary.menu()
    if name == "onboarding":
        from bot import onboarding

        return onboarding.start("", [], slots)
    return Turn().say(WHAT_NEXT, MAIN_BUTTONS)
