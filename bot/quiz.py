""""Testa dig själv": a self-test of about ten questions for the user's region, generated from
the knowledge base's rules and params (issue 15 part 3).

Kinds of question (each only where the knowledge base can tell right from wrong):

- ``period``: a routine's numbers – how long consent is valid (consent.duration), how far ahead
  the meeting is planned (invitation.timing), when the invited confirm (invitation.reply),
  within how long the meeting is held (deadline.meeting), the longest time between follow-ups
  (follow_up.when), when a plan is forfeited (closing.forfeiture). The answer is the region's
  number, or "no fixed time" where its rule (or, where it is silent, the national rule) gives
  none;
- ``age``: the age from which the child's own consent counts (consent.child params.age), only
  where the region's routine has a rule on the child's consent;
- ``school``: the school's role (initiative.school params.school);
- ``ground``: a ground for closing the plan (closing.grounds params.grounds; up to two);
- ``lus``: SIP at discharge from inpatient care (invitation.lus params.lus);
- ``referral``: which service needs a referral first (invitation.referral_first);
- ``target``: whom the routine covers (sip.target_group params.children_only);
- ``steps``: how many steps the routine divides the process into (process.steps).

Wrong options are other regions' values, or the national baseline's, and – to make three or
four options – a routine's numbers from another topic. An option that is also right in the
user's region is never a wrong option: numbers are compared as periods (12 months is one year),
and the school's roles by what they imply (a school that may call a SIP may also point out the
need and take part). ``holds`` is the one judge of an option; the generator keeps only
questions with exactly one option that holds.

The state (``quiz``) is a JSON-able dict – the questions asked with their options and the right
one, the answers so far and the score – so a conversation can leave the test and resume it.
``current`` gives the question to ask (text and buttons), ``answer`` takes the user's choice and
gives the feedback (right or wrong, the rule's statement and its sources), ``result`` the score
and the topics to read again. Pure Python: no Rasa import.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

from bot import documents as doc
from bot.knowledge import (CLOSING_GROUNDS, LUS_HANDLING, NATIONAL, REGION_IDS, SCHOOL_ROLES, Answer, KnowledgeBase,
                           Rule, knowledge)
from bot.render import region_label, silence_note, source_lines
from bot.rules import GROUNDS_IN_LAW

SIZE = 10
STATE_VERSION = 1
NONE = "none"


# ---------------------------------------------------------------- the question kinds
@dataclass(frozen=True)
class PeriodQuestion:
    topic: str
    params: Tuple[str, ...]  # the params that hold the number, in order of units
    text: str                # {subject}: "rutinen i Halland"
    option: str              # {period}: "tre veckor"
    none: str                # the option "no fixed time"


PERIOD_QUESTIONS = (
    PeriodQuestion("consent.duration", ("years", "months"),
                   "Hur länge gäller ett samtycke till SIP enligt {subject}?",
                   "Högst {period}", "Ingen giltighetstid anges"),
    PeriodQuestion("invitation.timing", ("weeks", "days"),
                   "Hur långt i förväg planeras SIP-mötet in enligt {subject}?",
                   "Minst {period} före mötet", "Ingen bestämd tid anges"),
    PeriodQuestion("invitation.reply", ("weeks", "days"),
                   "Hur långt före mötet bekräftar de kallade att de kommer, enligt {subject}?",
                   "Senast {period} före mötet", "Ingen svarsfrist anges"),
    PeriodQuestion("deadline.meeting", ("weeks", "days"),
                   "Vilken tidsgräns anger {subject} för SIP-mötet, räknat från att behovet upptäcktes?",
                   "Inom {period}", "Ingen tidsgräns anges"),
    PeriodQuestion("follow_up.when", ("years", "months"),
                   "Hur lång tid får det som längst gå mellan uppföljningarna enligt {subject}?",
                   "{period}", "Inget fast intervall anges"),
    PeriodQuestion("closing.forfeiture", ("months",),
                   "Efter hur lång tid utan uppföljning eller uppdatering räknas en SIP som förverkad enligt {subject}?",
                   "{period}", "Det finns ingen sådan tidsgräns"),
)
PERIODS = {q.topic: q for q in PERIOD_QUESTIONS}
# The numbers of a routine a wrong option may borrow from another topic (same kind: a period).
PERIOD_PARAMS = ("years", "months", "months_auto", "weeks", "days")
# A borrowed period is at most this far from the right one (or the topic's own numbers), in
# log-days: 13 times longer or shorter (30 days against a year, not a week against a year).
BORROW_RANGE = math.log(13)

AGE_TEXT = "Från vilken ålder väger barnets eget samtycke avgörande enligt {subject}?"
AGE_OPTION = "Från {age} år"
AGE_NONE = "Ingen fast åldersgräns anges"

SCHOOL_TEXT = "Vad gäller för skolan och SIP enligt {subject}?"
SCHOOL_LABELS = {
    "part": "Skolan är part och ska, som socialtjänsten och hälso- och sjukvården, ta initiativ till SIP när den ser ett behov.",
    "may_call": "Skolan har ingen skyldighet att ta initiativ till SIP, men får själv kalla till SIP.",
    "may_participate": "Skolan har ingen skyldighet att kalla till SIP, men kan påtala behovet för vården eller "
                       "socialtjänsten och vara delaktig i en SIP.",
}
# What each school option says holds under which role of the routine: a school that may call a
# SIP may also point out the need and take part, so that option is not wrong where it may call.
SCHOOL_TRUE_UNDER = {
    "part": {"part"},
    "may_call": {"may_call"},
    "may_participate": {"may_participate", "may_call"},
}

GROUND_TEXT = "Vilket av följande är ett skäl att avsluta SIP:en enligt {subject}?"

LUS_TEXT = "Vad säger {subject} om SIP vid utskrivning från slutenvården?"
LUS_LABELS = {
    "exception": "Region och socialtjänst deltar även utan pågående ärende: SIP vid utskrivning är ett undantag från huvudregeln.",
    "not_covered": "Rutinen gäller inte SIP vid utskrivning; där gäller en särskild rutin.",
    "primary_care_contact": "Vårdcentralen eller öppenvården utser en fast vårdkontakt som identifierar behovet av SIP.",
}

REFERRAL_TEXT = "Vilken av de här verksamheterna kräver en remiss innan den kan kallas till SIP, enligt {subject}?"

TARGET_TEXT = "Vilka gäller {subject} för?"
TARGET_LABELS = {"children": "Bara barn och unga", "all": "Både barn och vuxna"}

STEPS_TEXT = "I hur många steg delar {subject} in SIP-processen?"

TOPICS_OF = {"age": "consent.child", "school": "initiative.school", "ground": "closing.grounds",
             "lus": "invitation.lus", "referral": "invitation.referral_first", "target": "sip.target_group",
             "steps": "process.steps"}


# ---------------------------------------------------------------- values and the judge
def _period_value(rule: Rule, params: Sequence[str]) -> Optional[Tuple[int, int]]:
    """(months, days) of the rule's period in the given params, or None: 12 months = 1 year,
    1 week = 7 days."""
    p = rule.params
    months = days = 0
    for name in params:
        n = getattr(p, name, None) or 0
        if name == "years":
            months += 12 * n
        elif name in ("months", "months_auto"):
            months += n
        elif name == "weeks":
            days += 7 * n
        elif name == "days":
            days += n
    return (months, days) if months or days else None


def _encode(value: Optional[Tuple[int, int]]) -> str:
    return NONE if value is None else f"{value[0]}m{value[1]}d"


def _words(value: Tuple[int, int], rule: Optional[Rule] = None, params: Sequence[str] = ()) -> str:
    """The period in words as the rule writes it (12 months stay "12 månader")."""
    if rule is not None:
        p = rule.params
        given = {name: getattr(p, name, None) or 0 for name in params}
        return doc.period_words(years=given.get("years", 0), months=given.get("months", 0) + given.get("months_auto", 0),
                                weeks=given.get("weeks", 0), days=given.get("days", 0))
    months, days = value
    years, months = (months // 12, 0) if months and months % 12 == 0 else (0, months)
    weeks, days = (days // 7, 0) if days and days % 7 == 0 else (0, days)
    return doc.period_words(years=years, months=months, weeks=weeks, days=days)


def _own(kb: KnowledgeBase, region: Optional[str], topic: str) -> Optional[Rule]:
    """The rule the region's routine itself gives on the topic (the national one for a
    municipality without a routine), or None when the routine is silent."""
    answer = kb.answer(region, topic)
    return None if answer.fallback else answer.rule


def holds(kb: KnowledgeBase, region: Optional[str], kind: str, topic: str, value: str) -> bool:
    """Whether an option (its value) is right in the region according to the knowledge base."""
    if kind == "period":
        rule = _own(kb, region, topic)
        truth = _period_value(rule, PERIODS[topic].params) if rule is not None else None
        return _encode(truth) == value
    rule = _own(kb, region, topic)
    if rule is None:
        return False
    p = rule.params
    if kind == "age":
        return (NONE if p.age is None else str(p.age)) == value
    if kind == "school":
        return p.school in SCHOOL_TRUE_UNDER[value]
    if kind == "ground":
        return value in (p.grounds or []) or value in GROUNDS_IN_LAW
    if kind == "lus":
        return p.lus == value
    if kind == "referral":
        return value in (p.organisations or [])
    if kind == "target":
        return ("children" if p.children_only else "all") == value
    if kind == "steps":
        return str(len(p.steps or [])) == value
    raise ValueError(f"okänt slag av fråga {kind!r}")


# ---------------------------------------------------------------- generating
@dataclass
class _Draft:
    id: str
    kind: str
    topic: str
    text: str
    options: List[Tuple[str, str]]  # (label, value)
    rule_id: str
    fallback: bool
    priority: int        # 0: the routine's own number or category, 1: its own "none", 2: silent routine
    none_correct: bool = False


def _subject(kb: KnowledgeBase, region: Optional[str]) -> str:
    return f"rutinen i {region_label(kb, region)}" if region in REGION_IDS else "den nationella grunden"


def _all_rules(kb: KnowledgeBase, topic: str) -> List[Rule]:
    return [kb.rules[r][topic] for r in (NATIONAL,) + REGION_IDS if topic in kb.rules.get(r, {})]


def _region_periods(kb: KnowledgeBase, region: Optional[str]) -> set:
    """Every period the region's own rules give, on any topic (never borrowed as a wrong option)."""
    out = set()
    for rule in kb.rules.get(region if region in REGION_IDS else NATIONAL, {}).values():
        for params in [(name,) for name in PERIOD_PARAMS] + [("years", "months", "weeks", "days")]:
            value = _period_value(rule, params)
            if value is not None:
                out.add(value)
    return out


