"""Reading a whole message (bot.understand) and answering it (bot.dialogue.free_message),
without Rasa: the user's own place apart from a case's places, a question after a
self-introduction, a case in free words, dates computed at once, short answers to the bot's
own buttons, and an honest answer to a SIP question no rule answers."""

import datetime as dt

import pytest

from bot import dialogue, understand
from bot.places import directory

TODAY = dt.date(2026, 12, 4)


def texts(turn):
    return "\n".join(m.text for m in turn.messages)


def rules(turn):
    return [r for m in turn.messages for r in m.rules]


def reply(text, slots=None, intent="nlu_fallback", confidence=0.55, ranking=(), segments=()):
    reading = understand.read(text, intent, confidence, ranking, segments, [], directory(), TODAY)
    return reading, dialogue.free_message(reading, [], dict(slots or {}), TODAY)


@pytest.mark.parametrize("text, own, case", [
    ("jag jobbar i Lund", "skane", []),
    ("Pojken bodde tidigare i Göteborg, vem ska kalla till SIP?", None, ["annan"]),
    ("Vi bor i Varberg men flickan flyttar till Malmö i vår", "halland", ["skane"]),
    ("Familjen kommer från Uppsala och bor nu hos oss i Jönköping", "jonkoping", ["uppsala"]),
    ("kurator i Laholm här", "halland", []),
])
def test_own_place_and_case_places(text, own, case):
    place, competing, case_places = understand.places_in(text, directory())
    assert (place.region if place else None) == own
    assert [p.region for p in case_places] == case
    assert not competing


def test_a_place_in_a_case_does_not_change_the_users_region():
    _, turn = reply("Pojken bodde tidigare i Göteborg, vem ska kalla till SIP?", {"region": "skane"},
                    intent="ask_invite", confidence=0.8)
    assert turn.slots.get("region", "skane") == "skane"
    assert [m.region for m in turn.messages if m.rules] == ["skane"]
    assert "Göteborg" not in texts(turn)


@pytest.mark.parametrize("text, region", [
    ("Jag är mamma i Malmö. Skolan vill ha SIP. Vad är SIP?", "skane"),
    ("Jag är 15 år och bor i Jönköping. Vad är en SIP och måste jag gå dit?", "jonkoping"),
])
def test_place_and_question_in_one_message_sets_the_region_and_answers(text, region):
    segments = [{"text": s, "intent": "what_is_sip" if "SIP" in s else "set_role", "confidence": 0.8}
                for s in understand.sentences(text)]
    reading, turn = reply(text, segments=segments)
    assert reading.question == "what_is_sip"
    assert turn.slots["region"] == region
    assert any(r.endswith("sip.what") for r in rules(turn)), texts(turn)


def test_a_question_after_the_region_question_is_kept_and_answered_once_the_place_is_said():
    slots = {"pending": "ask_invite", "pending_text": "vem ska jag kalla?"}
    reading, turn = reply("Jag jobbar i Växjö kommun", slots, intent="inform_region", confidence=0.9)
    assert dialogue.only_a_place(reading)
    _, turn = reply("Jag jobbar i Växjö kommun, tack", slots)
    assert "national.invitation.who" in rules(turn)


def test_dates_in_a_question_are_computed_at_once():
    reading, turn = reply("Samtycket skrevs under 10 mars 2026 – hur länge gäller det?", {"region": "halland"},
                          intent="ask_consent_duration", confidence=0.95)
    assert "gäller längst till och med: 9 mars 2027" in texts(turn)
    assert turn.slots.get("case_start") is False


def test_a_case_in_free_words_starts_the_check_with_the_facts_given():
    _, turn = reply("en 16-åring med två vårdnadshavare där bara den ena samtycker", {"region": "halland"})
    state = turn.slots.get("case")
    assert state and state["check"] == "consent" and state["facts"]["age"] == 16


def test_a_short_answer_picks_the_offered_button():
    offered = [["Halland", '/inform_region{"region":"halland"}'], ["Skåne", '/inform_region{"region":"skane"}']]
    _, turn = reply("2", {"offered": offered, "pending": "ask_invite", "pending_text": "vem kallas?"})
    assert turn.slots["region"] == "skane"
    assert "national.invitation.who" in rules(turn) or "skane.invitation.who" in rules(turn)


def test_ja_takes_the_first_offered_button_and_nej_lets_the_user_ask():
    offered = [["Starta guiden", "/guide_start"]]
    _, yes = reply("ja", {"offered": offered, "region": "uppsala"})
    assert "Steg 1 av" in texts(yes)
    _, no = reply("nej", {"offered": offered, "region": "uppsala"})
    assert "Vad vill du veta" in texts(no)


