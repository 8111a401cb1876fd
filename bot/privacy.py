"""Removing personal data from what users type, before it is stored, logged or answered.

Redacted, by shape (a mistyped number is still personal data):

- personnummer: ``YYYYMMDD-NNNN``, ``YYMMDD-NNNN``, ``YYMMDD+NNNN``, without separator or with a
  space; the date part must be a real month and day (1–31). The Luhn check digit is NOT
  required: ``121212-1213`` (wrong check digit) is redacted like ``121212-1212``.
- samordningsnummer: the same shape with day + 60 (61–91).
- e-mail addresses, and Swedish phone numbers (``070-123 45 67``, ``+46 70 123 45 67``,
  ``08-123 456 78``).
- names of people (kind ``namn``), by recognisers in the manner of Presidio's (there is no
  Swedish NER model): see "Names" below.

``redact`` returns the cleaned text and which kinds were found, so the bot can remind the user
not to share personal data without ever repeating it. Pure Python: no Rasa import.

Names
-----
There is no Swedish NER model, so names are found as Presidio's pattern and deny-list
recognisers find them: each word is looked up, and the words around it decide how much
evidence it needs. Lexicons: ``bot/data/fornamn.txt`` (~800 first names common in Sweden, of
all backgrounds) and ``bot/data/efternamn.txt`` (common surnames; any capitalised ``-sson``
word is a surname too).

- **Lexicon, no context needed**: a first name or surname from the lists that is not also an
  ordinary word, written with a capital or in lower case ("kan jag kalla Sven från BUP?",
  "ahmed behöver sip"), and its genitive when capitalised ("Lisas mamma"). Not in ALL CAPS
  without a context (acronyms).
- **Name pairs**: the word right after a name, when capitalised and not an ordinary word, a
  region or an organisation ("Ahmed Hassan", "Karin Berg", "Karin Lund" but not "Lisa Mora
  kommun"), or a listed name in lower case ("ahmed hassan"); a first name that is also a word
  counts when a clear surname follows ("Per Olsson", "Hans Berg").
- **Strong context** (``heter X``, ``som heter X``, ``hette X``, ``kallas för X``,
  ``namnet är X``, ``Mvh X``, ``Hälsningar X``, ``my name is X``): any word that is not an
  ordinary word, with a capital or not ("pojken heter zlatan"), and up to three more words of
  the name after it. Municipalities count here ("hon heter Nora"), and names that are also
  words ("hon heter Klara"). Not after a question ("vad heter rutinen?").
- **Relation context** (a person noun right before: ``min son X``, ``eleven X``,
  ``mamman X``, ``kuratorn X``, ``familjen X``, ``en elev, X``): a capitalised word that is
  not an ordinary word (a municipality too: "min dotter Nora"), a listed name in lower case
  ("min son elias"), or a lowercase word close to a listed name (``rapidfuzz``, same first
  letter, ratio >= 80: a misspelt "eliaz").
- **Weak context** (``kalla X``, ``ring X``, ``mejla X``, ``träffa X``, ``fråga X``,
  ``bjuda in X``, ``med X från``/``på``/``hos``, ``jag är X``, ``hej X``, ``tack X``,
  ``Lisa och X``, ``Lisa, X``): also a capitalised name that is also a word ("kalla Hans").
- **Age** after the word (``X är 15 år``, ``X är 15``, ``X, 15 år``, ``X (15)``, ``X som fyller
  12``; not ``är 2 timmar``, ``är 9 personer``): also a capitalised word that is not an ordinary
  word or a definite noun ("Zlatan är 9 år", not "Nätverksteamet är 9 år").

Never a name: ordinary words (a hand-written list of common Swedish and English words, every
word the knowledge base writes, and the organisation and role words of knowledge/*.yml),
region and county names, municipalities outside a strong or relation context, months and
weekdays (after a number never: "3 juni", "15 Maj"; "kalla Jan" is a person), acronyms (BUP,
SIP, LSS), placeholders of removed data, URLs, and names of institutions and rules (lex Sarah,
lex Maria, Maria Ungdom, Astrid Lindgrens barnsjukhus, Sankt Lars, S:t Göran). A name that is
also a common word (Hans, Inga, Mina, Klara, Per, Max, Bo, Liv, Saga, Vilja, Lund …) needs a
context. Consecutive name words become one placeholder.

The lists and the knowledge files are read once, on first use (~0.15 s, knowledge/ via
ruamel, no Rasa); after that a 200-character message takes ~0.15 ms, 2 000 characters ~2 ms.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, Iterable, List, Optional, Set, Tuple

from personnummer import personnummer as _pn

from bot.yamlio import KNOWLEDGE_DIR

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
    "namn": "[namn borttaget]",
}

_ID = re.compile(
    r"(?<![\w+])"
    r"(?P<century>19|20)?(?P<yy>\d{2})\s?(?P<mm>\d{2})\s?(?P<dd>\d{2})"
    r"\s?(?P<sep>[-+–])?\s?(?P<serial>\d{3})(?P<check>\d)"
    r"(?![\d])"
)
# The look-behind only keeps the search linear on a long run of letters (same matches).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
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
    out, names = redact_names(out)
    if names:
        kinds.append("namn")
    return Redacted(out, tuple(dict.fromkeys(kinds)))


# ============================================================================ names
logger = logging.getLogger(__name__)

_DATA_DIR = Path(__file__).resolve().parent / "data"
_KNOWLEDGE_DIR = KNOWLEDGE_DIR
NAME_PLACEHOLDER = PLACEHOLDERS["namn"]

# First names (and surnames) that are also ordinary Swedish or English words: names only in a
# context ("min dotter Klara", "hon heter Liv", "kalla Hans") or before a surname ("Per Olsson").
_NAME_OR_WORD = frozenset("""
    bo per tom dag bror liv saga klara lova vilja sten stig björn kaj hans inga mina max axel love
    tindra iris rosa rut frans urban frank my lo juni maj can grace said sanna karl lina edit tim
    jan tor svea viola malva hala jack august mari dan tina roger morgan
    berg lind holm falk björk ström lund ek strand blom dahl ljung nord
