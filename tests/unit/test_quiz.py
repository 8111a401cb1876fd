""""Testa dig själv" (bot/quiz.py; issue 15 part 3).

The right option of every question is judged here from the knowledge base itself: a period or an
age is read back from the option's Swedish words and compared with the region's params, not with
the quiz's own encoding.
"""

from __future__ import annotations

import json
import re

import pytest

from bot import quiz
from bot.knowledge import CLOSING_GROUNDS, REGION_IDS, KnowledgeBase, Params, knowledge
from bot.render import source_lines

KB = knowledge()
REGIONS = list(REGION_IDS) + [None]
SEEDS = range(6)
PERIOD_PARAMS = {
    "consent.duration": ("years", "months"),
    "invitation.timing": ("weeks", "days"),
    "invitation.reply": ("weeks", "days"),
    "deadline.meeting": ("weeks", "days"),
    "follow_up.when": ("years", "months"),
    "closing.forfeiture": ("months",),
}
NUMBERS = {"en": 1, "ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8, "nio": 9, "tio": 10}
UNIT = re.compile(r"\b(\d+|en|ett|två|tre|fyra|fem|sex|sju|åtta|nio|tio)\s+(år|månad|månader|vecka|veckor|dag|dagar)\b", re.I)
NONE_WORDS = re.compile(r"^(Ingen|Inget|Det finns ingen)\b")


def label_period(label: str):
    """(months, days) read from an option's words ("Minst tre veckor före mötet"), or None."""
    if NONE_WORDS.match(label):
        return None
    months = days = 0
    found = UNIT.findall(label)
    assert found, label
    for number, unit in found:
        n = int(number) if number.isdigit() else NUMBERS[number.lower()]
        unit = unit.lower()
        if unit == "år":
            months += 12 * n
        elif unit.startswith("månad"):
            months += n
        elif unit.startswith("veck"):
            days += 7 * n
        else:
            days += n
    return months, days


def region_period(region, topic):
    """The region's own period on the topic, None when its rule gives none or it is silent."""
    answer = KB.answer(region, topic)
    if answer.fallback:
        return None
    p = answer.rule.params
    months = days = 0
    for name in PERIOD_PARAMS[topic]:
        n = getattr(p, name) or 0
        months += 12 * n if name == "years" else (n if name == "months" else 0)
        days += 7 * n if name == "weeks" else (n if name == "days" else 0)
    return (months, days) if months or days else None


def own(region, topic):
    answer = KB.answer(region, topic)
    return None if answer.fallback else answer.rule


def right_options(region, q):
    """Which options are right in the region, judged from the knowledge base."""
    kind, topic = q["kind"], q["topic"]
    out = []
    for label, value in zip(q["options"], q["values"]):
        if kind == "period":
            out.append(label_period(label) == region_period(region, topic))
        elif kind == "age":
            m = re.search(r"(\d+) år", label)
            out.append((int(m.group(1)) if m else None) == own(region, topic).params.age)
        elif kind == "school":
            role = own(region, topic).params.school
            assert label == quiz.SCHOOL_LABELS[value]
            # "no duty, may point out the need and take part" is also true where the school may call
            out.append(value == role or (value == "may_participate" and role == "may_call"))
        elif kind == "ground":
            assert label == CLOSING_GROUNDS[value][:1].upper() + CLOSING_GROUNDS[value][1:]
            out.append(value in own(region, topic).params.grounds or value == "samtycke_aterkallat")
        elif kind == "lus":
            assert label == quiz.LUS_LABELS[value]
            out.append(value == own(region, topic).params.lus)
        elif kind == "referral":
            assert label.lower() == KB.organisations[value].name.lower()
            out.append(value in own(region, topic).params.organisations)
        elif kind == "target":
            out.append(label == ("Bara barn och unga" if own(region, topic).params.children_only else "Både barn och vuxna"))
        elif kind == "steps":
            words = {"Fem": 5, "Sex": 6, "Sju": 7, "Fyra": 4}
            out.append(words[label.split()[0]] == len(own(region, topic).params.steps))
        else:
            raise AssertionError(kind)
    return out


def states(region):
    return [quiz.quiz(KB, region, seed) for seed in SEEDS]


# ---------------------------------------------------------------- exactly one right option
@pytest.mark.parametrize("region", REGIONS)
def test_every_question_has_exactly_one_right_option_and_it_is_the_marked_one(region):
    for state in states(region):
        for q in state["questions"]:
            right = right_options(region, q)
            assert right.count(True) == 1, (q["text"], q["options"])
            assert right.index(True) == q["correct"], q["text"]
            assert len(q["options"]) >= 2 and len(set(q["options"])) == len(q["options"])


@pytest.mark.parametrize("region", REGIONS)
def test_no_wrong_option_is_a_value_of_the_users_region(region):
    for state in states(region):
        for q in state["questions"]:
            if q["kind"] != "period":
                continue
            truth = region_period(region, q["topic"])
            rule = own(region, q["topic"])
            mine = set()
            if rule is not None:  # every period the region's rule on this topic gives
                for name in ("years", "months", "months_auto", "weeks", "days"):
                    n = getattr(rule.params, name, None)
                    if n:
                        mine.add((12 * n, 0) if name == "years" else (n, 0) if name.startswith("months") else
                                 (0, 7 * n) if name == "weeks" else (0, n))
            for i, label in enumerate(q["options"]):
                if i != q["correct"]:
                    value = label_period(label)
                    assert value != truth and value not in mine, (region, q["text"], label)


def test_twelve_months_and_one_year_are_one_value():
    # Skåne's plan is forfeited after 12 months; one year (Halland's consent, Skåne's follow-up)
    # is the same period and must not be offered as a wrong option
    for state in states("skane"):
        q = next(q for q in state["questions"] if q["topic"] == "closing.forfeiture")
        wrong = [label_period(label) for i, label in enumerate(q["options"]) if i != q["correct"]]
        assert (12, 0) not in wrong
        assert q["options"][q["correct"]] == "12 månader"


def test_two_regions_sharing_a_value_never_make_it_a_wrong_option():
    # a knowledge base where Uppsala limits consent to 12 months, as Halland does with one year
    rules = {region: dict(by_topic) for region, by_topic in KB.rules.items()}
    halland = KB.rules["halland"]["consent.duration"]
    rules["uppsala"]["consent.duration"] = halland.copy(update={"id": "uppsala.consent.duration",
                                                                 "params": Params(months=12)})
    shared = KnowledgeBase(KB.sources, KB.groups, KB.topics, KB.organisations, rules, KB.parameters)
    for seed in SEEDS:
        q = next(q for q in quiz.quiz(shared, "uppsala", seed, size=50)["questions"] if q["topic"] == "consent.duration")
        assert q["options"][q["correct"]] == "Högst 12 månader"
        assert "Högst ett år" not in q["options"]
        assert [label_period(o) for o in q["options"]].count((12, 0)) == 1


def test_a_school_that_may_call_is_not_told_it_cannot_point_out_the_need():
    for state in states("haninge"):
        q = next(q for q in state["questions"] if q["kind"] == "school")
        assert "may_participate" not in q["values"] and q["values"][q["correct"]] == "may_call"


@pytest.mark.parametrize("region", REGIONS)
def test_each_questions_rule_is_the_one_the_region_is_answered_with(region):
    for q in quiz.quiz(KB, region, 1)["questions"]:
        answer = KB.answer(region, q["topic"])
        assert q["rule"] == answer.rule.id and q["fallback"] == answer.fallback


# ---------------------------------------------------------------- the test as a whole
@pytest.mark.parametrize("region", REGION_IDS)
def test_about_ten_questions_most_with_a_real_answer(region):
    for state in states(region):
        n = len(state["questions"])
        assert 8 <= n <= quiz.SIZE
        nones = sum(1 for q in state["questions"] if q["kind"] in ("period", "age")
                    and NONE_WORDS.match(q["options"][q["correct"]]))
        assert nones <= quiz.SIZE // 2
        assert len({q["id"] for q in state["questions"]}) == n


def test_the_order_varies_with_the_seed_and_a_seed_repeats():
    orders = {tuple(q["id"] for q in quiz.quiz(KB, "halland", seed)["questions"]) for seed in SEEDS}
    assert len(orders) > 1
    assert quiz.quiz(KB, "halland", 4) == quiz.quiz(KB, "halland", 4)


@pytest.mark.parametrize("region", REGIONS)
def test_the_state_is_json_and_the_test_can_be_left_and_resumed(region):
    state = quiz.quiz(KB, region, 2)
    assert json.loads(json.dumps(state)) == state
    first = quiz.answer(state, "1")
    assert first.understood
    resumed = json.loads(json.dumps(state, ensure_ascii=False))  # e.g. kept in a Rasa slot
    asked = quiz.current(resumed)
    assert asked.number == 2 and asked.total == len(state["questions"])
    assert asked.buttons == [(o, str(i + 1)) for i, o in enumerate(state["questions"][1]["options"])]
    feedback = quiz.answer(resumed, asked.buttons[0][1])
    assert feedback.understood and resumed["index"] == 2 and len(resumed["answers"]) == 2


@pytest.mark.parametrize("region", REGIONS)
def test_feedback_says_right_or_wrong_with_the_rules_statement_and_source(region):
    state = quiz.quiz(KB, region, 3)
    for i, q in enumerate(list(state["questions"])):
        pick = q["correct"] if i % 2 == 0 else (q["correct"] + 1) % len(q["options"])
        before = state["score"]
        fb = quiz.answer(state, pick + 1)
        answer = KB.answer(region, q["topic"])
        assert fb.understood and fb.correct == (pick == q["correct"])
        assert state["score"] == before + (1 if fb.correct else 0)
        assert fb.text.startswith("Rätt!" if fb.correct else f"Inte rätt. Rätt svar: {q['options'][q['correct']]}")
        assert fb.rule_id == answer.rule.id and answer.rule.statement.strip() in fb.text
        for line in source_lines(KB, [answer]):
            assert line in fb.text
        if answer.fallback:
            assert "tar inte upp detta; svaret bygger på" in fb.text
        assert fb.done == (i == len(state["questions"]) - 1)
    result = quiz.result(state)
    wrong_topics = [q["topic"] for i, q in enumerate(state["questions"]) if i % 2 == 1]
    assert result.score == len(state["questions"]) - len(wrong_topics)
    assert [t for t, _ in result.read_again] == list(dict.fromkeys(wrong_topics))
    assert result.text.startswith(f"Du fick {result.score} av {result.total} rätt.")
    for _, title in result.read_again:
        assert title in result.text


def test_a_choice_that_is_no_option_changes_nothing():
    state = quiz.quiz(KB, "uppsala", 1)
    snapshot = json.dumps(state)
    for choice in ("9", 0, "", "kanske", len(state["questions"][0]["options"]) + 1):
        fb = quiz.answer(state, choice)
        assert not fb.understood and "Svara med ett av alternativen" in fb.text
    assert json.dumps(state) == snapshot


def test_the_option_may_be_given_by_its_words():
    state = quiz.quiz(KB, "skane", 5)
    q = state["questions"][0]
    fb = quiz.answer(state, q["options"][q["correct"]].lower())
    assert fb.understood and fb.correct


def test_all_right_and_after_the_end():
    state = quiz.quiz(KB, "halland", 8)
    for q in list(state["questions"]):
        quiz.answer(state, q["correct"] + 1)
    assert quiz.current(state) is None
    result = quiz.result(state)
    assert result.score == result.total and result.read_again == [] and "Alla rätt" in result.text
    assert not quiz.answer(state, "1").understood


def test_a_test_left_halfway_reports_how_far_it_came():
    state = quiz.quiz(KB, "haninge", 1)
    quiz.answer(state, state["questions"][0]["correct"] + 1)
    assert quiz.result(state).text.startswith(f"Du har svarat på 1 av {len(state['questions'])} frågor och fått 1 rätt.")


@pytest.mark.parametrize("region", REGION_IDS)
def test_the_routines_own_numbers_are_asked(region):
    asked = set()
    for state in states(region):
        asked |= {q["topic"] for q in state["questions"]}
    for topic in PERIOD_PARAMS:
        if region_period(region, topic) is not None:
            assert topic in asked, topic
    child = own(region, "consent.child")
    if child is not None and child.params.age is not None:
        assert "consent.child" in asked
