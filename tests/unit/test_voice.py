"""Each reader is addressed as who they are: a guardian is never spoken to as the child.

``plain`` is written to the young person ("du", "dina vårdnadshavare"); a guardian reads
``rule.guardian or rule.plain`` (bot/audience.py ``wording``) and the rules core's
``Decision.text_for("guardian")``. Four checks, computed from the texts:

1. No guardian reading contains a phrase that speaks to the child: the reader's own guardians
   or parents, the reader's own age or maturity, the reader as the person the plan is for
   (``CHILD_ADDRESSED``; matched case-insensitively, with and without å/ä/ö).
2. Every ``guardian`` text passes the checks ``plain`` passes (tests/unit/test_modality.py): no
   modality, absolute, number or period that the statement and params lack, and no duty in a
   ``kan``/``info`` rule.
3. A guardian text keeps the force of the plain text it stands in for (ska stays ska, bör stays
   bör, kan stays kan), except where the plain text itself departs from the statement and the
   guardian text follows the statement (``FORCE_EXCEPTIONS``, each with its reason).
4. The rules core's sentences for guardians, for consent, invitation, closing and deadline
   decisions in every region, contain no such phrase and never give a guardian a rule's plain
   text where the rule has a guardian version.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Dict, List

import pytest

from bot import rules
from bot.knowledge import REGION_IDS, Rule
from test_modality import KB, RULES, force, plain_problems

# Phrases that address the reader as the child. Wrong for a guardian, who reads "ni som
# vårdnadshavare", "ert barn", "barnet". Keep the list explicit and small.
CHILD_ADDRESSED = (
    # the reader's own guardians or parents
    "dina vårdnadshavare", "din vårdnadshavare", "dina föräldrar", "din förälder",
    "din mamma", "din pappa", "du och dina", "du eller dina", "dig och dina",
    # the reader's own age or maturity
    "om du är mogen", "du är mogen", "du är så mogen", "hur mogen du är", "mognare du är",
    "din ålder", "hur gammal du är", "ju äldre du", "är du under 18", "om du är under 18",
    "när du är 15", "om du har fyllt 15", "är du barn", "dig som barn",
    # the reader as the person the plan is for
    "din plan", "din sip", "dina mål", "ditt mål", "din åsikt", "ditt liv",
    "hjälp du får", "hjälpen du får", "ger dig hjälp", "handlar om dig",
)
_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e"})


def fold(text: str) -> str:
    """Lower case, å/ä/ö as a/a/o, whitespace collapsed: "Dina  Vårdnadshavare" -> "dina vardnadshavare"."""
    return " ".join(text.lower().translate(_FOLD).split())


_PATTERNS = [(p, re.compile(r"(?<!\w)" + re.escape(fold(p)) + r"(?!\w)")) for p in CHILD_ADDRESSED]


def child_addressed(text: str) -> List[str]:
    """The phrases of ``CHILD_ADDRESSED`` that occur in the text."""
    folded = fold(text)
    return [p for p, pattern in _PATTERNS if pattern.search(folded)]


def guardian_reading(rule: Rule) -> str:
    return rule.guardian or rule.plain


# ---------------------------------------------------------------- 1. no child-addressed phrase
@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_a_guardian_is_not_addressed_as_the_child(rule: Rule):
    found = child_addressed(guardian_reading(rule))
    assert not found, f"{rule.id}: {'guardian' if rule.guardian else 'plain (ingen guardian)'} talar till barnet: {found}"


def test_the_phrase_check_catches_child_addressed_text():
    assert child_addressed("Om dina vårdnadshavare säger nej ska personalen respektera det.") == ["dina vårdnadshavare"]
    assert child_addressed("Om du ar mogen nog, DIN ALDER och dina foraldrar") == ["dina föräldrar", "om du är mogen", "du är mogen", "din ålder"]
    assert child_addressed("Det är din\nplan.") == ["din plan"]
    for fits in ("Om ni som vårdnadshavare säger nej ska personalen respektera det.",
                 "Barnets ålder och mognad spelar roll.", "Det är barnets plan.", "Ert ja gäller i högst ett år.",
                 "Den här rutinen gäller dina planer för skolan."):
        assert not child_addressed(fits), fits
    rule = KB.rule_by_id("halland.consent.refused")
    for bad in (rule.copy(update={"guardian": rule.guardian.replace("ni som vårdnadshavare", "dina vårdnadshavare")}),
                rule.copy(update={"guardian": None})):
        with pytest.raises(AssertionError):
            test_a_guardian_is_not_addressed_as_the_child(bad)


# ---------------------------------------------------------------- 2. no more than the statement
GUARDIAN_RULES = [r for r in RULES if r.guardian]


def guardian_problems(rule: Rule) -> List[str]:
    """test_modality's plain checks, applied to the guardian text."""
    problems = plain_problems(rule.copy(update={"plain": rule.guardian}))
    if rule.strength in ("kan", "info") and "ska" in force(rule.guardian):
        problems.append(f"modality:ska: en {rule.strength}-regel, men guardian-texten uttrycker en skyldighet")
    return problems


