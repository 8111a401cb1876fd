"""Conversation tests end to end: the real servers (NLU, dialogue rules, actions, knowledge
base) answer the turns written in tests/scenarios/conversations/*.yml through the REST channel.

Each scenario is a conversation a SIP coordinator can read and check:

    - name: "Vårdnadshavare i Halland frågar om samtycke"
      turns:
        - user: "vi bor i Varberg"
          says: ["Region Halland"]
        - user: "behövs båda föräldrarnas samtycke?"
          rules: [halland.consent.both_guardians]   # the rules the answer must state
          says: ["Källa:"]                          # text the replies must contain
          not: ["Skåne"]                            # text they must not contain
          buttons: ["Halland"]                      # button titles offered

Every answer carries the ids of the rules it states (bot/dialogue.py → the custom payload),
so a scenario checks which rule answered, not just some words. The last test checks that
the scenarios together cover every topic of the knowledge base in at least two regions.
"""

from collections import defaultdict
from pathlib import Path

import pytest

from bot.knowledge import knowledge
from bot.yamlio import load_yaml

pytestmark = pytest.mark.integration

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios" / "conversations"
SCENARIOS = [(path.stem, s) for path in sorted(SCENARIO_DIR.glob("*.yml")) for s in load_yaml(path)]
MIN_CONVERSATIONS = 40
ANSWERED = defaultdict(set)  # topic -> regions it was answered for
DONE = set()


def run(bot, index):
    file, scenario = SCENARIOS[index]
    kb = knowledge()
    sender = f"scenario-{index}"
    for n, turn in enumerate(scenario["turns"], 1):
        replies = bot.say(sender, turn["user"])
        where = f"{file}: {scenario['name']!r}, replik {n} ({turn['user']!r})"
        text = "\n".join(r.get("text", "") for r in replies)
        assert replies, f"{where}: inget svar"
        payloads = [r["custom"]["sipguiden"] for r in replies if isinstance(r.get("custom"), dict) and "sipguiden" in r["custom"]]
        stated = [rule for p in payloads for rule in p["rules"]]
        for p in payloads:
            for rule in p["rules"]:
                ANSWERED[kb.rule_by_id(rule).topic].add(p["region"])
        for rule in turn.get("rules", []):
            assert rule in stated, f"{where}: regeln {rule} saknas i svaret; svaret angav {stated}\n{text}"
        for phrase in turn.get("says", []):
            assert phrase in text, f"{where}: {phrase!r} saknas i svaret:\n{text}"
        for phrase in turn.get("not", []):
            assert phrase not in text, f"{where}: {phrase!r} får inte stå i svaret:\n{text}"
        titles = [b.get("title") for r in replies for b in (r.get("buttons") or [])]
        for title in turn.get("buttons", []):
            assert title in titles, f"{where}: knappen {title!r} saknas; knappar: {titles}"
    DONE.add(index)


def test_there_are_enough_conversations():
    assert len(SCENARIOS) >= MIN_CONVERSATIONS, f"{len(SCENARIOS)} samtal, minst {MIN_CONVERSATIONS} krävs"
    names = [s["name"] for _, s in SCENARIOS]
    assert len(names) == len(set(names)), "två samtal har samma namn"


@pytest.mark.parametrize("index", range(len(SCENARIOS)), ids=[f"{f}: {s['name']}" for f, s in SCENARIOS])
def test_conversation(bot, index):
    run(bot, index)


def test_every_topic_is_answered_in_at_least_two_regions(bot):
    for index in range(len(SCENARIOS)):
        if index not in DONE:
            run(bot, index)
    kb = knowledge()
    thin = {t: sorted(ANSWERED.get(t, set())) for t in kb.topics if len(ANSWERED.get(t, set()) - {"annan"}) < 2}
    assert not thin, f"ämnen som besvaras i färre än två regioner i samtalstesterna: {thin}"
