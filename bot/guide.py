"""The step-by-step guide: the region's own SIP process, one step at a time, with a checklist.

The steps are the region's ``process.steps`` rule (or the national one, where the routine
lists no steps, and then the guide says so). Each step's checklist is the short form of the
region's rule on each topic of the step, so every line is traceable to the routine. The
position is one number in the conversation (``guide_step``), so the guide can be left for
other questions and resumed. Pure Python: no Rasa import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from bot.audience import wording
from bot.knowledge import REGION_IDS, Answer, KnowledgeBase, Step
from bot.render import Shaped, opening, region_label, sources_and_notes

NEXT, BACK, GOTO, STOP = "/guide_next", "/guide_back", "/guide_goto", "/guide_stop"
EXPLAIN = "/explain_term"  # "Vad betyder det här?" (bot/glossary.py)
MAX_POINTS = 6  # points shown before "Visa mer" (issue 14)
SILENT_MARK = " (rutinen säger inget – nationell grund)"
MORE_POINTS = "Fler punkter i steget:"


@dataclass
class GuidePage:
    text: str
    step: int  # 1-based
    total: int
    buttons: List[Tuple[str, str]] = field(default_factory=list)
    answers: List[Answer] = field(default_factory=list)
    shaped: Optional[Shaped] = None


def steps(kb: KnowledgeBase, region: Optional[str]) -> Tuple[Answer, List[Step]]:
    """The region's steps, or the national ones where the routine lists none (Jönköpings län
    says it has seven steps but the text does not name them: its rule is shown on step 1)."""
    answer = kb.answer(region, "process.steps")
    if answer.rule.params.steps:
        return answer, list(answer.rule.params.steps)
    national = kb.answer(None, "process.steps")
    return Answer(national.rule, answer.region, True), list(national.rule.params.steps or [])


def clamp(kb: KnowledgeBase, region: Optional[str], step: Optional[float]) -> int:
    _, all_steps = steps(kb, region)
    n = int(step or 1)
    return max(1, min(n, len(all_steps)))


def page(kb: KnowledgeBase, region: Optional[str], step: int, audience: Optional[str] = None,
         resumed: bool = False) -> GuidePage:
    """Step ``step`` (1-based, clamped) of the region's process with its checklist and sources."""
    process, all_steps = steps(kb, region)
    total = len(all_steps)
    step = max(1, min(step, total))
    current = all_steps[step - 1]
    lines: List[str] = []
    extra: List[Answer] = []
    if resumed:
        lines.append(f"Vi fortsätter guiden där du var, på steg {step}.")
    elif step == 1:
        where = region_label(kb, region)
        lines.append(f"Jag guidar dig genom SIP-processen i {where}, steg för steg. "
                     f"Den har {total} steg. Du kan gå framåt, bakåt, hoppa till ett steg eller "
                     "avbryta och fortsätta senare (skriv ”fortsätt guiden”).")
        own = kb.regional(region, "process.steps") if region in REGION_IDS else None
        if own is not None and not own.params.steps:
            lines.append(wording(own, audience))
            extra.append(Answer(own, region, False))
        if process.fallback or process.region == "national":
            lines.append("Rutinen har ingen egen lista över stegen, så stegen nedan är SIP-guidens sammanfattning "
                         "av den gång som rutinerna i stort följer.")
    lines.append(f"Steg {step} av {total}: {current.title}")
    checklist = [kb.answer(region, topic) for topic in current.topics]
    # The routine's own points first; the national baseline only where the routine is silent, marked so.
    ordered = [a for a in checklist if not a.fallback] + [a for a in checklist if a.fallback]
    points = [f"☐ {kb.topics[a.topic].title}: {opening(kb, a)}" + (SILENT_MARK if a.fallback else "") for a in ordered]
    lines += points[:MAX_POINTS]
    details: List[str] = []
    if len(points) > MAX_POINTS:
        details.append(MORE_POINTS + "\n" + "\n".join(points[MAX_POINTS:]))
    used = extra + [process] + ordered
    buttons: List[Tuple[str, str]] = []
    if step > 1:
        buttons.append(("◀ Föregående steg", BACK))
    if step < total:
        buttons.append(("Nästa steg ▶", NEXT))
    buttons.append(("Hoppa till steg", GOTO))
    buttons.append(("Vad betyder det här?", EXPLAIN))
    buttons.append(("Avsluta guiden", STOP))
    if step == total:
        lines.append("Det här är sista steget.")
    sources, notes = sources_and_notes(kb, used)
    shaped = Shaped("\n".join(lines), details, sources, notes, used,
                    national=[region] if region in REGION_IDS and any(a.fallback for a in used) else [],
                    visual=stepper(all_steps, step))
    return GuidePage(shaped.text, step, total, buttons, used, shaped)


def stepper(all_steps: List[Step], step: int) -> dict:
    """Where the user is in the region's steps, as a picture with its text equivalent."""
    label = f"Steg {step} av {len(all_steps)}: {all_steps[step - 1].title}"
    return {"kind": "stepper", "label": label,
            "steps": [{"title": s.title, "current": i == step} for i, s in enumerate(all_steps, 1)]}


def step_menu(kb: KnowledgeBase, region: Optional[str]) -> Tuple[str, List[Tuple[str, str]]]:
    """The list of steps to jump to, as buttons."""
    _, all_steps = steps(kb, region)
    buttons = [(f"{i}. {s.title}", f'/guide_goto{{"step":"{i}"}}') for i, s in enumerate(all_steps, 1)]
    return "Vilket steg vill du gå till?", buttons
