""""Vad ska stå i planen?" as a check list (bot/plan_checklist.py, knowledge/plan_checklist.yml; issue 15 part 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from bot import documents, kallelse, plan_checklist
from bot.knowledge import NATIONAL, REGION_IDS, knowledge
from bot.render import source_lines

KB = knowledge()
REGIONS = list(REGION_IDS) + [None]


def spec_items(region):
    spec = plan_checklist.load_spec()
    return spec.regions[region if region in REGION_IDS else NATIONAL]


def test_the_check_list_holds_together_with_the_rules():
    assert plan_checklist.check(KB) == []


@pytest.mark.parametrize("region", REGIONS)
def test_every_item_is_the_words_of_the_rule_the_region_is_answered_with(region):
    for it in spec_items(region).items:
        rule = KB.rule_by_id(it.rule)
        assert it.rule.split(".")[0] in (region or NATIONAL, NATIONAL)
        assert KB.answer(region, rule.topic).rule.id == it.rule
        assert documents.rests_on(rule, it.item), it


def test_the_laws_points_come_from_the_national_rule_on_the_law():
    spec = plan_checklist.load_spec()
    law = KB.rule_by_id(spec.law.rule)
    assert law.id == "national.documentation.plan" and law.basis == "law"
    assert any(c.laws for c in law.citations)
    assert len(spec.law.items) == 4


def test_check_reports_words_that_are_not_the_rules():
    data = plan_checklist.load_spec().dict()
    data["regions"]["uppsala"]["items"][0]["item"] = "barnets favoritfärg"
    data["regions"]["skane"]["items"][0]["rule"] = "halland.documentation.plan"
    problems = plan_checklist.check(KB, plan_checklist.ChecklistFile.parse_obj(data))
    assert any("uppsala" in p and "favoritfärg" in p for p in problems)
    assert any("skane" in p and "inte till skane" in p for p in problems)


@pytest.mark.parametrize("change", [
    lambda d: d["regions"]["halland"].update(colour="blå"),
    lambda d: d["regions"]["halland"]["items"][0].update(note="x"),
    lambda d: d["law"].update(extra=1),
    lambda d: d["regions"].update(gotland={"items": []}),
    lambda d: d.pop("law"),
])
def test_the_schema_rejects_unknown_keys(change):
    data = plan_checklist.load_spec().dict()
    change(data)
    with pytest.raises(ValidationError):
        plan_checklist.ChecklistFile.parse_obj(data)


@pytest.mark.parametrize("region", REGIONS)
def test_the_check_list_has_every_item_with_its_rule_and_sources(region):
    c = plan_checklist.checklist(KB, region, dt.date(2026, 2, 2))
    text = c.text
    listed = spec_items(region)
    for it in listed.items:
        item = it.item[:1].upper() + it.item[1:]
        assert f"☐ {item}" in text
        assert it.rule in c.rule_ids and f"Regel {it.rule}." in text
        for line in source_lines(KB, [KB.answer(region, KB.rule_by_id(it.rule).topic)]):
            assert line in text
    law = plan_checklist.load_spec().law
    assert ("Enligt lagen (gäller alla planer)" in text) == listed.with_law
    if listed.with_law:
        for point in law.items:
            assert f"☐ {point[:1].upper() + point[1:]}" in text
        assert law.rule in c.rule_ids
    for topic, heading in plan_checklist.AROUND_TOPICS:
        answer = KB.answer(region, topic)
        assert heading in text and answer.rule.id in c.rule_ids
        assert documents.strength_label(answer.rule) in text
    assert len(c.items) == len(listed.items) + (len(law.items) if listed.with_law else 0)


@pytest.mark.parametrize("region, words", [
    ("uppsala", ["☐ Personuppgifter", "☐ Mål och delmål", "☐ Kontaktperson(er) för samordningen"]),
    ("halland", ["☐ Vad barnet/ungdomen och vårdnadshavare själva kan göra", "☐ Vilka kontaktpersoner den enskilde har"]),
    ("haninge", ["☐ Vilka åtgärder som ska genomföras hos respektive aktör", "☐ Vilka insatser som behövs"]),
    ("jonkoping", ["☐ Vem av huvudmännen som ska ha det övergripande ansvaret för planen"]),
    ("skane", ["☐ Vilka åtgärder som vidtas av någon annan än regionen eller kommunen"]),
])
def test_each_routines_own_points(region, words):
    text = plan_checklist.checklist(KB, region).text
    for word in words:
        assert word in text


def test_a_silent_topic_says_the_national_baseline_answers():
    text = plan_checklist.checklist(KB, "jonkoping").text
    assert "Rutinen för Jönköpings län tar inte upp detta" in text  # documentation.who, .copies


@pytest.mark.parametrize("region", REGIONS)
def test_the_docx_opens_and_holds_the_same_text_as_the_kallelse_code_makes_it(region):
    c = plan_checklist.checklist(KB, region)
    data = plan_checklist.to_docx(c)
    assert documents.docx_text(data) == documents.pieces(c.document)
    for piece in documents.pieces(c.document):
        assert piece in plan_checklist.to_text(c)
    # the same document code as the kallelse: same title style and author
    from docx import Document
    import io

    for blob in (data, kallelse.to_docx(kallelse.draft(KB, region, {}, dt.date(2026, 2, 2)))):
        word = Document(io.BytesIO(blob))
        assert word.paragraphs[0].style.name == "Title" and word.core_properties.author == "SIP-guiden"
