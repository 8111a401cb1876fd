"""Checking that a cited quote really is in its source document.

The seeds in ../shared/seeds/ are OCR'd PDFs. Skåne, Jönköping and Halland came through
cleanly; Haninge and Uppsala lost many of their å/ä/ö ("Nir behov ... uppticks", "f6r",
"sikerstélla"). A quote is written in correct Swedish, so:

- both texts are folded: lower case, accents and å/ä/ö stripped to their base letter, the
  OCR's digit-for-letter slips in words ("f6r", "6verenskommelse") read as letters,
  punctuation and line breaks to single spaces;
- for a source marked ``ocr: clean`` the folded quote must occur verbatim in the folded text;
- for ``ocr: garbled`` the best-matching window (rapidfuzz's partial_ratio alignment) must
  score at least ``GARBLED_MIN_SCORE``; the OCR only garbled words with å/ä/ö/é in them, so
  every other word of three letters or more in the quote must be found, in order, word for
  word in that window ("tre veckor" never passes for "fyra veckor", "minst" never for
  "mest"); and the window must agree with the quote on every number and every negation
  ("inte", "ej", "ingen" …), so "30 dagar" never passes for "60 dagar" nor "ska" for "ska inte".

A quote that is not in the source fails. Pure Python: no Rasa import.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Optional

from rapidfuzz import fuzz

SEEDS_DIR = Path(__file__).resolve().parent.parent / "knowledge" / "seeds"
GARBLED_MIN_SCORE = 92.0
NEGATIONS = ("inte", "ej", "ingen", "inget", "inga", "aldrig", "icke", "varken")

_DIGIT_IN_WORD = re.compile(r"(?<=[a-z])6|6(?=[a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NUMBER = re.compile(r"(?<![a-z0-9])\d+(?![a-z0-9])")


def seeds_dir() -> Path:
    """Where the seed texts are: $SIPGUIDEN_SEEDS, else knowledge/seeds (copies of ../shared/seeds)."""
    import os

    env = os.environ.get("SIPGUIDEN_SEEDS")
    return Path(env) if env else SEEDS_DIR


def fold_ocr(text: str) -> str:
    """Lower case, no accents or punctuation, and two OCR repairs ("&r" -> "ar", a digit inside a word -> "o"):
    how a quote and its seed text are compared."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("&", "a")  # OCR: "&r" for "är"
    text = _NON_ALNUM.sub(" ", text)
    text = _DIGIT_IN_WORD.sub("o", text)  # OCR: "f6r", "6verenskommelse"
    return " ".join(text.split())


@dataclass(frozen=True)
class Match:
    found: bool
    score: float
    window: str
    reason: str = ""


@lru_cache(maxsize=16)
def seed_text(seed: str) -> str:
    return fold_ocr((seeds_dir() / seed).read_text(encoding="utf-8"))


def _numbers(text: str) -> List[str]:
    return sorted(_NUMBER.findall(text))


def _negations(text: str) -> List[str]:
    words = text.split()
    return sorted(w for w in words if w in NEGATIONS)


def _strict_words(quote: str) -> List[str]:
    """The quote's words the OCR left intact: no å/ä/ö/é, three letters or more."""
    words = re.split(r"[^\w]+", quote.lower())
    return [fold_ocr(w) for w in words if len(w) >= 3 and not re.search(r"[åäöéèü]", w)]


def _in_order(words: List[str], window: str) -> Optional[str]:
    """The first word not found in order in ``window``, or None when all are."""
    text_words = window.split()
    pos = 0
    for w in words:
        try:
            pos = text_words.index(w, pos) + 1
        except ValueError:
            return w
    return None


def find_quote(quote: str, seed: str, ocr: str) -> Match:
    """Is ``quote`` in the seed text (``ocr``: clean or garbled)?"""
    text = seed_text(seed)
    q = fold_ocr(quote)
    if not q:
        return Match(False, 0.0, "", "tomt citat")
    if q in text:
        return Match(True, 100.0, q)
    if ocr == "clean":
        alignment = fuzz.partial_ratio_alignment(q, text)
        window = text[alignment.dest_start:alignment.dest_end] if alignment else ""
        return Match(False, alignment.score if alignment else 0.0, window, "finns inte ordagrant i källan")
    alignment = fuzz.partial_ratio_alignment(q, text)
    if alignment is None:
        return Match(False, 0.0, "", "ingen likhet med källan")
    # widen the window by a word either side so a number or "inte" at the edge is seen
    start = text.rfind(" ", 0, max(alignment.dest_start - 1, 0)) + 1
    end = text.find(" ", min(alignment.dest_end + 1, len(text)))
    window = text[start:end if end != -1 else len(text)]
    core = text[alignment.dest_start:alignment.dest_end]
    if alignment.score < GARBLED_MIN_SCORE:
        return Match(False, alignment.score, core, f"likhet {alignment.score:.0f} < {GARBLED_MIN_SCORE:.0f}")
    missing = _in_order(_strict_words(quote), window)
    if missing is not None:
        return Match(False, alignment.score, core, f"ordet {missing!r} finns inte på den platsen i källan")
    if _numbers(q) != _numbers(core) and not set(_numbers(q)) <= set(_numbers(window)):
        return Match(False, alignment.score, core, f"talen skiljer sig: {_numbers(q)} mot {_numbers(core)}")
    if _negations(q) != _negations(core):
        return Match(False, alignment.score, core, f"nekningarna skiljer sig: {_negations(q)} mot {_negations(core)}")
    return Match(True, alignment.score, core)


def check_citation(quote: str, seed: Optional[str], ocr: Optional[str]) -> Match:
    if not seed:
        return Match(False, 0.0, "", "källan har ingen text att citera")
    return find_quote(quote, seed, ocr or "clean")
