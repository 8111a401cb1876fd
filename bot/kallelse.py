""""Hjälp mig skriva kallelsen": a kallelse (the invitation to a SIP meeting) drafted to the
region's routine, from the knowledge base (issue 15, part 1).

What the kallelse must contain comes from ``knowledge/kallelse.yml``: per routine, the
elements its rules ask for, each with the rule id and the rule's own words it rests on. The
conversation asks one question per element (``fields``), plus the meeting's date, time, place
or digital link, the invited services as functions and how the child takes part. ``draft``
makes the text:

- the three placeholders ``[barnets namn]``, ``[personnummer]``, ``[vårdnadshavares namn]``
  stay as they are: SIP-guiden never asks for them and ``draft`` has no way to fill them;
- every answer passes through ``bot.privacy.redact`` first; the draft lists the kinds removed
  (``Draft.removed``, ``Draft.notice``) so the bot can tell the user;
- the notes for the sender: the region's own sentences on the kallelse (how it is sent,
  answered, handled with protected personal data, when it is sent, when the plan is followed
  up), each with its force (krav / rekommendation / möjlighet) and its sources;
- the dates that follow from the meeting date, computed by the rules core
  (``bot.rules.deadlines``), each marked as a rule or a recommendation, with rule and source;
- what the routine says the kallelse must contain: each element with its rule id and source.

``to_text`` gives the plain text (chat, Teams), ``to_docx`` the .docx; both from the same
blocks (``bot.documents``). Pure Python: no Rasa import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

from pydantic import BaseModel, Extra, ValidationError, constr, validator

from bot import documents as doc
from bot import rules
from bot.knowledge import KNOWLEDGE_DIR, NATIONAL, REGION_IDS, Answer, KnowledgeBase, KnowledgeError, one_line
from bot.privacy import REMINDER, redact
from bot.render import region_label, silence_note, source_lines
from bot.yamlio import load_yaml

KALLELSE_FILE = KNOWLEDGE_DIR / "kallelse.yml"
# Never filled: SIP-guiden does not ask for these, the user writes them in their own system.
PLACEHOLDERS = {
    "barn": "[barnets namn]",
    "personnummer": "[personnummer]",
    "vardnadshavare": "[vårdnadshavares namn]",
}
NOT_ANSWERED = "[fyll i]"
# The notes for the sender: (topic, heading), in this order.
NOTE_TOPICS = (
    ("invitation.delivery", "Så skickas kallelsen"),
    ("invitation.timing", "När kallelsen skickas"),
    ("invitation.reply", "Svar på kallelsen"),
    ("protected_identity", "Om barnet har skyddade personuppgifter"),
    ("follow_up.when", "Uppföljning"),
)
PRIVACY_HINT = "Skriv inga namn, personnummer eller kontaktuppgifter."

Slug = constr(regex=r"^[a-z_]+$")
NonEmpty = constr(strip_whitespace=True, min_length=1)


# ---------------------------------------------------------------- knowledge/kallelse.yml
class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class MeetingField(_Strict):
    id: Slug
    label: NonEmpty
    question: NonEmpty
    kind: str = "text"
    topic: Optional[str] = None

    @validator("kind")
    def _kind(cls, v: str) -> str:
        if v not in ("text", "date"):
            raise ValueError("kind måste vara text eller date")
        return v


class Element(_Strict):
    id: Slug
    kind: str
    rule: NonEmpty
    evidence: NonEmpty
    label: NonEmpty
    question: Optional[NonEmpty] = None

    @validator("kind")
    def _kind(cls, v: str) -> str:
        if v not in ("ask", "instruction"):
            raise ValueError("kind måste vara ask eller instruction")
        return v

    @validator("question", always=True)
    def _question(cls, v: Optional[str], values: dict) -> Optional[str]:
        if values.get("kind") == "ask" and not v:
            raise ValueError("ett element av slaget ask måste ha en fråga (question)")
        if values.get("kind") == "instruction" and v:
            raise ValueError("ett element av slaget instruction har ingen fråga")
        return v


class KallelseFile(_Strict):
    meeting: List[MeetingField]
    regions: Dict[str, List[Element]]

    @validator("meeting")
    def _meeting(cls, v: List[MeetingField]) -> List[MeetingField]:
        ids = [f.id for f in v]
        if len(set(ids)) != len(ids):
            raise ValueError("samma id två gånger bland mötets frågor")
        if [f.id for f in v if f.kind == "date"] != ["datum"]:
            raise ValueError("mötets datum ska vara den enda frågan av slaget date, med id datum")
        return v

    @validator("regions")
    def _regions(cls, v: Dict[str, List[Element]], values: dict) -> Dict[str, List[Element]]:
        if NATIONAL not in v:
            raise ValueError("elementen för national saknas")
        meeting = {f.id for f in values.get("meeting") or []}
        for region, elements in v.items():
            if region != NATIONAL and region not in REGION_IDS:
                raise ValueError(f"okänd region {region!r}")
            ids = [e.id for e in elements]
            if len(set(ids)) != len(ids) or meeting & set(ids):
                raise ValueError(f"{region}: varje element behöver ett eget id (skilt från mötets frågor)")
        return v


@lru_cache(maxsize=4)
def load_spec(path: Path = KALLELSE_FILE) -> KallelseFile:
    data = load_yaml(path)
    try:
        return KallelseFile.parse_obj(data)
    except ValidationError as exc:
        raise KnowledgeError(f"{path}: {exc}") from None


def elements(region: Optional[str], spec: Optional[KallelseFile] = None) -> List[Element]:
    """The region's elements; the national ones where the routine has none listed."""
    spec = spec or load_spec()
    key = region if region in REGION_IDS and region in spec.regions else NATIONAL
    return list(spec.regions[key])


