"""'Vad betyder det här?': the words of SIP work explained, in the user's register and routine.

``knowledge/glossary.yml`` holds each term's national definition and, where a region's routine
defines or uses the term in its own way (who is "huvudansvarig", who is "sammankallande"), that
region's definition, which is then shown for that region. Every definition has a professional
and a plain (klarspråk) version and citations in the same shape as the rules', each quote
checked against its source text when the glossary is loaded (bot/citations.py), so a
definition is as traceable as a rule. Pure Python: no Rasa import.

``explain(term, region, audience)`` gives the definition as a ``Turn``, shaped like every answer
(the definition first, its source lines as bot.render gives them for rules); ``menu()`` the terms as buttons; ``find(text)`` the term a typed
question asks about ("vad betyder LUS?", "vad är en huvudansvarig?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from pydantic import ValidationError, conlist, constr
from rapidfuzz import fuzz

from bot.audience import wants_plain
from bot.citations import check_citation, fold_ocr
from bot.knowledge import (KNOWLEDGE_DIR, Answer, Citation, KnowledgeBase, KnowledgeError, NonEmpty, _Strict,
                           explain_validation, knowledge)
from bot.places import directory
from bot.yamlio import load_yaml

GLOSSARY_FILE = KNOWLEDGE_DIR / "glossary.yml"
EXPLAIN = "/explain_term"

MENU_TEXT = "Vilket ord vill du ha förklarat? Välj nedan, eller skriv till exempel ”vad betyder LUS?”."
UNKNOWN_TEXT = ("Det ordet finns inte i SIP-guidens ordlista ännu. Välj ett av orden nedan, eller fråga er "
                "SIP-samordnare.")
OWN_NOTE = "Så används ordet i rutinen för {region}."
ASK_REGION_NOTE = ("Rutinerna använder ordet lite olika. Säg vilken kommun det gäller, så förklarar jag hur just "
                   "er rutin använder det.")
MORE_TERMS = "Fler ord"


class Definition(_Strict):
    professional: NonEmpty
    plain: NonEmpty
    citations: conlist(Citation, min_items=1)
    refers_to_laws: List[str] = []


class Term(_Strict):
    id: constr(regex=r"^[a-z_]+$")
    name: NonEmpty
    synonyms: List[NonEmpty] = []
    question: Optional[str] = None  # a question intent of knowledge/questions.yml
    national: Definition
    regions: Dict[str, Definition] = {}

    def aliases(self) -> List[str]:
        return [self.name, *self.synonyms]


class GlossaryFile(_Strict):
    terms: conlist(Term, min_items=1)


@dataclass(frozen=True)
class Cited:
    """A definition as bot.render reads a rule for its source lines: an id, citations, laws it refers to.
    The id is ``<region>.glossary.<term>`` (``national.glossary.<term>`` for the national one), so
    ``Answer.national`` holds for the national definition as it does for a national rule."""

    id: str
    citations: List[Citation]
    refers_to_laws: List[str] = field(default_factory=list)


# ---------------------------------------------------------------- loading
def _problems(kb: KnowledgeBase, term: Term, region: Optional[str], definition: Definition,
              questions: Iterable[str]) -> List[str]:
    where = f"term {term.id}" + (f" ({region})" if region else "")
    problems = []
    for c in definition.citations:
        src = kb.sources.get(c.source)
        if src is None:
            problems.append(f"{where}: källan {c.source!r} finns inte i sources.yml")
            continue
        if src.kind != "routine":
            problems.append(f"{where}: citera rutinen som återger lagen och ange lagen under laws: ({c.source!r} är en lag)")
            continue
        if region is not None and src.region != region:
            problems.append(f"{where}: en regional förklaring får bara citera sin egen rutin (inte {c.source!r})")
        for law in c.laws:
            if law not in kb.sources or kb.sources[law].kind != "law":
                problems.append(f"{where}: okänd lag {law!r} under laws")
        match = check_citation(c.quote, src.seed, src.ocr)
        if not match.found:
            problems.append(f"{where}: citatet finns inte i {src.seed} ({match.reason}): {c.quote!r}")
    for law in definition.refers_to_laws:
        if law not in kb.sources or kb.sources[law].kind != "law":
            problems.append(f"{where}: okänd lag {law!r} under refers_to_laws")
    if region is None and term.question is not None and term.question not in questions:
        problems.append(f"{where}: okänd fråga {term.question!r} (knowledge/questions.yml)")
    return problems


def load(path: Path = GLOSSARY_FILE, kb: Optional[KnowledgeBase] = None) -> Dict[str, Term]:
    """Read and check the glossary: unknown keys, unknown regions (knowledge/regions.yml),
    sources and laws, every quote in its source text, unique terms and words."""
    from bot.answers import questions

    kb = kb or knowledge()
    data = load_yaml(path)
    try:
        parsed = GlossaryFile.parse_obj(data)
    except ValidationError as exc:
        raise KnowledgeError(f"{path}: {explain_validation(exc, data)}") from None
    regions = set(directory().regions)
    known_questions = set(questions())
    problems: List[str] = []
    out: Dict[str, Term] = {}
    seen: Dict[str, str] = {}
    for term in parsed.terms:
        if term.id in out:
            problems.append(f"term {term.id} finns två gånger")
        out[term.id] = term
        for alias in [term.id, *term.aliases()]:
            key = fold_ocr(alias)
            if seen.get(key, term.id) != term.id:
                problems.append(f"term {term.id}: ordet {alias!r} hör redan till {seen[key]}")
            seen[key] = term.id
        problems += _problems(kb, term, None, term.national, known_questions)
        for region, definition in term.regions.items():
            if region not in regions:
                problems.append(f"term {term.id}: okänd region {region!r} (knowledge/regions.yml)")
                continue
            problems += _problems(kb, term, region, definition, known_questions)
    if problems:
        raise KnowledgeError(f"{path}: " + "; ".join(problems))
    return out


@lru_cache(maxsize=1)
def glossary() -> Dict[str, Term]:
    """The project's glossary, loaded and checked once per process."""
    return load()


