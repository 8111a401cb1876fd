"""The rules core's one table of wording (knowledge/explanations.yml) is in step with the code:
every outcome of every check has a headline, every phrase the core says is in the table, nothing
in the table is unused, and every {field} of a phrase is one the core fills in."""

import re
import string
from pathlib import Path

import pytest

from bot import rules

SOURCE = Path(rules.__file__).read_text(encoding="utf-8")
TABLE = rules.wording()
USED = set(re.findall(r'(?:explain|phrase)\(\s*"([a-z_.]+)"', SOURCE))
USED |= set(re.findall(r'explain\(\s*"([a-z_.]+)"\s+if', SOURCE)) | set(re.findall(r'else\s+"(deadline\.[a-z_.]+)"', SOURCE))
DATE_LINES = {f"deadline.{key}" for key in rules.COMPUTED_DATES}


def fields(template: str) -> set:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_outcome_has_a_headline_and_nothing_else_is_there():
    for check, enum in rules.OUTCOMES.items():
        assert set(TABLE["outcomes"][check]) == {o.value for o in enum}, check
    assert set(TABLE["outcomes"]) == set(rules.OUTCOMES)


def test_every_phrase_used_is_in_the_table():
    missing = sorted((USED | DATE_LINES) - set(TABLE["phrases"]))
    assert not missing, f"fraser som saknas i knowledge/explanations.yml: {missing}"


def test_no_phrase_in_the_table_is_unused():
    recommended = {k for k in TABLE["phrases"] if k.endswith(".bor") and k[:-4] in DATE_LINES}
    unused = sorted(set(TABLE["phrases"]) - USED - DATE_LINES - recommended)
    assert not unused, f"oanvända fraser: {unused}"


@pytest.mark.parametrize("key", sorted(TABLE["phrases"]))
def test_both_registers_take_the_same_fields(key):
    entry = TABLE["phrases"][key]
    assert fields(entry["plain"]) <= fields(entry["professional"]) | {"status", "date", "period"}, key


def test_a_recommended_date_is_worded_as_one():
    for key in DATE_LINES:
        bor = TABLE["phrases"].get(key + ".bor")
        if bor:
            assert re.search(r"rekommend|helst|bör", bor["professional"], re.I), key
            assert re.search(r"rekommend|helst|bör", bor["plain"], re.I), key
            assert "tidigast" not in bor["plain"] and "senast:" not in bor["plain"], key
