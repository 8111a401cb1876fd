"""The question rules (data/question_rules.yml) are generated from knowledge/questions.yml
(scripts/generate_question_rules.py, `make lookups`) and stay in step with it."""

import subprocess
import sys
from pathlib import Path

from bot.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[2]


def test_question_rules_are_generated_from_knowledge():
    result = subprocess.run([sys.executable, "scripts/generate_question_rules.py", "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def _answering_rules(path):
    """(rule name, intent) of each rule in ``path`` whose steps are an intent then action_answer_question."""
    found = []
    for rule in load_yaml(path).get("rules") or []:
        steps = rule.get("steps") or []
        if len(steps) == 2 and "intent" in steps[0] and steps[1].get("action") == "action_answer_question":
            found.append((rule["rule"], steps[0]["intent"]))
    return found


def test_every_question_has_exactly_one_rule_and_no_rule_answers_anything_else():
    questions = [entry["intent"] for entry in load_yaml(ROOT / "knowledge/questions.yml")["questions"]]
    generated = _answering_rules(ROOT / "data/question_rules.yml")
    assert [intent for _, intent in generated] == questions
    # Written by hand elsewhere in data/, a question rule would drift from knowledge/questions.yml.
    by_hand = [(path.name, rule) for path in sorted((ROOT / "data").glob("*.yml"))
               if path.name != "question_rules.yml" for rule in _answering_rules(path)]
    assert by_hand == [], f"frågeregler skrivna för hand (flytta dem till knowledge/questions.yml): {by_hand}"


def test_every_question_intent_is_in_the_domain():
    domain_intents = set(load_yaml(ROOT / "domain.yml")["intents"])
    missing = [e["intent"] for e in load_yaml(ROOT / "knowledge/questions.yml")["questions"]
               if e["intent"] not in domain_intents]
    assert missing == [], f"avsikter i knowledge/questions.yml som saknas i domain.yml: {missing}"
