"""Readability of the plain-language texts: LIX (läsbarhetsindex, Björnsson 1968).

LIX = words per sentence + 100 × the share of long words (more than six letters). Below 30 is
very easy, 30–40 easy (everyday news), 40–50 medium, above 50 hard. SIP-guiden keeps its
klarspråk (``plain`` and ``guardian`` texts, the opening answers) at a median of at most 35.
Pure Python.
"""

from __future__ import annotations

import re
import statistics
from typing import Dict, Iterable, List

LIX_TARGET = 35
_WORD = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü]+(?:[-:][A-Za-zÅÄÖåäöÉéÜü]+)*")
_SENTENCE_END = re.compile(r"[.!?:;]+(?=\s|$)|\n+")


def words(text: str) -> List[str]:
    return _WORD.findall(text or "")


def lix(text: str) -> float:
    ws = words(text)
    if not ws:
        return 0.0
    sentences = max(1, len([s for s in _SENTENCE_END.split(text) if words(s)]))
    long_words = sum(1 for w in ws if len(w.replace("-", "").replace(":", "")) > 6)
    return len(ws) / sentences + 100 * long_words / len(ws)


def plain_texts(kb) -> Dict[str, str]:
    """Every klarspråk text of the knowledge base, by "rule id:field"."""
    out: Dict[str, str] = {}
    for rule in kb.all_rules():
        out[f"{rule.id}:plain"] = rule.plain
        if rule.guardian:
            out[f"{rule.id}:guardian"] = rule.guardian
        out[f"{rule.id}:answer"] = rule.answer.replace("{region}", "regionen")
    return out


def summary(texts: Iterable[str]) -> Dict[str, float]:
    scores = sorted(lix(t) for t in texts if words(t))
    if not scores:
        return {"n": 0, "median": 0.0, "p90": 0.0}
    return {"n": len(scores), "median": round(statistics.median(scores), 1),
            "p90": round(scores[min(len(scores) - 1, int(0.9 * len(scores)))], 1)}
