"""'Jag är ny': a short onboarding path for a new employee, from the user's own routine.

What SIP is (the region's rule on the topic, else the national one), the region's steps (as the
guide reads them, bot/guide.py), three mistakes to avoid — each shown as the user's routine's
own rule on the topic, a mistake whose topics the routine is silent on giving way to the next —
and where the routine itself is (its document and URL from knowledge/sources.yml). Texts and the
choice of mistakes are data: knowledge/onboarding.yml. Pure Python: no Rasa import.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from pydantic import ValidationError, conint, conlist, constr

from bot.audience import wants_plain, wording
from bot.knowledge import (KNOWLEDGE_DIR, REGION_IDS, Answer, KnowledgeBase, KnowledgeError, NonEmpty, Source, _Strict,
                           explain_validation, knowledge)
from bot.places import directory
from bot.yamlio import load_yaml

ONBOARDING_FILE = KNOWLEDGE_DIR / "onboarding.yml"
PENDING = "onboarding"  # the slot ``pending`` while the region is asked for


class Mistake(_Strict):
    id: NonEmpty
    title: NonEmpty
    plain: NonEmpty
    topics: conlist(NonEmpty, min_items=1)


class ButtonSpec(_Strict):
    title: NonEmpty
    payload: constr(regex=r"^/\w+$")


class Texts(_Strict):
    welcome: NonEmpty
    welcome_no_routine: NonEmpty
    what_is: NonEmpty
    steps: NonEmpty
    steps_no_routine: NonEmpty
    steps_national: NonEmpty
    mistakes: NonEmpty
    mistakes_no_routine: NonEmpty
    routine: NonEmpty
    no_url: NonEmpty
    no_routine: NonEmpty
    next: NonEmpty


class OnboardingFile(_Strict):
    what_is: NonEmpty
    steps: NonEmpty
    shown: conint(ge=1)
    texts: Texts
    buttons: conlist(ButtonSpec, min_items=1)
    mistakes: conlist(Mistake, min_items=1)


def load(path: Path = ONBOARDING_FILE, kb: Optional[KnowledgeBase] = None) -> OnboardingFile:
    kb = kb or knowledge()
    data = load_yaml(path)
    try:
        spec = OnboardingFile.parse_obj(data)
    except ValidationError as exc:
        raise KnowledgeError(f"{path}: {explain_validation(exc, data)}") from None
    problems = [f"{name}: okänt ämne {topic!r}" for name, topic in (("what_is", spec.what_is), ("steps", spec.steps))
                if topic not in kb.topics]
    seen = set()
    for m in spec.mistakes:
        if m.id in seen:
            problems.append(f"misstaget {m.id} finns två gånger")
        seen.add(m.id)
        problems += [f"misstaget {m.id}: okänt ämne {t!r}" for t in m.topics if t not in kb.topics]
    if len(spec.mistakes) < spec.shown:
        problems.append(f"färre misstag ({len(spec.mistakes)}) än shown ({spec.shown})")
    if problems:
        raise KnowledgeError(f"{path}: " + "; ".join(problems))
    return spec


@lru_cache(maxsize=1)
def spec() -> OnboardingFile:
    return load()


# ---------------------------------------------------------------- the parts
def _routine(region: Optional[str]) -> bool:
    return region in REGION_IDS


def _name(kb: KnowledgeBase, region: Optional[str]) -> str:
    from bot.render import region_label

    return region_label(kb, region)


def rule_line(answer: Answer, audience: Optional[str] = None) -> str:
    """A rule in one line: its short form (staff), the first sentence of its plain text
    (guardians, young people)."""
    if wants_plain(audience):
        return wording(answer.rule, audience).split(". ")[0].rstrip(".") + "."
    return answer.rule.short


def mistakes(kb: KnowledgeBase, region: Optional[str]) -> List[Tuple[Mistake, Answer]]:
    """The mistakes shown for ``region``, each with the rule that says what to do instead: the
    region's own rule on the first of the mistake's topics it has one on; a mistake none of
    whose topics the routine speaks of is skipped. Without a routine: the national rules."""
    out: List[Tuple[Mistake, Answer]] = []
    for m in spec().mistakes:
        if len(out) == spec().shown:
            break
        if _routine(region):
            own = next((t for t in m.topics if kb.regional(region, t) is not None), None)
            if own is None:
                continue
            out.append((m, kb.answer(region, own)))
        else:
            out.append((m, kb.answer(None, m.topics[0])))
    return out


def routine_sources(kb: KnowledgeBase, region: Optional[str]) -> List[Source]:
    """The region's own routine documents (knowledge/sources.yml)."""
    return [s for s in kb.sources.values() if s.kind == "routine" and s.region == region]


def stepper(kb: KnowledgeBase, region: Optional[str]) -> Dict[str, Any]:
    """The region's steps as the message contract's stepper picture (none marked current: an
    overview), with its label as the text equivalent's heading."""
    from bot import guide

    _, steps = guide.steps(kb, region)
    label = (spec().texts.steps.format(region=_name(kb, region)) if _routine(region) else spec().texts.steps_no_routine)
    return {"kind": "stepper", "label": label.rstrip(":"),
            "steps": [{"title": s.title, "current": False} for s in steps]}


