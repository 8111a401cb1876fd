"""Rasa custom actions: read slots and the message, call bot/, send the replies, set slots.

Nothing heavy happens at import: the knowledge files are loaded on first use.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import region_flow
from bot.places import directory


def _send(dispatcher: CollectingDispatcher, utterances: List[region_flow.Utterance]) -> None:
    for utterance in utterances:
        dispatcher.utter_message(response=utterance.response, **utterance.values)


def _slot_events(slots: Dict[Text, Any]) -> List[Dict[Text, Any]]:
    return [SlotSet(name, value) for name, value in slots.items()]


class ActionGreet(Action):
    def name(self) -> Text:
        return "action_greet"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        _send(dispatcher, region_flow.greeting(tracker.get_slot("region"), tracker.get_slot("municipality"), directory()))
        return []


class ActionSetRegion(Action):
    def name(self) -> Text:
        return "action_set_region"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        message = tracker.latest_message or {}
        outcome = region_flow.set_region(message.get("text") or "", message.get("entities") or [], directory())
        _send(dispatcher, outcome.utterances)
        return _slot_events(outcome.slots)


class ActionFallback(Action):
    """Low NLU confidence. A message that names a place still sets the region."""

    def name(self) -> Text:
        return "action_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        message = tracker.latest_message or {}
        outcome = region_flow.set_region(message.get("text") or "", message.get("entities") or [], directory())
        if outcome.place is not None:
            _send(dispatcher, outcome.utterances)
            return _slot_events(outcome.slots)
        dispatcher.utter_message(response="utter_default")
        return []