def _days(value: Tuple[int, int]) -> float:
    return value[0] * 30.4 + value[1]


def _period_question(kb: KnowledgeBase, region: Optional[str], spec: PeriodQuestion, rng: random.Random) -> Optional[_Draft]:
    answer = kb.answer(region, spec.topic)
    own = None if answer.fallback else answer.rule
    truth = _period_value(own, spec.params) if own is not None else None
    subject = _subject(kb, region)
    labels: Dict[str, str] = {}  # value -> label
    order: List[str] = []

    def offer(value: Optional[Tuple[int, int]], label: str) -> None:
        key = _encode(value)
        if key not in labels:
            labels[key] = label
            order.append(key)

    offer(truth, spec.none if truth is None else _capital(spec.option.format(period=_words(truth, own, spec.params))))
    if truth is not None:
        offer(None, spec.none)
    # other regions' and the national values on the same topic
    same = []
    for rule in _all_rules(kb, spec.topic):
        value = _period_value(rule, spec.params)
        if value is not None and value != truth:
            same.append((value, _capital(spec.option.format(period=_words(value, rule, spec.params)))))
    rng.shuffle(same)
    for value, label in same:
        offer(value, label)
    # to make four options: other topics' periods of other regions, the nearest first
    if len(order) < 4:
        mine = _region_periods(kb, region)
        borrowed = {}
        for rule in kb.all_rules():
            for name in PERIOD_PARAMS:
                value = _period_value(rule, (name,))
                if value is None or value == truth or value in mine or _encode(value) in labels:
                    continue
                borrowed.setdefault(value, (rule, name))
        reference = truth or next((v for v, _ in same), None) or (0, 21)
        distance = {v: abs(math.log(_days(v)) - math.log(_days(reference))) for v in borrowed}
        for value in sorted(borrowed, key=lambda v: (distance[v], v)):
            if len(order) >= 4 or distance[value] > BORROW_RANGE:
                break
            rule, name = borrowed[value]
            offer(value, _capital(spec.option.format(period=_words(value, rule, (name,)))))
    if len(order) < 2:
        return None
    keys = list(order)
    rng.shuffle(keys)
    return _Draft(f"period:{spec.topic}", "period", spec.topic, spec.text.format(subject=subject),
                  [(labels[k], k) for k in keys], answer.rule.id, answer.fallback,
                  0 if truth is not None else (1 if own is not None else 2), truth is None)


