"""Removing personal data from what users type, before it is stored, logged or answered.

Redacted, by shape (a mistyped number is still personal data):

- personnummer: ``YYYYMMDD-NNNN``, ``YYMMDD-NNNN``, ``YYMMDD+NNNN``, without separator or with a
  space; the date part must be a real month and day (1–31). The Luhn check digit is NOT
  required: ``121212-1213`` (wrong check digit) is redacted like ``121212-1212``.
- samordningsnummer: the same shape with day + 60 (61–91).
- e-mail addresses, and Swedish phone numbers (``070-123 45 67``, ``+46 70 123 45 67``,
  ``08-123 456 78``).

``redact`` returns the cleaned text and which kinds were found, so the bot can remind the user
not to share personal data without ever repeating it. Pure Python: no Rasa import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Tuple

from personnummer import personnummer as _pn

# Said to the user whenever something was removed (by the actions, or by the channel when the
# reply came from a plain response such as "out of scope").
REMINDER = ("Jag tog bort personuppgifter ur ditt meddelande ({kinds}) innan det sparades. "
            "Skriv aldrig personnummer, namn eller kontaktuppgifter här – beskriv ärendet utan dem.")
REMINDER_MARK = "Skriv aldrig personnummer"

PLACEHOLDERS = {
    "personnummer": "[personnummer borttaget]",
    "samordningsnummer": "[samordningsnummer borttaget]",
    "e-post": "[e-postadress borttagen]",
    "telefon": "[telefonnummer borttaget]",
}

_ID = re.compile(
    r"(?<![\w+])"
    r"(?P<century>19|20)?(?P<yy>\d{2})\s?(?P<mm>\d{2})\s?(?P<dd>\d{2})"
    r"\s?(?P<sep>[-+–])?\s?(?P<serial>\d{3})(?P<check>\d)"
    r"(?![\d])"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PHONE = re.compile(r"(?<![\w+])(?:\+46|0046|0)[\s-]?\(?\d{1,3}\)?(?:[\s-]?\d){5,9}(?!\d)")


@dataclass(frozen=True)
class Redacted:
    text: str
    kinds: Tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def _id_kind(m: re.Match) -> str:
    """'personnummer', 'samordningsnummer' or '' (not an identity number) for a match."""
    month, day = int(m.group("mm")), int(m.group("dd"))
    if not 1 <= month <= 12:
        return ""
    if 1 <= day <= 31:
        return "personnummer"
    if 61 <= day <= 91:
        return "samordningsnummer"
    return ""


def checksum_valid(number: str) -> bool:
    """Whether an identity number also passes the Luhn check (informational only)."""
    try:
        return bool(_pn.valid(number))
    except Exception:  # the library raises on shapes it cannot parse
        return False


def redact(text: str) -> Redacted:
    if not text:
        return Redacted(text or "", ())
    kinds: List[str] = []

    def id_sub(m: re.Match) -> str:
        kind = _id_kind(m)
        bare = not m.group("century") and not m.group("sep") and " " not in m.group(0)
        if bare and m.group(0).startswith("07"):
            kind = ""  # 07xxxxxxxx without separator reads as a mobile number (redacted below)
        if not kind:
            return m.group(0)
        kinds.append(kind)
        return PLACEHOLDERS[kind]

    out = _ID.sub(id_sub, text)

    def simple(kind: str):
        def sub(m: re.Match) -> str:
            kinds.append(kind)
            return PLACEHOLDERS[kind]
        return sub

    out = _EMAIL.sub(simple("e-post"), out)
    out = _PHONE.sub(simple("telefon"), out)
    return Redacted(out, tuple(dict.fromkeys(kinds)))


def contains_personal_data(text: str) -> bool:
    return redact(text).changed
