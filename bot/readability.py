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


# ---------------------------------------------------------------- the shape of answers as users meet them
GUIDE_POINT = "☐"


def answer_shape(messages: List[dict], kb) -> List[Dict[str, object]]:
    """For each bot message of a reply that answers with rules (``custom.sipguiden.answer``): the
    words of what is shown first (the opening), its LIX, the guide points shown before "Visa mer",
    and whether it shows another region's routine as a source without the national-baseline line."""
    out: List[Dict[str, object]] = []
    titles = {s.title: s.region for s in kb.sources.values() if s.kind == "routine"}
    for m in messages:
        custom = m.get("custom") if isinstance(m.get("custom"), dict) else {}
        p = custom.get("sipguiden") if isinstance(custom.get("sipguiden"), dict) else None
        if not p or not p.get("answer"):
            continue
        opening = p["answer"]
        region = p.get("region")
        compares = (p.get("visual") or {}).get("kind") == "table"  # a comparison shows the regions asked about
        baseline = "tar inte upp detta" in opening or "ingen SIP-rutin inlagd" in opening or bool(p.get("national"))
        foreign = [t for line in p.get("sources") or [] if line.startswith("Källa:") and "nationell grund" not in line
                   for t, r in titles.items() if t in line and r != region]
        out.append({"words": len(words(opening)), "lix": round(lix(opening), 1),
                    "guide_points": sum(1 for line in opening.splitlines() if line.startswith(GUIDE_POINT)),
                    "foreign_source": bool(foreign) and not baseline and not compares})
    return out


def shape_figures(shapes: List[Dict[str, object]]) -> Dict[str, float]:
    """Median and 90th percentile of the opening's words, answers showing another region's routine
    without the baseline line, guide steps with more than six points before "Visa mer"."""
    counts = sorted(int(s["words"]) for s in shapes)
    if not counts:
        return {"answers": 0}
    return {"answers": len(counts), "words_median": statistics.median(counts),
            "words_p90": counts[min(len(counts) - 1, int(0.9 * len(counts)))],
            "lix_median": statistics.median(float(s["lix"]) for s in shapes),
            "foreign_sources": sum(bool(s["foreign_source"]) for s in shapes),
            "guide_steps_over_six": sum(int(s["guide_points"]) > 6 for s in shapes)}
