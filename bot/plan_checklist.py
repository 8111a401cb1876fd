""""Vad ska stå i planen?": what a SIP plan must contain, as a check list for the region
(issue 15 part 4), from the knowledge base.

The items come from ``knowledge/plan_checklist.yml``: the rule's own words, each with its rule
(documentation.plan, and related topics where the routine says more about the plan's content).
Where a routine does not restate what the law says every plan must contain, the law's points
follow under "Enligt lagen" (the national rule, basis law). Under "Runt planen": who documents
and who gets the plan (documentation.who, documentation.copies). Every section ends with its
force and its sources.

The same document code as the kallelse (``bot.documents``): ``to_text`` for the chat and Teams,
``to_docx`` for the download. No input from the user, so no personal data. Pure Python: no
Rasa import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from pydantic import BaseModel, Extra, ValidationError, constr, validator

from bot import documents as doc
from bot import rules
from bot.knowledge import KNOWLEDGE_DIR, NATIONAL, REGION_IDS, Answer, KnowledgeBase, KnowledgeError, one_line
from bot.render import region_label, silence_note, source_lines
from bot.yamlio import load_yaml

CHECKLIST_FILE = KNOWLEDGE_DIR / "plan_checklist.yml"
AROUND_TOPICS = (("documentation.who", "Vem som dokumenterar"), ("documentation.copies", "Vem som får planen"))
NonEmpty = constr(strip_whitespace=True, min_length=1)


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Item(_Strict):
    rule: NonEmpty
    item: NonEmpty


class LawItems(_Strict):
    rule: NonEmpty
    items: List[NonEmpty]


class RegionList(_Strict):
    with_law: bool = False
    items: List[Item]


class ChecklistFile(_Strict):
    law: LawItems
    regions: Dict[str, RegionList]

    @validator("regions")
    def _regions(cls, v: Dict[str, RegionList]) -> Dict[str, RegionList]:
        if NATIONAL not in v:
            raise ValueError("listan för national saknas")
        for region in v:
            if region != NATIONAL and region not in REGION_IDS:
                raise ValueError(f"okänd region {region!r}")
        return v


@lru_cache(maxsize=4)
def load_spec(path: Path = CHECKLIST_FILE) -> ChecklistFile:
    try:
        return ChecklistFile.parse_obj(load_yaml(path))
    except ValidationError as exc:
        raise KnowledgeError(f"{path}: {exc}") from None


def _list_for(region: Optional[str], spec: ChecklistFile) -> RegionList:
    return spec.regions[region] if region in REGION_IDS and region in spec.regions else spec.regions[NATIONAL]


def check(kb: KnowledgeBase, spec: Optional[ChecklistFile] = None) -> List[str]:
    """What does not hold together between knowledge/plan_checklist.yml and the rules (empty if
    all does): the law's rule is national with basis law; every item's rule exists, is the
    region's own or national and what the knowledge base answers the region with on its topic;
    every item is the rule's own words."""
    spec = spec or load_spec()
    problems: List[str] = []
    try:
        law = kb.rule_by_id(spec.law.rule)
        if not law.id.startswith(NATIONAL + ".") or law.basis != "law":
            problems.append(f"lagens punkter: {law.id} är inte en nationell regel med basis law")
        for text in spec.law.items:
            if not doc.rests_on(law, text):
                problems.append(f"lagens punkter: {text!r} finns inte i {law.id}")
    except KeyError:
        problems.append(f"lagens punkter: regeln {spec.law.rule} finns inte")
    for region in (NATIONAL,) + REGION_IDS:
        for it in _list_for(region, spec).items:
            problems += doc.cited_rule_problems(kb, region, it.rule, it.item, f"{region}: {it.item!r} ({it.rule})")
    return problems


@dataclass(frozen=True)
class ChecklistItem:
    text: str
    rule_id: str
    law: bool  # one of the law's points (national rule), not the routine's own


@dataclass
class Checklist:
    region: str
    items: Tuple[ChecklistItem, ...]
    rule_ids: Tuple[str, ...]
    document: doc.Document

    @property
    def text(self) -> str:
        return doc.to_text(self.document)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _footer(kb: KnowledgeBase, rule_id: str, region: Optional[str], law: bool = False) -> List[doc.Block]:
    """The rule, its force, a note when the routine is silent (not for the law's points, which
    hold everywhere) and its sources."""
    rule = kb.rule_by_id(rule_id)
    answer = Answer(rule, region or NATIONAL, False) if law else kb.answer(region, rule.topic)
    blocks: List[doc.Block] = [doc.Paragraph(f"Regel {rule_id}. {doc.strength_label(rule)}")]
    note = None if law else silence_note(kb, answer)
    if note:
        blocks.append(doc.Paragraph(note))
    return blocks + doc.sources(source_lines(kb, [answer]))


def checklist(kb: KnowledgeBase, region: Optional[str], today: Optional[dt.date] = None) -> Checklist:
    spec = load_spec()
    own = _list_for(region, spec)
    place = region_label(kb, region)
    routine = region in REGION_IDS
    intro = (f"Checklista enligt rutinen för {place}" if routine
             else "Checklista enligt lagen och den nationella grunden (det finns ingen regional SIP-rutin inlagd för din kommun)")
    if today is not None:
        intro += f", gjord med SIP-guiden {rules.swedish_date(today)}"
    blocks: List[doc.Block] = [doc.Paragraph(intro + ". Bocka av när planen tar upp punkten.")]
    items: List[ChecklistItem] = []
    used: List[str] = []
    if own.items:
        blocks.append(doc.Heading(f"Enligt rutinen för {place}" if routine else "Enligt den nationella grunden"))
        by_rule: Dict[str, List[Item]] = {}
        for it in own.items:
            by_rule.setdefault(it.rule, []).append(it)
        for rule_id, group in by_rule.items():
            blocks.append(doc.Bullets(tuple(_capital(it.item) for it in group), check=True))
            blocks += _footer(kb, rule_id, region)
            items += [ChecklistItem(_capital(it.item), rule_id, False) for it in group]
            used.append(rule_id)
    if own.with_law:
        blocks.append(doc.Heading("Enligt lagen (gäller alla planer)"))
        blocks.append(doc.Bullets(tuple(_capital(t) for t in spec.law.items), check=True))
        blocks += _footer(kb, spec.law.rule, region, law=True)
        items += [ChecklistItem(_capital(t), spec.law.rule, True) for t in spec.law.items]
        used.append(spec.law.rule)
    blocks.append(doc.Heading("Runt planen"))
    for topic, heading in AROUND_TOPICS:
        answer = kb.answer(region, topic)
        blocks += [doc.Heading(heading, 2), doc.Paragraph(one_line(answer.rule.statement)),
                   doc.Paragraph(doc.strength_label(answer.rule))]
        note = silence_note(kb, answer)
        if note:
            blocks.append(doc.Paragraph(note))
        blocks += doc.sources(source_lines(kb, [answer]))
        used.append(answer.rule.id)
    return Checklist(region if routine else NATIONAL, tuple(items), tuple(dict.fromkeys(used)),
                     doc.Document("Vad ska stå i planen? – checklista för SIP", tuple(blocks)))


def to_text(c: Checklist) -> str:
    return doc.to_text(c.document)


def to_docx(c: Checklist) -> bytes:
    return doc.to_docx(c.document)


__all__ = ["CHECKLIST_FILE", "Checklist", "ChecklistItem", "check", "checklist", "load_spec", "to_docx", "to_text"]
