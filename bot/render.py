"""Turning rules and decisions into the text the user reads, always ending with the source.

``source_lines`` is the one place that says where an answer comes from: the document, the
section, the laws it quotes, and — when the user's routine is silent — that the national
baseline was used instead. Pure Python: no Rasa import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from bot.audience import wording
from bot.knowledge import Answer, KnowledgeBase, Source
from bot.rules import Decision

# The one place for the wording around a rule's text (``Rule.strength``, the national baseline).
RECOMMENDATION_NOTE = {  # shown after a rule whose strength is "bor": advice, not a duty
    "professional": "Det här är en rekommendation i rutinen, inte ett krav.",
    "plain": "Det här är ett råd i rutinen, inte en regel som måste följas.",
    "professional_national": "Det här är en rekommendation, inte ett krav.",
    "plain_national": "Det här är ett råd, inte en regel som måste följas.",
}
# The notes on a routine's silence, here only (answers, checks, documents, quiz; see also
# BASELINE_SILENT and baseline_line below for an answer resting on the national baseline):
TOPICS_SILENT = "Rutinen för {region} säger inget om: {titles}. Där bygger svaret på lagen och det som de andra rutinerna säger."
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


def region_label(kb: KnowledgeBase, region: Optional[str]) -> str:
    """The region's name as knowledge/regions.yml gives it ("Uppsala län"), or "din kommun"."""
    if region in kb.region_ids:
        return kb.routines[region].name
    return "din kommun"


def silence_note(kb: KnowledgeBase, answer: Answer) -> Optional[str]:
    """What to say when the answer is not the region's own rule: the one baseline line
    (``baseline_line``), the same in answers, documents, the quiz and the calendar."""
    return baseline_line(kb, [answer], answer.region) if answer.national else None


def silent_topics_note(kb: KnowledgeBase, region: Optional[str], answers: Iterable[Answer]) -> Optional[str]:
    """The note naming the topics of ``answers`` on which the region's routine is silent, or None."""
    silent = [a for a in answers if a.fallback]
    if not silent or region not in kb.region_ids:
        return None
    titles = ", ".join(kb.topics[a.topic].title.lower() for a in silent)
    return TOPICS_SILENT.format(region=region_label(kb, region), titles=titles)


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


# ---------------------------------------------------------------- the shape of an answer (issue 14)
# The opening answers the question in one or two sentences (each rule's ``answer``, a check's
# headline); the region's fuller text and the sources follow, under "Visa mer" in the web chat
# and behind a card action in Teams. A law notice (sources.yml ``note``) is shown once per
# conversation (bot.dialogue.finish). A national-baseline answer says so in one line, with one
# compact source line for the routines it rests on, not one line per region.
BASELINE_SILENT = "Rutinen för {region} tar inte upp detta; svaret bygger på {basis}."
BASELINE_NO_ROUTINE = ("Det finns ingen SIP-rutin inlagd för din kommun; svaret bygger på {basis}. "
                       "Kontrollera er egen rutin.")
DETAILS_HEADING = "Så här står det i rutinen för {region}:"
NATIONAL_DETAILS_HEADING = "Den nationella grunden (lagen och det som de andra rutinerna säger):"


@dataclass
class Shaped:
    """An answer in its parts: ``answer`` first, then ``details``, the ``sources`` and the law
    ``notes`` (key, text). ``national``: regions whose routine is silent on what was answered."""

    answer: str
    details: List[str] = field(default_factory=list)
    sources: List[str] = field(default_factory=list)
    notes: List[Tuple[str, str]] = field(default_factory=list)
    answers: List[Answer] = field(default_factory=list)
    national: List[str] = field(default_factory=list)
    visual: Optional[Dict[str, Any]] = None

    @property
    def text(self) -> str:
        """Everything, as one message (REST clients, tests): opening, details, sources, notes."""
        lines = self.sources + [f"Obs: {note}" for _, note in self.notes]
        parts = [self.answer] + [d for d in self.details if d] + (["\n".join(lines)] if lines else [])
        return "\n\n".join(p for p in parts if p)


def and_list(items: List[str]) -> str:
    items = [i for i in items if i]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1] if items else ""


def _cited_regions(kb: KnowledgeBase, answer: Answer) -> List[str]:
    out: List[str] = []
    for c in answer.rule.citations:
        region = kb.sources[c.source].region
        if region and region != answer.region and region not in out:
            out.append(region)
    return out


def _cites_law(kb: KnowledgeBase, answer: Answer) -> bool:
    return any(c.laws or kb.sources[c.source].kind == "law" for c in answer.rule.citations)


def baseline_line(kb: KnowledgeBase, answers: Iterable[Answer], region: Optional[str]) -> Optional[str]:
    """The one line saying that the answer is the national baseline, and what it rests on."""
    national = [a for a in answers if a.national]
    if not national:
        return None
    regions: List[str] = []
    for a in national:
        regions += [r for r in _cited_regions(kb, a) if r not in regions]
    basis = []
    if any(_cites_law(kb, a) for a in national):
        basis.append("lagen")
    if regions:
        basis.append("det som rutin" + ("en" if len(regions) == 1 else "erna") + " i "
                     + and_list([region_label(kb, r) for r in regions]) + " säger")
    words = and_list(basis) or "SIP-guidens sammanfattning av rutinerna"
    if region in kb.region_ids:
        return BASELINE_SILENT.format(region=region_label(kb, region), basis=words)
    return BASELINE_NO_ROUTINE.format(basis=words)


