"""The document code shared by the kallelse and the plan checklist (issue 15).

A document is a title and a list of blocks (headings, paragraphs, source lines, bullet lists,
check lists, tables). The same blocks become plain text (the chat, Microsoft Teams) and a
.docx (python-docx), so the two never say different things: every line of the text is a
paragraph or a table cell of the .docx.

Also here, because both documents (and the calendar file) need them:

- ``strength``: the force of a rule (``ska`` | ``bor`` | ``kan`` | ``info``): the rule's own
  ``strength`` when the knowledge base has it, otherwise read from its text (a rule that says
  "rekommendation", "optimalt" or "bör" is advice, anything else a duty);
- ``recommendation``: whether a date from the rule is a recommendation rather than a rule;
- ``strength_label``: the force in Swedish, as the draft shows it;
- ``rests_on`` / ``sentence_with``: the words of a rule an element of a document rests on,
  and the rule's own sentence holding them (so a line of a document quotes the knowledge base
  instead of new text);
- ``period`` / ``period_words``: a rule's period in words as the routine writes it ("30 dagar",
  "12 månader", "tre veckor");
- ``deadline_sentence``: the rules core's sentence for a computed date, in its recommendation
  form when the rule is advice.

``pieces`` lists every text of a document in the order the .docx holds it (``docx_text``
reads it back), for tests and checks.

Pure Python: no Rasa import.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple, Union

from bot import rules
from bot.knowledge import NATIONAL, Rule, one_line

# ---------------------------------------------------------------- the force of a rule
_ADVICE = re.compile(r"\b(rekommend\w*|optimalt|bör)\b", re.IGNORECASE)
STRENGTH_LABELS = {
    "ska": "{who} anger ett krav (ska).",
    "bor": "{who} ger en rekommendation (bör) – inte ett krav.",
    "kan": "{who} beskriver en möjlighet (kan) – inget krav.",
    "info": "{who} beskriver hur det går till.",
}
DATE_KINDS = {False: "Regel", True: "Rekommendation, inte ett krav"}


def rule_text(rule: Rule) -> str:
    """The rule's statement and the quotes of its sources, as one text."""
    return " ".join([rule.statement] + [c.quote for c in rule.citations])


def strength(rule: Rule) -> str:
    """The rule's ``strength`` if the knowledge base gives one, else read from its words."""
    given = getattr(rule, "strength", None)
    if given:
        return given
    return "bor" if _ADVICE.search(rule_text(rule)) else "ska"


def recommendation(rule: Rule) -> bool:
    """A date computed from this rule is a recommendation (not a deadline)."""
    return strength(rule) == "bor"


def strength_label(rule: Rule) -> str:
    """The force in Swedish: "Rutinen anger ett krav (ska).", or "Den nationella grunden …" for a
    national rule."""
    who = "Den nationella grunden" if rule.id.startswith("national.") else "Rutinen"
    return STRENGTH_LABELS[strength(rule)].format(who=who)


_NUMBER_WORDS = {2: "två", 3: "tre", 4: "fyra", 5: "fem", 6: "sex", 7: "sju", 8: "åtta", 9: "nio", 10: "tio"}
_UNITS = (("years", "år", "år", "ett"), ("months", "månad", "månader", "en"), ("weeks", "vecka", "veckor", "en"),
          ("days", "dag", "dagar", "en"))


def period_words(years: int = 0, months: int = 0, weeks: int = 0, days: int = 0) -> str:
    """A period in words as the routine gives it: "tre veckor", "ett år", "30 dagar", "12 månader"
    (not normalised: 30 days stay 30 days, 12 months stay 12 months)."""
    given = dict(years=years, months=months, weeks=weeks, days=days)
    parts = []
    for key, one, many, article in _UNITS:
        n = given[key] or 0
        if n == 1:
            parts.append(f"{article} {one}")
        elif n:
            parts.append(f"{_NUMBER_WORDS.get(n, str(n))} {many}")
    return " och ".join(parts)


def period(rule: Rule) -> Optional[str]:
    """The rule's period (params years/months/weeks/days) in words, or None."""
    p = rule.params
    if not any((p.years, p.months, p.weeks, p.days)):
        return None
    return period_words(p.years or 0, p.months or 0, p.weeks or 0, p.days or 0)


def deadline_sentence(dl: rules.Deadline, rule: Rule, today: dt.date) -> str:
    """The rules core's own sentence for a computed date (knowledge/explanations.yml
    ``deadline.<key>``), in its recommendation form (``.bor``) when the rule is advice, with
    "(passerat)" when the date is before ``today``."""
    key = f"deadline.{dl.key}"
    if recommendation(rule) and f"{key}.bor" in rules.wording()["phrases"]:
        key += ".bor"
    status = rules.phrase("deadline.passed")[0] if dl.passed(today) else ""
    return rules.phrase(key, date=rules.swedish_date(dl.date), status=status, period=period(rule) or "")[0]


# ---------------------------------------------------------------- what an element rests on
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ”\"(])")


def _fold(text: str) -> str:
    return one_line(text).lower()


def rests_on(rule: Rule, evidence: str) -> bool:
    """The evidence (words of the routine) occurs in the rule's statement or one of its quotes."""
    needle = _fold(evidence)
    return any(needle in _fold(t) for t in [rule.statement] + [c.quote for c in rule.citations])


