"""Comparing regions in the conversation: "hur skiljer sig Halland och Skåne om samtycke?".

The subject (a topic group or a single topic) is found from the words of the question
(each group's ``keywords`` in knowledge/topics.yml), the regions from the places named
(none or one named: all five). The answer is each region's rule in short form, "säger
inget" where a routine is silent, and the sources. Pure Python: no Rasa import.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from bot.knowledge import REGION_IDS, KnowledgeBase
from bot.places import Directory, fold_for_lookup
from bot.render import Shaped, opening, region_label, source_lines, sources_and_notes
from bot.rules import compare, differs

MAX_TOPICS = 4  # a group with more topics is summarised by those that differ


def subject(kb: KnowledgeBase, text: str) -> Optional[str]:
    """The group (or topic) the question is about, or None."""
    words = f" {fold_for_lookup(text)} "
    best: Tuple[int, Optional[str]] = (0, None)
    for topic in kb.topics.values():  # a topic named in full wins ("hur länge samtycket gäller")
        title = fold_for_lookup(topic.title)
        if f" {title} " in words and len(title) > best[0]:
            best = (len(title), topic.id)
    if best[1]:
        return best[1]
    for group in kb.groups.values():
        for keyword in group.keywords:
            k = fold_for_lookup(keyword)
            if f" {k}" in words and len(k) > best[0]:
                best = (len(k), group.id)
    return best[1]


def regions_named(directory: Directory, text: str) -> List[str]:
    found: List[str] = []
    for place in directory.find(text):
        if place.region in REGION_IDS and place.region not in found:
            found.append(place.region)
    return found


def compare_answer(kb: KnowledgeBase, subject_id: str, regions: List[str]) -> Tuple[str, list]:
    """The comparison text and the rules it states."""
    regions = [r for r in regions if r in REGION_IDS] or list(kb.regions())
    if len(regions) < 2:
        regions = list(kb.regions())
    rows = compare(kb, subject_id, regions)
    title = kb.groups[subject_id].title if subject_id in kb.groups else kb.topics[subject_id].title
    names = ", ".join(region_label(kb, r) for r in regions)
    lines = [f"Så skiljer sig rutinerna om {title.lower()} ({names}):"]
    shown = [t for t, cells in rows.items() if differs(cells)] or list(rows)
    used = []
    for topic_id in shown[:MAX_TOPICS]:
        cells = rows[topic_id]
        lines.append("")
        lines.append(f"{kb.topics[topic_id].title}:")
        for c in cells:
            if c.silent:
                lines.append(f"• {region_label(kb, c.region)}: säger inget (då gäller den nationella grunden).")
            else:
                lines.append(f"• {region_label(kb, c.region)}: {c.answer.rule.short}")
                used.append(c.answer)
    same = [t for t, cells in rows.items() if not differs(cells)]
    if same and len(shown) < len(rows):
        lines.append("")
        lines.append("Lika i rutinerna: " + ", ".join(kb.topics[t].title.lower() for t in same) + ".")
    if len(shown) > MAX_TOPICS:
        rest = ", ".join(kb.topics[t].title.lower() for t in shown[MAX_TOPICS:])
        lines.append(f"Fler skillnader finns om: {rest}. Fråga gärna om ett av dem, till exempel "
                     f"”hur skiljer sig regionerna om {kb.topics[shown[MAX_TOPICS]].title.lower()}?”.")
    return "\n".join(lines) + "\n\n" + "\n".join(source_lines(kb, used)), used


SILENT_CELL = "Säger inget (nationell grund gäller)"


def compare_shaped(kb: KnowledgeBase, subject_id: str, regions: List[str]) -> Shaped:
    """The comparison, shaped: the heading first, a real table (one row per region, one column per
    topic that differs; each cell the region's direct answer) with the text as its equivalent."""
    text, used = compare_answer(kb, subject_id, regions)
    body, _, _ = text.partition("\n\nKälla")
    head, _, rest = body.partition("\n")
    regions = [r for r in regions if r in REGION_IDS]
    regions = regions if len(regions) >= 2 else list(kb.regions())
    rows = compare(kb, subject_id, regions)
    shown = ([t for t, cells in rows.items() if differs(cells)] or list(rows))[:MAX_TOPICS]
    table = {"kind": "table", "caption": head.rstrip(":"),
             "columns": ["Region"] + [kb.topics[t].title for t in shown],
             "rows": [[region_label(kb, r)] + [SILENT_CELL if cell.silent else opening(kb, cell.answer)
                                               for t in shown for cell in rows[t] if cell.region == r]
                      for r in regions]}
    sources, notes = sources_and_notes(kb, used)
    return Shaped(head, [rest.strip()], sources, notes, used, visual=table)
