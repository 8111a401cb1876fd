"""Answering a question: the user's intent → topics → the region's rules → text with sources.

``knowledge/questions.yml`` maps every question intent to the topics that answer it (and the
case check the bot can offer). ``answer`` renders those topics for the user's region and
audience: the region's own rule or, where the routine is silent, the national rule with a
note saying so, and at the end the source of every part. Pure Python: no Rasa import.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

from pydantic import BaseModel, Extra
from rapidfuzz import fuzz

from bot.audience import wants_plain
from bot.casecheck import CHECKS
from bot.places import fold_for_lookup
from bot.knowledge import KNOWLEDGE_DIR, Answer, KnowledgeBase, KnowledgeError, knowledge
from bot.render import (DETAILS_HEADING, NATIONAL_DETAILS_HEADING, Shaped, baseline_line, opening, region_label, rule_body, silent_topics_note,
                         sources_and_notes)
from bot.yamlio import load_yaml



class Question(BaseModel):
    intent: str
    topics: List[str]
    check: Optional[str] = None
    regional: bool = True  # False: the same answer everywhere (the bot does not ask for the region)

    class Config:
        extra = Extra.forbid
        allow_mutation = False


class QuestionsFile(BaseModel):
    questions: List[Question]

    class Config:
        extra = Extra.forbid


def load_questions(kb: KnowledgeBase, path: Path) -> Dict[str, Question]:
    parsed = QuestionsFile.parse_obj(load_yaml(path))
    out: Dict[str, Question] = {}
    for q in parsed.questions:
        for t in q.topics:
            if t not in kb.topics:
                raise KnowledgeError(f"{path}: {q.intent}: okänt ämne {t!r}")
        if q.check is not None and q.check not in CHECKS:
            raise KnowledgeError(f"{path}: {q.intent}: okänd kontroll {q.check!r}")
        if q.intent in out:
            raise KnowledgeError(f"{path}: {q.intent} finns två gånger")
        out[q.intent] = q
    return out


@lru_cache(maxsize=1)
def questions() -> Dict[str, Question]:
    return load_questions(knowledge(), KNOWLEDGE_DIR / "questions.yml")


LEAD_MARGIN = 12  # points of similarity a later topic needs over the first to lead the answer


def lead_topic(kb: KnowledgeBase, asked: str, topics: List[str]) -> str:
    """Of the topics an answer covers, the one whose title and question (knowledge/topics.yml)
    the user's words are most like; the first topic when the words do not tell."""
    if not asked or asked.startswith("/"):
        return topics[0]
    asking = [part for part in re.split(r"(?<=[.!?])\s+", asked) if part.rstrip().endswith("?")]
    words = fold_for_lookup(" ".join(asking) or asked)  # "Hej! Jag är kurator i Varberg. Behöver båda …?"
    score = {t: fuzz.token_set_ratio(words, fold_for_lookup(f"{kb.topics[t].title} {kb.topics[t].question}")) for t in topics}
    best = max(topics, key=score.get)
    return best if score[best] >= score[topics[0]] + LEAD_MARGIN else topics[0]


def answer_topics(kb: KnowledgeBase, region: Optional[str], topics: List[str], audience: Optional[str],
                  asked: str = "") -> Shaped:
    """The rules on ``topics`` for ``region``, shaped (bot.render.Shaped): the first topic's
    direct answer first (and, when the routine is silent on it, the one line saying what the
    answer rests on instead); then the region's text on every topic in the reader's register, a
    note on each further topic where the routine is silent; the sources and law notes last."""
    plain = wants_plain(audience)
    if len(topics) > 1 and asked:  # "Behöver båda vårdnadshavarna samtycka?": that rule's answer first
        lead = lead_topic(kb, asked, topics)
        topics = [lead] + [t for t in topics if t != lead]
    answers = [kb.answer(region, t) for t in topics]
    first = answers[0]
    lead = opening(kb, first)
    silent = [a for a in answers if a.national]
    if first.national:
        lead += " " + baseline_line(kb, [first], region)
    details: List[str] = []
    heading = None
    for a in answers:  # each run of the routine's own rules, or of the national baseline, under its heading
        now = NATIONAL_DETAILS_HEADING if a.national else DETAILS_HEADING.format(region=region_label(kb, region))
        if region in kb.region_ids and now != heading:
            details.append(now)
            heading = now
        details.append(rule_body(a, plain, audience))
    later = silent_topics_note(kb, region, [a for a in silent if a is not first])
    if later:
        details.append(later)
    sources, notes = sources_and_notes(kb, answers)
    return Shaped(lead, details, sources, notes, answers,
                  national=[region] if silent and region in kb.region_ids else [])
