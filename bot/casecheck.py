"""Case checks: gather only the facts the rules core still needs, one question at a time.

A check is one of the rules core's questions (``consent``, ``invitations``, ``closing``,
``deadlines``). The state of a check is a plain JSON-able dict (it lives in one Rasa slot):
the facts known so far (dates as ISO strings), the facts the user chose to skip, and the
fact being asked. ``next_fact`` runs the rules core on what is known and returns the first
fact it reports missing that has not been skipped; ``apply_answer`` reads the user's answer
to the question asked. When nothing is missing, ``result`` is the rules core's decision.
Pure Python: no Rasa import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from bot import facts as factlib
from bot import rules
from bot.knowledge import KnowledgeBase, organisations as organisation_catalogue

CHECKS: Dict[str, Tuple[Callable, type]] = {
    "consent": (rules.consent, rules.ConsentFacts),
    "invitations": (rules.invitations, rules.InvitationFacts),
    "closing": (rules.closing, rules.ClosingFacts),
    "deadlines": (rules.deadlines, rules.DeadlineFacts),
}
TITLES = {
    "consent": "samtycke",
    "invitations": "vem ni ska kalla",
    "closing": "avslut av SIP:en",
    "deadlines": "tidsfrister",
}
DATE_FACTS = ("consent_date", "need_identified", "invitation_sent", "meeting", "last_follow_up")
YES_NO = [("Ja", "ja"), ("Nej", "nej"), ("Vet inte", "hoppa över")]
SKIP_HINT = "Skriv ”hoppa över” om du inte vet, eller ”avbryt” för att sluta."


@dataclass
class Ask:
    fact: str
    text: str
    buttons: List[Tuple[str, str]] = field(default_factory=list)


_QUESTIONS: Dict[str, Tuple[str, List[Tuple[str, str]]]] = {
    "age": ("Hur gammal är personen som SIP:en gäller? Skriv åldern i år, till exempel ”14”.", []),
    "guardians": ("Hur många vårdnadshavare har barnet?", [("En", "1"), ("Två", "2"), ("Vet inte", "hoppa över")]),
    "guardians_consenting": ("Hur många av vårdnadshavarna samtycker till SIP?",
                             [("Ingen", "0"), ("En", "1"), ("Båda", "2"), ("Vet inte", "hoppa över")]),
    "child_mature": ("Bedöms barnet vara moget nog att förstå vad ett samtycke innebär?", YES_NO),
    "person_consents": ("Vill personen själv ha en SIP, det vill säga samtycker hen?", YES_NO),
    "can_consent": ("Kan personen själv lämna ett samtycke?", YES_NO),
    "legal_representative": ("Har personen en god man, förvaltare eller annan legal företrädare?", YES_NO),
    "organisations": ("Vilka verksamheter finns runt personen? Skriv dem, till exempel ”skolan, BUP och socialtjänsten”.", []),
    "reason": ("Varför vill ni avsluta SIP:en?", [
        ("Behoven har upphört", "behovet har upphört"),
        ("Samtycket är återkallat", "samtycket är återkallat"),
        ("Familjen flyttar från regionen", "familjen flyttar till en annan region"),
        ("Flytt inom regionen", "familjen flyttar inom regionen"),
        ("Annat skäl", "annat skäl")]),
    "need_identified": ("Vilket datum upptäcktes behovet av samordning? Till exempel ”3 mars 2026” eller ”igår”.", []),
    "meeting": ("Vilket datum är (eller var) SIP-mötet?", []),
    "last_follow_up": ("Vilket datum upprättades eller följdes planen senast upp?", []),
    "consent_date": ("Vilket datum lämnades samtycket?", []),
    "invitation_sent": ("Vilket datum skickades kallelsen?", []),
}


def new_state(check: str, known: Optional[Dict[str, object]] = None) -> Dict[str, object]:
    """A fresh check, with the facts the user's message already gave."""
    if check not in CHECKS:
        raise ValueError(f"okänd kontroll {check!r}")
    state: Dict[str, object] = {"check": check, "facts": {}, "skipped": [], "asking": None}
    for key, value in (known or {}).items():
        _store(state, key, value)
    return state


def _store(state: Dict[str, object], key: str, value: object) -> None:
    """Keep the facts the check uses; dates as ISO strings; organisations as [{id, ongoing}]."""
    check = state["check"]
    model = CHECKS[check][1]
    stored: Dict[str, object] = state["facts"]  # type: ignore[assignment]
    if key == "date":  # a date whose kind the user did not say: the check's main date
        key = {"deadlines": "need_identified", "consent": "consent_date", "closing": "last_follow_up"}.get(check, key)
    if key == "organisations":
        if check != "invitations":
            return
        current = {o["id"]: o for o in stored.get("organisations", [])}  # type: ignore[union-attr]
        for org in value:  # type: ignore[union-attr]
            org_id = org if isinstance(org, str) else org["id"]
            entry = current.get(org_id, {"id": org_id, "ongoing": None})
            if isinstance(org, dict) and org.get("ongoing") is not None:
                entry["ongoing"] = org["ongoing"]
            current[org_id] = entry
        stored["organisations"] = list(current.values())
        return
    if key not in model.__fields__:
        return
    if isinstance(value, dt.date):
        value = value.isoformat()
    stored[key] = value


