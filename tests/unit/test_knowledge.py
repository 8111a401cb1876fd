"""The knowledge schema: the real base loads, and broken files give clear errors naming file and rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot.knowledge import KNOWLEDGE_DIR, NATIONAL, REGION_IDS, KnowledgeError, load

GOOD_RULE = {
    "id": "skane.consent.withdrawal",
    "topic": "consent.withdrawal",
    "valid_from": "2023-05-04",
    "strength": "ska",
    "short": "Kort.",
    "answer": "Ja, kort.",
    "statement": "Text för personal.",
    "plain": "Text i klarspråk.",
    "citations": [{"source": "skane-2023", "section": "Samtycke",
                   "quote": "Inför SIP ska samtycke inhämtas från den enskilde."}],
}


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    """A copy of knowledge/ whose rules folder holds only a one-rule skane.yml."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target, ignore=shutil.ignore_patterns("seeds"))
    for f in (target / "rules").glob("*.yml"):
        f.unlink()
    write_rules(target, "skane", [dict(GOOD_RULE)])
    return target


def write_rules(kdir: Path, region: str, rules: list) -> Path:
    path = kdir / "rules" / f"{region}.yml"
    with path.open("w", encoding="utf-8") as fh:
        YAML().dump({"region": region, "rules": rules}, fh)
    return path


def load_error(kdir: Path) -> str:
    with pytest.raises(KnowledgeError) as info:
        load(kdir, complete=False)
    return str(info.value)


def test_the_real_knowledge_base_loads_complete():
    kb = load()
    assert set(kb.rules) == {NATIONAL, *REGION_IDS}
    assert set(kb.rules[NATIONAL]) == set(kb.topics), "every topic needs a national rule"
    for region in REGION_IDS:
        assert len(kb.rules[region]) >= 10, f"{region}: suspiciously few rules"


def test_minimal_copy_loads(kdir):
    kb = load(kdir, complete=False)
    assert kb.rule_by_id("skane.consent.withdrawal").plain == "Text i klarspråk."


def test_typo_in_a_key_names_file_rule_and_key(kdir):
    bad = dict(GOOD_RULE)
    bad["statment"] = bad.pop("statement")
    path = write_rules(kdir, "skane", [bad])
    msg = load_error(kdir)
    assert str(path) in msg and "skane.consent.withdrawal" in msg
    assert "statment" in msg and "statement" in msg  # the unknown key and the missing one


def test_unknown_source_id(kdir):
    bad = dict(GOOD_RULE, citations=[dict(GOOD_RULE["citations"][0], source="skane-2099")])
    path = write_rules(kdir, "skane", [bad])
    msg = load_error(kdir)
    assert str(path) in msg and "skane.consent.withdrawal" in msg and "skane-2099" in msg


def test_missing_citation(kdir):
    path = write_rules(kdir, "skane", [dict(GOOD_RULE, citations=[])])
    msg = load_error(kdir)
    assert str(path) in msg and "skane.consent.withdrawal" in msg and "citations" in msg


def test_no_citations_key_at_all(kdir):
    bad = {k: v for k, v in GOOD_RULE.items() if k != "citations"}
    write_rules(kdir, "skane", [bad])
    assert "skane.consent.withdrawal" in load_error(kdir)


def test_quote_too_short_to_check(kdir):
    bad = dict(GOOD_RULE, citations=[dict(GOOD_RULE["citations"][0], quote="samtycke")])
    write_rules(kdir, "skane", [bad])
    assert "quote" in load_error(kdir)


def test_id_must_be_region_dot_topic(kdir):
    write_rules(kdir, "skane", [dict(GOOD_RULE, id="skane.samtycke")])
    assert "skane.consent.withdrawal" in load_error(kdir)  # the message says what the id should be


def test_unknown_topic(kdir):
    write_rules(kdir, "skane", [dict(GOOD_RULE, id="skane.consent.forever", topic="consent.forever")])
    assert "consent.forever" in load_error(kdir)


