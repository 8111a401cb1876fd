"""The conversation logic without Rasa (bot/dialogue.py): region asked once and remembered,
answers with their sources, silence notes, plain vs professional wording, case checks that
ask only for missing facts (skip and stop), the guide, comparison, English, privacy."""

import datetime as dt

import pytest

from bot import dialogue
from bot.knowledge import knowledge

TODAY = dt.date(2026, 11, 26)


def texts(turn):
    return "\n".join(m.text for m in turn.messages)


def run_case(turn, answers, slots=None):
    """Drive a case check as the Rasa form does: ask, read the answer, until done."""
    slots = {**(slots or {}), **turn.slots}
    asked = []
    for answer in answers:
        ask = dialogue.ask_case(slots, TODAY)
        slots.update(ask.slots)
        asked.append(slots["case"]["asking"])
        reply, done = dialogue.case_answer(answer, slots, TODAY)
        slots.update(reply.slots)
        if done:
            return dialogue.case_result(slots, TODAY), asked, slots
    raise AssertionError(f"the check did not finish; asked {asked}")


def test_a_regional_question_without_region_asks_for_it_with_buttons_then_answers():
    turn = dialogue.question("ask_consent", "behövs samtycke från båda vårdnadshavarna?", [], {}, TODAY)
    assert turn.slots["pending"] == "ask_consent"
    assert [b[0] for b in turn.messages[-1].buttons] == ["Haninge", "Halland", "Uppsala län", "Jönköpings län", "Skåne", "Annan kommun"]
    after = dialogue.pending_after_region({**turn.slots, "region": "halland"}, TODAY)
    assert "Källa: " in texts(after) and "Region Halland" in texts(after)
    assert after.slots["pending"] is None


def test_what_is_sip_needs_no_region():
    turn = dialogue.question("what_is_sip", "vad är sip", [], {}, TODAY)
    assert "pending" not in turn.slots or turn.slots["pending"] is None
    assert "samordnad individuell plan" in texts(turn).lower() and "Källa:" in texts(turn)


def test_a_municipality_in_the_question_sets_the_region():
    turn = dialogue.question("ask_close", "kan vi avsluta sipen i Lund?", [], {}, TODAY)
    assert turn.slots["region"] == "skane" and turn.slots["municipality"] == "Lund"
    assert "Skånes kommuner" in texts(turn) or "Skåne" in texts(turn)


def test_silent_routine_says_so_and_uses_the_national_rule():
    kb = knowledge()
    silent = next(t for t in kb.topics if t not in kb.rules["jonkoping"])
    intent = next(i for i, q in dialogue.questions().items() if q.topics == [silent] or silent in q.topics)
    turn = dialogue.question(intent, "fråga", [], {"region": "jonkoping"}, TODAY)
    message = turn.messages[-1]
    assert f"national.{silent}" in message.rules and message.shaped.national == ["jonkoping"]
    said = "Rutinen för Jönköpings län tar inte upp detta" if message.rules[0] == f"national.{silent}" else \
        "Rutinen för Jönköpings län säger inget om"
    assert said in texts(turn)


def test_other_municipality_gets_the_national_baseline_and_is_told():
    turn = dialogue.question("ask_invite", "vem ska jag kalla", [], {"region": "annan"}, TODAY)
    opening = turn.messages[-1].shaped.answer
    assert "Det finns ingen SIP-rutin inlagd för din kommun" in opening and "Kontrollera er egen rutin" in opening


def test_guardian_gets_plain_text_and_staff_the_statement():
    kb = knowledge()
    rule = kb.answer("uppsala", "consent.child").rule
    guardian = dialogue.question("ask_consent_child", "jag är mamma, får min son bestämma själv?", [], {"region": "uppsala"}, TODAY)
    staff = dialogue.question("ask_consent_child", "jag jobbar som kurator, vad gäller för barnets samtycke?", [], {"region": "uppsala"}, TODAY)
    assert guardian.slots["audience"] == "guardian" and staff.slots["audience"] == "staff"
    assert rule.guardian and rule.guardian in texts(guardian)  # the guardian version, not the one written to the child
    assert rule.plain not in texts(guardian) and rule.statement not in texts(guardian)
    assert rule.statement in texts(staff)