def model(state: Dict[str, object]):
    """The rules core's facts model for the state; skipped facts stay unknown."""
    return CHECKS[state["check"]][1].parse_obj(state["facts"])  # type: ignore[index]


def decide(kb: KnowledgeBase, region: Optional[str], state: Dict[str, object], today: dt.date) -> rules.Decision:
    fn = CHECKS[state["check"]][0]  # type: ignore[index]
    return fn(kb, region, model(state), today)


def next_fact(kb: KnowledgeBase, region: Optional[str], state: Dict[str, object], today: dt.date) -> Optional[str]:
    """The first fact the rules core still misses that the user has not skipped, or None."""
    decision = decide(kb, region, state, today)
    skipped = state.get("skipped") or []
    for fact in decision.missing:
        if fact not in skipped:
            return fact
    return None


def question(fact: str) -> Ask:
    if fact.startswith("ongoing:"):
        org_id = fact.split(":", 1)[1]
        org = organisation_catalogue().get(org_id)
        name = org.name if org else org_id
        return Ask(fact, f"Har {name} en pågående kontakt, ett öppet ärende eller en insats för personen just nu?", YES_NO)
    text, buttons = _QUESTIONS[fact]
    return Ask(fact, text, list(buttons))


def apply_answer(state: Dict[str, object], text: str, today: dt.date) -> Optional[str]:
    """Read the answer to the fact being asked into the state. Returns None when it was
    understood (or skipped), otherwise a short Swedish explanation of what is expected."""
    fact = state.get("asking")
    if not fact:
        return None
    text = (text or "").strip()
    if factlib.is_skip(text):
        state.setdefault("skipped", []).append(fact)  # type: ignore[union-attr]
        state["asking"] = None
        return None
    value: object = None
    error = "Jag förstod inte svaret."
    if fact == "age":
        value = factlib.age(text + " år") if text.isdigit() else factlib.age(text)
        if value is None:
            error = "Skriv åldern som en siffra, till exempel ”14”."
    elif fact in ("guardians", "guardians_consenting"):
        value = _count(text)
        limit = 2
        if fact == "guardians_consenting":
            limit = int(state["facts"].get("guardians") or 2)  # type: ignore[union-attr]
        if value is None or not 0 <= value <= limit or (fact == "guardians" and value == 0):
            value, error = None, ("Svara med en siffra: 1 eller 2." if fact == "guardians"
                                  else f"Svara med en siffra från 0 till {limit}.")
    elif fact in ("child_mature", "person_consents", "can_consent", "legal_representative") or fact.startswith("ongoing:"):
        value = factlib.yes_no(text)
        if value is None:
            error = "Svara ”ja” eller ”nej”."
    elif fact == "organisations":
        orgs = factlib.organisations(text)
        value = orgs or None
        if value is None:
            error = "Jag kände inte igen någon verksamhet. Skriv till exempel ”skola, BUP och socialtjänst”."
    elif fact == "reason":
        value = factlib.closing_reason(text)
        if value is None and text:
            value = "annat"
    elif fact in DATE_FACTS:
        value = factlib.date_answer(text, today)
        if value is None:
            error = "Skriv ett datum, till exempel ”3 mars 2026”, ”2026-03-03” eller ”igår”."
    if value is None:
        return f"{error} {SKIP_HINT}"
    if fact.startswith("ongoing:"):
        _store(state, "organisations", [{"id": fact.split(":", 1)[1], "ongoing": value}])
    else:
        _store(state, fact, value)
    if fact == "reason" and value == "annat":
        state["facts"]["reason"] = "annat_skal"  # type: ignore[index]
    state["asking"] = None
    return None


def _count(text: str) -> Optional[int]:
    text = text.strip().lower().rstrip(".!")
    if text.isdigit():
        return int(text)
    words = {"ingen": 0, "inga": 0, "noll": 0, "en": 1, "ett": 1, "ena": 1, "bara en": 1, "en av dem": 1,
             "två": 2, "tva": 2, "båda": 2, "bada": 2, "bägge": 2, "bagge": 2, "alla": 2}
    for word, n in sorted(words.items(), key=lambda kv: -len(kv[0])):
        if text == word or text.startswith(word + " "):
            return n
    return None
