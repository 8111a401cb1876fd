"""Turning rules and decisions into the text the user reads, always ending with the source.

``source_lines`` is the one place that says where an answer comes from: the document, the
section, the laws it quotes, and — when the user's routine is silent — that the national
baseline was used instead. Pure Python: no Rasa import.
"""

from __future__ import annotations

from typing import Iterable, List, Optional

from bot.audience import wording
from bot.places import directory
from bot.knowledge import REGION_IDS, Answer, Citation, KnowledgeBase, Source
from bot.rules import Decision

# The one place for the wording around a rule's text (``Rule.strength``, the national baseline).
RECOMMENDATION_NOTE = {  # shown after a rule whose strength is "bor": advice, not a duty
    "professional": "Det här är en rekommendation i rutinen, inte ett krav.",
    "plain": "Det här är ett råd i rutinen, inte en regel som måste följas.",
    "professional_national": "Det här är en rekommendation, inte ett krav.",
    "plain_national": "Det här är ett råd, inte en regel som måste följas.",
}
REGION_SILENT = "Rutinen för {region} säger inget om detta. Svaret bygger på den nationella grunden: lagen och vad de andra rutinerna säger."
NO_ROUTINE = ("Det finns ingen regional SIP-rutin inlagd för din kommun. Svaret bygger på lagen och på vad de fem "
              "inlagda rutinerna säger – kontrollera er egen rutin.")
OWN_LAW_REFERENCE = "Svaret hänvisar också till {law} – det är SIP-guidens hänvisning, inte rutinens."


def strength_note(answer: Answer, plain: bool = False) -> Optional[str]:
    """One line saying that a rule is a recommendation, or None (duty, possibility, description)."""
    if answer.rule.strength != "bor":
        return None
    key = ("plain" if plain else "professional") + ("_national" if answer.national else "")
    return RECOMMENDATION_NOTE[key]


def rule_body(answer: Answer, plain: bool = False, audience: Optional[str] = None) -> str:
    """The rule's statement (or plain version; for a known audience, its register: see
    bot.audience.wording), with the recommendation note when it is advice."""
    text = wording(answer.rule, audience) if audience else (answer.rule.plain if plain else answer.rule.statement)
    note = strength_note(answer, plain)
    return f"{text}\n{note}" if note else text


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
        return REGION_SILENT.format(region=region_label(kb, answer.region))
    return NO_ROUTINE


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
        for law in a.rule.refers_to_laws:
            src = kb.sources[law]
            for note in (OWN_LAW_REFERENCE.format(law=src.short or src.title), src.note):
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
    """A topic answer: the statement (or its plain version), a note if it is a recommendation,
    a silence note if any, the sources."""
    parts = [rule_body(answer, plain)]
    note = silence_note(kb, answer)
    if note:
        parts.append(note)
    parts.extend(source_lines(kb, [answer]))
    return "\n".join(parts)


def decision_text(kb: KnowledgeBase, decision: Decision, plain: bool = False, audience: Optional[str] = None) -> str:
    lines = list(decision.text_for(audience) if audience else (decision.plain if plain else decision.professional))
    fallbacks = [a for a in decision.used if a.fallback]
    if fallbacks:
        titles = ", ".join(kb.topics[a.topic].title.lower() for a in fallbacks)
        lines.append(f"Rutinen för {region_label(kb, decision.region)} säger inget om: {titles}. "
                     "Där bygger svaret på den nationella grunden.")
    elif decision.region not in REGION_IDS:
        lines.append(silence_note(kb, decision.used[0]) if decision.used else "")
    lines.extend(source_lines(kb, decision.used))
    return "\n".join(line for line in lines if line)