def test_a_case_description_starts_a_check_that_asks_only_what_is_missing():
    turn = dialogue.question("ask_consent", "vi har en 14-åring med två vårdnadshavare i Uppsala, behövs båda?", [], {}, TODAY)
    assert turn.slots["case_start"] is True
    assert turn.slots["case"]["facts"] == {"age": 14, "guardians": 2}
    result, asked, _ = run_case(turn, ["båda", "ja", "ja", "ja", "ja"])
    assert "age" not in asked and "guardians" not in asked
    assert asked[0] == "guardians_consenting"
    assert "Källa:" in texts(result)


def test_skipping_a_question_still_gives_an_answer_that_says_it_is_uncertain():
    turn = dialogue.start_check("consent", "", [], {"region": "halland"}, TODAY)
    result, asked, _ = run_case(turn, ["hoppa över"] * 8, {"region": "halland"})
    assert asked[0] == "age"
    assert "hoppade över" in texts(result)


def test_a_wrong_answer_is_explained_and_asked_again():
    turn = dialogue.start_check("consent", "", [], {"region": "halland"}, TODAY)
    slots = dict(turn.slots)
    slots.update(dialogue.ask_case(slots, TODAY).slots)
    reply, done = dialogue.case_answer("jättegammal", slots, TODAY)
    assert not done and "siffra" in texts(reply)
    slots.update(reply.slots)
    assert dialogue.ask_case(slots, TODAY).slots["case"]["asking"] == "age"


def test_stopping_a_check_clears_it():
    turn = dialogue.stop_case()
    assert turn.slots["case"] is None and "avbryter" in texts(turn)


def test_deadline_question_with_a_date_gives_concrete_dates():
    turn = dialogue.question("ask_deadline", "behovet upptäcktes 3 mars 2026, när senast ska mötet hållas?", [],
                             {"region": "halland"}, TODAY)
    assert "2 april 2026" in texts(turn)


def test_invitation_check_asks_about_each_organisation():
    turn = dialogue.question("ask_invite", "vem ska vi kalla? barnet har BUP och skolan", [], {"region": "jonkoping"}, TODAY)
    result, asked, _ = run_case(turn, ["nej", "ja"], {"region": "jonkoping"})
    # Jönköpings län: the school is a party, but only those with ongoing insatser are called (audit B4)
    assert asked == ["ongoing:bup", "ongoing:skola"]
    assert "Källa:" in texts(result) and "Skola" in texts(result)


def test_guide_walks_forward_back_jumps_and_resumes():
    slots = {"region": "uppsala"}
    start = dialogue.guide_turn("start", slots, today=TODAY)
    assert "Steg 1 av" in texts(start)
    slots.update(start.slots)
    nxt = dialogue.guide_turn("next", slots)
    slots.update(nxt.slots)
    assert "Steg 2 av" in texts(nxt) and slots["guide_step"] == 2
    back = dialogue.guide_turn("back", slots)
    assert "Steg 1 av" in texts(back)
    jump = dialogue.guide_turn("goto", slots, step="4")
    slots.update(jump.slots)
    assert "Steg 4 av" in texts(jump)
    resumed = dialogue.guide_turn("start", slots)
    assert "Vi fortsätter guiden där du var, på steg 4" in texts(resumed)
    menu = dialogue.guide_turn("goto", slots)
    assert menu.messages[0].buttons


def test_compare_names_both_regions_and_sources():
    turn = dialogue.compare("hur skiljer sig Halland och Skåne om samtycke?", [], {})
    text = texts(turn)
    assert "Halland" in text and "Skåne" in text and "Källa:" in text
    assert "Uppsala" not in text.split("Källa:")[0]


def test_english_is_told_in_both_languages_and_still_helped():
    turn = dialogue.english("who needs to consent?", {"region": "skane"})
    text = texts(turn)
    assert "svarar på svenska" in text and "answers in Swedish" in text
    assert "Källa:" in text


def test_personnummer_placeholder_gives_a_reminder_and_is_never_repeated():
    turn = dialogue.question("ask_consent", "gäller [personnummer borttaget], 14 år", [], {"region": "skane"}, TODAY)
    assert "Skriv aldrig personnummer" in texts(turn)