""".split())

# Months and weekdays: not names ("på Lördag", "i Juni") unless a context says so ("kalla Jan"),
# and never after a number ("3 juni", "15 Maj"), except after "heter".
_CALENDAR = frozenset("""
    januari februari mars april maj juni juli augusti september oktober november december
    jan feb mar apr jun jul aug sep sept okt nov dec
    måndag tisdag onsdag torsdag fredag lördag söndag måndagar tisdagar onsdagar torsdagar
    fredagar lördagar söndagar
""".split())

# Ordinary words that users write, with or without å/ä/ö, and capitalised at the start of a
# sentence ("Vem", "Hur", "Behövs"). Together with every lowercase word of the knowledge base
# (the routines, rules and topics) and the organisation and role words, these are never
# taken for an unknown name in a context ("eleven Behöver", "Barnet är 15 år").
_COMMON_WORDS = frozenset("""
    hej hejsan hallå hallo tja tjena tjenare morsning god goddag morgon kväll natt tack tackar
    ok okej okey ja jo japp jaha nej nä nää nja snälla förlåt ursäkta mvh hälsningar vänligen
    jag du han hon hen den det vi ni de dom mig mej dig dej honom henne hena oss er dem dom
    min mitt mina din ditt dina hans hennes hens vår vårt våra er ert era deras sin sitt sina
    man någon något några ingen inget inga alla allt allting varje var varannan vilken vilket
    vilka vem vems vad hur när varför vart varifrån vilkens sådan sådant sådana samma annan
    annat andra själv själva egen eget egna
    är var vara varit blir bli blev blivit har ha hade haft kan kunde kunna ska skall skulle
    vill ville vilja måste får fick få fått behöver behövde behövs behövas gäller gällde gör
    göra gjorde gjort går gå gick gått kommer komma kom kommit säger säga sa sade tar ta tog
    finns fanns vet veta visste tror tro tycker tycka undrar undra jobbar jobba arbetar arbeta
    bor bo bodde heter heta hette kallas kalla kallar kallade ring ringa ringer ringde mejla
    mejlar maila skriv skriva skriver skrev läs läsa hjälp hjälpa hjälper fråga frågar
    frågade svara svarar svarade berätta berättar förklara förklarar visa visar ge ger gav
    sätt sätta starta startar börja börjar börjat avsluta avslutar boka bokar kolla kollar
    prata pratar pratade träffa träffar träffade bjud bjuda bjuder bjöd delta deltar
    samtycka samtycker säg funkar funka fungerar räcker räcka ligger stå står händer hände
    fyller fyllt fyllde mår orkar vågar saknar vägrar motsätter inte också även bara redan nu
    då sen sedan här där hit dit igen typ ju väl nog kanske alltid aldrig ofta ibland snart
    direkt ändå fortfarande just mycket lite mer mest mindre minst dock alltså därför likaså
    dessutom heller också tyvärr igår idag imorgon ännu visst absolut
    hur länge nåt nån nåra mm osv etc t.ex tex bl.a dvs
    och eller men att som om för till från med utan på i av hos vid under över efter innan
    före mellan mot genom trots enligt inom kring runt ang angående än så samt resp både
    åt ur bland bakom framför sedan tills medan fast eftersom därför pga
    en ett två tre fyra fem sex sju åtta nio tio elva tolv tretton fjorton femton sexton
    sjutton arton nitton tjugo första andra tredje fjärde femte sista nästa förra
    ny nytt nya gammal gamla stor stort stora liten litet små bra dålig dåligt svår svårt
    viktig viktigt lätt enkelt rätt fel klar klart
    sip sipen sipar sip-möte sip-mötet samordnad individuell plan planen möte mötet möten
    kallelse kallelsen samtycke samtycket samtycken ärende ärendet fall fallet fråga frågan
    frågor rutin rutinen rutiner region regionen kommun kommunen kommuner län länet
    barn barnet barnen son sonen söner dotter dottern döttrar pojke pojken pojkar flicka
    flickan flickor kille killen killar tjej tjejen tjejer grabb grabben unge ungen ungar
    bebis bebisen baby babyn tvilling tvillingen tvillingarna syskon syskonet syskonen
    elev eleven elever eleverna klient klienten klienter patient patienten patienter
    brukare brukaren brukarna ungdom ungdomen ungdomar ung unga vuxen vuxna person personen
    personer individ individen kvinna kvinnan man mannen familj familjen familjer
    mamma mamman mammor pappa pappan pappor mor modern far fadern förälder föräldern
    föräldrar föräldrarna vårdnadshavare vårdnadshavaren vårdnadshavarna vh bror brodern
    brorsan syster systern syrran kusin kusinen mormor morfar farmor farfar moster faster
    morbror farbror sambo sambon make maken maka makan fru frun partner pojkvän flickvän
    kurator kuratorn läkare läkaren rektor rektorn mentor mentorn lärare läraren
    specialpedagog specialpedagogen psykolog psykologen sjuksköterska sjuksköterskan
    skolsköterska skolsköterskan socialsekreterare socialsekreteraren handläggare
    handläggaren behandlare behandlaren samordnare samordnaren kollega kollegan kollegor
    chef chefen enhetschef enhetschefen kontaktperson kontaktpersonen assistent assistenten
    ställföreträdare ställföreträdaren granne grannen vän vännen kompis kompisen
    i you my your me we our he she they his her their is are was be have has had do does
    the a an and or but of to in on at for with from by about what who whom how when where
    why which can could should would will need needs help please hi hello thanks thank
    yes no not name named called son daughter child children kid kids student pupil mother
    mom mum father dad parent parents teacher school plan meeting consent
