"""'Vad betyder det här?': knowledge/glossary.yml and bot/glossary.py.

The table tests/scenarios/ordlista.yml says, in a SIP coordinator's words, what the bot answers
when someone in a region asks what a word means; the other tests check the glossary for every
region of knowledge/regions.yml and every term, read from the data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import List, Optional

import pytest
from pydantic import BaseModel, Extra

from bot import glossary
from bot.knowledge import KnowledgeError, knowledge
from bot.places import directory
from bot.render import document_label
from bot.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "knowledge" / "glossary.yml"
REGIONS = sorted(directory().regions)  # knowledge/regions.yml
TERMS = [t.id for t in glossary.terms()]
REQUIRED = ["huvudansvarig", "samordningsansvarig", "sammankallande", "kallelse", "remiss", "lus", "sip",
            "samtycke", "vardnadshavare", "uppfoljning"]


class Case(BaseModel):
    region: str
    asks: str
    term: str
    own: bool
    audience: Optional[str] = None
    says: List[str]

    class Config:
        extra = Extra.forbid


CASES = [Case.parse_obj(c) for c in load_yaml(ROOT / "tests" / "scenarios" / "ordlista.yml")]


def _region(case: Case) -> Optional[str]:
    return None if case.region == "ingen" else case.region


def _explained(term: str, region: Optional[str], audience: Optional[str] = None):
    turn = glossary.explain(term, region, audience)
    assert len(turn.messages) == 1
    return turn.messages[0]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.region}: {c.asks}")
def test_the_table(case):
    assert glossary.find(case.asks) == case.term
    m = _explained(glossary.find(case.asks), _region(case), case.audience)
    for words in case.says:
        assert words in m.text, (words, m.text)
    _, own = glossary.definition_for(glossary.glossary()[case.term], _region(case))
    assert own == case.own
    definition = glossary.definition_for(glossary.glossary()[case.term], _region(case))[0]
    expected = definition.plain if case.audience in ("guardian", "young") else definition.professional
    assert m.shaped.answer == " ".join(expected.split())


def test_the_table_covers_every_region_and_every_required_term():
    assert set(REGIONS) <= {c.region for c in CASES}
    assert {"annan", "ingen"} <= {c.region for c in CASES}
    assert set(REQUIRED) <= set(TERMS)
    assert set(REQUIRED) <= {c.term for c in CASES}


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("term", TERMS)
def test_every_term_in_every_region_cites_that_regions_routine_or_says_it_is_the_national_one(term, region):
    kb = knowledge()
    entry = glossary.glossary()[term]
    m = _explained(term, region)
    own_docs = [document_label(s) for s in kb.sources.values() if s.region == region]
    other_docs = [document_label(s) for s in kb.sources.values() if s.kind == "routine" and s.region != region]
    name = directory().region(region).name
    if region in entry.regions:
        assert m.shaped.answer == " ".join(entry.regions[region].professional.split())
        assert m.shaped.details == [glossary.OWN_NOTE.format(region=name)]
        assert all(any(d in line for d in own_docs) for line in m.shaped.sources)
        assert not any(d in m.text for d in other_docs)
        assert m.shaped.national == []
    else:
        assert m.shaped.answer == " ".join(entry.national.professional.split())
        assert m.shaped.details and m.shaped.details[0].startswith(f"Rutinen för {name} tar inte upp detta")
        assert [line for line in m.shaped.sources if line.startswith("Källa")] == [
            line for line in m.shaped.sources if line.startswith("Källa: nationell grund")]
        assert m.shaped.national == [region]
    assert m.region == region and m.rules == []  # a definition is not a rule: no rule ids, no rating


@pytest.mark.parametrize("term", TERMS)
def test_the_plain_version_goes_to_guardians_and_young_people(term):
    entry = glossary.glossary()[term]
    for audience in ("guardian", "young"):
        assert _explained(term, None, audience).shaped.answer == " ".join(entry.national.plain.split())
    assert _explained(term, None, "staff").shaped.answer == " ".join(entry.national.professional.split())


def test_regional_definitions_are_keyed_by_the_regions_of_regions_yml_and_cite_only_their_own_routine():
    kb = knowledge()
    for term in glossary.terms():
        assert set(term.regions) <= set(REGIONS), term.id
        for region, definition in term.regions.items():
            assert {kb.sources[c.source].region for c in definition.citations} == {region}, (term.id, region)


def test_the_menu_offers_every_term_and_each_button_explains_it():
    turn = glossary.menu()
    payloads = [p for _, p in turn.messages[0].buttons]
    assert len(payloads) == len(TERMS)
    for payload in payloads:
        m = re.fullmatch(r'/explain_term(\{.*\})', payload)
        term = json.loads(m.group(1))["term"]
        explained = glossary.explain_turn(term, payload, [{"entity": "term", "value": term}], {"region": "skane"})
        assert explained.messages[0].shaped is not None


def test_the_button_without_a_term_is_the_menu():
    turn = glossary.explain_turn(None, "/explain_term", [], {})
    assert turn.messages[0].text == glossary.MENU_TEXT


@pytest.mark.parametrize("text", ["vad betyder Kalle Anka?", "vad betyder ordet kanelbulle", "vad är en xyzzy"])
def test_an_unknown_word_gets_a_clear_answer_with_the_menu_and_is_never_repeated(text):
    turn = glossary.explain_turn(None, text, [], {"region": "halland"})
    m = turn.messages[-1]
    assert m.text == glossary.UNKNOWN_TEXT
    assert len(m.buttons) == len(TERMS)
    word = text.split()[-1].strip("?")
    assert word.lower() not in " ".join(msg.text.lower() for msg in turn.messages)


def test_a_place_in_the_question_is_the_users_region():
    turn = glossary.explain_turn(None, "vad betyder huvudansvarig här i Halmstad?", [], {})
    assert turn.slots.get("region") == "halland"
    assert turn.messages[-1].shaped.details == [glossary.OWN_NOTE.format(region="Halland")]


@pytest.mark.parametrize("text, term", [
    ("vad betyder LUS?", "lus"),
    ("vad är en huvudansvarig?", "huvudansvarig"),
    ("vad betyder remiss i en sip?", "remiss"),            # SIP is named in nearly every question
    ("vad är skillnaden på huvudansvarig och samordningsansvarig", "huvudansvarig"),
    ("vad menas med samordningsanvarig", "samordningsansvarig"),  # a typo
    ("vad betyder vårdnadshavarna", "vardnadshavare"),
    ("vad betyder SIP?", "sip"),
    ("vad står lagen om samverkan vid utskrivning för", "lus"),
    ("vad betyder det här?", None),
])
def test_find_reads_the_term_a_message_asks_about(text, term):
    assert glossary.find(text) == term


def _broken(tmp_path, old: str, new: str) -> Path:
    text = GLOSSARY.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "glossary.yml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, says", [
    ('    name: "LUS"\n', '    name: "LUS"\n    color: "blå"\n', "okänd nyckel 'color'"),
    ("minst tre veckor fram i tiden.", "minst fyra veckor fram i tiden.", "citatet finns inte"),
    ('    regions:\n      halland:\n        professional: >-\n          Den huvudman eller',
     '    regions:\n      halmstad:\n        professional: >-\n          Den huvudman eller', "okänd region 'halmstad'"),
    ('          - source: "halland"\n            section: "Genomför SIP-möte"',
     '          - source: "skane-2023"\n            section: "Genomför SIP-möte"', "får bara citera sin egen rutin"),
    ('question: "ask_lus"', 'question: "ask_lusen"', "okänd fråga"),
])
def test_a_glossary_that_does_not_hold_together_is_refused_with_a_swedish_message(tmp_path, old, new, says):
    with pytest.raises(KnowledgeError) as err:
        glossary.load(_broken(tmp_path, old, new))
    assert says in str(err.value)


def test_the_nlu_file_and_the_domain_know_the_two_intents_and_the_actions():
    domain = load_yaml(ROOT / "domain.yml")
    nlu = load_yaml(ROOT / "data" / "nlu" / "onboarding.yml")["nlu"]
    intents = {block["intent"] for block in nlu if "intent" in block}
    assert intents == {"explain_term", "onboarding"} and intents <= set(domain["intents"])
    assert {"action_explain_term", "action_onboarding"} <= set(domain["actions"])
    assert any(isinstance(e, dict) and "term" in e for e in domain["entities"])


def test_a_button_keeps_the_region_of_the_conversation():
    turn = glossary.explain_turn("lus", '/explain_term{"term":"lus"}', [{"entity": "term", "value": "lus"}],
                                 {"region": "uppsala"})
    assert turn.messages[0].region == "uppsala" and "region" not in turn.slots
    assert turn.messages[0].shaped.details == [glossary.OWN_NOTE.format(region="Uppsala län")]


def test_the_action_explains_a_typed_word_and_a_button_as_the_action_server_runs_it():
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.actions import ActionExplainTerm

    def run(text, entities=(), **slots):
        latest = {"text": text, "intent": {"name": "explain_term", "confidence": 0.9}, "entities": list(entities)}
        tracker = Tracker("test-user", {"region": None, **slots}, latest, [], False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        action = ActionExplainTerm()
        action.run(dispatcher, tracker, {})
        return dispatcher.messages

    typed = run("vad står LUS för?", region="haninge")
    assert typed[-1]["custom"]["sipguiden"]["answer"].startswith("LUS är lagen om samverkan")
    button = run('/explain_term{"term":"sammankallande"}', [{"entity": "term", "value": "sammankallande"}],
                 region="haninge")
    assert "sammankallande" in button[-1]["custom"]["sipguiden"]["answer"]
    menu = run("/explain_term")
    assert menu[-1]["text"] == glossary.MENU_TEXT and len(menu[-1]["buttons"]) == len(TERMS)


@pytest.mark.parametrize("text, defining", [
    ("vad betyder LUS?", True), ("vad är en huvudansvarig?", True), ("förklara ordet remiss", True),
    ("ordlista", True), ("vad står lus för", True),
    ("vem blir huvudansvarig när skolan kallar?", False), ("måste samtycket vara skriftligt?", False),
])
def test_a_question_that_asks_what_something_means_is_told_from_one_that_does_not(text, defining):
    assert glossary.asks_for_a_definition(text) == defining


def test_a_message_read_as_explain_term_that_asks_something_else_is_answered_as_that_question():
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.actions import ActionExplainTerm

    latest = {"text": "vem blir huvudansvarig när skolan kallar till sip?",
              "intent": {"name": "explain_term", "confidence": 0.6},
              "intent_ranking": [{"name": "explain_term", "confidence": 0.6},
                                 {"name": "ask_responsibility", "confidence": 0.4}], "entities": []}
    tracker = Tracker("test-user", {"region": "halland"}, latest, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    ActionExplainTerm().run(dispatcher, tracker, {})
    rules = [r for m in dispatcher.messages if m.get("custom") for r in m["custom"]["sipguiden"].get("rules", [])]
    assert "halland.responsibility.lead" in rules


def test_a_number_after_the_glossary_menu_explains_that_term():
    from bot import dialogue, glossary

    menu = glossary.menu()
    offered = [list(b) for b in menu.messages[-1].buttons]
    turn = dialogue.follow_offer("2", offered, {"region": "halland", "offered": offered})
    chosen = offered[1][1]
    term = json.loads("{" + chosen.split("{", 1)[1])["term"]
    assert turn.messages and turn.messages[-1].shaped is not None
    assert turn.messages[-1].shaped.answer == glossary.explanation(term, "halland", None).answer
    again = dialogue.follow_offer("1", [["Vad betyder det här?", "/explain_term"]], {"region": "halland"})
    assert again.messages[-1].buttons == menu.messages[-1].buttons
