"""The custom actions, run as the action server runs them: a Tracker built from slots and
the latest message, a dispatcher that collects replies. No network, no Rasa server."""

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionFallback, ActionGreet, ActionSetRegion


def tracker(text="", intent="inform_region", entities=None, **slots):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    return Tracker("test-user", {"region": None, "municipality": None, **slots}, latest, [], False, None, {}, "action_listen")


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, {})
    return dispatcher.messages, events


def responses(messages):
    return [m["response"] for m in messages]


def test_greeting_asks_for_the_region_when_none_is_known():
    messages, events = run(ActionGreet(), tracker("hej", intent="greet"))
    assert responses(messages) == ["utter_greet", "utter_ask_region"]
    assert events == []


def test_greeting_reminds_of_the_remembered_region():
    messages, _ = run(ActionGreet(), tracker("hej", intent="greet", region="halland", municipality="Varberg"))
    assert responses(messages) == ["utter_greet", "utter_region_known"]
    assert messages[1]["region_label"] == "Region Halland"


def test_greeting_with_a_municipality_without_routine():
    messages, _ = run(ActionGreet(), tracker("hej", intent="greet", region="annan", municipality="Nacka"))
    assert messages[1]["region_label"] == "Nacka"


@pytest.mark.parametrize(
    "text, entities, region, municipality",
    [
        ("jag jobbar i Lund", [{"entity": "municipality", "value": "Lund"}], "skane", "Lund"),
        ("Helsinborg", [], "skane", "Helsingborg"),
        ("/inform_region", [{"entity": "region", "value": "uppsala"}], "uppsala", None),
        ("/inform_region", [{"entity": "region", "value": "haninge"}], "haninge", "Haninge"),
        ("/inform_region", [{"entity": "region", "value": "annan"}], "annan", None),
        ("vi bor i Nacka", [{"entity": "municipality", "value": "Nacka"}], "annan", "Nacka"),
    ],
)
def test_set_region_sets_both_slots(text, entities, region, municipality):
    messages, events = run(ActionSetRegion(), tracker(text, entities=entities))
    assert SlotSet("region", region) in events
    assert SlotSet("municipality", municipality) in events
    expected = "utter_region_other" if region == "annan" else "utter_region_set"
    assert responses(messages) == [expected]


def test_region_confirmation_names_the_routine_and_the_county():
    messages, _ = run(ActionSetRegion(), tracker("Lund", entities=[{"entity": "municipality", "value": "Lund"}]))
    assert messages[0]["region_label"] == "Skåne"
    assert messages[0]["place_note"] == "Lund ligger i Skåne län. "
    assert "2023-05-04" in messages[0]["document"]


def test_municipality_without_routine_is_told_so():
    messages, _ = run(ActionSetRegion(), tracker("Nacka"))
    assert messages[0]["response"] == "utter_region_other"
    assert messages[0]["place"] == "Nacka (Stockholms län)"


def test_no_place_asks_again_and_keeps_the_old_region():
    messages, events = run(ActionSetRegion(), tracker("något helt annat", region="skane", municipality="Lund"))
    assert responses(messages) == ["utter_region_not_found", "utter_ask_region"]
    assert events == []  # the remembered region is not lost


def test_places_in_two_regions_ask_which_one():
    messages, events = run(ActionSetRegion(), tracker("Lund eller Halmstad"))
    assert responses(messages) == ["utter_region_ambiguous", "utter_ask_region"]
    assert "Lund (Skåne län)" in messages[0]["places"] and "Halmstad (Hallands län)" in messages[0]["places"]
    assert events == []


def test_fallback_still_understands_a_place():
    messages, events = run(ActionFallback(), tracker("eh, Kungsbacka typ", intent="nlu_fallback"))
    assert SlotSet("region", "halland") in events
    assert responses(messages) == ["utter_region_set"]


def test_fallback_without_place_says_it_did_not_understand():
    messages, events = run(ActionFallback(), tracker("asdkjh qwe", intent="nlu_fallback", region="skane"))
    assert responses(messages) == ["utter_default"]
    assert events == []


@pytest.mark.parametrize("text", ["", "   ", "\x00\x07", "😀" * 50, "<img src=x onerror=alert(1)>", "x" * 20000])
def test_hostile_text_never_crashes_the_actions(text):
    for action in (ActionSetRegion(), ActionFallback(), ActionGreet()):
        messages, _ = run(action, tracker(text))
        assert messages, f"{action.name()} gave no reply to {text[:20]!r}"
