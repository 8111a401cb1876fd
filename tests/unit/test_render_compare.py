"""Answers end with their source; silence is said; the comparison document is current."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from bot import rules
from bot.knowledge import REGION_IDS, knowledge
from bot.answers import answer_topics
from bot.render import decision_shaped, source_lines

ROOT = Path(__file__).resolve().parents[2]
KB = knowledge()


def test_own_rule_ends_with_its_document_and_section():
    topic = next(iter(KB.rules["halland"]))
    text = answer_topics(KB, "halland", [topic], None).text
    rule = KB.rules["halland"][topic]
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Källa:"))
    assert all(line.startswith(("Källa:", "Obs:")) for line in lines[first:])  # the sources come last
    sources = [line for line in lines[first:] if line.startswith("Källa:")]
    assert sources[-1].startswith("Källa: SIP för barn och unga")
    assert f"”{rule.citations[-1].section}”" in sources[-1]
    assert "säger inget" not in text
    assert "odaterad" in text  # Halland's document carries no date, and the source line says so


def test_silent_region_says_so_and_cites_the_national_basis():
    topic = next(t for t in KB.topics if t not in KB.rules["jonkoping"])
    text = answer_topics(KB, "jonkoping", [topic], None).text
    assert "Rutinen för Jönköpings län tar inte upp detta; svaret bygger på" in text
    assert "Källa:" in text


def test_municipality_without_routine_is_told_so():
    text = answer_topics(KB, "annan", ["sip.what"], "young").text
    assert "Det finns ingen SIP-rutin inlagd för din kommun" in text
    assert KB.rules["national"]["sip.what"].plain in text


def test_laws_quoted_are_named_in_the_source_line():
    lines = source_lines(KB, [KB.answer("annan", "sip.what")])
    assert any("2 kap. 7 § SoL" in line and "16 kap. 4 § HSL" in line for line in lines)


def test_a_decision_lists_sources_and_fallbacks():
    d = rules.consent(KB, "skane", rules.ConsentFacts(age=14, guardians=2, guardians_consenting=1), dt.date(2026, 11, 24))
    text = decision_shaped(KB, d).text
    assert "Rutinen för Skåne säger inget om: två vårdnadshavare" in text
    assert "Källa: Rutin för arbete med samordnad individuell plan (SIP)" in text
    plain = decision_shaped(KB, d, audience="guardian").text
    assert plain != text and "Källa:" in plain


@pytest.mark.slow  # runs scripts/compare.py
def test_compare_document_is_current(tmp_path):
    out = tmp_path / "jamforelse.md"
    subprocess.run([sys.executable, "scripts/compare.py", str(out)], cwd=ROOT, check=True, capture_output=True)
    committed = (ROOT / "docs" / "jamforelse.md").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == committed, "docs/jamforelse.md är inaktuell: kör make compare"


def test_compare_document_has_every_topic_and_region():
    doc = (ROOT / "docs" / "jamforelse.md").read_text(encoding="utf-8")
    for topic in KB.topics.values():
        assert f"| {topic.title}" in doc, topic.id
    assert len(REGION_IDS) == len(KB.regions()) >= 2
    for region in REGION_IDS:
        assert f" {KB.routines[region].name} |" in doc, region
