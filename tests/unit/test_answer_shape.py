"""The shape of an answer (issue 14): the direct answer first, the region's text and sources
after it, one region's documents, the law notice once, guide steps of at most six points, and
the pictures (stepper, timeline, table) with their text. Computed over every question intent
and every region in knowledge/regions.yml; no expected texts are listed here."""

from __future__ import annotations

import datetime as dt
import pytest

from bot import comparison, dialogue, guide
from bot.answers import questions
from bot.knowledge import REGION_IDS, knowledge
from bot.render import opening, region_label

KB = knowledge()
TODAY = dt.date(2026, 12, 4)
PLACES = list(REGION_IDS) + ["annan"]
CASES = [(i, r) for i in sorted(questions()) for r in PLACES]


def routine_titles_of_other_regions(region):
    return {s.title for s in KB.sources.values() if s.kind == "routine" and s.region != region}


def answered(intent, region, text=""):
    turn = dialogue.question(intent, text, [], {"region": region}, TODAY)
    return [m for m in turn.messages if m.shaped is not None]


@pytest.mark.parametrize("intent,region", CASES, ids=[f"{i}-{r}" for i, r in CASES])
def test_the_direct_answer_comes_first_and_sources_belong_to_the_user(intent, region):
    messages = answered(intent, region)
    assert messages, "en fråga ska få ett svar"
    m = messages[-1]
    lead = KB.rule_by_id(m.rules[0])
    expected = (lead.answer or lead.short).replace("{region}", region_label(KB, lead.id.split(".")[0]))
    assert m.shaped.answer.startswith(expected), "svaret börjar med regelns direkta svar"
    assert m.text.startswith(m.shaped.answer) and all(d in m.text for d in m.shaped.details)
    assert "{region}" not in m.text
    full_lines = [s for s in m.shaped.sources if s.startswith("Källa:") and "nationell grund" not in s]
    for title in routine_titles_of_other_regions(region):
        assert not any(title in line for line in full_lines), f"{title} visas som egen källa för {region}"
    baseline = [s for s in m.shaped.sources if s.startswith("Källa: nationell grund")]
    if lead.id.startswith("national."):
        assert ("tar inte upp detta" in m.shaped.answer) or ("ingen SIP-rutin inlagd" in m.shaped.answer)
    assert len(baseline) <= 1, "de andra rutinerna delar en källrad"
    if baseline:
        assert m.shaped.national or region == "annan"


def test_the_question_s_own_topic_leads():
    m = answered("ask_consent", "halland", "Hej! Jag är kurator i Varberg. Behöver båda vårdnadshavarna samtycka?")[-1]
    assert m.rules[0] == "halland.consent.both_guardians"
    assert m.shaped.answer.startswith("Ja.") and "Halland" in m.shaped.answer
    m = answered("ask_consent", "halland", "måste man ha samtycke för en SIP")[-1]
    assert m.rules[0] == "halland.consent.required"


def test_a_silent_routine_says_so_in_one_line_with_one_compact_source_line():
    m = answered("ask_consent", "skane", "Behöver båda vårdnadshavarna samtycka?")[-1]
    assert m.rules[0] == "national.consent.both_guardians"
    assert "Rutinen för Skåne tar inte upp detta; svaret bygger på" in m.shaped.answer
    compact = [s for s in m.shaped.sources if s.startswith("Källa: nationell grund")]
    assert len(compact) == 1 and "Halland" in compact[0]
    assert not any("Halland" in s for s in m.shaped.sources if s not in compact)


def test_the_law_notice_is_shown_once_per_conversation():
    first = dialogue.question("ask_consent", "", [], {"region": "skane"}, TODAY)
    dialogue.finish(first, {})
    shown = first.slots.get("shown_notes")
    assert shown, "den första frågan med en ändrad lag visar notisen"
    notice = next(n for k, n in first.messages[-1].shaped.notes if k in shown)
    assert notice in first.messages[-1].text
    again = dialogue.question("ask_consent", "", [], {"region": "skane"}, TODAY)
    dialogue.finish(again, {"shown_notes": shown})
    assert notice not in again.messages[-1].text and "shown_notes" not in again.slots
    assert again.messages[-1].payload()["sipguiden"]["sources"] == again.messages[-1].shaped.sources + [
        f"Obs: {n}" for _, n in again.messages[-1].shaped.notes]