def test_skipping_the_region_question_answers_from_the_national_baseline():
    offered = [[title, payload] for title, payload in dialogue.REGION_BUTTONS]
    _, turn = reply("hoppa över", {"offered": offered, "pending": "ask_invite", "pending_text": "vem ska kallas?"})
    assert turn.slots["region"] == "annan"
    assert "national.invitation.who" in rules(turn)


def test_a_sip_question_no_rule_answers_gets_an_honest_answer_and_nearby_topics():
    reading, turn = reply("Får vi spela in SIP-mötet?", {"region": "uppsala"})
    text = texts(turn)
    assert "förstod inte" not in text
    assert "Jag hittar inget i rutinen för Uppsala län" in text and "SIP-samordnare" in text


def test_something_else_entirely_gets_what_the_bot_can_help_with():
    _, turn = reply("vad blir det för väder i helgen", {"region": "uppsala"})
    assert "Jag svarar på frågor om SIP" in texts(turn)


@pytest.mark.parametrize("text, kind", [("ja", "yes"), ("Nej.", "no"), ("2", "2"), ("den andra", "2"),
                                        ("hoppa över", "skip"), ("vet inte", "skip"), ("ja, vi har två", None)])
def test_short_answers(text, kind):
    assert understand.short_answer(text) == kind


@pytest.mark.parametrize("text, region_known, own, case", [
    ("Mamma i Håbo: vår dotter är 10, hur kan hon vara delaktig?", False, "uppsala", []),
    ("Arbetar på en vårdcentral i Kristianstad. Hur ofta ska en SIP följas upp?", False, "skane", []),
    ("Pappan bor i Skåne och säger nej. Räcker det med mammans ja?", True, None, ["skane"]),
    ("BUP-mottagningen i Huddinge har kontakt med eleven, ska de kallas?", True, None, ["annan"]),
    ("jag har också ett ärende i Värnamo, kan vi avsluta sip:en där?", True, "jonkoping", []),
    ("I live in Malmö. What is SIP?", False, "skane", []),
])
def test_whose_place_a_clause_names(text, region_known, own, case):
    place, _, case_places = understand.places_in(text, directory(), region_known)
    assert (place.region if place else None) == own
    assert [p.region for p in case_places] == case


def test_an_offered_button_is_answered_by_its_title():
    offered = [["Halland", '/inform_region{"region":"halland"}'], ["Annan kommun", '/inform_region{"region":"annan"}']]
    assert understand.offered_choice("annan", offered) == 1
    assert understand.offered_choice("halland", offered) == 0
    assert understand.offered_choice("vem ska jag kalla till mötet?", offered) is None


def test_a_clearly_off_topic_message_is_not_read_as_a_case():
    reading, turn = reply("vad blir det för väder imorgon", {}, intent="out_of_scope", confidence=0.95)
    assert reading.off_topic and "Jag svarar på frågor om SIP" in texts(turn)
    assert not turn.slots.get("pending")


def test_a_move_out_of_the_region_is_a_reason_to_close():
    turn = dialogue.question("ask_close", "Familjen flyttar till Umeå i januari – kan vi avsluta planen?", [], {"region": "skane"}, TODAY)
    assert "skane.closing.grounds" in rules(turn) and "flyttar utanför regionen" in texts(turn)
    assert "Planen blir förverkad" not in texts(turn)  # the date of the move is not the plan's


def test_a_message_in_english_keeps_its_place_and_gets_the_swedish_answer():
    reading, turn = reply("What is SIP? I live in Malmö.")
    assert turn.slots["region"] == "skane" and "skane.sip.what" in rules(turn)
    assert "answers in Swedish" in texts(turn)


def test_a_likely_answer_that_does_not_speak_of_the_question_gives_way_to_an_honest_one():
    reading, turn = reply("Får jag ta med hunden på SIP-mötet?", {"region": "skane"}, intent="ask_other_actors", confidence=0.7)
    assert reading.question is None and (reading.unknown or reading.uncovered)
    assert "Jag hittar inget i rutinen för Skåne" in texts(turn)


def test_a_parent_asking_about_a_refusal_also_gets_the_two_guardian_rule():
    turn = dialogue.question("ask_consent_refused", "jag är mamma och pappan vägrar, vad gör vi?", [], {"region": "halland"}, TODAY)
    assert "halland.consent.both_guardians" in rules(turn) and "halland.consent.refused" in rules(turn)
    assert "dina vårdnadshavare" not in texts(turn).lower()