def test_regional_rule_may_only_cite_its_own_routine(kdir):
    bad = dict(GOOD_RULE, citations=[{"source": "halland", "section": "Samtycke",
                                      "quote": "Ett muntligt samtycke ska dokumenteras i verksamheternas dokumentationssystem."}])
    write_rules(kdir, "skane", [bad])
    assert "halland" in load_error(kdir)


def test_a_law_is_cited_through_the_routine_that_quotes_it(kdir):
    bad = dict(GOOD_RULE, citations=[dict(GOOD_RULE["citations"][0], source="sol")])
    write_rules(kdir, "skane", [bad])
    assert "laws" in load_error(kdir)


def test_unknown_law(kdir):
    bad = dict(GOOD_RULE, citations=[dict(GOOD_RULE["citations"][0], laws=["sol", "brb"])])
    write_rules(kdir, "skane", [bad])
    assert "brb" in load_error(kdir)


def test_param_not_allowed_for_the_topic(kdir):
    write_rules(kdir, "skane", [dict(GOOD_RULE, params={"days": 30})])
    msg = load_error(kdir)
    assert "days" in msg and "consent.withdrawal" in msg


def test_unknown_closing_ground(kdir):
    rule = dict(GOOD_RULE, id="skane.closing.grounds", topic="closing.grounds", params={"grounds": ["tråkigt"]})
    write_rules(kdir, "skane", [rule])
    assert "tråkigt" in load_error(kdir)


def test_two_rules_on_one_topic(kdir):
    write_rules(kdir, "skane", [dict(GOOD_RULE), dict(GOOD_RULE)])
    assert "consent.withdrawal" in load_error(kdir)


def test_national_rules_need_a_basis_and_regional_ones_none(kdir):
    write_rules(kdir, "skane", [dict(GOOD_RULE, basis="law")])
    assert "basis" in load_error(kdir)
    write_rules(kdir, "skane", [dict(GOOD_RULE)])
    write_rules(kdir, NATIONAL, [dict(GOOD_RULE, id="national.consent.withdrawal")])
    assert "basis" in load_error(kdir)


def test_strength_is_required_and_one_of_four(kdir):
    write_rules(kdir, "skane", [{k: v for k, v in GOOD_RULE.items() if k != "strength"}])
    msg = load_error(kdir)
    assert "skane.consent.withdrawal" in msg and "strength" in msg
    write_rules(kdir, "skane", [dict(GOOD_RULE, strength="måste")])
    msg = load_error(kdir)
    assert "skane.consent.withdrawal" in msg and "ska, bor, kan, info" in msg


def test_refers_to_laws_names_a_law(kdir):
    write_rules(kdir, "skane", [dict(GOOD_RULE, refers_to_laws=["skane-2023"])])
    assert "refers_to_laws" in load_error(kdir)


def test_rule_valid_before_its_document(kdir):
    write_rules(kdir, "skane", [dict(GOOD_RULE, valid_from="2020-01-01")])
    assert "2023-05-04" in load_error(kdir)


def test_region_header_must_match_file_name(kdir):
    path = kdir / "rules" / "skane.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("region: skane", "region: halland"), encoding="utf-8")
    assert "skane" in load_error(kdir)


def test_complete_load_requires_every_national_rule(kdir):
    with pytest.raises(KnowledgeError) as info:
        load(kdir)
    assert "national" in str(info.value)


def test_yaml_1_1_truthy_words_stay_strings(kdir):
    rule = dict(GOOD_RULE, short="no", plain="on")
    write_rules(kdir, "skane", [rule])
    kb = load(kdir, complete=False)
    assert kb.rule_by_id("skane.consent.withdrawal").short == "no"


def test_answer_falls_back_to_national_and_says_so():
    kb = load()
    own = next(iter(kb.rules["skane"].values()))
    assert kb.answer("skane", own.topic).fallback is False
    silent = next(t for t in kb.topics if t not in kb.rules["jonkoping"])
    ans = kb.answer("jonkoping", silent)
    assert ans.fallback is True and ans.rule.id == f"national.{silent}"
    # a municipality without a routine never gets a region's rule
    assert kb.answer("annan", own.topic).rule.id == f"national.{own.topic}"
    assert kb.answer(None, own.topic).rule.id == f"national.{own.topic}"