def _age_question(kb: KnowledgeBase, region: Optional[str]) -> Optional[_Draft]:
    own = _own(kb, region, "consent.child")
    if own is None:  # a silent routine: the law's practice may still set an age, so no question
        return None
    values = sorted({r.params.age for r in _all_rules(kb, "consent.child") if r.params.age is not None} |
                    ({own.params.age} if own.params.age is not None else set()))
    options = [(AGE_OPTION.format(age=a), str(a)) for a in values] + [(AGE_NONE, NONE)]
    if len(options) < 2:
        return None
    return _Draft("age:consent.child", "age", "consent.child", AGE_TEXT.format(subject=_subject(kb, region)),
                  options, own.id, False, 0 if own.params.age is not None else 1, own.params.age is None)


def _school_question(kb: KnowledgeBase, region: Optional[str], rng: random.Random) -> Optional[_Draft]:
    own = _own(kb, region, "initiative.school")
    if own is None or own.params.school is None:
        return None
    role = own.params.school
    values = [v for v in SCHOOL_ROLES if v == role or role not in SCHOOL_TRUE_UNDER[v]]
    rng.shuffle(values)
    return _Draft("school:initiative.school", "school", "initiative.school", SCHOOL_TEXT.format(subject=_subject(kb, region)),
                  [(SCHOOL_LABELS[v], v) for v in values], own.id, False, 0)


