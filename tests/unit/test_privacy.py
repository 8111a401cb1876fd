"""Identity numbers, e-mail addresses and phone numbers are removed by shape; ordinary text is not.
Names of people: tests/unit/test_privacy_names.py."""

import pytest

from bot.privacy import PLACEHOLDERS, checksum_valid, redact

REDACTED = [
    ("hon heter inget men har pnr 19121212-1212", "personnummer"),
    ("121212-1212", "personnummer"),
    ("121212-1213 (fel kontrollsiffra)", "personnummer"),          # mistyped: still personal data
    ("barnet 201503041234 behöver SIP", "personnummer"),
    ("1212121212", "personnummer"),
    ("19121212 1212", "personnummer"),
    ("121212+1212 är över hundra", "personnummer"),
    ("pnr: 20150304–1234", "personnummer"),                          # en dash
    ("samordningsnummer 701063-2391", "samordningsnummer"),         # day 63 = the 3rd
    ("198107822393", "samordningsnummer"),
    ("mejla mig på anna.svensson@haninge.se", "e-post"),
    ("ring 070-123 45 67", "telefon"),
    ("ring +46 70 123 45 67", "telefon"),
    ("tel 08-606 70 00", "telefon"),
    ("0701234567", "telefon"),
]

KEPT = [
    "behovet upptäcktes 2026-03-03",
    "mötet är 3 mars 2026 kl 14",
    "barnet är 15 år och har två vårdnadshavare",
    "SIP enligt 2 kap. 7 § SoL och 16 kap. 4 § HSL",
    "lag 2017:612",
    "inom 30 dagar, högst 2 timmar",
    "dnr 2024-1234",
    "version 6 från 2025-04-25",
    "201513-1234",             # month 13: not a date
    "19121232-1212",           # day 32: not a date
]


@pytest.mark.parametrize("text,kind", REDACTED)
def test_personal_data_is_removed(text, kind):
    r = redact(text)
    assert kind in r.kinds
    digits = "".join(ch for ch in text if ch.isdigit())
    assert digits[-4:] not in r.text or kind == "e-post"
    assert "borttag" in r.text


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_numbers_are_kept(text):
    r = redact(text)
    assert r.text == text and not r.kinds


def test_several_kinds_in_one_message_and_nothing_else_changes():
    r = redact("Elev 121212-1212, mamma nås på 070-123 45 67 eller mamma@example.com. Kan vi ha SIP?")
    assert r.kinds == ("personnummer", "e-post", "telefon")
    assert r.text == "Elev [personnummer borttaget], mamma nås på [telefonnummer borttaget] eller [e-postadress borttagen]. Kan vi ha SIP?"


def test_checksum_is_informational_only():
    assert checksum_valid("19121212-1212") and not checksum_valid("19121212-1213")
    assert redact("19121212-1213").kinds == ("personnummer",)


def test_every_kind_has_a_placeholder_that_is_not_personal_data_itself():
    assert set(PLACEHOLDERS) == {"personnummer", "samordningsnummer", "e-post", "telefon", "namn"}
    for placeholder in PLACEHOLDERS.values():
        assert redact(placeholder).text == placeholder and not redact(placeholder).kinds


def test_empty_and_none_like_input():
    assert redact("").text == "" and not redact("").changed