@pytest.mark.parametrize("text, role", [("jag är vårdnadshavare", "guardian"), ("jag är personal", "staff"),
                                        ("jag är elev", "young")])
def test_set_audience(text, role):
    assert dialogue.set_audience(text, None, {}).slots["audience"] == role


def test_guide_jump_reads_the_step_number_from_the_text():
    slots = {"region": "halland", "guide_step": 1.0}
    assert "Steg 3 av" in texts(dialogue.guide_turn("goto", slots, text="hoppa till steg tre"))
    assert "Steg 5 av" in texts(dialogue.guide_turn("goto", slots, text="gå till steg 5"))


def test_another_region_in_a_case_description_does_not_change_the_region():
    turn = dialogue.question("ask_close", "kan vi avsluta sipen? familjen flyttar till en annan region", [],
                             {"region": "skane"}, TODAY)
    assert "region" not in turn.slots
    assert "skane.closing.grounds" in [r for m in turn.messages for r in m.rules]


def test_a_message_with_only_personal_data_gets_only_the_reminder():
    turn = dialogue.set_audience("mitt personnummer är [personnummer borttaget]", None, {})
    assert len(turn.messages) == 1 and "Skriv aldrig personnummer" in turn.messages[0].text


def test_skip_and_stop_are_read_from_the_text_inside_a_check():
    turn = dialogue.start_check("invitations", "", [], {"region": "halland"}, TODAY)
    slots = {"region": "halland", **turn.slots}
    slots.update(dialogue.ask_case(slots, TODAY).slots)
    reply, done = dialogue.case_answer("hoppa över", slots, TODAY)
    assert not done or reply.slots["case"]["skipped"] == ["organisations"]
    assert reply.slots["case"]["skipped"] == ["organisations"] and not reply.slots["case"].get("stopped")
    reply, done = dialogue.case_answer("avbryt", {**slots, **reply.slots}, TODAY)
    assert done and reply.slots["case"]["stopped"]
    result = dialogue.case_result({**slots, **reply.slots}, TODAY)
    assert "avbryter" in texts(result) and result.slots["case"] is None


def test_a_long_no_is_an_answer_not_a_stop():
    slots = {"region": "halland", "case": {"check": "invitations", "facts": {"organisations": [{"id": "bup", "ongoing": None}]},
                                           "skipped": [], "asking": "ongoing:bup"}}
    reply, done = dialogue.case_answer("nej, ingen kontakt än", slots, TODAY)
    assert reply.slots["case"]["facts"]["organisations"] == [{"id": "bup", "ongoing": False}]


def test_stop_without_a_check_says_there_is_none():
    assert "ingen pågående bedömning" in texts(dialogue.stop_case({}))


@pytest.mark.parametrize("text, audience, starts", [
    ("kan vi kalla BUP direkt eller behövs remiss först?", None, False),      # one organisation: a general question
    ("vem ska vi kalla? barnet har BUP och skolan", None, True),               # two: a case
    ("jag är 16 år, måste jag själv säga ja till en sip?", "young", False),   # young people get the general answer
    ("kan du bedöma vårt ärende, hon är 12", None, True),                      # asked for an assessment
])
def test_which_questions_start_a_case_check(text, audience, starts):
    intent = "ask_referral" if "remiss" in text else "ask_invite" if "kalla" in text else "ask_consent_child"
    turn = dialogue.question(intent, text, [], {"region": "halland", "audience": audience}, TODAY)
    assert turn.slots["case_start"] is starts


def test_a_role_with_a_place_sets_both():
    turn = dialogue.set_audience("jag jobbar som kurator i Jönköping", "kurator", {})
    assert turn.slots["audience"] == "staff" and turn.slots["region"] == "jonkoping"


def test_the_last_follow_up_date_is_read_from_foljdes_upp():
    from bot import facts
    assert "last_follow_up" in facts.dates("planen följdes upp senast 10 januari 2026", TODAY)


def test_an_adult_is_asked_whether_they_can_consent():
    turn = dialogue.question("ask_consent", "vi har en 25-åring med flera insatser, vems samtycke behövs?", [],
                             {"region": "skane"}, TODAY)
    slots = {"region": "skane", **turn.slots}
    assert dialogue.ask_case(slots, TODAY).slots["case"]["asking"] == "can_consent"
