"""The end-to-end evaluation set (tests/eval/*.yml, played by scripts/eval.py / `make eval`)
holds together: strict schema, unique names, enough conversations, every failure class of
issue 18 in at least three regions, and every rule id it expects exists in the knowledge base
and belongs to the region the conversation is in. Pure: no servers."""

import importlib.util
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from bot.knowledge import REGION_IDS, knowledge

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("sip_eval", ROOT / "scripts" / "eval.py")
sip_eval = importlib.util.module_from_spec(_spec)
sys.modules["sip_eval"] = sip_eval
_spec.loader.exec_module(sip_eval)

MIN_CONVERSATIONS = 200
MIN_REGIONS_PER_CLASS = 3


@pytest.fixture(scope="module")
def conversations():
    return [c for _, c in sip_eval.load_set()]


def _region_of(conversation):
    """The region a conversation plays in: its last `region` expectation, else the prefix of
    the regional rules it expects (national only: None)."""
    region = conversation.region_at(len(conversation.turns) - 1)
    if region:
        return region
    for turn in conversation.turns:
        for rule in turn.rules_any:
            prefix = rule.split(".", 1)[0]
            if prefix in REGION_IDS:
                return prefix
    return None


def test_the_set_parses_and_is_large_enough(conversations):
    assert len(conversations) >= MIN_CONVERSATIONS, f"{len(conversations)} samtal, minst {MIN_CONVERSATIONS} krävs"


def test_names_are_unique(conversations):
    seen = defaultdict(int)
    for c in conversations:
        seen[c.name] += 1
    twice = sorted(name for name, n in seen.items() if n > 1)
    assert not twice, f"samma namn flera gånger: {twice}"


def test_unknown_keys_are_rejected(tmp_path):
    (tmp_path / "x.yml").write_text(
        '- name: "x"\n  class: 1\n  voice: staff\n  turns:\n    - user: "hej"\n      rules: [national.sip.what]\n',
        encoding="utf-8")
    with pytest.raises(ValueError, match="rules"):
        sip_eval.load_set(tmp_path)
    (tmp_path / "x.yml").write_text('- name: "x"\n  class: 9\n  voice: staff\n  turns:\n    - user: "hej"\n',
                                    encoding="utf-8")
    with pytest.raises(ValueError):
        sip_eval.load_set(tmp_path)


def test_every_failure_class_is_in_at_least_three_regions(conversations):
    regions = defaultdict(set)
    for c in conversations:
        region = _region_of(c)
        if region:
            regions[c.class_].add(region)
    thin = {cls: sorted(regions[cls]) for cls in range(1, 8) if len(regions[cls]) < MIN_REGIONS_PER_CLASS}
    assert not thin, f"klasser i färre än {MIN_REGIONS_PER_CLASS} regioner: {thin}"
    assert 0 in regions, "inga vanliga frågor (klass 0)"


def test_every_rule_id_exists(conversations):
    kb = knowledge()
    missing = []
    for c in conversations:
        for turn in c.turns:
            for rule in turn.rules_any:
                try:
                    kb.rule_by_id(rule)
                except Exception:  # noqa: BLE001 - reported below with the conversation
                    missing.append(f"{c.name}: {rule}")
    assert not missing, "regler som inte finns i kunskapsbasen:\n" + "\n".join(missing)


def test_expected_rules_follow_the_region(conversations):
    """Where the region's routine has its own rule on a topic, that rule is expected, not the
    national one; a municipality without a routine expects national rules only."""
    kb = knowledge()
    wrong = []
    for c in conversations:
        for i, turn in enumerate(c.turns):
            region = c.region_at(i)
            for rule in turn.rules_any:
                prefix, topic = rule.split(".", 1)
                if region == "annan" and prefix != "national" and c.class_ != 7:
                    wrong.append(f"{c.name}: {rule} i en kommun utan rutin")
                if region in REGION_IDS and prefix == "national" and kb.regional(region, topic) is not None:
                    wrong.append(f"{c.name}: {rule}, men {region} har egen regel {region}.{topic}")
    assert not wrong, "\n".join(wrong)


def test_faq_conversations_name_their_page(conversations):
    faq = [c for c in conversations if c.origin == "faq"]
    assert faq, "inga frågor från offentliga frågor-och-svar-sidor (origin: faq)"
    assert all(c.source for c in faq)


def test_class_five_never_accepts_the_fallback(conversations):
    for c in conversations:
        if c.class_ == 5:
            last = c.turns[-1]
            assert last.no_fallback and last.says_any, f"{c.name}: klass 5 kräver ett ärligt svar (says_any)"
