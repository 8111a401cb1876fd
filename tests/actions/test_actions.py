"""The custom actions, run as the action server runs them: a Tracker built from slots and
the latest message, a dispatcher that collects replies. No network, no Rasa server."""

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionFallback, ActionGreet, ActionSetRegion


def tracker(text="", intent="inform_region", entities=None, **slots):
    # As Rasa sends a parsed message: the intent, its ranking (the classifier's, or a button's
    # "/intent" alone) and the entities.
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
              "intent_ranking": [{"name": intent, "confidence": 0.9}]}
    return Tracker("test-user", {"region": None, "municipality": None, **slots}, latest, [], False, None, {}, "action_listen")


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, {})
    return dispatcher.messages, events


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(messages):
    return [m["response"] for m in messages]


def test_greeting_asks_for_the_region_when_none_is_known():
    messages, events = run(ActionGreet(), tracker("hej", intent="greet"))
    assert responses(messages) == ["utter_greet", "utter_ask_region"]
    assert [e["name"] for e in events] == ["offered"]  # the region buttons, so that "2" or "Skåne" answers them


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
    assert messages[0]["text"].startswith("Tack! Lund ligger i Skåne län. Jag utgår nu från rutinen som gäller i Skåne:")
    assert "2023-05-04" in messages[0]["text"]


def test_municipality_without_routine_is_told_so():
    messages, _ = run(ActionSetRegion(), tracker("Nacka"))
    assert messages[0]["response"] == "utter_region_other"
    assert "För Nacka (Stockholms län) har jag ingen regional rutin" in messages[0]["text"]


def test_no_place_asks_again_and_keeps_the_old_region():
    messages, events = run(ActionSetRegion(), tracker("något helt annat", region="skane", municipality="Lund"))
    assert responses(messages) == ["utter_region_not_found", "utter_ask_region"]
    assert "region" not in slot_events(events) and "municipality" not in slot_events(events)  # the remembered region is not lost


def test_places_in_two_regions_ask_which_one():
    messages, events = run(ActionSetRegion(), tracker("Lund eller Halmstad"))
    assert responses(messages) == ["utter_region_ambiguous", "utter_ask_region"]
    assert "Lund (Skåne län)" in messages[0]["places"] and "Halmstad (Hallands län)" in messages[0]["places"]
    assert [b["payload"] for b in messages[1]["buttons"]][-1] == '/inform_region{"region":"annan"}'
    assert "region" not in slot_events(events)


def test_fallback_still_understands_a_place():
    messages, events = run(ActionFallback(), tracker("eh, Kungsbacka typ", intent="nlu_fallback"))
    assert SlotSet("region", "halland") in events
    assert "rutinen i Halland" in messages[0]["text"]


def test_fallback_without_place_or_question_says_what_the_bot_can_help_with():
    messages, events = run(ActionFallback(), tracker("asdkjh qwe", intent="nlu_fallback", region="skane"))
    text = " ".join(m["text"] for m in messages)
    assert "frågor om SIP" in text and "förstod inte" not in text
    assert "region" not in slot_events(events)  # the remembered region is not lost


def test_a_place_with_a_question_answers_the_question_in_the_new_region():
    messages, events = run(ActionSetRegion(), tracker("Jag är kurator i Laholm. Vem ska jag kalla till SIP?"))
    assert slot_events(events)["region"] == "halland"
    assert any("halland.invitation.who" in (m.get("custom") or {}).get("sipguiden", {}).get("rules", []) for m in messages)


@pytest.mark.parametrize("text", ["", "   ", "\x00\x07", "😀" * 50, "<img src=x onerror=alert(1)>", "x" * 20000])
def test_hostile_text_never_crashes_the_actions(text):
    for action in (ActionSetRegion(), ActionFallback(), ActionGreet()):
        messages, _ = run(action, tracker(text))
        assert messages, f"{action.name()} gave no reply to {text[:20]!r}"


# ---------------------------------------------------------------- question, case check, guide
from actions.actions import (  # noqa: E402
    SORRY, ActionAnswerQuestion, ActionAskCaseAnswer, ActionCaseResult, ActionCompare, ActionEnglish, ActionGuide,
    ActionSetAudience, ActionStartCase, ActionStopCase, ValidateCaseForm,
)


def test_answer_question_states_the_regions_rule_with_its_source_and_rule_ids():
    messages, events = run(ActionAnswerQuestion(), tracker("kan vi avsluta sipen?", intent="ask_close", region="skane"))
    assert "Källa: Rutin för arbete med samordnad individuell plan (SIP) (Skånes kommuner" in messages[0]["text"]
    assert messages[0]["custom"]["sipguiden"]["rules"] == ["skane.closing.grounds", "skane.closing.who"]
    assert messages[0]["buttons"][0]["payload"] == '/check_case{"check":"closing"}'
    assert slot_events(events)["case_start"] is False


def test_answer_question_without_region_asks_and_remembers_the_question():
    messages, events = run(ActionAnswerQuestion(), tracker("vem ska jag kalla?", intent="ask_invite"))
    assert "Vilken kommun eller region" in messages[0]["text"]
    assert len(messages[0]["buttons"]) == 6
    assert slot_events(events)["pending"] == "ask_invite"


def test_set_region_answers_the_waiting_question():
    t = tracker("/inform_region", entities=[{"entity": "region", "value": "uppsala"}],
                pending="ask_consent_child", pending_text="från vilken ålder bestämmer barnet själv?")
    messages, events = run(ActionSetRegion(), t)
    assert messages[0]["response"] == "utter_region_set"
    assert "uppsala.consent.child" in messages[-1]["custom"]["sipguiden"]["rules"]
    assert slot_events(events)["pending"] is None


