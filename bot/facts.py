"""Facts of a case, read from what the user writes: ages, guardians, organisations, dates, yes/no.

Used two ways: a question that describes a case ("vi har en 14-åring med två
vårdnadshavare, behövs båda?") fills what it can before the bot asks for the rest, and the
answers to the bot's case questions are parsed here. Dates are parsed by dateparser in
Swedish (``igår``, ``om två veckor``, ``3 mars 2026``); this module only finds the spans
that look like dates, so an age ("14 år") is never read as a year. Pure Python: no Rasa.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

import dateparser

from bot.knowledge import organisations as organisation_catalogue

NUMBER_WORDS = {
    "noll": 0, "ingen": 0, "inga": 0, "en": 1, "ett": 1, "ena": 1, "två": 2, "tva": 2, "båda": 2, "bada": 2,
    "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8, "atta": 8, "nio": 9, "tio": 10,
    "elva": 11, "tolv": 12, "tretton": 13, "fjorton": 14, "femton": 15, "sexton": 16, "sjutton": 17,
    "arton": 18, "nitton": 19, "tjugo": 20,
}
_NUM = r"(\d{1,3}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_W = r"(?<![\wåäö])"
_E = r"(?![\wåäö])"


def number(token: str) -> Optional[int]:
    token = token.lower()
    if token.isdigit():
        return int(token)
    return NUMBER_WORDS.get(token)


def fold(text: str) -> str:
    """Lower case without accents: 'Vårdnadshavare' -> 'vardnadshavare'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# ----------------------------------------------------------------------------- ages
_AGE_PATTERNS = [
    re.compile(_W + _NUM + r"\s*-?\s*(?:år|ar)(?:\s+gammal|\s+gamla)?" + _E, re.I),
    re.compile(_W + r"(\d{1,2})\s*-?\s*(?:åring|aring|åringen|aringen)", re.I),
    re.compile(_W + r"(?:fyller|fyllde|ålder|alder)\s+" + _NUM + _E, re.I),
]
_NOT_AGE_BEFORE = re.compile(r"(för|for|om|i|inom|efter|sedan|senaste|varje|per|max|högst|hogst)\s*$", re.I)


def age(text: str) -> Optional[int]:
    """The person's age in years, if the text gives one ("14 år", "en 9-åring", "fyller 15").
    Periods ("om två år", "i ett år") are not ages."""
    for pattern in _AGE_PATTERNS:
        for m in pattern.finditer(text):
            if _NOT_AGE_BEFORE.search(text[: m.start()]):
                continue
            n = number(m.group(1))
            if n is not None and 0 <= n <= 110:
                return n
    return None


# ----------------------------------------------------------------------------- guardians
_GUARDIAN = r"(?:vårdnadshavar\w*|vardnadshavar\w*|vh|föräld\w*|forald\w*)"
_GUARDIANS_COUNT = re.compile(_W + _NUM + r"\s+" + _GUARDIAN, re.I)
_SOLE = re.compile(_W + r"(ensam\s+vårdnad|ensam\s+vardnad|ensamt\s+vårdnad|en\s+vårdnadshavare|ensam\s+vårdnadshavare|"
                   r"ensamstående|bara\s+en\s+vårdnadshavare|enda\s+vårdnadshavare)", re.I)
_BOTH_AGREE = re.compile(_W + r"(båda|bada|bägge|bagge)\s+" + _GUARDIAN + r"?\s*(samtycker|har\s+samtyckt|säger\s+ja|vill|är\s+positiva)", re.I)
_ONE_REFUSES = re.compile(_W + r"((den\s+)?ena|bara\s+en|en\s+av\s+(dem|vårdnadshavarna|föräldrarna)|mamma\w*|pappa\w*)\s+"
                          r"(säger\s+nej|samtycker\s+inte|vill\s+inte|vägrar|motsätter\s+sig)", re.I)
_NONE_AGREE = re.compile(_W + r"(ingen\s+av\s+(dem|vårdnadshavarna|föräldrarna)|"
                         r"(båda|bada|bägge)\s+" + _GUARDIAN + r"?\s*(säger\s+nej|vill\s+inte|vägrar|samtycker\s+inte)|"
                         r"(vårdnadshavarna|föräldrarna)\s+(säger\s+nej|vill\s+inte|vägrar|samtycker\s+inte))", re.I)


def guardians(text: str) -> Dict[str, int]:
    """Number of guardians and how many consent, where the text says so."""
    out: Dict[str, int] = {}
    m = _GUARDIANS_COUNT.search(text)
    if m and number(m.group(1)) in (1, 2):
        out["guardians"] = number(m.group(1))  # type: ignore[assignment]
    elif _SOLE.search(text):
        out["guardians"] = 1
    if _NONE_AGREE.search(text):
        out["guardians_consenting"] = 0
    elif _ONE_REFUSES.search(text):
        out.setdefault("guardians", 2)
        out["guardians_consenting"] = out["guardians"] - 1
    elif _BOTH_AGREE.search(text):
        out.setdefault("guardians", 2)
        out["guardians_consenting"] = 2
    return out