@pytest.mark.parametrize("rule", GUARDIAN_RULES, ids=[r.id for r in GUARDIAN_RULES])
def test_the_guardian_text_says_no_more_than_the_statement(rule: Rule):
    problems = guardian_problems(rule)
    assert not problems, f"{rule.id}: " + "; ".join(problems)


def test_a_guardian_text_is_a_version_of_its_own():
    assert len(GUARDIAN_RULES) > 100
    for rule in GUARDIAN_RULES:
        assert rule.guardian != rule.plain, f"{rule.id}: guardian är samma som plain, ta bort den"


def test_the_guardian_check_catches_hardened_text():
    rule = KB.rule_by_id("halland.meeting.length")
    hardened = rule.copy(update={"guardian": rule.guardian.replace("bör det finnas en paus", "ska det alltid finnas en paus")})
    assert hardened.guardian != rule.guardian
    keys = {p.split(":")[0] + ":" + p.split(":")[1] for p in guardian_problems(hardened)}
    assert {"modality:ska", "absolute:alltid"} <= keys
    moved = rule.copy(update={"guardian": rule.guardian.replace("två timmar", "tre timmar")})
    assert any(p.startswith("quantity") for p in guardian_problems(moved))
    possibility = KB.rule_by_id("skane.consent.child")
    assert possibility.strength == "kan"
    duty = possibility.copy(update={"guardian": possibility.guardian.replace("kan avgöra", "ska avgöra")})
    assert any(p.startswith("modality:ska") for p in guardian_problems(duty))


# ---------------------------------------------------------------- 3. the force of the plain text
# Guardian texts whose force differs from the plain text's, because the plain text departs from
# the statement and the guardian text follows the statement (the plain texts are listed for review).
FORCE_EXCEPTIONS: Dict[str, str] = {}


def force_difference(rule: Rule) -> set:
    return (force(rule.plain) ^ force(rule.guardian)) - {"info"}


@pytest.mark.parametrize("rule", GUARDIAN_RULES, ids=[r.id for r in GUARDIAN_RULES])
def test_the_guardian_text_keeps_the_force_of_the_plain_text(rule: Rule):
    if rule.id in FORCE_EXCEPTIONS:
        return
    diff = force_difference(rule)
    assert not diff, f"{rule.id}: guardian {sorted(force(rule.guardian))}, plain {sorted(force(rule.plain))}"


def test_the_force_exceptions_are_still_needed():
    for rule_id, reason in FORCE_EXCEPTIONS.items():
        rule = KB.rule_by_id(rule_id)
        assert reason and rule.guardian and force_difference(rule), f"{rule_id}: undantaget behövs inte längre"