def terms() -> List[Term]:
    return list(glossary().values())


# ---------------------------------------------------------------- finding the term
_DEFINING = re.compile(r"(?i)\b(betyder|betyda|menas|menar|innebär|innebar|står|star|förklara|forklara|"
                       r"definition|begreppet|begrepp|ordet|ord|ordlista|ordlistan|förkortningen|forkortningen|vad är|vad ar)\b")


@lru_cache(maxsize=1)
def _alias_index() -> List[Tuple[str, str]]:
    """(folded alias, term id), longest alias first."""
    pairs = {(fold_ocr(a), t.id) for t in terms() for a in [t.id, *t.aliases()]}
    return sorted(pairs, key=lambda p: -len(p[0]))


def resolve(value: Optional[str]) -> Optional[str]:
    """A term id from an id, a name or a synonym (any case, with or without å/ä/ö), else None."""
    key = fold_ocr(value or "")
    for alias, term_id in _alias_index():
        if alias == key:
            return term_id
    return None


def find(text: str) -> Optional[str]:
    """The term a message asks about: the first glossary word in it (SIP only when no other
    word is there, since nearly every question names SIP), else a close misspelling of a
    one-word term ("huvudansvarg")."""
    folded = f" {fold_ocr(text or '')} "
    found: List[Tuple[int, str]] = []
    taken: List[Tuple[int, int]] = []
    for alias, term_id in _alias_index():
        for m in re.finditer(rf"(?<= ){re.escape(alias)}(?= )", folded):
            span = (m.start(), m.end())
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue  # inside a longer word already found ("samordnad individuell plan")
            taken.append(span)
            found.append((m.start(), term_id))
    ids = [t for _, t in sorted(found)]
    if ids:
        others = [t for t in ids if t != "sip"]
        return (others or ids)[0]
    words = [w for w in folded.split() if len(w) >= 6]
    best: Tuple[float, Optional[str]] = (0.0, None)
    for alias, term_id in _alias_index():
        if " " in alias or len(alias) < 6:
            continue
        for w in words:
            score = fuzz.ratio(w, alias)
            if score > best[0]:
                best = (score, term_id)
    return best[1] if best[0] >= 88 else None


def asks_for_a_definition(text: str) -> bool:
    """'vad betyder …', 'vad menas med …', 'förklara ordet …'."""
    return bool(_DEFINING.search(text or ""))