def _ground_questions(kb: KnowledgeBase, region: Optional[str], rng: random.Random) -> List[_Draft]:
    own = _own(kb, region, "closing.grounds")
    # not for the national baseline: its text also names the grounds some routines add
    if region not in REGION_IDS or own is None or not own.params.grounds:
        return []
    mine = list(own.params.grounds)
    used_elsewhere = {g for r in _all_rules(kb, "closing.grounds") for g in (r.params.grounds or [])}
    wrong = [g for g in CLOSING_GROUNDS if g in used_elsewhere and g not in mine and g not in GROUNDS_IN_LAW]
    if not wrong:
        return []
    rights = [g for g in mine if g not in GROUNDS_IN_LAW] + [g for g in mine if g in GROUNDS_IN_LAW]
    rng.shuffle(rights)
    rights.sort(key=lambda g: g in GROUNDS_IN_LAW)  # the routine's own grounds before the law's
    out = []
    for n, right in enumerate(rights[:2 if len(wrong) >= 2 else 1], start=1):
        picked = rng.sample(wrong, min(3, len(wrong)))
        values = [right] + picked
        rng.shuffle(values)
        out.append(_Draft(f"ground:closing.grounds:{n}", "ground", "closing.grounds",
                          GROUND_TEXT.format(subject=_subject(kb, region)),
                          [(_capital(CLOSING_GROUNDS[v]), v) for v in values], own.id, False, 0))
    return out


def _lus_question(kb: KnowledgeBase, region: Optional[str], rng: random.Random) -> Optional[_Draft]:
    own = _own(kb, region, "invitation.lus")
    if own is None or own.params.lus is None:
        return None
    values = list(LUS_HANDLING)
    rng.shuffle(values)
    return _Draft("lus:invitation.lus", "lus", "invitation.lus", LUS_TEXT.format(subject=_subject(kb, region)),
                  [(LUS_LABELS[v], v) for v in values], own.id, False, 0)


def _referral_question(kb: KnowledgeBase, region: Optional[str], rng: random.Random) -> Optional[_Draft]:
    own = _own(kb, region, "invitation.referral_first")
    if own is None or not own.params.organisations:
        return None
    mine = own.params.organisations
    wrong = sorted({o for r in _all_rules(kb, "invitation.referral_first") for o in (r.params.organisations or [])} - set(mine))
    if not wrong:
        return None
    values = [rng.choice(list(mine))] + rng.sample(wrong, min(3, len(wrong)))
    rng.shuffle(values)
    return _Draft("referral:invitation.referral_first", "referral", "invitation.referral_first",
                  REFERRAL_TEXT.format(subject=_subject(kb, region)),
                  [(_capital(kb.organisations[v].name), v) for v in values], own.id, False, 0)