""".split())

# Person nouns: the word after them is the person's name ("min son Elias", "eleven Ahmed").
_RELATION = frozenset("""
    son sonen dotter dottern barn barnet barnbarn barnbarnet pojke pojken flicka flickan
    kille killen tjej tjejen grabb grabben bebis bebisen tvilling tvillingen syskon
    elev eleven klient klienten patient patienten brukare brukaren ungdom ungdomen
    ungdomar person personen kvinna kvinnan mannen
    mamma mamman pappa pappan modern fadern förälder föräldern vårdnadshavare vårdnadshavaren
    vh bror brodern brorsan syster systern syrran kusin kusinen mormor morfar farmor farfar
    moster faster morbror farbror sambo sambon maken makan fru frun pojkvän flickvän
    bonusbarn bonusbarnet fosterbarn fosterbarnet bonusson bonusdotter styvson styvdotter
    bonuspappa bonusmamma fostermamma fosterpappa familjehemsmamma familjehemspappa
    kurator kuratorn skolkurator skolkuratorn läkare läkaren barnläkaren rektor rektorn
    mentor mentorn lärare läraren klassläraren specialpedagog specialpedagogen psykolog
    psykologen sjuksköterska sjuksköterskan skolsköterska skolsköterskan socialsekreterare
    socialsekreteraren handläggare handläggaren behandlare behandlaren familjebehandlare
    familjebehandlaren samordnare samordnaren kollega kollegan chef chefen enhetschef
    enhetschefen kontaktperson kontaktpersonen assistent assistenten ställföreträdare
    ställföreträdaren granne grannen vän vännen kompis kompisen familjen familj
    daughter child kid student pupil client mother mom mum father dad teacher
