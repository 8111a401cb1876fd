"""Reading the facts of a case from what users type: ages, guardians, organisations, Swedish
dates (via dateparser), yes/no/skip and reasons to close."""

import datetime as dt

import pytest

from bot import facts

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize("text, expected", [
    ("vi har en 14-åring med två vårdnadshavare", 14),
    ("Hon är 9 år och pappan säger nej", 9),
    ("jag går i åttan och är 14 år gammal", 14),
    ("eleven fyller 15 i vår", 15),
    ("en kille på fjorton år", 14),
    ("hen är 16ar", 16),
    ("om två år flyttar de", None),       # a period, not an age
    ("samtycket gäller i ett år", None),
    ("hur ofta ska vi följa upp, varje år?", None),
])
def test_age(text, expected):
    assert facts.age(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("två vårdnadshavare, båda samtycker", {"guardians": 2, "guardians_consenting": 2}),
    ("pappan säger nej men mamma vill", {"guardians": 2, "guardians_consenting": 1}),
    ("ingen av vårdnadshavarna vill", {"guardians_consenting": 0}),
    ("mamma har ensam vårdnad", {"guardians": 1}),
    ("vad gäller för samtycke", {}),
])
def test_guardians(text, expected):
    assert facts.guardians(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("skola, BUP och soc är inblandade, plus habben", ["skola", "bup", "socialtjanst", "habilitering"]),
    ("eleven har kontakt med bup:s mottagning och vårdcentralen", ["bup", "vardcentral"]),
    ("forsakringskassan och arbetsformedlingen", ["forsakringskassan", "arbetsformedlingen"]),
    ("vad gäller för samtycke", []),
])
def test_organisations(text, expected):
    assert facts.organisations(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("behovet upptäcktes 3 mars 2026, när senast ska mötet hållas?", {"need_identified": dt.date(2026, 3, 3)}),
    ("vi såg behovet igår", {"need_identified": dt.date(2026, 11, 25)}),
    ("mötet hölls 12 april 2026 och sista uppföljningen var 1 oktober 2025",
     {"meeting": dt.date(2026, 4, 12), "last_follow_up": dt.date(2025, 10, 1)}),
    ("samtycket gavs den 1:a december 2025", {"consent_date": dt.date(2025, 12, 1)}),
    ("mötet är om två veckor", {"meeting": dt.date(2026, 12, 10)}),
    ("2026-02-29", {}),                                  # no such date
    ("i förrgår", {"date": dt.date(2026, 11, 24)}),
    ("hon är 14 år och har 2 vårdnadshavare", {}),      # an age is not a date
])
def test_dates(text, expected):
    assert facts.dates(text, TODAY) == expected


@pytest.mark.parametrize("text, yes, skip", [
    ("ja", True, False), ("Ja, det gör hon", True, False), ("nej", False, False),
    ("nej det har hen inte", False, False), ("vet inte", None, True), ("hoppa över", None, True),
    ("kanske", None, False),
])
def test_yes_no_and_skip(text, yes, skip):
    assert facts.yes_no(text) is yes
    assert facts.is_skip(text) is skip


@pytest.mark.parametrize("text, reason", [
    ("familjen flyttar till en annan region", "flytt_utanfor_regionen"),
    ("mamma har dragit tillbaka sitt samtycke", "samtycke_aterkallat"),
    ("barnet mår bra nu och behovet har upphört", "behov_upphort"),
    ("de har bytt vårdcentral", "byte_vardcentral"),
    ("vi tycker att det är tråkigt", None),
])
def test_closing_reason(text, reason):
    assert facts.closing_reason(text) == reason