def cited_rule_problems(kb, region: str, rule_id: str, evidence: str, where: str) -> List[str]:
    """What does not hold for one line of a document that cites ``rule_id`` for ``region``:
    the rule exists, is the region's own or national, is what the knowledge base answers the
    region with on its topic, and holds the line's evidence (knowledge/kallelse.yml and
    knowledge/plan_checklist.yml are checked with this)."""
    try:
        rule = kb.rule_by_id(rule_id)
    except KeyError:
        return [f"{where}: regeln finns inte"]
    problems = []
    owner = rule_id.split(".", 1)[0]
    if owner not in (region, NATIONAL):
        problems.append(f"{where}: regeln hör till {owner}, inte till {region} eller national")
    given = kb.answer(region, rule.topic).rule.id
    if given != rule_id:
        problems.append(f"{where}: kunskapsbasen svarar {region} med {given} på ämnet {rule.topic}")
    if not rests_on(rule, evidence):
        problems.append(f"{where}: orden {evidence!r} finns inte i regeln")
    return problems


def sentence_with(rule: Rule, evidence: str) -> Optional[str]:
    """The sentence of the rule's statement holding the evidence, else the quote holding it."""
    needle = _fold(evidence)
    for sentence in _SENTENCE.split(one_line(rule.statement)):
        if needle in sentence.lower():
            return sentence
    for c in rule.citations:
        if needle in _fold(c.quote):
            return one_line(c.quote)
    return None


# ---------------------------------------------------------------- blocks
@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1 or 2


@dataclass(frozen=True)
class Paragraph:
    text: str
    source: bool = False  # a "Källa:" line (smaller in the .docx)


@dataclass(frozen=True)
class Bullets:
    items: Tuple[str, ...]
    check: bool = False  # a check list: ☐ before each item


@dataclass(frozen=True)
class Table:
    header: Tuple[str, ...]
    rows: Tuple[Tuple[str, ...], ...]


Block = Union[Heading, Paragraph, Bullets, Table]
CHECKBOX = "☐"


@dataclass(frozen=True)
class Document:
    title: str
    blocks: Tuple[Block, ...]


def sources(lines: Sequence[str]) -> List[Paragraph]:
    return [Paragraph(line, source=True) for line in lines]


def pieces(doc: Document) -> List[str]:
    """Every piece of text of the document in order: the title, headings, paragraphs, list items
    (check lists with their ☐), table header and cells. The .docx holds exactly these."""
    out = [doc.title]
    for block in doc.blocks:
        if isinstance(block, (Heading, Paragraph)):
            out.append(block.text)
        elif isinstance(block, Bullets):
            out += [f"{CHECKBOX} {item}" if block.check else item for item in block.items]
    for block in doc.blocks:  # tables last, as docx_text reads them
        if isinstance(block, Table):
            out += list(block.header)
            for row in block.rows:
                out += list(row)
    return [p for p in out if p.strip()]


# ---------------------------------------------------------------- plain text
def to_text(doc: Document) -> str:
    """Plain text for the chat and Teams: headings on their own line after a blank line, bullets
    with •, check lists with ☐, a table row as one bullet (first two cells) and its further
    cells on indented lines."""
    out: List[str] = [doc.title]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out += ["", block.text]
        elif isinstance(block, Paragraph):
            out.append(block.text)
        elif isinstance(block, Bullets):
            mark = CHECKBOX if block.check else "•"
            out += [f"{mark} {item}" for item in block.items]
        elif isinstance(block, Table):
            for row in block.rows:
                first = " – ".join(cell for cell in row[:2] if cell)
                out.append(f"• {first}")
                out += [f"  {cell}" for cell in row[2:] if cell]
    return "\n".join(out).strip() + "\n"


# ---------------------------------------------------------------- .docx
def to_docx(doc: Document, author: str = "SIP-guiden") -> bytes:
    """The same blocks as a Word document (python-docx). The document's properties name only
    SIP-guiden: no user, no personal data."""
    from docx import Document as WordDocument
    from docx.shared import Pt

    word = WordDocument()
    props = word.core_properties
    props.title = doc.title
    props.author = author
    props.last_modified_by = author
    props.comments = ""
    word.add_heading(doc.title, level=0)
    for block in doc.blocks:
        if isinstance(block, Heading):
            word.add_heading(block.text, level=min(max(block.level, 1), 3))
        elif isinstance(block, Paragraph):
            para = word.add_paragraph(block.text)
            if block.source:
                for run in para.runs:
                    run.font.size = Pt(8)
        elif isinstance(block, Bullets):
            for item in block.items:
                if block.check:
                    word.add_paragraph(f"{CHECKBOX} {item}")
                else:
                    word.add_paragraph(item, style="List Bullet")
        elif isinstance(block, Table):
            table = word.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.header):
                cell.text = ""
                cell.paragraphs[0].add_run(text).bold = True
            for row in block.rows:
                cells = table.add_row().cells
                for cell, text in zip(cells, row):
                    cell.text = text
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def docx_text(data: bytes) -> List[str]:
    """Every paragraph and table cell of a .docx, in order (for tests and checks)."""
    from docx import Document as WordDocument

    word = WordDocument(io.BytesIO(data))
    lines = [p.text for p in word.paragraphs]
    for table in word.tables:
        for row in table.rows:
            lines += [cell.text for cell in row.cells]
    return [line for line in lines if line.strip()]


__all__ = [
    "Block", "Bullets", "CHECKBOX", "DATE_KINDS", "Document", "deadline_sentence", "period", "period_words", "Heading", "Paragraph", "STRENGTH_LABELS",
    "Table", "docx_text", "pieces", "recommendation", "rests_on", "rule_text", "sentence_with", "sources",
    "strength", "strength_label", "to_docx", "to_text",
]
