"""Answering a question: the user's intent → topics → the region's rules → text with sources.

``knowledge/questions.yml`` maps every question intent to the topics that answer it (and the
case check the bot can offer). ``answer`` renders those topics for the user's region and
audience: the region's own rule or, where the routine is silent, the national rule with a
note saying so, and at the end the source of every part. Pure Python: no Rasa import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

from pydantic import BaseModel, Extra

from bot.audience import wants_plain
from bot.casecheck import CHECKS
from bot.knowledge import KNOWLEDGE_DIR, REGION_IDS, Answer, KnowledgeBase, KnowledgeError, knowledge
from bot.render import NO_ROUTINE, REGION_SILENT, region_label, rule_body, source_lines
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


@dataclass
class Reply:
    text: str
    answers: List[Answer] = field(default_factory=list)


def answer_topics(kb: KnowledgeBase, region: Optional[str], topics: List[str], audience: Optional[str]) -> Reply:
    """The rules on ``topics`` for ``region`` as one message: a heading naming where it
    applies, one paragraph per rule, a note on every topic where the routine is silent
    (or that no routine is loaded), and the sources last."""
    plain = wants_plain(audience)
    answers = [kb.answer(region, t) for t in topics]
    paragraphs: List[str] = []
    if region in REGION_IDS:
        paragraphs.append(f"Så här gäller det i {region_label(kb, region)}:")
    for a in answers:
        paragraphs.append(rule_body(a, plain, audience))
    silent = [a for a in answers if a.fallback]
    if region in REGION_IDS and silent:
        titles = ", ".join(kb.topics[a.topic].title.lower() for a in silent)
        if len(silent) == len(answers):
            paragraphs.append(REGION_SILENT.format(region=region_label(kb, region)))
        else:
            paragraphs.append(f"Rutinen för {region_label(kb, region)} säger inget om: {titles}. "
                              "Där bygger svaret på det som gäller nationellt.")
    elif region not in REGION_IDS:
        paragraphs.append(NO_ROUTINE)
    text = "\n\n".join(paragraphs) + "\n\n" + "\n".join(source_lines(kb, answers))
    return Reply(text, answers)