STEPS = [(r, n) for r in REGION_IDS for n in range(1, len(guide.steps(KB, r)[1]) + 1)]


@pytest.mark.parametrize("region,step", STEPS, ids=[f"{r}-{n}" for r, n in STEPS])
def test_a_guide_step_shows_at_most_six_points_own_first_and_a_stepper(region, step):
    page = guide.page(KB, region, step)
    points = [line for line in page.shaped.answer.splitlines() if line.startswith("☐")]
    assert len(points) <= guide.MAX_POINTS
    marked = [guide.SILENT_MARK in p for p in points]
    assert marked == sorted(marked), "rutinens egna punkter kommer före den nationella grundens"
    topics = guide.steps(KB, region)[1][step - 1].topics
    silent = {KB.topics[t].title for t in topics if KB.regional(region, t) is None}
    for p in points:
        title = p[2:].split(": ")[0]
        assert (title in silent) == (guide.SILENT_MARK in p)
    rest = sum(d.count("☐") for d in page.shaped.details)
    assert len(points) + rest == len(topics), "resten finns under Visa mer"
    visual = page.shaped.visual
    assert visual["kind"] == "stepper" and [s["current"] for s in visual["steps"]].index(True) == step - 1
    assert visual["label"].startswith(f"Steg {step} av {len(visual['steps'])}")


def test_the_deadline_check_draws_a_timeline_with_rules_and_recommendations():
    turn = dialogue.question("ask_deadline", "behovet upptäcktes 1 december 2026, när ska mötet senast hållas?",
                             [], {"region": "halland"}, TODAY)
    message = next(m for m in turn.messages if m.shaped is not None and m.shaped.visual)
    visual = message.shaped.visual
    assert visual["kind"] == "timeline"
    latest = next(e for e in visual["events"] if e["key"] == "meeting_latest")
    assert latest["date_text"] in message.shaped.answer, "datumet är det direkta svaret"
    dates = [e["date"] for e in visual["events"]]
    assert dates == sorted(dates)
    given = [e for e in visual["events"] if e["kind"] == "uppgift"]
    assert [e["date"] for e in given] == ["2026-12-01"]
    computed = [e for e in visual["events"] if e["rule"]]
    assert computed and all(KB.rule_by_id(e["rule"]) for e in computed)
    for e in computed:
        assert e["date_text"] in visual["label"] and e["kind_text"] in visual["label"]
        if e["kind"] == "rekommendation":
            assert KB.rule_by_id(e["rule"]).strength == "bor" or "rekommend" in KB.rule_by_id(e["rule"]).statement.lower()


def test_a_comparison_is_a_table_with_a_row_per_region():
    turn = dialogue.compare("hur skiljer sig Halland och Skåne om samtycke?", [], {})
    m = turn.messages[-1]
    table = m.shaped.visual
    assert table["kind"] == "table" and table["columns"][0] == "Region"
    assert [row[0] for row in table["rows"]] == ["Halland", "Skåne"]
    assert all(len(row) == len(table["columns"]) for row in table["rows"])
    titles = {t.title: t.id for t in KB.topics.values()}
    for row, region in zip(table["rows"], ["halland", "skane"]):
        for column, cell in zip(table["columns"][1:], row[1:]):
            topic = titles[column]
            if KB.regional(region, topic) is None:
                assert cell == comparison.SILENT_CELL
            else:
                assert cell == opening(KB, KB.answer(region, topic))
    assert table["caption"] in m.text


def test_messages_without_rules_carry_no_answer_parts():
    turn = dialogue.ask_region(dialogue.Turn(), "ask_consent")
    assert turn.messages[-1].payload() is None
