"""The legal audit's text findings (../shared/reviews/legal-audit-2026-12.md), one row each:
the rule, the field, what it must say and what it must not say again. The case-logic
findings are scenarios in tests/scenarios/rules/ (named after the finding); the general
checks that keep the next such error from being written are in tests/unit/test_modality.py
(strength, plain against statement, agreement claims) and tests/unit/test_voice.py."""

import re

import pytest

from bot.knowledge import knowledge

KB = knowledge()

# finding, rule id, field, must contain (all), must not contain (none; regexes, case-insensitive)
FINDINGS = [
    ("A2", "jonkoping.consent.refused", "plain", ["kan"], [r"får inte samarbeta", r"får bara (prata|fråga)"]),
    ("A2", "national.consent.refused", "plain", ["anmäl", "akut"], [r"får inte samarbeta", r"får bara (prata|fråga)"]),
    ("A2", "national.sip.other_meetings", "plain", [], [r"får inte samarbeta", r"får bara"]),
    ("A2", "national.invitation.other_actors", "plain", [], [r"får bara (veta|samarbeta)"]),
    ("A5", "national.consent.both_guardians", "statement", ["undantag kan ske", "Halland"],
     [r"Hallands och Uppsala läns rutiner hänvisar"]),
    ("A5", "national.consent.both_guardians", "plain", ["oftast"], [r"Det står i lagen"]),
    ("A6", "national.consent.required", "plain", ["15 år"], [r"är det dina vårdnadshavare som säger ja, och"]),
    ("A7", "uppsala.consent.child", "short", ["förstår", "praxis"], []),
    ("C1", "national.sip.what", "statement", ["tidigare socialtjänstlagen (2001:453)"], [r"finns likalydande i 2 kap\. 7 §"]),
    ("C2", "national.sip.child_protection", "plain", [], [r"Det står i lagen"]),
    ("C3", "halland.consent.both_guardians", "statement", ["hänvisning enligt Hallands vägledning"], []),
    ("C3", "halland.sip.target_group", "statement", ["SOSFS 2014:4", "ersatt"], []),
    ("D2", "halland.preparation.general", "short", ["bör ha haft kontakt"], [r"ska ha haft kontakt"]),
    ("D2", "halland.consent.required", "plain", ["bör också få frågan"], [r"Du ska också få frågan"]),
    ("D2", "halland.consent.child", "plain", ["bör få frågan"], [r"Du ska få frågan"]),
    ("D2", "halland.invitation.delivery", "plain", ["bör den som kallar"], [r"ska den som kallar ha pratat"]),
    ("D2", "halland.meeting.length", "plain", ["bör det finnas en paus"], [r"ska det finnas en paus"]),
    ("D2", "halland.meeting.roles", "plain", ["bör det vara bestämt"], [r"ska det vara bestämt"]),
    ("D3", "uppsala.meeting.decisions", "plain", ["Målen och hjälpen ska vara sådana som du kan säga ja till"],
     [r"du ska hålla med", r"behöver inte hålla med"]),
    ("E1", "national.sip.what", "plain", ["om de bedömer att en plan behövs"], []),
    ("E2", "haninge.initiative.request", "plain", ["Skolan får"], [r"Då ska personalen ni pratar med"]),
    ("E3", "haninge.follow_up.revision", "statement", ["kan SIP avslutas"], [r"förändrats påtagligt avslutas SIP"]),
    ("E4", "skane.closing.grounds", "plain", ["varken", "ändrats"], [r"inte har följts upp på ett år räknas"]),
    ("E5", "halland.invitation.function", "plain", [], [r"inte till en viss person"]),
    ("E6", "uppsala.invitation.who", "plain", ["bestämmer vilka som ska vara med"], [r"vem från deras verksamhet"]),
    ("M1", "jonkoping.process.steps", "statement", ["sju steg"], []),
    ("M3", "national.preparation.participation", "statement", ["Närstående", "när det är möjligt"], []),
    ("B2", "national.invitation.who", "statement", ["skiljer sig"], [r"^Rutinerna är överens"]),
    ("B3", "haninge.invitation.ongoing_contact", "short", ["enbart informera"], []),
]


@pytest.mark.parametrize("finding, rule_id, field, must, must_not", FINDINGS,
                         ids=[f"{f}-{r}-{fld}" for f, r, fld, _, _ in FINDINGS])
def test_audit_text_finding_stays_fixed(finding, rule_id, field, must, must_not):
    text = " ".join(getattr(KB.rule_by_id(rule_id), field).split())
    for phrase in must:
        assert phrase.lower() in text.lower(), f"{finding} {rule_id}.{field} ska säga {phrase!r}: {text}"
    for pattern in must_not:
        assert not re.search(pattern, text, re.I), f"{finding} {rule_id}.{field} får inte säga {pattern!r}: {text}"


def test_no_text_presents_the_repealed_sol_paragraph_as_todays_law():
    """C1: wherever "2 kap. 7 § socialtjänstlagen" is named, the text says it is the former law."""
    for rule in KB.all_rules():
        for field in ("statement", "plain", "short"):
            text = " ".join(getattr(rule, field).split())
            for m in re.finditer(r"2 kap\. 7 §", text):
                around = text[max(0, m.start() - 120): m.end() + 120]
                assert re.search(r"tidigare|2001:453|upphävd|ersatt", around), f"{rule.id}.{field}: {around}"


def test_child_protection_is_not_presented_as_law():
    """C2: the national rule on acute protection rests on Jönköping's text, not on the SIP paragraphs."""
    rule = KB.rule_by_id("national.sip.child_protection")
    assert rule.basis != "law"
    jonkoping = [c for c in rule.citations if c.source == "jonkoping-2022"]
    assert jonkoping and all(not c.laws for c in jonkoping)  # the SIP paragraphs are not its pinpoint