def check(kb: KnowledgeBase, spec: Optional[KallelseFile] = None) -> List[str]:
    """What does not hold together between knowledge/kallelse.yml and the rules (empty if all does):
    every element's rule exists, is the region's own or national, is what the knowledge base
    answers the region with on that topic, and holds the element's evidence."""
    spec = spec or load_spec()
    problems: List[str] = []
    for field_ in spec.meeting:
        if field_.topic is not None and field_.topic not in kb.topics:
            problems.append(f"mötets fråga {field_.id}: okänt ämne {field_.topic!r}")
    for region in (NATIONAL,) + REGION_IDS:
        for el in elements(region, spec):
            problems += doc.cited_rule_problems(kb, region, el.rule, el.evidence, f"{region}: elementet {el.id} ({el.rule})")
    return problems


# ---------------------------------------------------------------- the questions
@dataclass(frozen=True)
class Field:
    """One question of the kallelse conversation."""

    id: str
    label: str
    question: str
    kind: str                   # "date" (parse with bot.facts.date_answer) or "text"
    element: bool               # an element of the routine (else a fact of the meeting)
    rule_id: Optional[str]      # the rule the question comes from (the hint's rule for the meeting's facts)
    hint: Optional[str]         # the rule's words: why the routine asks for this
    fallback: bool = False      # the hint's rule is national because the routine is silent


def fields(kb: KnowledgeBase, region: Optional[str]) -> List[Field]:
    """The questions, in order: the meeting's facts, then one per element the routine asks for."""
    spec = load_spec()
    out: List[Field] = []
    for m in spec.meeting:
        answer = kb.answer(region, m.topic) if m.topic else None
        out.append(Field(m.id, m.label, m.question if m.kind == "date" else f"{m.question} {PRIVACY_HINT}",
                         m.kind, False, answer.rule.id if answer else None,
                         answer.rule.short if answer else None, bool(answer and answer.fallback)))
    for el in elements(region, spec):
        if el.kind != "ask":
            continue
        rule = kb.rule_by_id(el.rule)
        out.append(Field(el.id, el.label, f"{el.question} {PRIVACY_HINT}", "text", True, el.rule,
                         doc.sentence_with(rule, el.evidence), kb.answer(region, rule.topic).fallback))
    return out


