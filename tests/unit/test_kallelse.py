"""The kallelse drafted to the region's routine (bot/kallelse.py, knowledge/kallelse.yml; issue 15)."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from bot import documents, kallelse, rules
from bot.knowledge import NATIONAL, REGION_IDS, knowledge
from bot.render import source_lines

KB = knowledge()
TODAY = dt.date(2026, 2, 2)
MEETING = dt.date(2026, 3, 12)
REGIONS = list(REGION_IDS) + [None]
PERSONAL = {
    "personnummer": "19121212-1212",
    "namn": "Lisa Andersson",
    "telefon": "070-123 45 67",
    "e-post": "lisa.andersson@example.se",
}
SECRET_BITS = ("19121212", "1212-1212", "Lisa", "Andersson", "070-123", "123 45 67", "example.se", "@")


def full_answers(region):
    answers = {"datum": MEETING.isoformat(), "tid": "13.00–14.30", "plats": "Stora mötesrummet, plan 2",
               "kallade": "skolans kurator, BUP, socialtjänsten", "barnets_delaktighet": "Deltar digitalt en del av mötet"}
    for el in kallelse.elements(region):
        if el.kind == "ask":
            answers[el.id] = f"Svar om {el.label.lower()}"
    return answers


def text_fields(region):
    return [f.id for f in kallelse.fields(KB, region) if f.kind == "text"]


# ---------------------------------------------------------------- the data file
def test_the_elements_hold_together_with_the_rules():
    assert kallelse.check(KB) == []


@pytest.mark.parametrize("region", REGIONS)
def test_every_element_rests_on_the_rule_the_region_is_answered_with(region):
    for el in kallelse.elements(region):
        rule = KB.rule_by_id(el.rule)  # raises if the rule does not exist
        owner = el.rule.split(".")[0]
        assert owner in (region or NATIONAL, NATIONAL), el
        if owner == NATIONAL and region in REGION_IDS:
            assert KB.regional(region, rule.topic) is None, f"{region} has its own rule on {rule.topic}"
        assert KB.answer(region, rule.topic).rule.id == el.rule
        haystack = " ".join([rule.statement] + [c.quote for c in rule.citations]).lower()
        assert " ".join(el.evidence.lower().split()) in " ".join(haystack.split()), el


def test_check_reports_an_element_on_another_regions_rule():
    spec = kallelse.load_spec()
    data = spec.dict()
    data["regions"]["skane"][0]["rule"] = "halland.invitation.content"
    data["regions"]["uppsala"][0]["evidence"] = "ord som inte står i regeln"
    problems = kallelse.check(KB, kallelse.KallelseFile.parse_obj(data))
    assert any("skane" in p and "hör till halland" in p for p in problems)
    assert any("uppsala" in p and "finns inte i regeln" in p for p in problems)


@pytest.mark.parametrize("change", [
    lambda d: d["regions"]["halland"][0].update(extra="x"),
    lambda d: d.update(other=[]),
    lambda d: d["meeting"][0].update(colour="blå"),
    lambda d: d["regions"]["halland"][0].update(question=None),         # an ask without a question
    lambda d: d["regions"]["haninge"][0].update(question="Varför?"),   # an instruction with one
    lambda d: d["regions"].update(stockholm=[]),
])
def test_the_schema_rejects_unknown_keys_and_broken_elements(change):
    data = kallelse.load_spec().dict()
    change(data)
    with pytest.raises(ValidationError):
        kallelse.KallelseFile.parse_obj(data)


# ---------------------------------------------------------------- the questions
@pytest.mark.parametrize("region", REGIONS)
def test_the_questions_are_the_meeting_facts_and_one_per_element(region):
    fs = kallelse.fields(KB, region)
    assert [f.id for f in fs[:5]] == ["datum", "tid", "plats", "kallade", "barnets_delaktighet"]
    asks = [el for el in kallelse.elements(region) if el.kind == "ask"]
    assert [f.id for f in fs[5:]] == [el.id for el in asks]
    for f, el in zip(fs[5:], asks):
        rule = KB.rule_by_id(el.rule)
        assert f.element and f.rule_id == el.rule
        assert f.hint and (f.hint in rule.statement or any(f.hint == c.quote for c in rule.citations))
    for f in fs[1:]:
        assert "Skriv inga namn, personnummer eller kontaktuppgifter" in f.question
    kallade = next(f for f in fs if f.id == "kallade")
    assert kallade.rule_id == KB.answer(region, "invitation.function").rule.id
    assert "funktioner, inte namn" in kallade.question


def test_no_question_asks_for_the_childs_name_or_identity_number():
    for region in REGIONS:
        for f in kallelse.fields(KB, region):
            assert not re.search(r"\b(vad heter|namnet på|personnummer\?)", f.question, re.I), f


# ---------------------------------------------------------------- the draft: content per routine
@pytest.mark.parametrize("region", REGIONS)
def test_the_draft_contains_every_element_the_routine_requires(region):
    answers = full_answers(region)
    d = kallelse.draft(KB, region, answers, TODAY)
    text = d.text
    for el in kallelse.elements(region):
        assert el.rule in d.rule_ids, el
        assert f"• {el.label}" in text  # in "Det här ska kallelsen innehålla"
        if el.kind == "ask":
            assert f"{el.label}: {answers[el.id]}" in text
        else:
            assert documents.sentence_with(KB.rule_by_id(el.rule), el.evidence) in text
    assert d.skipped == ()
    assert d.elements == tuple(el.id for el in kallelse.elements(region))


# What each routine says (the rule ids the draft must rest on, and words of the region's text).
EXPECTED = {
    "halland": (["syfte", "varfor", "mal", "fragestallningar", "bidrag"],
                ["halland.invitation.content", "halland.invitation.delivery", "halland.invitation.reply"],
                ["Lifecare SP", "brev", "vad de kallade kan bidra med"]),
    "skane": (["syfte", "fragestallning", "tolk"],
              ["skane.invitation.content", "skane.preparation.general", "skane.protected_identity"],
              ["relevant kompetens", "telefonkontakt", "Behov av tolk"]),
    "haninge": (["syfte", "fragestallningar", "mal"],
                ["haninge.invitation.content", "haninge.invitation.function", "haninge.invitation.delivery",
                 "haninge.invitation.timing", "haninge.invitation.reply"],
                ["storsthlm.se", "kalla en funktion", "per post", "kopia", "optimalt"]),
    "uppsala": (["syfte", "mal"],
                ["uppsala.invitation.content", "uppsala.invitation.delivery", "uppsala.protected_identity"],
                ["klarlagda innan kallelsen skickas", "manuell rutin", "endast manuell hantering"]),
    "jonkoping": (["syfte", "varfor", "mal", "fragestallningar"],
                  ["national.invitation.content", "national.invitation.delivery"],
                  ["Rutinen för Jönköpings län tar inte upp detta"]),
}


@pytest.mark.parametrize("region", sorted(EXPECTED))
def test_each_routine_gets_what_its_text_says(region):
    asks, rule_ids, words = EXPECTED[region]
    d = kallelse.draft(KB, region, full_answers(region), TODAY)
    assert [f.id for f in kallelse.fields(KB, region) if f.element] == asks
    for rule_id in rule_ids:
        assert rule_id in d.rule_ids
    for word in words:
        assert word in d.text, word


@pytest.mark.parametrize("region", REGIONS)
def test_the_sending_instructions_are_the_regions_rules_with_their_sources(region):
    d = kallelse.draft(KB, region, full_answers(region), TODAY)
    for topic, heading in kallelse.NOTE_TOPICS:
        answer = KB.answer(region, topic)
        assert answer.rule.id in d.rule_ids
        assert heading in d.text
        assert " ".join(answer.rule.statement.split()) in d.text
        for line in source_lines(KB, [answer]):
            assert line in d.text
        assert documents.strength_label(answer.rule) in d.text


def test_a_municipality_without_a_routine_gets_the_national_elements_and_says_so():
    d = kallelse.draft(KB, None, full_answers(None), TODAY)
    assert d.region == NATIONAL
    assert "den nationella grunden (det finns ingen regional SIP-rutin inlagd för din kommun)" in d.text
    assert all(r.startswith("national.") for r in d.rule_ids)


# ---------------------------------------------------------------- the dates
@pytest.mark.parametrize("region", REGIONS)
def test_the_dates_are_the_rules_cores_with_rule_and_source(region):
    d = kallelse.draft(KB, region, full_answers(region), TODAY)
    expected = rules.deadlines(KB, region, rules.DeadlineFacts(meeting=MEETING), TODAY).details["deadlines"]
    assert sorted((x.key, x.date, x.rule_id) for x in d.deadlines) == sorted((x.key, x.date, x.rule_id) for x in expected)
    for dl in d.deadlines:
        rule = KB.rule_by_id(dl.rule_id)
        kind = "Rekommendation, inte ett krav" if documents.recommendation(rule) else "Regel"
        assert f"{kind} (regel {dl.rule_id})" in d.text
        assert f"• {rules.swedish_date(dl.date)} – " in d.text
        for line in source_lines(KB, [KB.answer(region, rule.topic)]):
            assert line in d.text


def test_haninge_three_weeks_is_a_recommendation_and_one_week_a_rule():
    d = kallelse.draft(KB, "haninge", full_answers("haninge"), TODAY)
    by_key = {dl.key: dl for dl in d.deadlines}
    assert by_key["send_invitation_by"].date == MEETING - dt.timedelta(weeks=3)
    assert by_key["confirm_by"].date == MEETING - dt.timedelta(weeks=1)
    assert "Rekommendation, inte ett krav (regel haninge.invitation.timing)" in d.text
    assert "Regel (regel haninge.invitation.reply)" in d.text
    assert "Skicka helst kallelsen senast: 19 februari 2026" in d.text


def test_skane_books_the_follow_up_within_a_year_of_the_meeting():
    d = kallelse.draft(KB, "skane", full_answers("skane"), TODAY)
    assert {dl.key: dl.date for dl in d.deadlines}["follow_up_latest"] == dt.date(2027, 3, 12)


def test_no_meeting_date_no_dates_and_the_draft_says_so():
    answers = full_answers("haninge")
    del answers["datum"]
    d = kallelse.draft(KB, "haninge", answers, TODAY)
    assert d.deadlines == () and d.meeting_date is None and "datum" in d.skipped
    assert "Inget mötesdatum angivet" in d.text


def test_the_meeting_date_may_be_a_date_or_swedish_words():
    for value in (MEETING, "12 mars 2026", "2026-03-12"):
        answers = dict(full_answers("haninge"), datum=value)
        assert kallelse.draft(KB, "haninge", answers, TODAY).meeting_date == MEETING


def test_strength_is_read_from_the_text_when_the_rule_has_none():
    def fake(statement):
        return SimpleNamespace(statement=statement, citations=[], id="x.y")
    assert documents.strength(fake("Optimalt planeras mötet in minst tre veckor fram i tiden.")) == "bor"
    assert documents.strength(fake("Rekommendation i Halland är att mötet hålls inom 30 dagar.")) == "bor"
    assert documents.strength(fake("Mötet bör hållas snart.")) == "bor"
    assert documents.strength(fake("De kallade ska bekräfta senast en vecka före mötet.")) == "ska"
    assert documents.recommendation(fake("Optimalt tre veckor.")) is True


# ---------------------------------------------------------------- placeholders and personal data
@pytest.mark.parametrize("region", REGIONS)
def test_the_placeholders_are_never_filled(region):
    d = kallelse.draft(KB, region, full_answers(region), TODAY)
    docx = "\n".join(documents.docx_text(kallelse.to_docx(d)))
    for placeholder in kallelse.PLACEHOLDERS.values():
        assert d.text.count(placeholder) == 1
        assert docx.count(placeholder) == 1
    assert "Barn: [barnets namn]" in d.text and "Vårdnadshavare: [vårdnadshavares namn]" in d.text


@pytest.mark.parametrize("key", ["barn", "personnummer", "vardnadshavare", "barnets_namn", "namn"])
def test_a_placeholder_cannot_be_filled_through_the_answers(key):
    with pytest.raises(ValueError):
        kallelse.draft(KB, "halland", {key: "Lisa Andersson"}, TODAY)


@pytest.mark.slow  # ~250 drafts and .docx files (~18 s): in make unit and make test, not in make check
@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("kind", sorted(PERSONAL))
def test_personal_data_typed_into_any_answer_never_reaches_the_text_or_the_docx(region, kind):
    for field_id in text_fields(region):
        answers = dict(full_answers(region))
        answers[field_id] = f"Det gäller {PERSONAL[kind]} och skolan"
        d = kallelse.draft(KB, region, answers, TODAY)
        docx = " ".join(documents.docx_text(kallelse.to_docx(d)))
        for bit in SECRET_BITS:
            assert bit not in d.text, (field_id, bit)
            assert bit not in docx, (field_id, bit)
        assert kind in d.removed, field_id
        assert d.notice and kind in d.notice


def test_all_kinds_at_once_are_removed_and_named():
    answers = dict(full_answers("halland"),
                   syfte="Samordna stödet för Lisa Andersson 19121212-1212, ring 070-123 45 67 eller mejla lisa.andersson@example.se")
    d = kallelse.draft(KB, "halland", answers, TODAY)
    assert set(d.removed) == set(PERSONAL)
    assert "Syftet med SIP-mötet: Samordna stödet för [namn borttaget] [personnummer borttaget]" in d.text
    for bit in SECRET_BITS:
        assert bit not in d.text


def test_an_identity_number_typed_as_the_date_is_removed_not_read_as_a_date():
    answers = dict(full_answers("haninge"), datum="19121212-1212")
    d = kallelse.draft(KB, "haninge", answers, TODAY)
    assert d.meeting_date is None and d.deadlines == ()
    assert "19121212" not in d.text and "personnummer" in d.removed


def test_unanswered_questions_are_left_to_fill_in():
    d = kallelse.draft(KB, "halland", {"datum": MEETING, "syfte": "  "}, TODAY)
    assert "Syftet med SIP-mötet: [fyll i]" in d.text
    assert {"syfte", "tid", "plats", "bidrag"} <= set(d.skipped)
    assert d.removed == () and d.notice is None


# ---------------------------------------------------------------- the .docx
@pytest.mark.parametrize("region", REGIONS)
def test_the_docx_opens_and_holds_the_same_text(region):
    answers = dict(full_answers(region), syfte="Samordna stödet, ring 070-123 45 67")
    d = kallelse.draft(KB, region, answers, TODAY)
    data = kallelse.to_docx(d)
    assert data[:2] == b"PK"  # a zip container
    assert documents.docx_text(data) == documents.pieces(d.document)
    text = kallelse.to_text(d)
    for piece in documents.pieces(d.document):
        if piece not in ("Datum", "Vad", "Regel eller rekommendation", "Källa"):  # the table's header
            assert piece in text, piece


def test_the_docx_has_headings_and_the_dates_table():
    from docx import Document
    import io

    d = kallelse.draft(KB, "haninge", full_answers("haninge"), TODAY)
    word = Document(io.BytesIO(kallelse.to_docx(d)))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading") or p.style.name == "Title"]
    assert headings[:4] == ["Kallelse till SIP-möte", "Gäller", "Mötet", "Innehåll"]
    assert "Datum som följer av mötesdatumet" in headings
    (table,) = word.tables
    assert [c.text for c in table.rows[0].cells] == ["Datum", "Vad", "Regel eller rekommendation", "Källa"]
    assert len(table.rows) == 1 + len(d.deadlines)
    assert word.core_properties.author == "SIP-guiden"