def sources_and_notes(kb: KnowledgeBase, answers: Iterable[Answer]) -> Tuple[List[str], List[Tuple[str, str]]]:
    """The source lines of an answer and its law notes. The user's own routine (and any law
    document) gets a full line per document; the routines behind a national-baseline answer
    share one compact line."""
    answers = list(answers)
    own = [a for a in answers if not a.national]
    national = [a for a in answers if a.national]
    lines = [line for line in source_lines(kb, own) if line.startswith("Källa:")] if own else []
    if national:
        compact: Dict[str, List[str]] = {}  # source id -> sections
        laws: List[str] = []
        for a in national:
            for c in a.rule.citations:
                src = kb.sources[c.source]
                if src.kind == "law":
                    laws.append(c.source)
                    continue
                sections = compact.setdefault(c.source, [])
                if f"”{c.section}”" not in sections:
                    sections.append(f"”{c.section}”")
                laws += [law for law in c.laws]

        def linked(source_id: str, words: str) -> str:
            url = kb.sources[source_id].url
            return f"{words} ({url})" if url else words

        parts = []
        seen_laws = list(dict.fromkeys(laws))
        if seen_laws:
            parts.append(", ".join(linked(law, kb.sources[law].short or kb.sources[law].title) for law in seen_laws))
        if compact:
            parts.append("rutinerna i " + "; ".join(
                linked(sid, f"{region_label(kb, kb.sources[sid].region) if kb.sources[sid].region in kb.region_ids else kb.sources[sid].title}"
                            f" ({', '.join(sections)})")
                for sid, sections in compact.items()))
        lines.append("Källa: nationell grund – " + "; ".join(parts))
    notes: List[Tuple[str, str]] = []
    for a in answers:
        for c in a.rule.citations:
            for law in c.laws:
                if kb.sources[law].note and all(k != law for k, _ in notes):
                    notes.append((law, kb.sources[law].note))
        for law in a.rule.refers_to_laws:
            src = kb.sources[law]
            key = f"own:{law}"
            if all(k != key for k, _ in notes):
                notes.append((key, OWN_LAW_REFERENCE.format(law=src.short or src.title)))
            if src.note and all(k != law for k, _ in notes):
                notes.append((law, src.note))
    return lines, notes


def opening(kb: KnowledgeBase, answer: Answer) -> str:
    """A rule's direct answer (its ``answer``, else its ``short``), with the place filled in."""
    text = answer.rule.answer or answer.rule.short
    return text.replace("{region}", region_label(kb, answer.region))


def decision_shaped(kb: KnowledgeBase, decision: Decision, audience: Optional[str] = None,
                    before: Iterable[str] = (), after: Iterable[str] = ()) -> Shaped:
    """A check's result, shaped: its headline (the direct answer for its outcome, in the reader's
    register) first; the reasoning, the rules' texts and the notes on silent topics after, with
    ``before``/``after`` paragraphs around them; the sources last."""
    professional, plain = decision.headline
    lead = plain if audience in ("guardian", "young") else professional
    dates = decision.details.get("date_lines") or []
    if dates:  # "när senast?": the dates are the answer, those still ahead first, three at most
        ahead = sorted(dates, key=lambda line: line[2])
        lead = " ".join(p if audience in ("guardian", "young") else pro for pro, p, _ in ahead[:3])
    lines = list(decision.text_for(audience))
    fallbacks = [a for a in decision.used if a.fallback]
    if fallbacks:
        lines.append(silent_topics_note(kb, decision.region, fallbacks))
    elif decision.region not in kb.region_ids and decision.used:
        lines.append(baseline_line(kb, decision.used, decision.region) or "")
    sources, notes = sources_and_notes(kb, decision.used)
    details = [p for p in before if p] + ["\n".join(line for line in lines if line)] + [p for p in after if p]
    national = [decision.region] if fallbacks and decision.region in kb.region_ids else []
    return Shaped(lead, details, sources, notes, list(decision.used), national)


def timeline(kb: KnowledgeBase, decision: Decision, facts: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The deadline check's dates as a picture (the web chat) with its text equivalent: the dates
    the user gave and the dates computed, in date order, each marked as the user's own date, a
    rule of the routine, a recommendation, or the national baseline (knowledge/explanations.yml
    ``timeline``)."""
    from bot.rules import swedish_date, wording as wording_table

    table = wording_table()["timeline"]
    kinds = table["kinds"]
    events: List[Dict[str, Any]] = []
    for key, label in table["given"].items():
        value = facts.get(key)
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                value = None
        if isinstance(value, dt.date):
            events.append({"key": key, "label": label, "date": value.isoformat(), "date_text": swedish_date(value),
                           "kind": "uppgift", "kind_text": kinds["uppgift"], "rule": None})
    for dl in decision.details.get("deadlines") or []:
        kind = "nationell" if dl.fallback else ("rekommendation" if dl.kind == "rekommendation" else "regel")
        events.append({"key": dl.key, "label": table["computed"][dl.key], "date": dl.date.isoformat(),
                       "date_text": swedish_date(dl.date), "kind": kind, "kind_text": kinds[kind], "rule": dl.rule_id})
    if not any(e["rule"] for e in events):
        return None
    events.sort(key=lambda e: e["date"])
    label = "Tidslinje: " + "; ".join(f"{e['date_text']} – {e['label']} ({e['kind_text']})" for e in events) + "."
    return {"kind": "timeline", "label": label, "events": events}