""".split())

_STRONG_PREV = frozenset(["heter", "hette", "heta", "kallad", "kallades", "named", "mvh", "hälsningar",
                          "hälsning", "hälsn"])
_QUESTION = frozenset(["vad", "vem", "hur", "vilken", "vilket", "vilka", "va", "what", "who"])
_WEAK_PREV = frozenset("""
    kalla kallar kallade kallat kallas ring ringa ringer ringde ringt mejla mejlar mejlade
    maila mailade träffa träffar träffade träffat fråga frågar frågade frågat bjud bjuda
    bjuder bjöd hej hejsan hallå tack hi hello thanks
""".split())
# "med X" is a context only before "från", "på" …: "med Hans från BUP", not "med Mina planer".
_WITH_BEFORE = frozenset(["från", "på", "hos", "som", "i", "och"])
_AND = frozenset(["och", "eller", "samt", "and", "or"])

# A word: letters, maybe joined by hyphens or apostrophes (Anna-Karin), not glued to digits.
_TOKEN = re.compile(r"(?<![^\W_])[^\W\d_]+(?:[-'’][^\W\d_]+)*(?![^\W_])")
# What may stand between a context word and the name: spaces or a line break ("Mvh\nKarin"),
# a comma or colon ("en elev, Ahmed"), an opening quote or parenthesis.
_GAP = re.compile(r"\s*(?:[,:]\s*)?[\"'”“(]?\s*")
_AGE_AFTER = re.compile(
    r"[ \t]*(?:,[ \t]*|\([ \t]*)?"
    r"(?:(?:(?:som\s+)?(?:är|blir|fyller)|var|is)\s+(?:typ\s+|nästan\s+|snart\s+|bara\s+)?\d{1,3}(?![\d.,:/-]\d)"
    r"(?!\s*(?:tim|min|h\b|dag|veck|gång|procent|%|kr|st\b|pers|sid|kap|§|mil|km|kg|cm|m\b))"
    r"|\d{1,3}\s*(?:år\b|åring|mån\b|månader\b|\)))",
    re.IGNORECASE)
# Institutions and rules named after people: never redacted.
_INSTITUTIONS = re.compile(
    r"(?i)\blex\s+(?:sarah|sara|maria)\b|\bmaria\s+(?:ungdom|beroende|mottagning)\w*|"
    r"\bastrid\s+lindgrens?\b|\bdrottning\s+silvias?\b|\b(?:sankt|s:t|st\.)\s+[^\W\d_]+|"
    r"\b(?:karolinska|sahlgrenska|sophiahemmet|ersta)\b")
_PLACEHOLDER_SPAN = re.compile(r"\[[^\]\n]{0,40}borttag[^\]\n]{0,10}\]")
_URL = re.compile(r"\S*(?:://|www\.)\S*")
_FUZZY_CUTOFF = 80
# An unknown word with the ending of a Swedish definite noun ("Nätverksteamet", "Tvillingarna") is
# not taken for a name before an age; only known names are.
_DEFINITE_NOUN = re.compile(r"\w{3,}(?:et|arna|erna|orna)$")
_AFTER_NUMBER = re.compile(r"\d\.?\s*$")
_PLACE_WORDS = frozenset(["kommun", "kommuns", "kommunen", "län", "läns", "region", "regionen", "stad", "stads"])


@dataclass(frozen=True)
class _Lexicon:
    first: FrozenSet[str]
    last: FrozenSet[str]
    ambiguous: FrozenSet[str]  # names that are also ordinary words
    words: FrozenSet[str]      # ordinary words, organisations, roles: never an unknown name
    places: FrozenSet[str]     # words of municipality names: names only in a strong/relation context
    regions: FrozenSet[str]    # words of region and county names ("Halland", "Götaland"): never names
    first_sorted: Tuple[str, ...]


_lexicon_lock = threading.Lock()
_lexicon_value: Optional[_Lexicon] = None


def _read_list(path: Path) -> Set[str]:
    names: Set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(line.lower())
    return names


def _words_of(values: Iterable[str]) -> Set[str]:
    out: Set[str] = set()
    for value in values:
        for token in _TOKEN.findall(str(value)):
            out.add(token.lower())
            out.update(part for part in re.split(r"[-'’]", token.lower()) if part)
    return out


def _knowledge_vocabulary(directory: Path) -> Tuple[Set[str], Set[str]]:
    """(every word the knowledge base writes in lower case, every word it writes with a capital,
    such as Lifecare or Vårdgivarwebben), lowercased; URLs left out (they hold names)."""
    vocabulary: Set[str] = set()
    capitalised: Set[str] = set()
    paths = sorted(directory.glob("**/*.yml")) + sorted(directory.glob("seeds/*.txt"))
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        text = _URL.sub(" ", text)
        for token in _TOKEN.findall(text):
            (vocabulary if token.islower() else capitalised).add(token.lower())
    return vocabulary, capitalised - vocabulary


def _knowledge_names(directory: Path) -> Tuple[Set[str], Set[str], Set[str]]:
    """(municipality words, region and county words, organisation and role words) from knowledge/*.yml."""
    from bot.yamlio import load_yaml  # ruamel only; no Rasa

    places: List[str] = []
    regions: List[str] = []
    others: List[str] = []
    try:
        for county in load_yaml(directory / "municipalities.yml").get("counties", []):
            regions += [county.get("name", ""), county.get("region_name", ""), *county.get("aliases", [])]
            places += [m.get("name", "") for m in county.get("municipalities", [])]
        for region in load_yaml(directory / "regions.yml").get("regions", []):
            regions += [region.get(k, "") for k in ("id", "name", "label", "button")]
        for org in load_yaml(directory / "organisations.yml").get("organisations", []):
            others += [org.get("id", ""), org.get("name", ""), *org.get("aliases", [])]
        for words in (load_yaml(directory / "roles.yml").get("roles") or {}).values():
            others += list(words)
    except Exception as exc:  # noqa: BLE001 - a broken knowledge file must not stop redaction
        logger.warning("privacy: could not read the knowledge base for names (%s)", exc)
    return _words_of(places), _words_of(regions), _words_of(others)


def _load_lexicon() -> _Lexicon:
    first = _read_list(_DATA_DIR / "fornamn.txt")
    last = _read_list(_DATA_DIR / "efternamn.txt")
    places, regions, others = _knowledge_names(_KNOWLEDGE_DIR)
    vocabulary, terms = _knowledge_vocabulary(_KNOWLEDGE_DIR)
    words = set(_COMMON_WORDS) | _RELATION | _CALENDAR | vocabulary | others
    ambiguous = set(_NAME_OR_WORD) | ((first | last) & (words | regions))
    words |= terms - places - regions - first - last  # Lifecare, Cosmic, Vårdgivarwebben
    places = places - words
    regions = regions - places - words
    return _Lexicon(frozenset(first), frozenset(last), frozenset(ambiguous), frozenset(words),
                    frozenset(places), frozenset(regions), tuple(sorted(first)))


def prepare() -> None:
    """Loads the name lists now (about 0.15 s), so the first user does not wait for it."""
    _lexicon()


def _lexicon() -> _Lexicon:
    global _lexicon_value
    if _lexicon_value is None:
        with _lexicon_lock:
            if _lexicon_value is None:
                _lexicon_value = _load_lexicon()
    return _lexicon_value


@dataclass
class _Tok:
    start: int
    end: int
    text: str
    lower: str
    cap: bool          # written with a capital first letter (not ALL CAPS)
    first: bool        # a first name (or its genitive, or a double name Anna-Karin)
    last: bool         # a surname
    ambiguous: bool    # a name that is also an ordinary word
    word: bool         # an ordinary word (not a name)
    place: bool        # a municipality
    never: bool        # acronym, region, organisation, month, institution, placeholder


def _classify(lex: _Lexicon, source: str, start: int, end: int, text: str, protected: bool) -> _Tok:
    lower = text.lower()
    letters = [c for c in text if c.isalpha()]
    upper = len(letters) > 1 and all(c.isupper() for c in letters)
    cap = text[0].isupper() and not upper
    first = lower in lex.first
    last = lower in lex.last or (cap and len(lower) > 5 and lower.endswith("sson"))
    ambiguous = lower in lex.ambiguous or lower in _CALENDAR
    word = lower in lex.words
    if not (first or last) and not word:
        parts = [p for p in re.split(r"[-'’]", lower) if p]
        if len(parts) > 1 and all(p in lex.first or p in lex.last for p in parts):
            first = True  # Anna-Karin, Per-Olof, Maj-Britt
            ambiguous = all(p in lex.ambiguous for p in parts)
        elif lower.endswith("s") and len(lower) > 3 and (lower[:-1] in lex.first or lower[:-1] in lex.last
                                                           or (cap and lower.endswith("ssons"))):
            # Genitive: "Lisas mamma", "Anderssons". In lower case only in a context: "minnas"
            # is a verb, not Minna's.
            first = True
            ambiguous = lower[:-1] in lex.ambiguous or not cap
    place = lower in lex.places
    never = protected or (upper and not (first or last)) or lower in lex.regions \
        or (lower in _CALENDAR and (not first or _AFTER_NUMBER.search(source, 0, start) is not None))
    return _Tok(start, end, text, lower, cap, first, last, ambiguous, word, place, never)


def _protected_spans(text: str) -> List[Tuple[int, int]]:
    spans = [m.span() for m in _PLACEHOLDER_SPAN.finditer(text)] if "borttag" in text else []
    spans += [m.span() for m in _INSTITUTIONS.finditer(text)]
    if "://" in text or "www." in text:
        spans += [m.span() for m in _URL.finditer(text)]
    return spans


def _fuzzy_first(lex: _Lexicon, lower: str) -> bool:
    """A lowercase word close to a first name (a misspelt "eliaz", "fatma"), same first letter."""
    if len(lower) < 4:
        return False
    from rapidfuzz import fuzz, process

    candidates = [n for n in lex.first_sorted if n[0] == lower[0] and abs(len(n) - len(lower)) <= 1]
    return process.extractOne(lower, candidates, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF) is not None


NONE, WEAK, AGE, RELATION, STRONG = range(5)


def _context(toks: List[_Tok], i: int, text: str, names: List[bool]) -> int:
    """How strongly the words around token i say that it is a person's name."""
    tok = toks[i]
    level = NONE
    if i > 0:
        prev = toks[i - 1]
        gap_ok = _GAP.fullmatch(text, prev.end, tok.start) is not None
        p1, p2 = prev.lower, toks[i - 2].lower if i > 1 else ""
        if gap_ok:
            if p1 in _STRONG_PREV and not (p2 in _QUESTION and p1.startswith("het")):
                return STRONG
            if (p1 == "för" and p2 in ("kallas", "kallad", "kallar")) or (p1 == "är" and p2 in ("namnet", "namn")) \
                    or (p1 == "is" and p2 == "name"):
                return STRONG
            if p1 in _RELATION:
                return RELATION
            if p1 in _WEAK_PREV or (p1 == "är" and p2 == "jag"):
                level = WEAK
            elif p1 == "med" and i + 1 < len(toks) and toks[i + 1].lower in _WITH_BEFORE:
                level = WEAK
            elif p1 in _AND and i > 1 and names[i - 2] and text[prev.end:tok.start].strip() == "":
                level = WEAK
            elif names[i - 1] and text[prev.end:tok.start].strip() == ",":
                level = WEAK  # Lisa, Elias och Sara
    if _AGE_AFTER.match(text, tok.end):
        level = max(level, AGE)
    return level


def _is_name(lex: _Lexicon, tok: _Tok, level: int) -> bool:
    if tok.never and not (level == STRONG and tok.lower in _CALENDAR):
        return False
    name = tok.first or tok.last
    if level == STRONG:
        return name or not tok.word
    if level == RELATION:
        if tok.cap:
            return name or tok.place or not tok.word
        if name:
            return not tok.ambiguous
        return not tok.word and not tok.place and _fuzzy_first(lex, tok.lower)
    if tok.place:
        return False
    if level in (WEAK, AGE):
        if tok.cap:
            return name or (level == AGE and not tok.word and not _DEFINITE_NOUN.search(tok.lower))
        return name and not tok.ambiguous
    # No context: a first name or surname that is not also a word, with a capital or in lower
    # case ("ahmed behöver sip"); never in ALL CAPS (acronyms) without a context.
    return name and not tok.ambiguous and (tok.cap or tok.text.islower())


def _is_surname_after(lex: _Lexicon, tok: _Tok, strong_chain: bool, nxt_lower: str) -> bool:
    """The word right after a name: a surname or a second first name ("Karin Berg", "Anna Maria")."""
    if tok.never:
        return False
    if tok.cap:
        if tok.place and nxt_lower in _PLACE_WORDS:
            return False  # "Lisa Mora kommun": the place, not a surname
        return tok.first or tok.last or tok.place or not tok.word
    if tok.first or tok.last:
        return not tok.ambiguous or strong_chain
    return strong_chain and not tok.word


def _is_pair(tok: _Tok, nxt: _Tok) -> bool:
    """A capitalised first name that is also a word (or a place) before a clear surname: Per Olsson."""
    if not (tok.cap and tok.first and (tok.ambiguous or tok.place) and not tok.never):
        return False
    if not nxt.cap or nxt.never:
        return False
    return nxt.last or (nxt.first and not nxt.ambiguous and not nxt.place) or not (nxt.word or nxt.place)


def find_names(text: str) -> List[Tuple[int, int]]:
    """Spans of ``text`` that are names of people (consecutive name words merged)."""
    if not text or not any(c.isalpha() for c in text):
        return []
    lex = _lexicon()
    protected = _protected_spans(text)
    toks: List[_Tok] = []
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        inside = any(a <= start and end <= b for a, b in protected)
        toks.append(_classify(lex, text, start, end, m.group(0), inside))
    names = [False] * len(toks)
    strong_chain = False
    chain_length = 0
    for i, tok in enumerate(toks):
        follows_name = (i > 0 and names[i - 1] and text[toks[i - 1].end:tok.start] == " ")
        nxt_lower = toks[i + 1].lower if i + 1 < len(toks) else ""
        if follows_name and chain_length < 4 and _is_surname_after(lex, tok, strong_chain, nxt_lower):
            names[i] = True
            chain_length += 1
            continue
        level = _context(toks, i, text, names)
        if _is_name(lex, tok, level):
            names[i] = True
            strong_chain = level == STRONG
            chain_length = 1
        elif i + 1 < len(toks) and text[tok.end:toks[i + 1].start] == " " and _is_pair(tok, toks[i + 1]):
            names[i] = True
            strong_chain = False
            chain_length = 1
    spans: List[Tuple[int, int]] = []
    for tok, is_name in zip(toks, names):
        if not is_name:
            continue
        if spans and text[spans[-1][1]:tok.start] == " ":
            spans[-1] = (spans[-1][0], tok.end)
        else:
            spans.append((tok.start, tok.end))
    return spans


def redact_names(text: str) -> Tuple[str, int]:
    """``text`` with every name replaced by the placeholder, and how many were replaced."""
    spans = find_names(text)
    if not spans:
        return text, 0
    parts: List[str] = []
    last = 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append(NAME_PLACEHOLDER)
        last = end
    parts.append(text[last:])
    return "".join(parts), len(spans)