def test_a_case_description_starts_the_form_and_the_form_asks_only_whats_missing():
    text = "vi har en 16-åring med två vårdnadshavare, behövs båda?"
    _, events = run(ActionAnswerQuestion(), tracker(text, intent="ask_consent", region="uppsala"))
    slots = slot_events(events)
    assert slots["case_start"] is True and slots["case"]["facts"] == {"age": 16, "guardians": 2}
    messages, events = run(ActionAskCaseAnswer(), tracker("", intent="ask_consent", region="uppsala", case=slots["case"]))
    asked = slot_events(events)["case"]
    assert asked["asking"] == "guardians_consenting"
    assert [b["title"] for b in messages[0]["buttons"]] == ["Ingen", "En", "Båda", "Vet inte"]
    # The answer is read by the form's validation; the form goes on until nothing is missing.
    dispatcher = CollectingDispatcher()
    result = ValidateCaseForm().validate_case_answer("båda", dispatcher, tracker("båda", region="uppsala", case=asked), {})
    assert result["case"]["facts"]["guardians_consenting"] == 2
    assert result["case_answer"] is None  # Uppsala: from 15 the child's own consent is asked next


def test_validation_explains_a_wrong_answer_and_keeps_the_stored_facts():
    case = {"check": "consent", "facts": {"guardians": 2}, "skipped": [], "asking": "age"}
    dispatcher = CollectingDispatcher()
    result = ValidateCaseForm().validate_case_answer("gammal", dispatcher, tracker("gammal", region="halland", case=case), {})
    assert result["case_answer"] is None and result["case"]["facts"] == {"guardians": 2}
    assert "siffra" in dispatcher.messages[0]["text"]


def test_case_result_and_stop_clear_the_case():
    case = {"check": "closing", "facts": {"reason": "behov_upphort"}, "skipped": [], "asking": None}
    messages, events = run(ActionCaseResult(), tracker("", region="halland", case=case))
    assert "halland.closing.grounds" in messages[0]["custom"]["sipguiden"]["rules"]
    assert slot_events(events)["case"] is None
    messages, events = run(ActionStopCase(), tracker("avbryt", intent="stop_form", case=case))
    assert "avbryter" in messages[0]["text"] and slot_events(events)["case"] is None


def test_check_case_button_without_region_asks_for_it():
    t = tracker('/check_case{"check":"deadlines"}', intent="check_case", entities=[{"entity": "check", "value": "deadlines"}])
    messages, events = run(ActionStartCase(), t)
    assert slot_events(events)["pending"] == "check:deadlines"


def test_guide_next_moves_one_step():
    messages, events = run(ActionGuide(), tracker("nästa", intent="guide_next", region="halland", guide_step=2.0))
    assert "Steg 3 av" in messages[0]["text"] and slot_events(events)["guide_step"] == 3.0


def test_compare_english_and_audience():
    messages, _ = run(ActionCompare(), tracker("hur skiljer sig Uppsala och Skåne om avslut?", intent="compare_regions"))
    assert "Uppsala län" in messages[0]["text"] and "avslut" in messages[0]["text"]
    messages, _ = run(ActionEnglish(), tracker("hello, can you help me?", intent="english"))
    assert "answers in Swedish" in messages[0]["text"]
    _, events = run(ActionSetAudience(), tracker("jag är förälder", intent="set_role",
                                                 entities=[{"entity": "role", "value": "förälder"}]))
    assert slot_events(events)["audience"] == "guardian"


def test_a_failure_inside_bot_gives_a_swedish_apology_and_changes_no_stored_slot(monkeypatch):
    from bot import dialogue

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(dialogue, "question", broken)
    messages, events = run(ActionAnswerQuestion(), tracker("vem ska jag kalla?", intent="ask_invite", region="skane"))
    assert messages[0]["text"] == SORRY
    assert slot_events(events) == {"case_start": False}


def test_a_greeting_that_names_the_place_sets_it_instead_of_asking():
    messages, events = run(ActionGreet(), tracker("hej, jag jobbar i Varberg", intent="greet"))
    assert responses(messages) == ["utter_greet", "utter_region_set"]
    assert slot_events(events)["region"] == "halland"


def test_change_region_with_a_place_in_the_message_sets_it():
    from actions.actions import ActionChangeRegion
    messages, events = run(ActionChangeRegion(), tracker("jag jobbar i Laholms kommun nu", intent="change_region"))
    assert slot_events(events)["region"] == "halland"
    messages, events = run(ActionChangeRegion(), tracker("byt region", intent="change_region", region="skane"))
    assert responses(messages) == ["utter_ask_region"] and "region" not in slot_events(events)


def test_the_latest_intent_and_entities_are_read_with_rasa_sdks_helpers():
    from actions.actions import _entity, _intent

    t = tracker("/guide_goto", intent="guide_goto", entities=[{"entity": "step", "value": 3}, {"entity": "step", "value": 5}])
    t.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "guide_goto", "confidence": 0.3}]
    assert _intent(t) == "nlu_fallback"  # the fallback intent is not skipped: the fallback action handles it
    assert _entity(t, "step") == "3" and _entity(t, "region") is None
    assert _intent(Tracker("test-user", {}, {}, [], False, None, {}, "action_listen")) == ""  # no message yet