# ----------------------------------------------------------------------------- organisations
@lru_cache(maxsize=1)
def _org_patterns() -> List[Tuple[str, re.Pattern]]:
    patterns = []
    for org in organisation_catalogue().values():
        names = {org.id, org.name.lower(), *[a.lower() for a in org.aliases]}
        names |= {fold(n) for n in names}
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True) if len(n) >= 2)
        patterns.append((org.id, re.compile(_W + r"(" + alternatives + r")(?::s|:n|:en|s)?" + _E, re.I)))
    return patterns


def organisations(text: str) -> List[str]:
    """Organisation ids mentioned, in the order they appear ("skola, BUP och soc")."""
    found: List[Tuple[int, str]] = []
    for org_id, pattern in _org_patterns():
        m = pattern.search(text) or pattern.search(fold(text))
        if m:
            found.append((m.start(), org_id))
    return [org_id for _, org_id in sorted(found)]


# ----------------------------------------------------------------------------- yes / no / skip
_SKIP = re.compile(_W + r"(hoppa\s+över|hoppa\s+over|skippa|skip|vet\s+(inte|ej)|vet\s+ej|oklart|osäker|osaker|"
                   r"ingen\s+aning|okänt|okant|pass)" + _E, re.I)
_YES = re.compile(r"^\s*(ja|japp|jo|jaa|yes|absolut|stämmer|stammer|det\s+gör\s+(hen|han|hon|de|vi)|"
                  r"det\s+har\s+(hen|han|hon|de|vi)|det\s+är\s+(hen|han|hon|de)|visst|precis|korrekt|ja[\s,.!].*)\s*[.!]*\s*$", re.I)
_NO = re.compile(r"^\s*(nej|nä|nä+|no|nope|inte|ingen|inga|icke|nej[\s,.!].*|det\s+gör\s+(hen|han|hon|de)\s+inte|"
                 r"det\s+har\s+(hen|han|hon|de)\s+inte)\s*[.!]*\s*$", re.I)


_STOP = re.compile(_W + r"(avbryt\w*|sluta|stopp|stop|strunta\s+i\s+det|glöm\s+det|glom\s+det|"
                   r"jag\s+vill\s+inte\s+(svara|fortsätta|fortsatta)|inga\s+fler\s+frågor)" + _E, re.I)


def is_stop(text: str) -> bool:
    """The user wants to leave the case questions ("avbryt", "sluta fråga")."""
    return bool(_STOP.search(text or "")) and not is_skip(text)


def is_skip(text: str) -> bool:
    return bool(_SKIP.search(text or ""))


def yes_no(text: str) -> Optional[bool]:
    if _NO.match(text or ""):
        return False
    if _YES.match(text or ""):
        return True
    return None


# ----------------------------------------------------------------------------- dates
_MONTHS = ("januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sep|sept|okt|nov|dec")
_DATE_SPANS = re.compile(
    _W + r"(\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}/\d{1,2}(?:[ /-]\d{2,4})?"
    r"|(?:den\s+)?\d{1,2}(?::[ae])?\s+(?:" + _MONTHS + r")\.?(?:\s+\d{4})?"
    r"|i\s*går|igår|i\s*dag|idag|i\s*morgon|imorgon|i\s*förrgår|i\s*forrgar"
    r"|förra\s+(?:veckan|månaden|året)|forra\s+(?:veckan|manaden|aret)|nästa\s+(?:vecka|månad)|nasta\s+(?:vecka|manad)"
    r"|(?:för\s+|for\s+)?" + _NUM + r"\s+(?:dag|dagar|vecka|veckor|månad|månader|manad|manader|år|ar)\s+sedan"
    r"|om\s+" + _NUM + r"\s+(?:dag|dagar|vecka|veckor|månad|månader|manad|manader)"
    r")" + _E, re.I)
_SETTINGS = {"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": False}


def parse_date(span: str, today: dt.date) -> Optional[dt.date]:
    span = re.sub(r"^den\s+", "", span.strip(), flags=re.I)
    span = re.sub(r"(\d)(:[ae])", r"\1", span)
    span = re.sub(r"(?i)^i\s*förrgår|^i\s*forrgar", "för 2 dagar sedan", span)
    base = dt.datetime.combine(today, dt.time(12))
    parsed = dateparser.parse(span, languages=["sv"], settings={**_SETTINGS, "RELATIVE_BASE": base})
    return parsed.date() if parsed else None