# ---------------------------------------------------------------- answering
def definition_for(term: Term, region: Optional[str]) -> Tuple[Definition, bool]:
    """The region's own definition where its routine has one (True), else the national one."""
    if region in term.regions:
        return term.regions[region], True
    return term.national, False


def _region_name(region: Optional[str]) -> Optional[str]:
    r = directory().region(region) if region else None
    return r.name if r is not None else None


def cited(term: Term, region: Optional[str]) -> Answer:
    """The definition shown for ``region`` as an Answer (for bot.render's source lines)."""
    definition, own = definition_for(term, region)
    owner = region if own else "national"
    return Answer(Cited(f"{owner}.glossary.{term.id}", list(definition.citations), list(definition.refers_to_laws)),
                  region or "national", fallback=not own and region in directory().regions)


def menu_buttons() -> List[Tuple[str, str]]:
    return [(t.name, f'{EXPLAIN}{{"term":"{t.id}"}}') for t in terms()]


def explanation(term_id: str, region: Optional[str], audience: Optional[str]):
    """A term's explanation for ``region`` and ``audience``, shaped (bot.render.Shaped): the
    definition first; whose definition it is (the region's own, or the national one when the
    routine does not define the term: bot.render.baseline_line); the source lines and law notes."""
    from bot.render import Shaped, baseline_line, sources_and_notes

    kb = knowledge()
    term = glossary()[term_id]
    definition, own = definition_for(term, region)
    opening = " ".join((definition.plain if wants_plain(audience) else definition.professional).split())
    answer = cited(term, region)
    name = _region_name(region)
    if own:
        note = OWN_NOTE.format(region=name)
    elif name is not None or region == "annan":
        note = baseline_line(kb, [answer], region)
    else:
        note = ASK_REGION_NOTE if term.regions else None
    sources, notes = sources_and_notes(kb, [answer])
    return Shaped(opening, [note] if note else [], sources, notes, [],
                  national=[region] if answer.fallback else [])


def explain(term: Optional[str], region: Optional[str], audience: Optional[str]):
    """A term explained as a Turn: the definition in the user's register (the region's own where
    its routine has one), a line saying whose definition it is, the source lines; buttons for the
    question on the same subject and for more terms. An unknown term gets the menu."""
    from bot.dialogue import Turn

    term_id = resolve(term)
    turn = Turn(slots={"case_start": False})
    if term_id is None:
        return turn.say(UNKNOWN_TEXT, menu_buttons())
    buttons: List[Tuple[str, str]] = []
    entry = glossary()[term_id]
    if entry.question:
        from bot.answers import questions

        topic = questions()[entry.question].topics[0]
        buttons.append((knowledge().topics[topic].question, f"/{entry.question}"))
    buttons.append((MORE_TERMS, EXPLAIN))
    return turn.answer(explanation(term_id, region, audience), buttons, region)


def menu():
    """The terms as buttons."""
    from bot.dialogue import Turn

    return Turn(slots={"case_start": False}).say(MENU_TEXT, menu_buttons())


def explain_turn(entity: Optional[str], text: str, entities: Iterable[Mapping[str, Any]],
                 slots: Mapping[str, Any]):
    """The action's turn: the term from the button's entity or from the typed text; a place
    named in the message is the user's region (as for any question); no term at all (the
    "Vad betyder det här?" button) is the menu; a word the glossary lacks, the menu with a note.
    The unknown word itself is never repeated back (it may be a name)."""
    from bot import dialogue

    if entity is None and (text or "").startswith(EXPLAIN):
        return menu()
    turn = dialogue.Turn(slots={"case_start": False})
    dialogue._common(turn, text, slots)
    region = slots.get("region")
    if not (text or "").startswith("/"):
        region = dialogue._region_from_message(turn, text, entities, slots, directory())
    term = resolve(entity) if entity else find(text)
    audience = turn.slots.get("audience", slots.get("audience"))
    inner = explain(term, region, audience)
    turn.messages.extend(inner.messages)
    turn.slots.update(inner.slots)
    return turn


__all__ = ["Definition", "Term", "asks_for_a_definition", "cited", "definition_for", "explain", "explain_turn",
           "explanation", "find", "glossary", "load", "menu", "menu_buttons", "resolve", "terms"]