def test_what_a_question_is_about_may_stand_in_a_sentence_that_asks_nothing():
    segments = [{"text": "En förälder vill spela in SIP-mötet på mobilen.", "intent": "ask_other_actors", "confidence": 0.7},
                {"text": "Är det tillåtet?", "intent": "nlu_fallback", "confidence": 0.55}]
    reading, turn = reply("En förälder vill spela in SIP-mötet på mobilen. Är det tillåtet?", {"region": "skane"},
                          intent="ask_other_actors", confidence=0.83, segments=segments)
    assert reading.question is None and "inspelning" in reading.unknown
    assert "SIP-samordnare" in texts(turn)


def test_the_asking_sentence_goes_before_a_whole_rasa_is_unsure_of():
    text = "Jag är läkare på barnkliniken i Uppsala. Hur snabbt måste SIP-arbetet komma igång?"
    segments = [{"text": "Jag är läkare på barnkliniken i Uppsala.", "intent": "inform_region", "confidence": 0.74},
                {"text": "Hur snabbt måste SIP-arbetet komma igång?", "intent": "ask_deadline", "confidence": 0.97}]
    reading, turn = reply(text, intent="ask_child_participation", confidence=0.57, segments=segments)
    assert reading.question == "ask_deadline"
    assert "uppsala.deadline.start" in rules(turn)


def test_who_calls_is_the_initiative_and_whom_to_call_the_invitation():
    assert understand.read("Vem ska kalla till SIP?", "ask_invite", 0.9, [], [], [], directory(), TODAY).question == "ask_initiative"
    assert understand.read("Vem ska jag kalla till SIP?", "ask_invite", 0.9, [], [], [], directory(), TODAY).question == "ask_invite"


def test_a_move_here_is_no_reason_to_close():
    turn = dialogue.question("ask_revision", "Eleven flyttade hit från Jönköping i höstas och hade en SIP där. Ska vi göra en ny?",
                             [], {"region": "halland"}, TODAY)
    assert "halland.follow_up.revision" in rules(turn) and "halland.closing.grounds" not in rules(turn)


def test_a_consent_date_and_is_it_still_valid_computes_the_expiry():
    reading, turn = reply("Samtycket gavs muntligt 1 december 2025. Gäller det på mötet den 10 december 2026?", {"region": "halland"})
    assert reading.question == "ask_consent_duration"
    assert "30 november 2026" in texts(turn)


def test_a_self_introduction_with_a_workplace_is_no_case():
    reading, turn = reply("kurator på en skola i Halmstad", {}, intent="inform_region", confidence=0.99)
    assert reading.introduction and "organisations" not in reading.facts
    assert not turn.slots.get("case") and turn.slots["region"] == "halland"


def test_the_honest_answer_offers_the_rule_the_users_region_would_show():
    reading, turn = reply("Eleven får panik i rum utan fönster. Säger riktlinjen något om vilken lokal vi ska ha?",
                          {"region": "uppsala"})
    assert "SIP-samordnare" in texts(turn) and "uppsala.meeting.digital" in rules(turn)


@pytest.mark.parametrize("text, expected", [
    ("Mannen är 45, har demens och en förvaltare.", {"legal_representative": True, "can_consent": False}),
    ("jag mamma, pappa inte vill SIP", {"guardians": 2, "guardians_consenting": 1}),
    ("Vi har en SIP som ingen har följt upp på över ett år.", {"last_follow_up": dt.date(2025, 12, 4)}),
])
def test_facts_in_free_words(text, expected):
    from bot import facts

    found = facts.from_text(text, TODAY)
    assert {k: found.get(k) for k in expected} == expected


def test_skip_with_nothing_asked_gets_the_main_choices():
    turn = dialogue.stop_case({"case": None, "offered": None}, "hoppa över")
    assert dialogue.NOTHING_ASKED in texts(turn) and len(turn.messages[-1].buttons) >= 2


def test_a_contact_compound_names_the_organisation_and_its_contact():
    from bot import facts

    found = facts.from_text("Barnet har habiliteringskontakt i Halland sedan förra året.", TODAY)
    assert found["organisations"] == [{"id": "habilitering", "ongoing": True}]


def test_english_gothenburg_and_a_meeting_in_english():
    turn = dialogue.english("I work at a school in Gothenburg. Can the school call a SIP meeting?", {}, TODAY)
    assert turn.slots["region"] == "annan" and "national.initiative.school" in rules(turn)
    turn = dialogue.english("Can the SIP meeting be in English? My Swedish is not good.", {"region": "annan"}, TODAY)
    assert "SIP-samordnare" in texts(turn) and "tolk" in texts(turn)


def test_who_calls_also_wins_over_a_weak_reading():
    reading = understand.read("Jag är kurator i Uppsala och har en elev som flyttat hit från Haninge. Vad säger rutinen om vem som kallar?",
                              "nlu_fallback", 0.55, [{"name": "ask_invite_function", "confidence": 0.39}], [], [], directory(), TODAY)
    assert reading.question == "ask_initiative"