# Which date is which: the words just before (or after) the date say what it is.
_DATE_KINDS = [
    ("consent_date", re.compile(r"samtyck\w*|samtycket|medgivande", re.I)),
    ("invitation_sent", re.compile(r"kallelse\w*|kallade|kallat|skickade|bjöd\s+in|bjod\s+in", re.I)),
    ("last_follow_up", re.compile(r"uppfölj\w*|uppfolj\w*|följ(de|des)\s+upp|folj(de|des)\s+upp|reviderade|senast\s+uppdaterad\w*|upprättades|upprattades", re.I)),
    ("meeting", re.compile(r"mötet|motet|möte|mote|sip-mötet|sip-motet|träff", re.I)),
    ("need_identified", re.compile(r"behov\w*|upptäckt\w*|upptackt\w*|uppmärksamm\w*|började|borjade|oro|anmälan|anmalan", re.I)),
]


def dates(text: str, today: dt.date) -> Dict[str, dt.date]:
    """Dates in the text, by what they are (need_identified, meeting, consent_date …).
    A date whose kind the text does not say is returned as ``date``."""
    out: Dict[str, dt.date] = {}
    last_end = 0
    for m in _DATE_SPANS.finditer(text):
        value = parse_date(m.group(1), today)
        if value is None:
            continue
        before = text[last_end: m.start()]
        kind = None
        best = -1
        for name, pattern in _DATE_KINDS:
            for hit in pattern.finditer(before):
                if hit.start() > best:
                    best, kind = hit.start(), name
        kind = kind or "date"
        if kind not in out:
            out[kind] = value
        last_end = m.end()
    return out


def date_answer(text: str, today: dt.date) -> Optional[dt.date]:
    """The one date in an answer to "När …?" ("3 mars", "igår", "2026-03-01")."""
    found = dates(text, today)
    return next(iter(found.values()), None)


# ----------------------------------------------------------------------------- closing reasons
_REASONS = [
    ("samtycke_aterkallat", re.compile(r"(drar|dragit|tar|tagit)\s+tillbaka\s+(sitt\s+|sina\s+)?samtycke|återkall\w*|aterkall\w*|"
                                       r"vill\s+inte\s+(längre|langre|ha\s+kvar)|samtycket\s+(är\s+)?(borta|återtaget)", re.I)),
    ("flytt_utanfor_regionen", re.compile(r"flytt\w*\s+(till\s+)?(en\s+)?(annan|annat)\s+(region|län|lan|kommun|ort|stad)|"
                                          r"flytt\w*\s+utanför|flytt\w*\s+utanfor|flytt\w*\s+från\s+(regionen|länet|kommunen)", re.I)),
    ("flytt_inom_regionen", re.compile(r"flytt\w*\s+inom|flytt\w*\s+till\s+en\s+annan\s+del", re.I)),
    ("byte_vardcentral", re.compile(r"(byt\w*|ny)\s+vårdcentral|(byt\w*|ny)\s+vardcentral", re.I)),
    ("nya_aktorer", re.compile(r"nya?\s+(aktör|aktor|verksamhet)\w*|(fler|ytterligare)\s+(aktörer|aktorer|verksamheter)", re.I)),
    ("mal_forandrat", re.compile(r"mål\w*\s+(är\s+)?(uppnått|uppnådd|nått|förändrat|ändrat)|mal\w*\s+(ar\s+)?(uppnatt|andrat)", re.I)),
    ("samordning_fungerar", re.compile(r"samordning\w*\s+(fungerar|funkar|går\s+bra)", re.I)),
    ("inga_nya_behov", re.compile(r"inga\s+nya\s+behov", re.I)),
    ("behov_upphort", re.compile(r"(behov\w*|insats\w*)\s+(har\s+|är\s+)?(upphört|upphort|slut|avslutade?|klara|borta|inte\s+längre)|"
                                 r"(behöver|behover)\s+inte\s+(längre|langre)|mår\s+bra\s+nu|inget\s+behov", re.I)),
]


def closing_reason(text: str) -> Optional[str]:
    for code, pattern in _REASONS:
        if pattern.search(text or ""):
            return code
    return None


def from_text(text: str, today: dt.date) -> Dict[str, object]:
    """Every case fact the text states (only those it states)."""
    out: Dict[str, object] = {}
    a = age(text)
    if a is not None:
        out["age"] = a
    out.update(guardians(text))
    orgs = organisations(text)
    if orgs:
        out["organisations"] = orgs
    out.update(dates(text, today))
    reason = closing_reason(text)
    if reason:
        out["reason"] = reason
    if re.search(r"(?i)skyddade?\s+(person)?uppgifter|skyddad\s+identitet", text):
        out["protected_identity"] = True
    if re.search(r"(?i)utskriv\w*\s+från\s+(sluten|sjukhus)|slutenvård|slutenvard|\blus\b", text):
        out["lus"] = True
    return out
