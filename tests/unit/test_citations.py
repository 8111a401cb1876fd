"""Every citation's quote is really in its source text; made-up or altered quotes are not."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.citations import check_citation, find_quote, fold_ocr, seeds_dir
from bot.knowledge import knowledge

KB = knowledge()
CITATIONS = [(rule.id, i, c) for rule in KB.all_rules() for i, c in enumerate(rule.citations)]


@pytest.mark.parametrize("rule_id,index,citation", CITATIONS, ids=[f"{r}#{i}" for r, i, _ in CITATIONS])
def test_quote_is_in_its_source(rule_id, index, citation):
    src = KB.sources[citation.source]
    m = check_citation(citation.quote, src.seed, src.ocr)
    assert m.found, f"{rule_id}: citatet finns inte i {src.seed} ({m.reason}); närmast: {m.window!r}"


HANINGE = "haninge-sip-rutin-2025-04-30.txt"
UPPSALA = "uppsala-lan-sip-riktlinje-vis-v6-2025.txt"
HALLAND = "halland-sip-barn-och-unga-stod-och-vagledning.txt"
SKANE = "skane-sip-rutin-2023-05-04.txt"

# Correct Swedish against the garbled OCR: these are in the source.
REAL = [
    (HANINGE, "garbled", "När behov av samordning upptäcks eller den enskilde efterfrågar SIP ska du i din yrkesutövning ta initiativ till SIP."),
    (HANINGE, "garbled", "Optimalt planeras mötet in minst tre veckor fram i tiden."),
    (UPPSALA, "garbled", "Det anses som praxis i svensk rätt att för barn som fyllt 15 år och kan göra en rimlig bedömning av vad samtycket innebär"),
    (HALLAND, "clean", "Rekommendation i Halland är att SIP-mötet hålls inom 30 dagar efter det att behovet är upptäckt."),
]

# Each altered in one way that changes the meaning: none may pass.
ALTERED = [
    (HANINGE, "garbled", "Optimalt planeras mötet in minst fyra veckor fram i tiden."),            # number word
    (HANINGE, "garbled", "Ska-kravet omfattar skolan, men överenskommelsen möjliggör för skolan att kalla till SIP."),  # negation dropped
    (UPPSALA, "garbled", "Det anses som praxis i svensk rätt att för barn som fyllt 16 år och kan göra en rimlig bedömning"),  # digits
    (UPPSALA, "garbled", "Huvudregeln är att den huvudman som den enskilde har minst kontakt med får det övergripande och samordnande ansvaret."),
    (UPPSALA, "garbled", "Om det finns två vårdnadshavare krävs bådas samtycken"),                  # Halland's sentence, not Uppsala's
    (HALLAND, "clean", "Rekommendation i Halland är att SIP-mötet hålls inom 60 dagar efter det att behovet är upptäckt."),
    (HALLAND, "clean", "Om vårdnadshavare inte samtycker till att en SIP upprättas ska det inte accepteras."),
    (SKANE, "clean", "Samordningsansvarig ansvarar att kalla till uppföljningsmöte minst 2 ggr/år."),
    (SKANE, "clean", "En SIP som inte följts upp under 12 månader avslutas automatiskt."),         # paraphrase
]


@pytest.mark.parametrize("seed,ocr,quote", REAL)
def test_real_quotes_in_correct_swedish_are_found(seed, ocr, quote):
    assert find_quote(quote, seed, ocr).found


@pytest.mark.parametrize("seed,ocr,quote", ALTERED)
def test_altered_or_foreign_quotes_fail(seed, ocr, quote):
    m = find_quote(quote, seed, ocr)
    assert not m.found, f"passerade felaktigt: {quote!r} ({m.score:.0f})"


def test_folding_reads_ocr_digits_as_letters():
    assert fold_ocr("f6r 6verenskommelse, &r") == "for overenskommelse ar"
    assert fold_ocr("Källa: 2 kap. 7 §") == "kalla 2 kap 7"


def test_vendored_seeds_are_the_shared_ones():
    here = seeds_dir()
    sums = dict(line.split()[::-1] for line in (here / "SHA256SUMS").read_text().splitlines())
    for name, digest in sums.items():
        assert hashlib.sha256((here / name).read_bytes()).hexdigest() == digest, name
    assert {s.seed for s in KB.sources.values() if s.seed} == set(sums)
    shared = Path(__file__).resolve().parents[3] / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds finns inte i den här utcheckningen (ren klon)")
    for name in sums:
        assert (shared / name).read_bytes() == (here / name).read_bytes(), f"{name} skiljer sig från ../shared/seeds"
