"""A sixth region from data alone: knowledge/ plus the files in tests/data/sixth_region/ (its
entry in regions.yml, its document in sources.yml, its rules file and its source text), and no
change to any Python module. The knowledge base loads it, the region question offers it, and
an answer for it states its rule and cites its document (tests/data/sixth_region/README.md)."""

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot import citations
from bot.answers import answer_topics
from bot.knowledge import REGION_IDS, load
from bot.places import load_directory
from bot.region_flow import ask_region, set_region
from bot.render import baseline_line, silence_note, source_lines
from bot.yamlio import KNOWLEDGE_DIR, load_yaml

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "sixth_region"
NEW = load_yaml(FIXTURE / "regions.yml")["regions"][0]


def _append(target: Path, key: str, extra: Path) -> None:
    data = load_yaml(target)
    data[key] += load_yaml(extra)[key]
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_unicode = True
    with target.open("w", encoding="utf-8") as out:
        yaml.dump(data, out)


@pytest.fixture(scope="module")
def knowledge_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kb") / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, folder, ignore=shutil.ignore_patterns("seeds"))
    _append(folder / "regions.yml", "regions", FIXTURE / "regions.yml")
    _append(folder / "sources.yml", "sources", FIXTURE / "sources.yml")
    shutil.copy(FIXTURE / "rules" / "provlan.yml", folder / "rules" / "provlan.yml")
    return folder


@pytest.fixture(scope="module")
def kb(knowledge_dir):
    return load(knowledge_dir)


def test_the_fixture_is_a_new_region():
    assert NEW["id"] not in REGION_IDS  # the project's own regions stay as they are


def test_the_knowledge_base_loads_the_sixth_region(kb):
    assert kb.region_ids == (*REGION_IDS, NEW["id"])
    assert NEW["id"] in kb.regions()
    assert kb.routines[NEW["id"]].name == NEW["name"]


def test_a_rules_file_without_its_region_is_refused(tmp_path, knowledge_dir):
    folder = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir, folder)
    shutil.copy(KNOWLEDGE_DIR / "regions.yml", folder / "regions.yml")  # the five, without Provlän
    with pytest.raises(ValueError, match="okänd region 'provlan'"):
        load(folder)


def test_the_region_question_offers_the_sixth_region(knowledge_dir):
    places = load_directory(knowledge_dir)
    buttons = ask_region(places).buttons
    assert (NEW["button"], f'/inform_region{{"region":"{NEW["id"]}"}}') in buttons
    assert buttons[-1][1] == '/inform_region{"region":"annan"}'  # "Annan kommun" stays last
    outcome = set_region("/inform_region", [{"entity": "region", "value": NEW["id"]}], places)
    assert outcome.slots["region"] == NEW["id"]
    assert outcome.utterances[0].response == "utter_region_set"
    assert NEW["document"] in outcome.utterances[0].values["text"]


def test_an_answer_for_the_sixth_region_states_its_rule_and_cites_its_document(kb):
    answer = kb.answer(NEW["id"], "meeting.digital")
    assert answer.rule.id == "provlan.meeting.digital" and not answer.fallback
    assert silence_note(kb, answer) is None
    lines = source_lines(kb, [answer])
    assert lines[0].startswith("Källa: Testrutin för SIP i Provlän (Provläns kommuner och Region Provlän")
    assert "”Mötet”" in lines[0]
    reply = answer_topics(kb, NEW["id"], ["meeting.digital"], None)
    assert reply.answer == "Ja, SIP-mötet kan hållas digitalt om den enskilde samtycker till det."
    assert reply.details[0] == f"Så här står det i rutinen för {NEW['name']}:"
    assert "SIP-mötet kan hållas digitalt om den enskilde samtycker till det." in reply.details[1]
    assert reply.sources[0].startswith("Källa: Testrutin för SIP i Provlän") and reply.national == []


def test_where_the_sixth_routine_is_silent_the_answer_says_so(kb):
    answer = kb.answer(NEW["id"], "meeting.length")
    assert answer.fallback and answer.rule.id == "national.meeting.length"
    assert silence_note(kb, answer) == baseline_line(kb, [answer], NEW["id"])
    assert baseline_line(kb, [answer], NEW["id"]).startswith(f"Rutinen för {NEW['name']} tar inte upp detta; svaret bygger på")
    assert answer_topics(kb, NEW["id"], ["meeting.length"], None).national == [NEW["id"]]


def test_the_sixth_regions_quote_is_in_its_source_text(kb, monkeypatch):
    monkeypatch.setenv("SIPGUIDEN_SEEDS", str(FIXTURE / "seeds"))
    for rule in kb.rules[NEW["id"]].values():
        for c in rule.citations:
            assert citations.check_citation(c.quote, kb.sources[c.source].seed, kb.sources[c.source].ocr).found, rule.id