def _target_question(kb: KnowledgeBase, region: Optional[str]) -> Optional[_Draft]:
    if region not in REGION_IDS:
        return None
    own = _own(kb, region, "sip.target_group")
    if own is None:
        return None
    return _Draft("target:sip.target_group", "target", "sip.target_group", TARGET_TEXT.format(subject=_subject(kb, region)),
                  [(TARGET_LABELS[v], v) for v in ("children", "all")], own.id, False, 0)


def _steps_question(kb: KnowledgeBase, region: Optional[str]) -> Optional[_Draft]:
    own = _own(kb, region, "process.steps")
    if region not in REGION_IDS or own is None or not own.params.steps:  # the national steps are a synthesis
        return None
    counts = sorted({len(r.params.steps) for r in _all_rules(kb, "process.steps") if r.params.steps})
    if len(counts) < 2:
        return None
    return _Draft("steps:process.steps", "steps", "process.steps", STEPS_TEXT.format(subject=_subject(kb, region)),
                  [(f"{_count(n)} steg", str(n)) for n in counts], own.id, False, 0)


def _count(n: int) -> str:
    return {1: "Ett", 2: "Två", 3: "Tre", 4: "Fyra", 5: "Fem", 6: "Sex", 7: "Sju", 8: "Åtta", 9: "Nio", 10: "Tio"}.get(n, str(n))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def candidates(kb: KnowledgeBase, region: Optional[str], rng: random.Random) -> List[_Draft]:
    """Every question the knowledge base supports for the region, each with exactly one right option."""
    found: List[Optional[_Draft]] = [_period_question(kb, region, spec, rng) for spec in PERIOD_QUESTIONS]
    found += [_age_question(kb, region), _school_question(kb, region, rng), _lus_question(kb, region, rng),
              _referral_question(kb, region, rng), _target_question(kb, region), _steps_question(kb, region)]
    found += _ground_questions(kb, region, rng)
    out = []
    for q in found:
        if q is None:
            continue
        right = [holds(kb, region, q.kind, q.topic, value) for _, value in q.options]
        if right.count(True) == 1:
            out.append(q)
    return out


# ---------------------------------------------------------------- the state
def quiz(kb: KnowledgeBase, region: Optional[str], seed: int, size: int = SIZE) -> Dict[str, object]:
    """A new test for the region: a JSON-able state. The seed decides the order of the questions,
    which right ground or service is asked and the order of the options."""
    rng = random.Random(f"{region}:{seed}")
    pool = candidates(kb, region, rng)
    pool.sort(key=lambda q: (q.priority, rng.random()))
    picked: List[_Draft] = []
    nones = 0
    for q in pool:
        if len(picked) >= size:
            break
        if q.none_correct and nones >= size // 2:
            continue
        picked.append(q)
        nones += q.none_correct
    rng.shuffle(picked)
    questions = []
    for q in picked:
        correct = next(i for i, (_, value) in enumerate(q.options) if holds(kb, region, q.kind, q.topic, value))
        questions.append({"id": q.id, "kind": q.kind, "topic": q.topic, "rule": q.rule_id, "fallback": q.fallback,
                          "text": q.text, "options": [label for label, _ in q.options],
                          "values": [value for _, value in q.options], "correct": correct})
    return {"version": STATE_VERSION, "region": region if region in REGION_IDS else None, "seed": seed,
            "questions": questions, "index": 0, "answers": [], "score": 0}


@dataclass(frozen=True)
class Asked:
    number: int   # 1-based
    total: int
    text: str
    buttons: List[Tuple[str, str]]  # (label, payload): the payload is the option's number


def current(state: Mapping[str, object]) -> Optional[Asked]:
    """The question to ask now, or None when the test is done."""
    questions = state["questions"]  # type: ignore[index]
    index = int(state["index"])  # type: ignore[arg-type]
    if index >= len(questions):  # type: ignore[arg-type]
        return None
    q = questions[index]  # type: ignore[index]
    return Asked(index + 1, len(questions), f"Fråga {index + 1} av {len(questions)}: {q['text']}",  # type: ignore[arg-type]
                 [(label, str(i + 1)) for i, label in enumerate(q["options"])])


