"""A second opinion on what a message asks: ranked retrieval over the knowledge base.

Rasa's intent classifier reads a message as one thing. A real first message often says
several ("Jag är mamma i Malmö. Skolan vill ha SIP. Vad händer nu?"), or asks in words the
training data never had. This index ranks the question intents of ``knowledge/questions.yml``
for a piece of text, from what the knowledge base says about each: its topics' titles and
questions, the short form and statement of every rule on those topics (all regions) and the
intent's NLU training examples (``data/nlu/questions_*.yml``; never the held-out sets).

Text is folded (lower case, å/ä/ö → a/a/o, punctuation dropped) and compared as TF-IDF over
character n-grams within words (3–5) and over word stems (the first 6 letters of each word),
so a typo, a missing ring on an å or an inflection still meets its match. An intent scores the
mean of its best three matches. Pure Python (scikit-learn, which Rasa already brings); built
once per process, a query takes about a millisecond.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

from bot.answers import questions
from bot.knowledge import KnowledgeBase, knowledge
from bot.yamlio import load_yaml

ROOT = Path(__file__).resolve().parent.parent
NLU_FILES = sorted((ROOT / "data" / "nlu").glob("questions_*.yml"))
_FOLD = str.maketrans("åäöéüÅÄÖÉÜ", "aaoeuaaoeu")
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")
_NON_WORD = re.compile(r"[^a-z0-9 ]+")
# Words that say nothing about the topic; left out of the word features.
_STOP = set("""jag du vi ni han hon hen de den det dem oss er mig dig sig min mitt mina din ditt dina var vart vara
er ert era och att som for pa i av med till om en ett har ar kan ska far vill maste behover blir bli vara nar hur
vad vem vilka vilken vilket var varfor inte nu sa eller men fran ocks ocksa alla allt man sip sipen""".split())


def fold(text: str) -> str:
    """Lower case, no diacritics, no punctuation, annotations reduced to their text."""
    text = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), text or "")
    return " ".join(_NON_WORD.sub(" ", text.lower().translate(_FOLD)).split())


def _stems(text: str) -> str:
    return " ".join(w[:6] for w in fold(text).split() if w not in _STOP and len(w) > 1)


@dataclass(frozen=True)
class Hit:
    intent: str
    score: float


class Index:
    def __init__(self, documents: List[Tuple[str, str]]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.intents = [intent for intent, _ in documents]
        texts = [text for _, text in documents]
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), preprocessor=fold, sublinear_tf=True)
        self.words = TfidfVectorizer(analyzer="word", preprocessor=_stems, token_pattern=r"\S+", sublinear_tf=True)
        self.char_matrix = self.chars.fit_transform(texts)
        self.word_matrix = self.words.fit_transform(texts)
        self.by_intent: Dict[str, List[int]] = {}
        for i, intent in enumerate(self.intents):
            self.by_intent.setdefault(intent, []).append(i)

    def rank(self, text: str, top: int = 5) -> List[Hit]:
        if not fold(text):
            return []
        sims = (0.5 * (self.char_matrix @ self.chars.transform([text]).T).toarray().ravel()
                + 0.5 * (self.word_matrix @ self.words.transform([text]).T).toarray().ravel())
        scored = []
        for intent, rows in self.by_intent.items():
            best = sorted((sims[i] for i in rows), reverse=True)[:3]
            scored.append(Hit(intent, float(sum(best) / 3)))
        scored.sort(key=lambda h: -h.score)
        return scored[:top]


def documents(kb: KnowledgeBase) -> List[Tuple[str, str]]:
    """(intent, text) pairs: what each question intent's topics say, and its examples."""
    docs: List[Tuple[str, str]] = []
    for intent, q in questions().items():
        for topic_id in q.topics:
            topic = kb.topics[topic_id]
            docs.append((intent, f"{topic.title}. {topic.question}"))
            for by_topic in kb.rules.values():
                rule = by_topic.get(topic_id)
                if rule is not None:
                    docs.append((intent, rule.short))
    for path in NLU_FILES:
        for block in (load_yaml(path) or {}).get("nlu", []):
            intent = block.get("intent")
            if intent not in questions():
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    docs.append((intent, line[2:]))
    return docs


@lru_cache(maxsize=1)
def index() -> Index:
    return Index(documents(knowledge()))


def rank(text: str, top: int = 5) -> List[Hit]:
    return index().rank(text, top)