def buttons() -> List[Tuple[str, str]]:
    return [(b.title, b.payload) for b in spec().buttons]


def path(region: Optional[str], audience: Optional[str] = None):
    """The onboarding path for ``region`` as a Turn: a welcome; what SIP is; the steps (with the
    stepper picture); three mistakes to avoid, each with the routine's rule; where the routine is,
    with buttons to go on. Each answer is shaped like every other (bot.render.Shaped)."""
    from bot import guide
    from bot.dialogue import Turn
    from bot.render import Shaped, baseline_line, opening, sources_and_notes

    kb = knowledge()
    texts = spec().texts
    name = _name(kb, region)
    own = _routine(region)
    asked = region if own else None
    shown_region = region if own else "annan"
    turn = Turn(slots={"case_start": False, "pending": None, "pending_text": None})

    def shaped(answer: str, details: List[str], used: List[Answer], visual=None) -> Shaped:
        sources, notes = sources_and_notes(kb, used)
        silent = [a for a in used if a.national]
        line = baseline_line(kb, silent, region) if silent else None
        return Shaped(answer, [d for d in [*details, line] if d], sources, notes, used,
                      national=[region] if own and silent else [], visual=visual)

    turn.say(texts.welcome.format(region=name) if own else texts.welcome_no_routine)

    what = kb.answer(asked, spec().what_is)
    turn.answer(shaped(f"{texts.what_is} {opening(kb, what)}", [], [what]), [], shown_region)

    process, steps = guide.steps(kb, asked)
    picture = stepper(kb, region)
    used = [process]
    details = ["\n".join(f"{i}. {s.title}" for i, s in enumerate(steps, 1))]
    if process.fallback or process.national:
        listless = kb.regional(region, spec().steps) if own else None
        if listless is not None:  # the routine speaks of its steps without naming them (Jönköpings län)
            details.append(rule_line(Answer(listless, region, False), audience))
            used.insert(0, Answer(listless, region, False))
        details.append(texts.steps_national)
    summary = f"{picture['label']}: " + ", ".join(s.title for s in steps) + "."
    turn.answer(shaped(summary, details, used, picture), [], shown_region)

    chosen = mistakes(kb, region)
    plain = wants_plain(audience)
    heading = texts.mistakes.format(region=name) if own else texts.mistakes_no_routine
    titles = [f"{i}. {m.plain if plain else m.title}." for i, (m, _) in enumerate(chosen, 1)]
    lines = [f"{i}. {rule_line(a, audience)}" for i, (_, a) in enumerate(chosen, 1)]
    turn.answer(shaped("\n".join([heading, *titles]), ["\n".join(lines)], [a for _, a in chosen]), [], shown_region)

    turn.say(where_is_the_routine(kb, region) + "\n\n" + texts.next, buttons())
    return turn


def where_is_the_routine(kb: KnowledgeBase, region: Optional[str]) -> str:
    """The region's document, with its URL, or where to ask for it."""
    from bot.render import document_label

    texts = spec().texts
    sources = routine_sources(kb, region) if _routine(region) else []
    if not sources:
        return texts.no_routine
    lines = [texts.routine.format(region=_name(kb, region))]
    for src in sources:
        if src.url:
            lines.append(f"{document_label(src)} – {src.url}")
        else:
            lines.append(f"{document_label(src)}. " + texts.no_url.format(issuer=src.issuer.split(",")[0]))
    return "\n".join(lines)


def start(text: str, entities: Iterable[Mapping[str, Any]], slots: Mapping[str, Any]):
    """The action's turn: a place named in the message is the user's region; without a region,
    the region is asked for first (``pending`` "onboarding"), and the path follows once it is
    known (bot.dialogue.pending_after_region calls ``after_region``)."""
    from bot import dialogue

    turn = dialogue.Turn(slots={"case_start": False})
    dialogue._common(turn, text, slots)
    region = slots.get("region")
    if not (text or "").startswith("/"):
        region = dialogue._region_from_message(turn, text, entities, slots, directory())
    if region is None:
        return dialogue.ask_region(turn, PENDING)
    inner = path(region, turn.slots.get("audience", slots.get("audience")))
    turn.messages.extend(inner.messages)
    turn.slots.update(inner.slots)
    return turn


def after_region(slots: Mapping[str, Any], turn=None):
    """Once the region is known (``pending`` was "onboarding"): the path, added to ``turn``."""
    inner = path(slots.get("region"), slots.get("audience"))
    if turn is None:
        return inner
    turn.messages.extend(inner.messages)
    turn.slots.update(inner.slots)
    return turn


__all__ = ["Mistake", "PENDING", "after_region", "buttons", "load", "mistakes", "path", "rule_line",
           "routine_sources", "spec", "start", "stepper", "where_is_the_routine"]