# ---------------------------------------------------------------- the draft
@dataclass
class Draft:
    region: str
    today: dt.date
    meeting_date: Optional[dt.date]
    document: doc.Document
    removed: Tuple[str, ...]               # kinds of personal data removed from the answers
    rule_ids: Tuple[str, ...]              # every rule a line of the draft rests on
    elements: Tuple[str, ...]              # the routine's elements, in order
    skipped: Tuple[str, ...]               # questions left unanswered ([fyll i] in the text)
    deadlines: Tuple[rules.Deadline, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return doc.to_text(self.document)

    @property
    def notice(self) -> Optional[str]:
        """What to tell the user when personal data was removed from the answers."""
        if not self.removed:
            return None
        return REMINDER.format(kinds=", ".join(self.removed))


Answerable = Union[str, dt.date, None]


def _clean(value: Answerable, removed: List[str]) -> Optional[str]:
    if value is None:
        return None
    text = one_line(str(value))
    if not text:
        return None
    cleaned = redact(text)
    removed.extend(k for k in cleaned.kinds if k not in removed)
    return cleaned.text


def _meeting_date(value: Answerable, today: dt.date) -> Optional[dt.date]:
    if isinstance(value, dt.date):
        return value
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        from bot.facts import date_answer

        return date_answer(str(value), today)


def _with_sources(kb: KnowledgeBase, answer: Answer) -> List[doc.Block]:
    blocks: List[doc.Block] = [doc.Paragraph(doc.strength_label(answer.rule))]
    note = silence_note(kb, answer)
    if note:
        blocks.append(doc.Paragraph(note))
    return blocks + doc.sources(source_lines(kb, [answer]))


def _deadline_rows(kb: KnowledgeBase, region: Optional[str], found: Sequence[rules.Deadline],
                   today: dt.date) -> List[Tuple[str, ...]]:
    rows = []
    for dl in found:
        rule = kb.rule_by_id(dl.rule_id)
        rows.append((rules.swedish_date(dl.date), doc.deadline_sentence(dl, rule, today),
                     f"{doc.DATE_KINDS[doc.recommendation(rule)]} (regel {dl.rule_id})",
                     " ".join(source_lines(kb, [Answer(rule, region or NATIONAL, dl.fallback)]))))
    return rows


def draft(kb: KnowledgeBase, region: Optional[str], answers: Mapping[str, Answerable], today: dt.date) -> Draft:
    """The kallelse for the region from the user's answers ({field id: text}; a missing or empty
    answer is left as [fyll i]). Raises ValueError on a key that is no question of the region's
    kallelse (the placeholders in particular cannot be filled)."""
    spec = load_spec()
    els = elements(region, spec)
    known = {m.id for m in spec.meeting} | {e.id for e in els if e.kind == "ask"}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValueError(f"kallelsen frågar inte efter {', '.join(unknown)}")
    removed: List[str] = []
    used: List[str] = []
    skipped: List[str] = []
    place = region_label(kb, region)

    def value(key: str) -> str:
        text = _clean(answers.get(key), removed)
        if text is None:
            skipped.append(key)
            return NOT_ANSWERED
        return text

    # the meeting date: read from the redacted text (an identity number is never read as a date)
    raw_date = answers.get("datum")
    date_text = raw_date if isinstance(raw_date, dt.date) else _clean(raw_date, removed)
    meeting = _meeting_date(date_text, today)
    if meeting is None:
        skipped.append("datum")

    basis = (f"rutinen för {place}" if region in REGION_IDS
             else "den nationella grunden (det finns ingen regional SIP-rutin inlagd för din kommun)")
    blocks: List[doc.Block] = [
        doc.Paragraph(f"Utkast enligt {basis}, gjort med SIP-guiden {rules.swedish_date(today)}. "
                      "Fyll i barnets och vårdnadshavarnas uppgifter i ert eget system – SIP-guiden frågar aldrig efter dem."),
        doc.Heading("Gäller"),
        doc.Paragraph(f"Barn: {PLACEHOLDERS['barn']}"),
        doc.Paragraph(f"Personnummer: {PLACEHOLDERS['personnummer']}"),
        doc.Paragraph(f"Vårdnadshavare: {PLACEHOLDERS['vardnadshavare']}"),
        doc.Heading("Mötet"),
    ]
    for m in spec.meeting:
        if m.id == "datum":
            shown = rules.swedish_date(meeting) if meeting else (date_text or NOT_ANSWERED)
            blocks.append(doc.Paragraph(f"{m.label}: {shown}"))
        else:
            blocks.append(doc.Paragraph(f"{m.label}: {value(m.id)}"))
    blocks.append(doc.Heading("Innehåll"))
    for el in els:
        if el.kind == "ask":
            blocks.append(doc.Paragraph(f"{el.label}: {value(el.id)}"))

    # ---- for the sender
    blocks += [doc.Heading("Till dig som skickar kallelsen"),
               doc.Paragraph("Det här är inte en del av kallelsen: det är vad rutinen säger om den.")]
    instructions = [el for el in els if el.kind == "instruction"]
    if instructions:
        blocks.append(doc.Heading("Att tänka på enligt rutinen", 2))
        for el in instructions:
            rule = kb.rule_by_id(el.rule)
            answer = kb.answer(region, rule.topic)
            blocks.append(doc.Bullets((doc.sentence_with(rule, el.evidence) or el.label,)))
            blocks += _with_sources(kb, answer)
            used.append(rule.id)
    for topic, heading in NOTE_TOPICS:
        answer = kb.answer(region, topic)
        blocks += [doc.Heading(heading, 2), doc.Paragraph(one_line(answer.rule.statement))]
        blocks += _with_sources(kb, answer)
        used.append(answer.rule.id)

    # ---- the dates that follow from the meeting date
    found: List[rules.Deadline] = []
    blocks.append(doc.Heading("Datum som följer av mötesdatumet", 2))
    if meeting is None:
        blocks.append(doc.Paragraph("Inget mötesdatum angivet: ange datumet för att få de datum som följer av rutinen."))
    else:
        decision = rules.deadlines(kb, region, rules.DeadlineFacts(meeting=meeting), today)
        found = sorted(decision.details.get("deadlines") or [], key=lambda dl: dl.date)
        if found:
            blocks.append(doc.Table(("Datum", "Vad", "Regel eller rekommendation", "Källa"),
                                    tuple(_deadline_rows(kb, region, found, today))))
            used += [dl.rule_id for dl in found]
        else:
            blocks.append(doc.Paragraph(f"Varken rutinen för {place} eller den nationella grunden anger tidsfrister räknade från mötesdatumet."
                                        if region in REGION_IDS else
                                        "Den nationella grunden anger inga tidsfrister räknade från mötesdatumet."))

    # ---- what the routine says the kallelse must contain
    blocks.append(doc.Heading("Det här ska kallelsen innehålla enligt " + (
        "rutinen" if region in REGION_IDS and region in spec.regions else "den nationella grunden"), 2))
    by_rule: Dict[str, List[Element]] = {}
    for el in els:
        by_rule.setdefault(el.rule, []).append(el)
    for rule_id, group in by_rule.items():
        rule = kb.rule_by_id(rule_id)
        answer = kb.answer(region, rule.topic)
        blocks.append(doc.Bullets(tuple(el.label for el in group)))
        words = dict.fromkeys(doc.sentence_with(rule, el.evidence) or "" for el in group)
        who = "Den nationella grunden" if answer.national else "Rutinen"
        blocks.append(doc.Paragraph(f"{who}: ”{' '.join(w for w in words if w)}”"))
        blocks.append(doc.Paragraph(f"Regel {rule_id}. {doc.strength_label(rule)}"))
        note = silence_note(kb, answer)
        if note:
            blocks.append(doc.Paragraph(note))
        blocks += doc.sources(source_lines(kb, [answer]))
        used.append(rule_id)

    return Draft(
        region=region if region in REGION_IDS else NATIONAL,
        today=today,
        meeting_date=meeting,
        document=doc.Document("Kallelse till SIP-möte", tuple(blocks)),
        removed=tuple(removed),
        rule_ids=tuple(dict.fromkeys(used)),
        elements=tuple(el.id for el in els),
        skipped=tuple(dict.fromkeys(skipped)),
        deadlines=tuple(found),
    )


def to_text(d: Draft) -> str:
    return doc.to_text(d.document)


def to_docx(d: Draft) -> bytes:
    return doc.to_docx(d.document)


__all__ = ["Draft", "Element", "Field", "KALLELSE_FILE", "NOT_ANSWERED", "PLACEHOLDERS", "check",
           "draft", "elements", "fields", "load_spec", "to_docx", "to_text"]