@dataclass(frozen=True)
class Feedback:
    understood: bool
    correct: bool = False
    chosen: Optional[str] = None
    right: Optional[str] = None
    rule_id: Optional[str] = None
    statement: Optional[str] = None
    sources: Tuple[str, ...] = ()
    text: str = ""
    done: bool = False


def parse_choice(q: Mapping[str, object], choice: Union[int, str]) -> Optional[int]:
    """The option (0-based) the user chose: its number (1-based, int or digits, as the buttons send
    it) or its text (exactly, or the unique option it begins)."""
    options: List[str] = list(q["options"])  # type: ignore[arg-type]
    if isinstance(choice, int) and not isinstance(choice, bool):
        return choice - 1 if 1 <= choice <= len(options) else None
    text = str(choice or "").strip().rstrip(".").casefold()
    if text.isdigit():
        return parse_choice(q, int(text))
    if not text:
        return None
    exact = [i for i, o in enumerate(options) if o.rstrip(".").casefold() == text]
    if exact:
        return exact[0]
    starts = [i for i, o in enumerate(options) if len(text) >= 3 and o.casefold().startswith(text)]
    return starts[0] if len(starts) == 1 else None


def answer(state: Dict[str, object], choice: Union[int, str], kb: Optional[KnowledgeBase] = None) -> Feedback:
    """Take the answer to the current question: update the state (answers, score, next question)
    and give the feedback. A choice that is no option leaves the state as it is."""
    kb = kb or knowledge()
    q_now = current(state)
    if q_now is None:
        return Feedback(False, text="Testet är redan klart.", done=True)
    q = state["questions"][state["index"]]  # type: ignore[index]
    chosen = parse_choice(q, choice)
    if chosen is None:
        return Feedback(False, text=f"Svara med ett av alternativen 1–{len(q['options'])}.")
    right = int(q["correct"])
    ok = chosen == right
    region = state.get("region")
    rule = kb.rule_by_id(q["rule"])
    used = Answer(rule, region or NATIONAL, bool(q["fallback"]))
    lines = [("Rätt!" if ok else f"Inte rätt. Rätt svar: {q['options'][right]}"), rule.statement.strip()]
    note = silence_note(kb, used)
    if note:
        lines.append(note)
    sources = tuple(source_lines(kb, [used]))
    lines += list(sources)
    state["answers"].append({"question": q["id"], "choice": chosen, "correct": ok})  # type: ignore[union-attr]
    state["score"] = int(state["score"]) + (1 if ok else 0)  # type: ignore[arg-type]
    state["index"] = int(state["index"]) + 1  # type: ignore[arg-type]
    return Feedback(True, ok, q["options"][chosen], q["options"][right], rule.id, rule.statement.strip(), sources,
                    "\n".join(lines), current(state) is None)


@dataclass(frozen=True)
class Result:
    score: int
    total: int
    read_again: List[Tuple[str, str]]  # (topic id, topic title) of the questions answered wrong
    text: str


def result(state: Mapping[str, object], kb: Optional[KnowledgeBase] = None) -> Result:
    kb = kb or knowledge()
    by_id = {q["id"]: q for q in state["questions"]}  # type: ignore[union-attr]
    wrong: List[str] = []
    for a in state["answers"]:  # type: ignore[union-attr]
        topic = by_id[a["question"]]["topic"]
        if not a["correct"] and topic not in wrong:
            wrong.append(topic)
    total = len(state["questions"])  # type: ignore[arg-type]
    score = int(state["score"])  # type: ignore[arg-type]
    answered = len(state["answers"])  # type: ignore[arg-type]
    titles = [(t, kb.topics[t].title) for t in wrong]
    text = f"Du fick {score} av {total} rätt." if answered == total else \
        f"Du har svarat på {answered} av {total} frågor och fått {score} rätt."
    if titles:
        text += " Läs gärna igen om: " + ", ".join(title for _, title in titles) + "."
    elif answered == total and total:
        text += " Alla rätt – bra jobbat!"
    return Result(score, total, titles, text)


__all__ = ["Asked", "Feedback", "PERIOD_QUESTIONS", "Result", "SIZE", "answer", "candidates", "current", "holds",
           "parse_choice", "quiz", "result"]
