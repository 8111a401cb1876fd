"""Table-driven tests of the rules core: tests/scenarios/rules/*.yml, readable by a SIP coordinator.

Every rule in knowledge/rules/ must be asserted by at least one scenario (in `expect.rules`
or as a topic in `own`/`silent`); a rule without one fails `test_every_rule_has_a_scenario`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Dict, List, Optional

import pytest
from pydantic import BaseModel, Extra

from bot import rules
from bot.casecheck import CHECKS
from bot.knowledge import NATIONAL, REGION_IDS, knowledge
from bot.yamlio import load_yaml

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios" / "rules"
TODAY = dt.date(2026, 11, 24)


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid


class TopicExpect(_Strict):
    own: List[str] = []
    silent: List[str] = []
    differs: Optional[bool] = None


class Expect(_Strict):
    outcome: Optional[str] = None
    rules: List[str] = []
    not_rules: List[str] = []
    fallback: List[str] = []
    missing: List[str] = []
    dates: Dict[str, dt.date] = {}
    no_dates: List[str] = []
    organisations: Dict[str, str] = {}
    says: List[str] = []
    not_says: List[str] = []
    plain_says: List[str] = []
    plain_not: List[str] = []
    own: List[str] = []       # ask: topics — answered by the region's own rule
    silent: List[str] = []    # ask: topics — the region is silent: national rule, marked fallback
    topics: Dict[str, TopicExpect] = {}  # ask: compare


class Scenario(_Strict):
    name: str
    ask: str
    region: Optional[str] = None
    regions: Optional[List[str]] = None
    subject: Optional[str] = None
    today: Optional[dt.date] = None
    facts: dict = {}
    expect: Expect


def load_scenarios() -> List[tuple]:
    out = []
    for path in sorted(SCENARIO_DIR.glob("*.yml")):
        for raw in load_yaml(path) or []:
            out.append((path.name, Scenario.parse_obj(raw)))
    return out


SCENARIOS = load_scenarios()
ASKS = CHECKS  # check name -> (rules-core function, facts model)
# The legal audit's case-logic findings (../shared/reviews/legal-audit-2026-12.md): each has
# at least one scenario whose name starts with its id.
AUDIT_FINDINGS = ("A1", "A3", "A4", "A8", "A9", "B1", "B3", "B4", "B5", "D1", "M2")


def asserted_rule_ids(s: Scenario) -> List[str]:
    ids = list(s.expect.rules)
    if s.ask == "topics":
        ids += [f"{s.region}.{t}" for t in s.expect.own] + [f"{NATIONAL}.{t}" for t in s.expect.silent]
    return ids


@pytest.mark.parametrize("scenario", [s for _, s in SCENARIOS], ids=[f"{f}: {s.name}" for f, s in SCENARIOS])
def test_scenario(scenario: Scenario):
    kb = knowledge()
    today = scenario.today or TODAY
    e = scenario.expect
    if scenario.ask == "topics":
        for topic in e.own:
            ans = kb.answer(scenario.region, topic)
            assert not ans.fallback and ans.rule.id == f"{scenario.region}.{topic}", f"{topic}: rutinen borde ha en egen regel"
        for topic in e.silent:
            ans = kb.answer(scenario.region, topic)
            # "annan" (no routine loaded): the national rule is the answer itself, not a fallback
            silent = ans.fallback or scenario.region not in REGION_IDS
            assert silent and ans.rule.id == f"{NATIONAL}.{topic}", f"{topic}: rutinen borde vara tyst, men har {ans.rule.id}"
        return
    if scenario.ask == "compare":
        table = rules.compare(kb, scenario.subject, scenario.regions)
        for topic, te in e.topics.items():
            cells = {c.region: c for c in table[topic]}
            assert sorted(r for r, c in cells.items() if not c.silent) == sorted(te.own), topic
            if te.silent:
                assert sorted(r for r, c in cells.items() if c.silent) == sorted(te.silent), topic
            if te.differs is not None:
                assert rules.differs(table[topic]) == te.differs, topic
        return
    fn, facts_model = ASKS[scenario.ask]
    decision = fn(kb, scenario.region, facts_model.parse_obj(scenario.facts), today)
    if e.outcome:
        assert e.outcome in {o.value for o in rules.OUTCOMES[scenario.ask]}, f"okänt utfall {e.outcome!r}"
        assert decision.outcome == e.outcome, decision.professional
    for rid in e.rules:
        assert rid in decision.rule_ids, f"{rid} användes inte; användes: {decision.rule_ids}"
    for rid in e.not_rules:
        assert rid not in decision.rule_ids
    for topic in e.fallback:
        assert topic in decision.fallbacks, f"{topic} borde bygga på nationell grund; fallbacks: {decision.fallbacks}"
    if e.missing or decision.missing:
        assert sorted(decision.missing) == sorted(e.missing)
    found = {dl.key: dl.date for dl in decision.details.get("deadlines", [])}
    for key in ("consent_valid_until", "forfeited_on", "auto_closed_on"):
        if key in decision.details:
            found.setdefault(key, decision.details[key])
    for key, date in e.dates.items():
        assert found.get(key) == date, f"{key}: {found.get(key)} (väntat {date})"
    for key in e.no_dates:
        assert key not in found
    if e.organisations:
        actions = {o.id: o.action for o in decision.details["organisations"]}
        assert {k: actions.get(k) for k in e.organisations} == e.organisations
    text = "\n".join(decision.professional)
    plain = "\n".join(decision.plain)
    for fragment in e.says:
        assert fragment in text, text
    for fragment in e.not_says:
        assert fragment not in text, text
    for fragment in e.plain_says:
        assert fragment in plain, plain
    for fragment in e.plain_not:
        assert fragment.lower() not in plain.lower(), plain
    # every decision explains itself in both registers and cites what it used
    assert decision.professional and decision.plain and decision.used


def test_at_least_80_scenarios_across_all_five_regions():
    assert len(SCENARIOS) >= 80
    regions = {s.region for _, s in SCENARIOS if s.region}
    assert set(REGION_IDS) <= regions


@pytest.mark.parametrize("finding", AUDIT_FINDINGS)
def test_every_audit_finding_has_a_scenario(finding):
    named = [s.name for _, s in SCENARIOS if s.name.startswith(finding + " ")]
    assert named, f"inget scenario heter {finding} …"


def test_every_decision_outcome_has_a_headline():
    for check, enum in rules.OUTCOMES.items():
        for outcome in enum:
            professional, plain = rules.headline(check, outcome)
            assert professional and plain


def test_every_rule_has_a_scenario():
    kb = knowledge()
    asserted = {rid for _, s in SCENARIOS for rid in asserted_rule_ids(s)}
    missing = sorted(r.id for r in kb.all_rules() if r.id not in asserted)
    assert not missing, "regler utan scenario: " + ", ".join(missing)


def test_scenarios_only_name_existing_rules():
    kb = knowledge()
    for _, s in SCENARIOS:
        for rid in asserted_rule_ids(s):
            kb.rule_by_id(rid)  # raises KeyError for an unknown id


def test_bad_facts_are_refused_with_a_swedish_message():
    with pytest.raises(ValueError, match="vårdnadshavare"):
        rules.ConsentFacts(age=10, guardians=3)
    with pytest.raises(ValueError, match="åldern"):
        rules.ConsentFacts(age=-1)
    with pytest.raises(ValueError, match="okänt skäl"):
        rules.ClosingFacts(reason="tråkigt")
    with pytest.raises(ValueError):
        rules.ConsentFacts(agee=10)  # typo'd fact name


def test_unknown_organisation_is_an_error():
    with pytest.raises(ValueError, match="okänd verksamhet"):
        rules.invitations(knowledge(), "halland", rules.InvitationFacts(organisations=[{"id": "nasa"}]), TODAY)
