"""Turning rules and decisions into the text the user reads, always ending with the source.

``source_lines`` is the one place that says where an answer comes from: the document, the
section, the laws it quotes, and — when the user's routine is silent — that the national
baseline was used instead. Pure Python: no Rasa import.
"""

from __future__ import annotations

from typing import Iterable, List, Optional

from bot.places import directory
from bot.knowledge import REGION_IDS, Answer, Citation, KnowledgeBase, Source
from bot.rules import Decision


def document_label(src: Source) -> str:
    when = src.date.isoformat() if src.date else "odaterad"
    version = f", version {src.version}" if src.version and src.version != "odaterad" else ""
    issuer = src.issuer.split(",")[0].split(" (")[0]
    return f"{src.title} ({issuer}, {when}{version})"


def citation_line(kb: KnowledgeBase, c: Citation) -> str:
    src = kb.sources[c.source]
    line = f"{document_label(src)}, avsnitt ”{c.section}”"
    if c.laws:
        laws = ", ".join(kb.sources[law].short or kb.sources[law].title for law in c.laws)
        line += f" – återger {laws}"
    return line


def region_label(kb: KnowledgeBase, region: Optional[str]) -> str:
    """The region's name as knowledge/regions.yml gives it ("Uppsala län"), or "din kommun"."""
    if region in REGION_IDS:
        return directory().region(region).name
    return "din kommun"


def silence_note(kb: KnowledgeBase, answer: Answer) -> Optional[str]:
    """What to say when the answer is not the region's own rule."""
    if not answer.fallback and answer.region in REGION_IDS:
        return None
    if answer.region in REGION_IDS:
        return (f"Rutinen för {region_label(kb, answer.region)} säger inget om detta. "
                "Svaret bygger på det som gäller nationellt och det som rutinerna har gemensamt.")
    return ("Det finns ingen regional SIP-rutin inlagd för din kommun. "
            "Svaret bygger på lagen och det som alla fem rutinerna har gemensamt – kontrollera er egen rutin.")


def source_lines(kb: KnowledgeBase, answers: Iterable[Answer]) -> List[str]:
    """'Källa:' lines for the answers used: one line per document, its sections in order of
    use (with the laws the quoted text states), then a note for any law that has changed."""
    order: List[str] = []
    sections: dict = {}
    notes: List[str] = []
    for a in answers:
        for c in a.rule.citations:
            if c.source not in sections:
                order.append(c.source)
                sections[c.source] = []
            part = f"”{c.section}”"
            if c.laws:
                part += " (återger " + ", ".join(kb.sources[law].short or kb.sources[law].title for law in c.laws) + ")"
            if part not in sections[c.source]:
                sections[c.source].append(part)
            for law in c.laws:
                note = kb.sources[law].note
                if note and note not in notes:
                    notes.append(note)
    lines = []
    for source in order:
        src = kb.sources[source]
        word = "avsnitt" if len(sections[source]) == 1 else "avsnitten"
        line = f"Källa: {document_label(src)}, {word} {', '.join(sections[source])}"
        if src.url:
            line += f" – {src.url}"
        lines.append(line)
    return lines + [f"Obs: {note}" for note in notes]


def rule_text(kb: KnowledgeBase, answer: Answer, plain: bool = False) -> str:
    """A topic answer: the statement (or its plain version), a silence note if any, the sources."""
    parts = [answer.rule.plain if plain else answer.rule.statement]
    note = silence_note(kb, answer)
    if note:
        parts.append(note)
    parts.extend(source_lines(kb, [answer]))
    return "\n".join(parts)


def decision_text(kb: KnowledgeBase, decision: Decision, plain: bool = False) -> str:
    lines = list(decision.plain if plain else decision.professional)
    fallbacks = [a for a in decision.used if a.fallback]
    if fallbacks:
        titles = ", ".join(kb.topics[a.topic].title.lower() for a in fallbacks)
        lines.append(f"Rutinen för {region_label(kb, decision.region)} säger inget om: {titles}. "
                     "Där bygger svaret på den nationella grunden.")
    elif decision.region not in REGION_IDS:
        lines.append(silence_note(kb, decision.used[0]) if decision.used else "")
    lines.extend(source_lines(kb, decision.used))
    return "\n".join(line for line in lines if line)
