"""Rasa custom actions: read slots and the message, call bot/, send the replies, set slots.

Nothing heavy happens at import: the knowledge files are loaded on first use. Every
action's logic is in bot/ (bot/dialogue.py, bot/region_flow.py); an action only moves data
between Rasa and those functions. A failure inside bot/ becomes a Swedish apology, never
a stack trace in the chat, and no slot is changed by a failed turn.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import dialogue, region_flow, tools_dialogue, understand
from bot.places import directory

logger = logging.getLogger(__name__)

SLOTS = ("region", "municipality", "audience", "pending", "pending_text", "case", "case_start", "guide_step", "offered",
         "kallelse", "shown_notes")
SORRY = ("Förlåt, något gick fel hos mig när jag skulle svara. Försök igen om en stund, "
         "eller ställ frågan på ett annat sätt.")


def _slots(tracker: Tracker) -> Dict[str, Any]:
    return {name: tracker.get_slot(name) for name in SLOTS}


def _text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def _entities(tracker: Tracker) -> List[Dict[str, Any]]:
    return list((tracker.latest_message or {}).get("entities") or [])


def _entity(tracker: Tracker, name: str) -> Optional[str]:
    """The first value of the entity ``name`` in the latest message (rasa-sdk's helper), as text."""
    value = next((v for v in tracker.get_latest_entity_values(name) if v is not None), None)
    return None if value is None else str(value)


def _intent(tracker: Tracker) -> str:
    """The latest message's intent, nlu_fallback included (rasa-sdk's helper; "" when there is none)."""
    return tracker.get_intent_of_latest_message(skip_fallback_intent=False) or ""


def _reading(tracker: Tracker) -> understand.Reading:
    """Everything the latest message says (bot.understand), with Rasa's reading of it."""
    latest = tracker.latest_message or {}
    intent = latest.get("intent") or {}
    segments = (latest.get("metadata") or {}).get("sipguiden_segments") or []
    return understand.read(_text(tracker), intent.get("name") or "", intent.get("confidence") or 0.0,
                           latest.get("intent_ranking") or [], segments, _entities(tracker), directory(),
                           region_known=bool(tracker.get_slot("region")))


def _send(dispatcher: CollectingDispatcher, turn: dialogue.Turn, tracker: Optional[Tracker] = None) -> List[Dict[Text, Any]]:
    if tracker is not None:
        dialogue.finish(turn, _slots(tracker))
    for m in turn.messages:
        buttons = [{"title": title, "payload": payload} for title, payload in m.buttons]
        # The rules an answer states, its parts (opening, details, sources), its picture and its
        # downloads travel with it (bot.dialogue.Message.payload); the web chat and Teams show
        # them, the conversation tests check them.
        dispatcher.utter_message(text=m.text, buttons=buttons or None, json_message=m.payload())
    # The buttons offered last, so that "ja", "2" or "hoppa över" can answer them.
    offered = next(([[title, payload] for title, payload in m.buttons] for m in reversed(turn.messages) if m.buttons), None)
    slots = {"offered": offered, **turn.slots} if turn.messages else dict(turn.slots)
    return [SlotSet(name, value) for name, value in slots.items()]


class _TurnAction:
    """Mixin for actions that run ``turn(tracker)`` and send its result; an error is logged
    (without the message text) and answered with an apology. Not an Action itself, so the
    action server does not register it."""

    def turn(self, tracker: Tracker) -> dialogue.Turn:  # pragma: no cover - overridden
        raise NotImplementedError

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        try:
            turn = self.turn(tracker)
        except Exception:  # noqa: BLE001 - the user must get an answer, the details go to the log
            logger.exception("%s failed (intent %s)", self.name(), _intent(tracker))
            dispatcher.utter_message(text=SORRY)
            return [SlotSet("case_start", False)]
        return _send(dispatcher, turn, tracker)


def _utterances(dispatcher: CollectingDispatcher, utterances: List[region_flow.Utterance]) -> List[Dict[Text, Any]]:
    """Send the region flow's responses; when one asks for the region, remember its buttons
    as offered (so that "2", "Skåne" or "hoppa över" answers them)."""
    for utterance in utterances:
        buttons = [{"title": title, "payload": payload} for title, payload in utterance.buttons]
        dispatcher.utter_message(response=utterance.response, buttons=buttons or None, **utterance.values)
    offered = next((u.buttons for u in reversed(utterances) if u.buttons), None)
    return [SlotSet("offered", [[title, payload] for title, payload in offered])] if offered else []


class ActionGreet(Action):
    def name(self) -> Text:
        return "action_greet"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        reading = _reading(tracker)
        if reading.question is not None or reading.asks:  # "Hej! Jag jobbar i Lund, vem ska jag kalla?"
            return ActionFallback().run(dispatcher, tracker, domain)
        outcome = region_flow.greeting_with_place(_text(tracker), _entities(tracker), tracker.get_slot("region"),
                                                  tracker.get_slot("municipality"), directory())
        offered = _utterances(dispatcher, outcome.utterances)
        return offered + [SlotSet(name, value) for name, value in outcome.slots.items()]


class ActionSetRegion(Action):
    """The user names a place (or clicks a region button). A question that was waiting for
    the region is answered right after."""

    def name(self) -> Text:
        return "action_set_region"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        reading = _reading(tracker)
        offered_before = tracker.get_slot("offered") or []
        named = reading.place is None and understand.offered_choice(_text(tracker), offered_before) is not None
        if dialogue.more_than_a_place(reading) or named:  # a question, a case, a place in a case, or "annan"
            return ActionFallback().run(dispatcher, tracker, domain)
        outcome = region_flow.set_region(_text(tracker), _entities(tracker), directory())
        offered = _utterances(dispatcher, outcome.utterances)
        if outcome.competing:  # "den första" picks the first of the places named
            offered = [SlotSet("offered", [[directory().label(p), f'/inform_region{{"region":"{p.region}"}}']
                                           for p in outcome.competing])]
        said = {**outcome.slots, **({"audience": reading.role} if reading.role else {})}  # "jag är 15 och bor i Lund"
        events = [SlotSet(name, value) for name, value in said.items()]
        if outcome.place is None:
            return events + offered + [SlotSet("case_start", False)]
        slots = {**_slots(tracker), **said}
        try:
            turn = dialogue.pending_after_region(slots)
        except Exception:  # noqa: BLE001
            logger.exception("pending question failed")
            dispatcher.utter_message(text=SORRY)
            return events + [SlotSet("pending", None), SlotSet("case_start", False)]
        return events + _send(dispatcher, turn, tracker)


class ActionChangeRegion(ActionSetRegion):
    """"byt region": asks which one, unless the message already names the new place
    ("jag jobbar i Laholms kommun nu")."""

    def name(self) -> Text:
        return "action_change_region"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        place, competing = region_flow.place_from_message(_text(tracker), _entities(tracker), directory())
        if place is None and not competing:
            offered = _utterances(dispatcher, [region_flow.ask_region(directory())])
            return offered + [SlotSet("case_start", False)]
        return super().run(dispatcher, tracker, domain)


class ActionFallback(_TurnAction, Action):
    """A message no single intent settles (low confidence, out of scope, a short answer, or a
    place with more in it): bot.understand reads all of it and bot.dialogue.free_message
    answers the question, starts the check, asks one clarifying question, or says honestly
    that it finds nothing on it."""

    def name(self) -> Text:
        return "action_fallback"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        return dialogue.free_message(_reading(tracker), _entities(tracker), _slots(tracker))


class ActionAnswerQuestion(_TurnAction, Action):
    """Any question intent of knowledge/questions.yml."""

    def name(self) -> Text:
        return "action_answer_question"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        reading = _reading(tracker)
        if reading.question is None and (reading.unknown or reading.uncovered):  # asks about something no rule speaks of
            return dialogue.free_message(reading, _entities(tracker), _slots(tracker))
        intent = reading.question or _intent(tracker)  # the asking sentence of several may say it better
        turn = dialogue.question(intent, _text(tracker), _entities(tracker), _slots(tracker))
        if intent == "ask_plan_contents":  # "Vad ska stå i planen?": the checklist to download
            tools_dialogue.offer_plan_checklist(turn)
        return turn


class ActionStartCase(_TurnAction, Action):
    def name(self) -> Text:
        return "action_start_case"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        reading = _reading(tracker)
        if _entity(tracker, "check") is None and not reading.facts and (reading.unknown or reading.question):
            return dialogue.free_message(reading, _entities(tracker), _slots(tracker))  # not a case after all
        return dialogue.start_check(_entity(tracker, "check"), _text(tracker), _entities(tracker), _slots(tracker))


class ActionAskCaseAnswer(_TurnAction, Action):
    """Asks the case form's next question (Rasa calls action_ask_<slot> for the form)."""

    def name(self) -> Text:
        return "action_ask_case_answer"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        return dialogue.ask_case(_slots(tracker))


def _form_answer(slot: str, answer, text: str, slots: Dict[str, Any], dispatcher: CollectingDispatcher,
                 send=None) -> Dict[Text, Any]:
    """One answer of a one-slot form (case check, kallelse, quiz): ``answer(text, slots)`` gives
    the turn and whether the form is complete; the slot is emptied until it is. A failure is an
    apology in Swedish and changes nothing."""
    try:
        turn, done = answer(text, slots)
    except Exception:  # noqa: BLE001
        logger.exception("%s failed", slot)
        dispatcher.utter_message(text=SORRY)
        return {slot: None}
    if send is not None:
        send(dispatcher, turn)
    else:
        for m in turn.messages:
            dispatcher.utter_message(text=m.text)
    return {**turn.slots, slot: "klar" if done else None}


class ValidateCaseForm(FormValidationAction):
    """Reads each answer of the case form into the case state. The form's one slot,
    ``case_answer``, is emptied again until the rules core needs nothing more."""

    def name(self) -> Text:
        return "validate_case_form"

    def validate_case_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Dict[Text, Any]:
        return _form_answer("case_answer", dialogue.case_answer, str(value or ""), _slots(tracker), dispatcher)


class _EndCase(_TurnAction):
    """Ends a case check with ``end(slots)`` and empties the form's slot for the next check."""

    end = staticmethod(dialogue.case_result)

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        turn = self.end(_slots(tracker))
        turn.slots["case_answer"] = None
        return turn


class ActionCaseResult(_EndCase, Action):
    def name(self) -> Text:
        return "action_case_result"


class ActionStopCase(_EndCase, Action):
    def name(self) -> Text:
        return "action_stop_case"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        turn = dialogue.stop_case(_slots(tracker), _text(tracker))
        turn.slots["case_answer"] = None
        return turn


class ActionGuide(_TurnAction, Action):
    COMMANDS = {"guide_start": "start", "guide_next": "next", "guide_back": "back", "guide_goto": "goto",
                "guide_stop": "stop"}

    def name(self) -> Text:
        return "action_guide"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        command = self.COMMANDS.get(_intent(tracker), "start")
        return dialogue.guide_turn(command, _slots(tracker), step=_entity(tracker, "step"), text=_text(tracker))


class ActionCompare(_TurnAction, Action):
    def name(self) -> Text:
        return "action_compare"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        subject = _entity(tracker, "subject")
        if subject:
            return dialogue.compare_subject(subject, _slots(tracker))
        return dialogue.compare(_text(tracker), _entities(tracker), _slots(tracker))


class ActionEnglish(_TurnAction, Action):
    def name(self) -> Text:
        return "action_english"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        return dialogue.english(_text(tracker), _slots(tracker), entities=_entities(tracker))


class ActionSetAudience(_TurnAction, Action):
    def name(self) -> Text:
        return "action_set_audience"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        reading = _reading(tracker)
        if reading.question is not None or (reading.asks and reading.candidates):
            return dialogue.free_message(reading, _entities(tracker), _slots(tracker))
        return dialogue.set_audience(_text(tracker), _entity(tracker, "role"), _slots(tracker))


# ---------------------------------------------------------------- "Hjälp mig skriva kallelsen" (bot/tools_dialogue.py)
class ActionStartKallelse(_TurnAction, Action):
    def name(self) -> Text:
        return "action_start_kallelse"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        return tools_dialogue.start_kallelse_turn(_slots(tracker))


class ActionAskKallelseAnswer(_TurnAction, Action):
    """Asks the kallelse form's next question (Rasa calls action_ask_<slot> for the form)."""

    def name(self) -> Text:
        return "action_ask_kallelse_answer"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        return tools_dialogue.ask_kallelse_turn(_slots(tracker))


class ValidateKallelseForm(FormValidationAction):
    """Reads each answer of the kallelse form, redacted, into the ``kallelse`` state."""

    def name(self) -> Text:
        return "validate_kallelse_form"

    def validate_kallelse_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        return _form_answer("kallelse_answer", tools_dialogue.kallelse_answer_turn, str(value or ""),
                            _slots(tracker), dispatcher)


class ActionKallelseResult(_TurnAction, Action):
    def name(self) -> Text:
        return "action_kallelse_result"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        return tools_dialogue.kallelse_end_turn(_slots(tracker))


# ---------------------------------------------------------------- "Testa dig själv" (bot/tools_dialogue.py)
class ActionStartQuiz(_TurnAction, Action):
    def name(self) -> Text:
        return "action_start_quiz"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        return tools_dialogue.start_quiz_turn(_text(tracker), {**_slots(tracker), "quiz": tracker.get_slot("quiz")})


class ActionAskQuizAnswer(_TurnAction, Action):
    def name(self) -> Text:
        return "action_ask_quiz_answer"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        return tools_dialogue.ask_quiz_turn({"quiz": tracker.get_slot("quiz")})


class ValidateQuizForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_quiz_form"

    def validate_quiz_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Dict[Text, Any]:
        return _form_answer("quiz_answer", tools_dialogue.quiz_answer_turn, str(value or ""),
                            {"quiz": tracker.get_slot("quiz")}, dispatcher, send=_send)


class ActionQuizResult(_TurnAction, Action):
    def name(self) -> Text:
        return "action_quiz_result"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        return tools_dialogue.quiz_end_turn({"quiz": tracker.get_slot("quiz")})


# ---------------------------------------------------------------- "Vad betyder det här?" and "jag är ny" (issue 14)
class ActionExplainTerm(_TurnAction, Action):
    """A term explained from knowledge/glossary.yml (bot/glossary.py): the button's `term`
    entity, else the word the message asks about; no term at all gives the menu. A typed message
    that does not ask what something means ("vem blir huvudansvarig när skolan kallar?") is read
    as a whole instead, like any message no intent settles."""

    def name(self) -> Text:
        return "action_explain_term"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        from bot import glossary

        text = _text(tracker)
        if not text.startswith("/") and not glossary.asks_for_a_definition(text):
            reading = _reading(tracker)
            if reading.question is not None:
                return dialogue.free_message(reading, _entities(tracker), _slots(tracker))
        return glossary.explain_turn(_entity(tracker, "term"), _text(tracker), _entities(tracker), _slots(tracker))


class ActionOnboarding(_TurnAction, Action):
    """A new employee's short path through SIP from their own routine (bot/onboarding.py); the
    region is asked for first when it is not known (pending "onboarding")."""

    def name(self) -> Text:
        return "action_onboarding"

    def turn(self, tracker: Tracker) -> dialogue.Turn:
        from bot import onboarding

        return onboarding.start(_text(tracker), _entities(tracker), _slots(tracker))
