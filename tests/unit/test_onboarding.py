"""'Jag är ny': knowledge/onboarding.yml and bot/onboarding.py.

tests/scenarios/introduktion.yml says, region by region in a SIP coordinator's words, what a new
employee is shown: what SIP is, the steps, the three mistakes from the own routine and where the
routine is. The other tests check the path for every region of knowledge/regions.yml, read from
the data, and the way there when the region is not known yet."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from pydantic import BaseModel, Extra

from bot import dialogue, guide, onboarding
from bot.audience import wording
from bot.knowledge import KnowledgeError, knowledge
from bot.places import directory
from bot.render import document_label
from bot.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[2]
REGIONS = sorted(directory().regions)  # knowledge/regions.yml
SPEC = onboarding.spec()


class Case(BaseModel):
    region: str
    what: str
    steps: int
    own_steps: bool
    mistakes: List[str]
    rules: List[str]
    routine: List[str]

    class Config:
        extra = Extra.forbid


CASES = [Case.parse_obj(c) for c in load_yaml(ROOT / "tests" / "scenarios" / "introduktion.yml")]


def _parts(region, audience=None):
    turn = onboarding.path(region, audience)
    welcome, what, steps, mistakes, where = turn.messages
    return turn, welcome, what, steps, mistakes, where


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.region)
def test_the_table(case):
    kb = knowledge()
    _, welcome, what, steps, mistakes, where = _parts(case.region)
    assert what.rules == [case.what]
    assert len(steps.shaped.visual["steps"]) == case.steps
    assert (steps.rules[-1] == f"{case.region}.process.steps") == case.own_steps
    assert [m.id for m, _ in onboarding.mistakes(kb, case.region)] == case.mistakes
    assert mistakes.rules == case.rules
    for words in case.routine:
        assert words in where.text, (words, where.text)


def test_the_table_covers_every_region_and_a_municipality_without_a_routine():
    assert {c.region for c in CASES} == set(REGIONS) | {"annan"}


@pytest.mark.parametrize("region", REGIONS)
def test_every_region_gets_the_path_from_its_own_routine(region):
    kb = knowledge()
    name = directory().region(region).name
    turn, welcome, what, steps, mistakes, where = _parts(region)
    assert name in welcome.text
    # what SIP is: the region's rule, else the national one said to be so
    assert what.rules == [kb.answer(region, SPEC.what_is).rule.id]
    # the steps: the guide's steps for the region, as a stepper picture with its text equivalent
    _, expected = guide.steps(kb, region)
    visual = steps.shaped.visual
    assert visual["kind"] == "stepper" and [s["title"] for s in visual["steps"]] == [s.title for s in expected]
    assert not any(s["current"] for s in visual["steps"])
    for i, s in enumerate(expected, 1):
        assert f"{i}. {s.title}" in steps.text
    # three mistakes, each the region's own rule on one of the mistake's topics, in the data's order
    chosen = onboarding.mistakes(kb, region)
    assert len(chosen) == SPEC.shown == len(mistakes.rules)
    order = [m.id for m in SPEC.mistakes]
    assert [m.id for m, _ in chosen] == sorted((m.id for m, _ in chosen), key=order.index)
    for m, a in chosen:
        assert a.rule.id.startswith(region + ".") and a.topic in m.topics
        assert m.title in mistakes.shaped.answer and a.rule.short in mistakes.text
    skipped = [m for m in SPEC.mistakes[:order.index(chosen[-1][0].id)] if m not in [c for c, _ in chosen]]
    for m in skipped:  # only a mistake the routine is silent on is skipped
        assert all(kb.regional(region, t) is None for t in m.topics), m.id
    # every message states the region's rules only, and names only its own routine's document
    own = [document_label(s) for s in kb.sources.values() if s.region == region]
    others = [document_label(s) for s in kb.sources.values() if s.kind == "routine" and s.region != region]
    for m in (what, mistakes):
        assert all(r.startswith(region + ".") for r in m.rules)
        assert not any(d in m.text for d in others)
    # where the routine is: the region's document, with its URL when one is known
    for src in onboarding.routine_sources(kb, region):
        assert document_label(src) in where.text
        assert (src.url in where.text) if src.url else ("ingen webbadress" in where.text)
    assert own and all(d in where.text for d in own)


def test_the_buttons_go_to_the_guide_the_quiz_and_the_glossary():
    domain = load_yaml(ROOT / "domain.yml")
    buttons = _parts("halland")[-1].buttons
    payloads = [p for _, p in buttons]
    assert payloads == ["/guide_start", "/quiz_start", "/explain_term"]
    assert all(p.lstrip("/") in domain["intents"] for p in payloads)
    assert [t for t, _ in buttons] == ["Guida mig genom en SIP", "Testa dig själv", "Vad betyder det här?"]


def test_guardians_get_the_plain_titles_and_plain_rule_texts():
    kb = knowledge()
    _, _, _, _, mistakes, _ = _parts("halland", "guardian")
    for m, a in onboarding.mistakes(kb, "halland"):
        assert m.plain in mistakes.text and m.title not in mistakes.text
        assert wording(a.rule, "guardian").split(". ")[0] in mistakes.text  # the guardian's own version where there is one


def test_without_a_routine_the_path_says_so_and_uses_the_national_rules():
    _, welcome, what, steps, mistakes, where = _parts("annan")
    assert "ingen SIP-rutin inlagd" in welcome.text
    assert all(r.startswith("national.") for m in (what, steps, mistakes) for r in m.rules)
    assert where.text.startswith(SPEC.texts.no_routine)


def test_without_a_region_the_region_is_asked_first_and_the_path_follows_it():
    turn = onboarding.start("jag är ny", [], {})
    assert turn.slots["pending"] == onboarding.PENDING
    assert turn.messages[-1].text == dialogue.ASK_REGION
    after = dialogue.pending_after_region({"pending": turn.slots["pending"], "region": "uppsala"})
    assert after.slots["pending"] is None
    assert [m.rules for m in after.messages] == [m.rules for m in onboarding.path("uppsala").messages]


def test_skipping_the_region_question_gives_the_national_path():
    offered = [[t, p] for t, p in dialogue.REGION_BUTTONS]
    turn = dialogue.follow_offer("skip", offered, {"pending": onboarding.PENDING})
    assert turn.slots["region"] == "annan"
    assert any("ingen SIP-rutin inlagd" in m.text for m in turn.messages)


def test_a_place_in_the_message_is_the_users_region():
    turn = onboarding.start("jag är ny kurator i Halmstad", [], {})
    assert turn.slots["region"] == "halland"
    assert any(m.rules == ["halland.sip.what"] for m in turn.messages)


def test_the_region_of_the_conversation_is_used():
    turn = onboarding.start("/onboarding", [], {"region": "skane"})
    assert "pending" not in turn.slots or turn.slots["pending"] is None
    assert turn.messages[1].rules == ["skane.sip.what"]


def _broken(tmp_path, old, new):
    text = (ROOT / "knowledge" / "onboarding.yml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "onboarding.yml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, says", [
    ('topics: ["follow_up.when"]', 'topics: ["follow_up.wen"]', "okänt ämne 'follow_up.wen'"),
    ("shown: 3", "shown: 3\ncolour: blue", "okänd nyckel 'colour'"),
    ("shown: 3", "shown: 9", "färre misstag"),
])
def test_an_onboarding_file_that_does_not_hold_together_is_refused(tmp_path, old, new, says):
    with pytest.raises(KnowledgeError) as err:
        onboarding.load(_broken(tmp_path, old, new))
    assert says in str(err.value)


def test_the_actions_ask_for_the_region_then_give_the_path_as_the_action_server_runs_them():
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.actions import ActionOnboarding, ActionSetRegion

    def run(action, text, intent, entities=(), **slots):
        latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": list(entities)}
        tracker = Tracker("test-user", {"region": None, "municipality": None, **slots}, latest, [], False, None, {},
                          "action_listen")
        dispatcher = CollectingDispatcher()
        events = action.run(dispatcher, tracker, {})
        return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}

    messages, slots = run(ActionOnboarding(), "jag är ny", "onboarding")
    assert slots["pending"] == onboarding.PENDING and messages[-1]["text"] == dialogue.ASK_REGION
    messages, slots = run(ActionSetRegion(), "/inform_region", "inform_region", [{"entity": "region", "value": "halland"}],
                          pending=slots["pending"])
    assert slots["region"] == "halland" and slots["pending"] is None
    rules = [m["custom"]["sipguiden"].get("rules") for m in messages if m.get("custom")]
    assert ["halland.sip.what"] in rules and ["halland.process.steps"] in rules
    stepper = next(m["custom"]["sipguiden"]["visual"] for m in messages
                   if m.get("custom") and m["custom"]["sipguiden"].get("visual"))
    assert stepper["kind"] == "stepper"
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/guide_start", "/quiz_start", "/explain_term"]