# ---------------------------------------------------------------- 4. the rules core's sentences
TODAY = dt.date(2026, 11, 24)
REGIONS = list(REGION_IDS) + ["annan"]
CASES = {
    "consent": [
        {},
        {"age": 12, "guardians": 2, "guardians_consenting": 2},
        {"age": 12, "guardians": 2, "guardians_consenting": 1, "child_mature": False},
        {"age": 12, "guardians": 2},
        {"age": 9, "guardians": 2, "guardians_consenting": 0},
        {"age": 16, "guardians": 2, "guardians_consenting": 0, "child_mature": True, "person_consents": True},
        {"age": 16, "guardians": 2, "guardians_consenting": 2, "child_mature": True, "person_consents": False},
        {"age": 16, "guardians": 2, "guardians_consenting": 2, "child_mature": True, "person_consents": True},
        {"age": 15, "guardians": 2, "guardians_consenting": 2},
        {"age": 14, "guardians": 1, "guardians_consenting": 1, "person_consents": False},
        {"age": 14, "guardians": 1, "guardians_consenting": 1, "child_mature": False, "person_consents": False},
        {"age": 10, "guardians": 0},
        {"age": 10, "guardians": 1, "guardians_consenting": 1, "consent_date": dt.date(2025, 10, 1)},
        {"age": 10, "guardians": 2, "guardians_consenting": 2, "consent_date": dt.date(2026, 3, 15)},
        {"age": 30, "person_consents": True},
        {"age": 30, "can_consent": False, "legal_representative": True},
    ],
    "invitations": [
        {},
        {"organisations": [{"id": "bup", "ongoing": True}, {"id": "socialtjanst", "ongoing": False},
                           {"id": "skola"}, {"id": "habilitering", "ongoing": False},
                           {"id": "vardcentral", "ongoing": False}, {"id": "forsakringskassan"}]},
        {"organisations": [{"id": "socialtjanst", "ongoing": True}, {"id": "skola", "ongoing": False},
                           {"id": "bup", "ongoing": True}, {"id": "elevhalsa", "ongoing": True},
                           {"id": "lss", "ongoing": True}, {"id": "vardcentral", "ongoing": True}],
         "protected_identity": True},
        {"organisations": [{"id": "vuxenpsykiatri", "ongoing": False}, {"id": "socialtjanst", "ongoing": False}],
         "lus": True},
    ],
    "closing": [{}] + [{"reason": reason} for reason in rules.CLOSING_REASONS] + [
        {"reason": "annat_skal", "still_needs_coordination": True},
        {"reason": "flytt_inom_regionen", "still_needs_coordination": False},
        {"last_follow_up": dt.date(2025, 1, 10)},
        {"last_follow_up": dt.date(2025, 10, 10), "reason": "behov_upphort"},
        {"last_follow_up": dt.date(2026, 6, 1), "reason": "behov_upphort"},
    ],
    "deadlines": [
        {},
        {"need_identified": dt.date(2026, 11, 2), "meeting": dt.date(2026, 12, 15),
         "last_follow_up": dt.date(2026, 1, 20), "consent_date": dt.date(2026, 2, 1)},
        {"need_identified": dt.date(2026, 9, 1), "invitation_sent": dt.date(2026, 11, 20),
         "meeting": dt.date(2026, 11, 1), "consent_date": dt.date(2025, 5, 5)},
    ],
}
DECISIONS = [(check, region, i, facts) for check, cases in CASES.items() for region in REGIONS for i, facts in enumerate(cases)]
_PLAIN_WITH_GUARDIAN = {r.plain: r.id for r in RULES if r.guardian}


def decide(check: str, region: str, facts: dict) -> rules.Decision:
    fn, model = {"consent": (rules.consent, rules.ConsentFacts), "invitations": (rules.invitations, rules.InvitationFacts),
                 "closing": (rules.closing, rules.ClosingFacts), "deadlines": (rules.deadlines, rules.DeadlineFacts)}[check]
    return fn(KB, region, model.parse_obj(facts), TODAY)


def guardian_problems_in(decision: rules.Decision) -> List[str]:
    problems = []
    for sentence in [decision.headline[1]] + decision.text_for("guardian"):
        found = child_addressed(sentence)
        if found:
            problems.append(f"{found} i ”{sentence}”")
        if sentence in _PLAIN_WITH_GUARDIAN:
            problems.append(f"plain-texten för {_PLAIN_WITH_GUARDIAN[sentence]} i stället för dess guardian-text")
    return problems


@pytest.mark.parametrize("check,region,case,facts", DECISIONS, ids=[f"{c}-{r}-{i}" for c, r, i, _ in DECISIONS])
def test_the_rules_core_speaks_to_a_guardian_as_a_guardian(check: str, region: str, case: int, facts: dict):
    problems = guardian_problems_in(decide(check, region, facts))
    assert not problems, f"{check} i {region}: " + "; ".join(problems)


def test_the_cases_reach_guardian_versions_and_the_wording_table():
    """The set above is representative: every check gives a guardian another text than a young
    person somewhere, the guardian versions of the core's consent rules are reached, and a
    decision that gave a guardian the child's plain text would be caught."""
    reached = set()
    for check in CASES:
        decisions = [decide(c, r, f) for c, r, _, f in DECISIONS if c == check]
        assert any(d.text_for("guardian") != d.text_for("young") for d in decisions), check
        for d in decisions:
            reached |= {rid for rid, rule in ((a.rule.id, a.rule) for a in d.used) if rule.guardian in d.text_for("guardian")}
    for region in REGION_IDS:
        assert any(rid.startswith(region + ".consent.") for rid in reached), region
    decision = decide("consent", "halland", {"age": 12, "guardians": 2, "guardians_consenting": 1, "child_mature": False})
    young = rules.Decision(decision.question, decision.region, decision.outcome, guardian=decision.plain)
    assert guardian_problems_in(young)
