"""Facts of a case, read from what the user writes: ages, guardians, organisations, dates, yes/no.

Used two ways: a question that describes a case ("vi har en 14-åring med två
vårdnadshavare, behövs båda?") fills what it can before the bot asks for the rest, and the
answers to the bot's case questions are parsed here. People describe cases in their own
words, with or without å/ä/ö ("vardnadshavare", "mote"), so most patterns are matched on a
folded copy of the text (lower case, no accents, same length, so positions agree).

- **Ages**: "14 år", "en 9-åring", "13-årig", "fyller 15", "fyllt 16", "en kille på 14",
  "tjejen är tretton", "min son (9)", "en tolvåring", "sjuttonårig kille" (a number word with
  "-årig" is an age only before a person or alone: "en treårig utbildning" is not). Periods
  ("i 3 år", "för 2 år sedan", "om två år"), a past age ("när hon var 8 år"), a bound ("har
  inte fyllt 18", "under 18 år") and a school year ("går i åttan") are not ages. The child's
  age wins over the writer's own ("jag är 45").
- **Guardians and who consents**: counts ("två vårdnadshavare", "gemensam vårdnad", "ensam
  vårdnad") and statements ("bara mamma har skrivit under", "pappan vägrar", "den andra
  föräldern säger nej", "båda har sagt ja", "ingen av dem vill"). Two guardians are only
  inferred where two are evident: one of two refusing or signing alone ("den ena", "bara
  mamma", "den andra", one parent's no), not from one parent's yes. A parent who has no
  custody ("pappan har inte vårdnaden") does not count. "Båda"/"de två"/"mamma och pappa"
  saying no make two guardians evident, "föräldrarna vägrar" does not. No answer ("pappan
  svarar inte", "nås inte", "vi når inte pappan", "ingen av dem har hört av sig") is not a
  yes: then only the yeses stated count. The person's own yes or no ("han vill inte själv",
  "hon vill ha SIP", "eleven säger nej") is ``person_consents``.
- **Organisations** (knowledge/organisations.yml aliases) and whether each has contact with
  the person: ``organisation_contacts`` ("har kontakt med BUP" → ongoing, "står i kö till",
  "har aldrig träffat", "ingen kontakt med", "inte aktuell på" → not ongoing, otherwise
  unknown), with the organisation as object or subject ("BUP har ingen kontakt med barnet",
  "soc är redan inne", "BUP utreder", "skolan har extra anpassningar", "habben har pågående
  insatser"); "ingen av dem har träffat …" and "varken X eller Y har …" after a list make
  each not ongoing; two services in contact with each other ("skolan har kontakt med BUP")
  stay unknown. An intervention is its organisation's contact ("har hemtjänst", "bor på HVB"
  → socialtjänsten ongoing; "väntar på", "har ansökt om" → not). A role at another
  organisation is that organisation ("kuratorn på BUP" → BUP). An organisation or role the
  writer introduces themselves with ("jag är kurator på skolan", "jag jobbar på BUP", "vi på
  soc", "socialsekreterare här", "Socialsekreterare i Ystad: …", "BUP-psykolog i Lund:") is
  the user, not a service around the person, and is left out.
- **Dates**: ISO ("2026-03-01"), "1/12", "3 mars (2026)", "igår", "i förrgår", "för tre
  veckor sedan", "om två veckor", "i måndags", "vecka 12", and periods: a month ("i
  september", "i september förra året", "i mars i år", "juni 2025"), a part of a month ("i
  slutet av mars"), "förra veckan/månaden/året", "nästa vecka/månad", "i våras/somras/
  höstas/vintras". **A period is read as its first day** (a month as the 1st, "i slutet av"
  as the 21st, a week as its Monday, "i våras" as 1 March, "i höstas" as 1 September):
  the deadlines counted from such a date then come out early rather than late, which is the
  safe side (only "was the meeting on time" can come out too kind). A date without a year
  falls in the past when the sentence speaks of the past ("skrevs under", "upptäcktes",
  "hölls") and in the future when it speaks of what is to come ("ska", "blir", "bokat").
  dateparser (Swedish) reads the dates; this module finds the spans and decides the year,
  so an age ("14 år") is never read as a year. The words around a date say which date it
  is: consent_date, invitation_sent, last_follow_up, meeting, need_identified, else "date";
  the day a consent was withdrawn ("drog tillbaka sitt samtycke igår") is ``withdrawn``, never
  the consent date (the case checks keep no such fact). A gap in the follow-ups ("har inte
  följts upp på över ett år", "ingen uppföljning sedan i fjol", "inte uppdaterad på 14
  månader") gives last_follow_up as the latest day the words allow (today minus the period,
  "över ett år" exactly a year; "sedan i fjol" 31 December): a forfeiture is never claimed early.
- **Capacity and representatives** (``capacity``): ``can_consent`` False for "har demens",
  "nedsatt beslutsförmåga", "kan inte ta ställning", "kan inte själv förstå vad ett samtycke
  är" (not "lätt demens", not a parent's); ``legal_representative`` True for "har en
  förvaltare/god man", "förvaltarskap", "hennes gode man", False for "ingen förvaltare (än)",
  "ingen god man", "föräldrarna har ingen fullmakt", "har ansökt om god man". A doubt or a
  condition ("vet inte om", "om hon har demens") says nothing.
- **Closing reasons**: ``closing_reason``. Needs met and goals reached ("behoven är
  tillgodosedda", "målen är nådda", "klarar sig utan stöd") are behov_upphort; a goal that has
  changed ("målet har förändrats") is mal_forandrat. A move to a named place ("flyttar till
  Norrland") says nothing certain about the region and is left to the caller.

Pure Python: no Rasa. Every pattern is compiled once; ``from_text`` runs on every message.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

import dateparser
from dateutil.relativedelta import relativedelta

from bot.knowledge import organisations as organisation_catalogue

NUMBER_WORDS = {
    "noll": 0, "ingen": 0, "inga": 0, "en": 1, "ett": 1, "ena": 1, "två": 2, "tva": 2, "båda": 2, "bada": 2,
    "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8, "atta": 8, "nio": 9, "tio": 10,
    "elva": 11, "tolv": 12, "tretton": 13, "fjorton": 14, "femton": 15, "sexton": 16, "sjutton": 17,
    "arton": 18, "nitton": 19, "tjugo": 20,
}
_NUM = r"(\d{1,3}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
# A number that can stand alone as an age or an amount: not "en", "ingen", "båda" …
_AMOUNT_WORDS = [w for w, n in NUMBER_WORDS.items() if n >= 2 and w not in ("båda", "bada")]
_NUM_PLAIN = r"(\d{1,2}|" + "|".join(sorted(_AMOUNT_WORDS, key=len, reverse=True)) + r")"
_W = r"(?<![\wåäö])"
_E = r"(?![\wåäö])"


def number(token: str) -> Optional[int]:
    token = token.lower()
    if token.isdigit():
        return int(token)
    return NUMBER_WORDS.get(token) if token in NUMBER_WORDS else NUMBER_WORDS.get(strip_accents(token))


def strip_accents(text: str) -> str:
    """Lower case without accents, punctuation kept (unlike places.fold_for_lookup):
    'Vårdnadshavare' -> 'vardnadshavare'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fold_char(c: str) -> str:
    low = c.lower()
    if len(low) != 1:
        return c
    base = "".join(x for x in unicodedata.normalize("NFKD", low) if not unicodedata.combining(x))
    return base if len(base) == 1 else low


_FOLD_TABLE = {i: _fold_char(chr(i)) for i in range(0x41, 0x250) if _fold_char(chr(i)) != chr(i)}


@lru_cache(maxsize=256)
def _folded(text: str) -> str:
    """Like ``strip_accents`` but one character for each character, so that positions agree."""
    out = text.translate(_FOLD_TABLE)
    if out.isascii():
        return out
    return "".join(_fold_char(c) for c in out)


@lru_cache(maxsize=256)
def _lowered(text: str) -> str:
    low = text.lower()
    return low if len(low) == len(text) else "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


_SENTENCE = re.compile(r"[.!?;\n]")


# ----------------------------------------------------------------------------- ages
_CHILD_NOUN = (r"(?:kille|killen|tjej|tjejen|pojke|pojken|flicka|flickan|grabb|grabben|barn|barnet|elev|eleven|"
               r"ungdom|ungdomen|son|sonen|dotter|dottern|en\s+man|mannen|kvinna|kvinnan|person|personen|patient|patienten|"
               r"klient|klienten|brukare|brukaren|tonåring|tonåringen|tonaring|tonaringen|unge|ungen|yngling)")
_CHILD_SUBJECT = (r"(?:han|hon|hen|killen|tjejen|pojken|flickan|grabben|barnet|eleven|ungdomen|sonen|dottern|"
                  r"personen|patienten|klienten|brukaren|tonåringen|tonaringen|mannen|kvinnan|"
                  r"(?:min|mitt|vår|vårt|var|vart|hans|hennes|hens)\s+(?:son|dotter|barn|pojke|flicka|grabb|kille|tjej))")
_YEARS = r"(?:år|ar)"
_UNIT_AFTER = (r"(?!\s*(?:st\b|kr|%|procent|gånger|ganger|gång|gang|dag|dagar|vecka|veckor|månad|månader|manad|manader|"
               r"timm|minut|vårdnadshavare|vardnadshavare|föräld|forald|verksamhet|aktör|aktor|barn|elever|:|\.\d|/|-\d))")
_NOT_AGE_BEFORE = re.compile(
    r"(?:för|for|om|i|inom|efter|sedan|sen|senaste|varje|per|max|högst|hogst|vid|från|fran|till|under|över|over|"
    r"minst|nästan|nastan|drygt|ungefär|ungefar|cirka|ca|runt|omkring|än|an|mer|mindre|upp|knappt|hela|på|pa|"
    r"inte\s+(?:har\s+)?fyllt|fyllt\s+inte)\s*$", re.I)
_PAST_AGE_BEFORE = re.compile(r"(?:var|varit|blev)\s+$", re.I)
_NOT_AGE_AFTER = re.compile(r"\s*(?:sedan|sen|till|senare|framåt|framat|efter|tillbaka|bakåt|bakat|i\s+rad|"
                            r"kvar|framöver|framover|gamla?\s+(?:sip|plan)|gammal\s+(?:sip|plan))" + _E, re.I)
_MAX_AGE = 110

# A number word joined to "-åring"/"-årig": "tolvåring", "en femtonåring", "sjuttonårig kille".
_AGE_WORDS = sorted({w for w, n in NUMBER_WORDS.items() if 1 <= n and w not in ("en", "ena", "båda", "bada", "ett")}
                    | {"ett", "tjugoett", "tjugotvå", "tjugotva", "tjugotre", "tjugofyra", "tjugofem"}, key=len, reverse=True)
_AGE_COMPOUND = "(" + "|".join(_AGE_WORDS) + r")"
_EXTRA_AGE_WORDS = {"tjugoett": 21, "tjugotvå": 22, "tjugotva": 22, "tjugotre": 23, "tjugofyra": 24, "tjugofem": 25}
# An "-årig" adjective is an age when a person follows ("sjuttonårig kille"), not a duration ("en treårig utbildning").
_PERSON_AFTER = r"\s+(?:[\wåäö]+\s+)?" + _CHILD_NOUN + r"(?![\wåäö])|\s*(?:[.,!?;:]|$)|\s+(?:med|som|och)\s"

# (priority, pattern, whether the bound words before/after rule it out); lower priority wins.
_AGE_PATTERNS: List[Tuple[int, re.Pattern, bool]] = [
    (1, re.compile(_W + r"(?:(\d{1,2})\s*-?\s*(?:år|ar)ig[ae]?|(\d{1,2})\s*-?\s*(?:åring|aring)\w*)" + _E, re.I), False),
    (1, re.compile(_W + _AGE_COMPOUND + r"-?(?:åring|aring)\w*" + _E, re.I), False),
    (1, re.compile(_W + _AGE_COMPOUND + r"-?(?:årig|arig)[aet]?" + _E + r"(?=" + _PERSON_AFTER + ")", re.I),
     False),
    (1, re.compile(_W + _CHILD_NOUN + r"\s+(?:på|pa)\s+" + _NUM + r"\s*" + _YEARS + _E, re.I), False),
    (1, re.compile(_W + _CHILD_NOUN + r"\s+(?:på|pa)\s+" + _NUM_PLAIN + _E + _UNIT_AFTER, re.I), False),
    (1, re.compile(r"(?:" + _CHILD_NOUN + r"|(?-i:(?!Jag\b)[A-ZÅÄÖ][a-zåäö]+))\s*\(\s*(\d{1,2})\s*(?:år|ar)?\s*\)", re.I), False),
    (2, re.compile(_W + _NUM + r"\s*-?\s*" + _YEARS + r"\s+(?:gammal|gamla|gammalt)" + _E, re.I), True),
    (2, re.compile(_W + r"(?<!inte\s)(?<!inte\shar\s)(?:fyller|fyllde|fyllt|fylla|fyllde\s+nyss|har\s+fyllt)\s+" + _NUM
                   + r"(?:\s*" + _YEARS + r")?" + _E, re.I), False),
    (2, re.compile(_W + r"(?:ålder|alder|åldern|aldern)\s+(?:av\s+|på\s+|pa\s+)?" + _NUM + _E, re.I), False),
    (3, re.compile(_W + _CHILD_SUBJECT + r"\s+(?:är|ar|e)\s+(?:nu\s+|bara\s+|redan\s+|alltså\s+|alltsa\s+)?" + _NUM_PLAIN
                   + r"(?:\s*" + _YEARS + r")?" + _E + _UNIT_AFTER, re.I), False),
    (3, re.compile(_W + _CHILD_SUBJECT + r",?\s+(\d{1,2})\s*" + _YEARS + _E, re.I), False),
    (4, re.compile(_W + _NUM + r"\s*-?\s*" + _YEARS + _E, re.I), True),
    (5, re.compile(_W + r"jag\s+(?:är|ar|e)\s+(?:nu\s+|bara\s+)?" + _NUM_PLAIN + r"(?:\s*" + _YEARS + r")?" + _E + _UNIT_AFTER,
                   re.I), False),
]
_WRITER_BEFORE = re.compile(r"(?:jag|mig)\s+(?:är|ar|e)\s+(?:nu\s+|bara\s+)?$", re.I)


def age(text: str) -> Optional[int]:
    """The person's age in years, if the text gives one ("14 år", "en 9-åring", "fyller 15",
    "en tjej på 13", "tjejen är tretton", "min son (9)"). Periods ("om två år", "i ett år",
    "för 2 år sedan"), past ages ("när han var 8 år") and bounds ("inte fyllt 18") are not
    ages; the writer's own age ("jag är 45 och min son 12 år") only counts when nothing else does."""
    text = text or ""
    best: Optional[Tuple[int, int, int]] = None
    for priority, pattern, bounded in _AGE_PATTERNS:
        if best is not None and priority > best[0]:
            break
        for m in pattern.finditer(text):
            before = text[max(0, m.start() - 40): m.start()]
            if bounded and (_NOT_AGE_BEFORE.search(before) or _NOT_AGE_AFTER.match(text, m.end())):
                continue
            if _PAST_AGE_BEFORE.search(before):
                continue  # "när hon var 7 år"
            token = next(g for g in m.groups() if g)
            n = number(token) if token.lower() not in _EXTRA_AGE_WORDS else _EXTRA_AGE_WORDS[token.lower()]
            if n is None or not 0 <= n <= _MAX_AGE:
                continue
            rank = priority + (4 if priority == 4 and _WRITER_BEFORE.search(before) else 0)
            if best is None or (rank, m.start()) < (best[0], best[1]):
                best = (rank, m.start(), n)
            break
    return best[2] if best else None


# ----------------------------------------------------------------------------- guardians (folded text)
_G_SINGULAR = r"(?:vardnadshavare|vardnadshavaren|forald(?:er|ern)|vh)"
_G_PLURAL = r"(?:vardnadshavarna|vardnadshavare|foraldrarna|foraldrar|vh)"
_POSSESSIVE = r"(?:hans|hennes|hens|barnets|elevens|flickans|pojkens|killens|tjejens|sonens|dotterns|min|mitt|var|vart|deras)"
_EX = r"exet|exman|exmannen|exfru|exfrun|expartner|ex-?partnern|barnets\s+andra\s+forald(?:er|ern)"
# "mor", "far" and "ex" only after a possessive ("barnets far"): alone they are other words ("får", "t.ex.").
_PARENT = (r"(?:(?:(?:" + _POSSESSIVE + r")\s+)?(?:(?P<mother>mamma|mamman|modern)|(?P<father>pappa|pappan|fadern)|(?P<ex>" + _EX
           + r"))|(?:" + _POSSESSIVE + r")\s+(?:(?P<mother2>mor)|(?P<father2>far)|ex))")
_PARENT_PLAIN = (r"(?:(?:(?:" + _POSSESSIVE + r")\s+)?(?:mamma|mamman|modern|pappa|pappan|fadern|" + _EX + r")|(?:" + _POSSESSIVE
                 + r")\s+(?:mor|far|ex))")
_BOTH = (r"(?:(?:bada|bagge)(?:\s+tva)?(?:\s+" + _G_PLURAL + r")?|foraldrarna|vardnadshavarna|"
         r"(?:de|dom)\s+tva(?:\s+(?:foraldrarna|vardnadshavarna))?|"
         r"(?:mamma|mamman|modern)\s+och\s+(?:pappa|pappan|fadern)|(?:pappa|pappan|fadern)\s+och\s+(?:mamma|mamman|modern)|"
         r"jag\s+och\s+(?:" + _POSSESSIVE + r"\s+)?(?:mamma|mamman|pappa|pappan|exet)|"
         r"(?:" + _POSSESSIVE + r"\s+)?(?:mamma|mamman|pappa|pappan|exet)\s+och\s+jag)")  # a parent writing: "jag och hans pappa"
_NONE = (r"(?:ingen\s+(?:av|utav)\s+(?:dem|de|dom|foraldrarna|vardnadshavarna|vh)(?:\s+tva)?(?:\s+(?:foraldrarna|vardnadshavarna))?|"
         r"ingen\s+(?:vardnadshavare|forald(?:er|ern))|"
         r"varken\s+(?:mamma|mamman|modern|pappa|pappan|fadern)\s+eller\s+(?:mamma|mamman|modern|pappa|pappan|fadern))")
_ONE = r"(?:(?:den\s+)?ena(?:\s+" + _G_SINGULAR + r")?|en\s+av\s+(?:dem|de|dom|foraldrarna|vardnadshavarna|vh))"
_A_PARENT = r"(?:en\s+(?:vardnadshavare|forald(?:er|ern)))"  # "en förälder vägrar": one of two only when it refuses
_OTHER = r"(?:(?:den|barnets|hans|hennes|hens)\s+andra(?:\s+" + _G_SINGULAR + r")?)"
_CHILD = (r"(?:barnet|eleven|pojken|flickan|killen|tjejen|grabben|ungdomen|sonen|dottern|personen|patienten|klienten|brukaren|"
          r"tonaringen|den\s+unga|den\s+unge|(?:min|mitt|var|vart|hans|hennes|hens)\s+(?:son|dotter|pojke|flicka|grabb))")
_FILL = r"(?:\s+(?:har|hade|ar|var|som|redan|ocksa|aven|bara|nu|ju|absolut|helt|fortfarande|garna|tydligt|sjalv))*"
_NEG = (r"(?:vill\s+(?:absolut\s+|fortfarande\s+|helst\s+)?inte(?=\s*(?:[.,!?;]|$|och\b|men\b|ha\b|skriva\b|samtycka\b|ge\b|"
        r"delta\b|vara\s+med\b|medverka\b|det\b|sjalv\b|langre\b|alls\b|nagon\s+sip|en\s+sip|sip\b))|"
        r"inte\s+vill(?:\s+ha)?(?=\s*(?:[.,!?;]|$|sip\b|en\s+sip|nagon\s+sip))|"  # "pappa inte vill SIP"
        r"vagrar|vagrade|sager\s+nej|sa\s+nej|sade\s+nej|"
        r"har\s+sagt\s+nej|sagt\s+nej|nekar|nekade|samtycker\s+inte|har\s+inte\s+samtyckt|inte\s+samtyckt|motsatter\s+sig|"
        r"motsatte\s+sig|ar\s+emot|ar\s+negativ\w*|skriver\s+inte|har\s+inte\s+skrivit|inte\s+skrivit|skrev\s+inte|"
        r"gar\s+inte\s+med|gick\s+inte\s+med|ar\s+inte\s+med\s+pa|godkanner\s+inte|har\s+inte\s+godkant|"
        r"drar\s+tillbaka|drog\s+tillbaka|har\s+dragit\s+tillbaka|aterkallar|har\s+aterkallat)")
_POS = (r"(?:samtycker|har\s+samtyckt|samtyckt|samtyckte|sager\s+ja|sa\s+ja|sade\s+ja|har\s+sagt\s+ja|sagt\s+ja|"
        r"vill\s+(?:ha|skriva|samtycka|ge|delta|vara\s+med)\b|vill(?=\s*(?:[.,!?;]|$|och\b|men\b|det\b|garna\b))|"
        r"ar\s+positiv\w*|ar\s+med\s+pa|gar\s+med\s+pa|gick\s+med\s+pa|har\s+gatt\s+med\s+pa|godkanner|har\s+godkant|"
        r"godkande|har\s+skrivit\s+(?:under|pa)|skrivit\s+(?:under|pa)|skrev\s+(?:under|pa)|skriver\s+(?:under|pa)|"
        r"har\s+gett\s+(?:sitt\s+|sina\s+)?samtycke|gett\s+(?:sitt\s+)?samtycke|gav\s+(?:sitt\s+)?samtycke|"
        r"har\s+signerat|signerade|undertecknade|har\s+undertecknat)")
# No answer is not a yes: "pappan svarar inte", "mamman nås inte", "har inte hört av sig".
_SILENT = (r"(?:svarar\s+(?:inte|aldrig|ej)|(?:har\s+)?(?:inte|aldrig|ej)\s+(?:svarat|aterkommit|hort\s+av\s+sig|gatt\s+att\s+na|"
           r"tagit\s+stallning|bestamt\s+sig)|svarade\s+(?:inte|aldrig)|nas\s+(?:inte|ej)|gar\s+(?:inte|ej)\s+att\s+na|"
           r"gick\s+(?:inte|ej)\s+att\s+na|ar\s+(?:inte\s+nabar|onabar|osaker)|hor\s+(?:inte|aldrig)\s+av\s+sig|"
           r"horde\s+(?:inte|aldrig)\s+av\s+sig|aterkommer\s+(?:inte|aldrig)|aterkom\s+(?:inte|aldrig)|tvekar|"
           r"funderar(?:\s+fortfarande)?(?:\s+pa\s+(?:det|saken))?|vet\s+inte\s+(?:an|annu))")
# "ingen av dem har svarat": an answer, yes or no, that none of them has given
_REPLIED = r"(?:svarat|svarar|aterkommit|hort\s+av\s+sig|tagit\s+stallning)"
_STATEMENT = re.compile(
    r"(?<!\w)(?P<only>(?:bara|endast|enbart)\s+)?(?:(?P<none>" + _NONE + r")|(?P<both>" + _BOTH + r")|(?P<one>" + _ONE
    + r")|(?P<a_parent>" + _A_PARENT + r")|(?P<other>" + _OTHER + r")|(?P<parent>" + _PARENT + r")|(?P<child>" + _CHILD
    + r"))(?!\w)" + _FILL
    + r"\s+(?:(?P<neg>" + _NEG + r")|(?P<pos>" + _POS + r")|(?P<silent>" + _SILENT + r")|(?P<replied>" + _REPLIED
    + r"))(?!\w)")
_SILENT_OBJECT = re.compile(
    r"(?<!\w)(?:nar\s+(?:inte|ej)|(?:har|hade)\s+(?:inte|ej)\s+(?:lyckats\s+)?(?:natt|na)|kan\s+(?:inte|ej)\s+na|"
    r"(?:far|fick|har\s+inte\s+fatt|fick\s+inte)\s+(?:inte\s+)?tag\s+pa|(?:inget|inga)\s+svar\s+(?:fran|av)|"
    r"har\s+inte\s+fatt\s+(?:nagot\s+)?svar\s+(?:fran|av))\s+(?:(?P<other>" + _OTHER + r")|(?P<parent>" + _PARENT_PLAIN
    + r"))(?!\w)")
_PRONOUN_STATEMENT = re.compile(
    r"(?<!\w)(?:han|hon|hen)(?P<self1>\s+sjalv)?" + _FILL + r"\s+(?:(?P<neg>" + _NEG + r")|(?P<pos>" + _POS + r"))"
    r"(?P<rest>[^.!?;]{0,40})")
_BUT_NOT = re.compile(r"(?<!\w)(?:men|och|,)\s+(?:inte|ej)\s+(?:(?P<other>" + _OTHER + r"|den\s+andra)|(?P<parent>" + _PARENT_PLAIN
                      + r"))(?!\w)|(?<!\w)(?:men|,)\s+(?:(?P<other2>" + _OTHER + r")|(?P<parent2>" + _PARENT_PLAIN
                      + r"))\s+(?:har\s+)?(?:inte|ej)(?:\s+det)?(?=\s*(?:[.,!?;]|$))")
_ALSO = re.compile(r"(?<!\w)(?:och|,)\s+(?:(?P<other>" + _OTHER + r")|(?P<parent>" + _PARENT_PLAIN + r"))\s+(?:ocksa|med|aven)(?!\w)")
_COUNT = re.compile(r"(?<!\w)(?P<n>tva|2|bada|bagge|en|1)\s+(?:" + _G_PLURAL + r"|vardnadshavare|forald(?:er|ern))(?!\w)"
                    r"(?!\s+som(?!\w))(?!" + _FILL + r"\s+(?:" + _NEG + r"|" + _POS + r"))")
_JOINT = re.compile(r"(?<!\w)(?:gemensam\s+vardnad|delad\s+vardnad|vardnaden\s+ar\s+(?:gemensam|delad)|"
                    r"har\s+vardnaden\s+tillsammans|bada\s+har\s+vardnaden|(?:bada|tva)\s+(?:ar\s+)?vardnadshavare)(?!\w)")
_SOLE = re.compile(r"(?<!\w)(?:(?:" + _PARENT + r")\s+(?:har\s+|ar\s+)?)?(?:ensam\s+vardnad\w*|ensamt\s+vardnad\w*|"
                   r"ensam\s+om\s+vardnaden|vardnaden\s+ensam|enda\s+vardnadshavare\w*|ensam\s+vardnadshavare)(?!\w)")
_UNSURE_BEFORE = re.compile(r"(?:vet\s+(?:inte|ej)|undrar|oklart|osaker(?:\s+pa)?|inte\s+saker(?:\s+pa)?|tveksamt?)\s+"
                            r"(?:om|ifall|huruvida)\s+$")
_AFTER_SOLE = re.compile(r"\s*(?:,|och|men)" + _FILL + r"\s+(?:(?P<neg>" + _NEG + r")|(?P<pos>" + _POS + r")|(?P<silent>"
                         + _SILENT + r"))(?!\w)")
_NO_CUSTODY = re.compile(r"(?<!\w)(?:" + _PARENT_PLAIN + r")\s+(?:har\s+(?:inte|ingen|ej)\s+(?:del\s+i\s+)?vardnad(?:en)?|"
                         r"saknar\s+vardnad(?:en)?|ar\s+inte\s+vardnadshavare)(?!\w)")


def _who(m: re.Match, prefix: str = "") -> str:
    if m.group(prefix + "mother") or m.group(prefix + "mother2"):
        return "mother"
    if m.group(prefix + "father") or m.group(prefix + "father2"):
        return "father"
    return "other_parent"


_TWO_EVIDENT = re.compile(r"(?:bada|bagge|de\s+tva|dom\s+tva|(?:mamma|mamman|modern|pappa|pappan|fadern)\s+och|jag\s+och|\w+\s+och\s+jag)"
                          r"|(?<!\w)tva(?!\w)")

# (kind, parent, yes, only, silent); parent is "two" for "both"/"none" statements that name two ("båda", "de två")
_Statement = Tuple[str, Optional[str], bool, bool, bool]


def _statements(t: str) -> List[_Statement]:
    """(kind, parent, yes, only, silent) for each statement of consent in the folded text."""
    out: List[_Statement] = []
    for m in _STATEMENT.finditer(t):
        if _UNSURE_BEFORE.search(t, max(0, m.start() - 30), m.start()):
            continue  # "vet inte om pappa vill"
        kind = next(k for k in ("none", "both", "one", "a_parent", "other", "parent", "child") if m.group(k))
        if kind == "none" and m.group("neg"):
            continue  # "ingen av dem motsätter sig" is not a no
        if m.group("replied") and kind != "none":
            continue  # "pappan har svarat": yes or no, it does not say
        if kind == "a_parent":
            if m.group("pos") and not m.group("only"):
                continue  # "en förälder vill ha SIP": says nothing of the other
            kind = "one"
        who = _who(m) if kind == "parent" else None
        if kind in ("both", "none") and _TWO_EVIDENT.search(m.group(kind)):
            who = "two"
        silent = bool(m.group("silent") or m.group("replied"))
        out.append((kind, who, bool(m.group("pos")), bool(m.group("only")), silent))
    for m in _BUT_NOT.finditer(t):
        if m.group("parent") or m.group("parent2"):
            out.append(("parent", _parent_of(m.group("parent") or m.group("parent2")), False, False, False))
        else:
            out.append(("other", None, False, False, False))
    for m in _ALSO.finditer(t):
        out.append(("parent", _parent_of(m.group("parent")), True, False, False) if m.group("parent")
                   else ("other", None, True, False, False))
    for m in _SILENT_OBJECT.finditer(t):  # "vi når inte pappan"
        out.append(("parent", _parent_of(m.group("parent")), False, False, True) if m.group("parent")
                   else ("other", None, False, False, True))
    return out


_PARENT_ONLY = re.compile(_PARENT)


def _parent_of(span: str) -> str:
    m = _PARENT_ONLY.search(" " + span)
    return _who(m) if m else "other_parent"


def guardians(text: str) -> Dict[str, int]:
    """Number of guardians and how many consent, where the text says so."""
    t = _folded(text or "")
    out: Dict[str, int] = {}
    custodian: Optional[str] = None
    not_guardians = {_parent_of(m.group(0)) for m in _NO_CUSTODY.finditer(t)}
    m = _COUNT.search(t)
    if m:
        out["guardians"] = 1 if m.group("n") in ("en", "1") else 2
    if _JOINT.search(t):
        out["guardians"] = 2
    sole = _SOLE.search(t)
    statements = [s for s in _statements(t) if s[0] != "child" and s[1] not in not_guardians]
    if sole or not_guardians:
        out["guardians"] = 1
        if sole and (sole.group("mother") or sole.group("mother2") or sole.group("father") or sole.group("father2")):
            custodian = _who(sole)
            then = _AFTER_SOLE.match(t, sole.end())  # "pappa har ensam vårdnad och har skrivit under"
            if then:
                statements.append(("parent", custodian, bool(then.group("pos")), False, bool(then.group("silent"))))
    if custodian:
        statements = [s for s in statements if s[0] != "parent" or s[1] == custodian]
    if not statements:
        return out
    kinds = {s[0] for s in statements}
    g = out.get("guardians")
    if "none" in kinds or ("both" in kinds and not any(s[2] for s in statements if s[0] == "both")):
        if g is None and any(s[1] == "two" for s in statements if s[0] in ("both", "none")):
            out["guardians"] = 2  # "båda vårdnadshavarna säger nej", "ingen av de två"
        out["guardians_consenting"] = 0
        return out
    if "both" in kinds:
        out["guardians"] = g or 2
        out["guardians_consenting"] = out["guardians"]
        return out
    if g == 1:
        yes = [s[2] for s in statements if s[0] in ("parent", "one")]
        if yes:
            out["guardians_consenting"] = 1 if yes[0] else 0
        return out
    parents: Dict[str, bool] = {}
    for kind, who, yes, _, _ in statements:
        if kind == "parent" and who is not None:
            parents.setdefault(who, yes)
    only = any(s[3] for s in statements)
    no = sum(1 for v in parents.values() if not v) + sum(1 for s in statements if s[0] in ("one", "other") and not s[2])
    yes_count = sum(1 for v in parents.values() if v) + sum(1 for s in statements if s[0] in ("one", "other") and s[2])
    if only or (kinds & {"one", "other"}) or no:
        out["guardians"] = g or 2
        out["guardians_consenting"] = 0 if no >= 2 else out["guardians"] - 1 if no or only or yes_count <= 1 else 2
    elif yes_count >= 2:
        out["guardians"] = g or 2
        out["guardians_consenting"] = 2
    if "guardians_consenting" in out and any(s[4] for s in statements):
        # someone has not answered: only the yeses stated count ("mamma har skrivit under men pappan nås inte")
        out["guardians_consenting"] = min(out["guardians_consenting"], yes_count)  # type: ignore[type-var]
    return out


_OWN = re.compile(r"\s+sjalv(?!\w)")
_SIP_OBJECT = re.compile(r"\s*(?:ha\s+)?(?:en\s+|nagon\s+|nan\s+)?sip(?!\w|-?mote)")


def person_consents(text: str) -> Optional[bool]:
    """The person's own yes or no, where the text states it ("han vill inte själv", "hon vill
    ha SIP", "eleven säger nej"). A pronoun counts only with "själv" or SIP as the object, so
    that "mamma … hon vill inte" is not read as the child's no."""
    t = _folded(text or "")
    for m in _STATEMENT.finditer(t):
        if m.group("child") and not (m.group("silent") or m.group("replied")):
            return bool(m.group("pos"))
    for m in _PRONOUN_STATEMENT.finditer(t):
        rest = m.group("rest")
        if m.group("self1") or _OWN.match(rest) or _SIP_OBJECT.match(rest):
            return bool(m.group("pos"))
    return None


# ----------------------------------------------------------------------------- organisations (folded text)
_SHORT_SUFFIX = r"(?::s|:n|:en|:et|:ens|s)?"
_LONG_SUFFIX = r"(?:s|n|en|et|na|ns|ens|ets|nas|:s|:n|:en|:et|:ens|:ets)?"
_NEVER_ORGS = {"bums"}


@lru_cache(maxsize=1)
def _org_index() -> Tuple[re.Pattern, Dict[str, str]]:
    """One pattern for every alias (longest first, so "barn- och ungdomsmottagningen" is BUMM,
    not the ungdomsmottagning) and the folded alias -> organisation id."""
    by_alias: Dict[str, str] = {}
    for org in organisation_catalogue().values():
        for name in (org.id, org.name, *org.aliases):
            alias = strip_accents(name).strip()
            if len(alias) >= 2:
                by_alias.setdefault(alias, org.id)
    parts = []
    for alias in sorted(by_alias, key=len, reverse=True):
        suffix = _LONG_SUFFIX if len(alias) >= 4 else _SHORT_SUFFIX
        parts.append(re.escape(alias).replace(r"\ ", r"\s+") + suffix)
    return re.compile(r"(?<![\w-])(" + "|".join(parts) + r")(?![\w])"), by_alias


def _org_id(matched: str, by_alias: Dict[str, str]) -> Optional[str]:
    key = re.sub(r"\s+", " ", matched)
    if key in _NEVER_ORGS:
        return None
    for cut in range(0, 5):
        base = key[: len(key) - cut] if cut else key
        if base.endswith(":"):
            base = base[:-1]
        if base in by_alias:
            return by_alias[base]
    return None


_ROLE_WORD = (r"(?:(?=\w{4})\w*(?:are|ator|og|ist|eut|ped|ska|chef|or|assistent|lakare|larare|pedagog|sekreterare)|anstalld|verksam|"
              r"konsult|vikarie|ansvarig|personal|en\s+av\s+\w+)")
# How the writer introduces themselves; the span runs to the end of the clause.
_SELF_TRIGGER = re.compile(
    r"(?<!\w)(?:jag\s+(?:som\s+)?(?:ar|e)\s+(?:en\s+|ett\s+|ju\s+|nu\s+|sjalv\s+)?(?=" + _ROLE_WORD + r"(?!\w))|"
    r"jag\s+(?:som\s+)?(?:jobbar|arbetar|jobbade|arbetade|praktiserar)(?!\w)|"
    r"jag\s+heter\s+\S+(?:\s+\S+)?\s+och\s+(?:ar\s+(?:en\s+|ett\s+)?(?=" + _ROLE_WORD + r"(?!\w))|jobbar(?!\w)|arbetar(?!\w))|"
    r"(?:^|(?<=[.!?,:]\s)|(?<=[.!?,:]))\s*(?:hej\w*[,!.]?\s+)?(?:ar\s+(?=" + _ROLE_WORD + r"(?!\w))|(?:jobbar|arbetar)\s+"
    r"(?=som|pa|inom|i|vid|hos|for|med)|som\s+(?=" + _ROLE_WORD + r"(?!\w)))|"
    r"vi\s+(?:som\s+(?:jobbar|arbetar)\s+)?(?:har\s+)?(?:pa|inom|i|vid|fran)\s+(?=\S)|"
    r"(?<!\w)har\s+pa\s+(?=\S))")
_SELF_STOP = re.compile(r"[.!?;,]|:(?![a-z])|(?<!\w)(?:och|men|som|att|eftersom|nar|dar|samt|plus|kring|angaende|om|med|fast|sa|"
                        r"vill|har|hade|undrar|behover|ska|skall|kan|hur|vad|tanker|funderar|skulle|far|maste|ar|och)(?!\w)")
_NOT_SELF_AFTER_JAG_AR = re.compile(r"jag\s+(?:ar|e)\s+(?:aktuell|inskriven|patient|listad|i\s+ko|med\s+i|kand)")


_FIRST_WORD = re.compile(r"\s*\S+")


# A short introduction that opens the message or a sentence: a role, perhaps where, then a
# colon or "här" ("Socialsekreterare i Ystad: …", "Kurator på skolan här.", "BUP-psykolog i Lund:").
_SHORT_INTRO = re.compile(
    r"(?:^|(?<=[.!?\n]))\s*(?:(?:hej|hallo|hejsan|tjena|god\s+(?:morgon|dag|kvall))\w*[,!.]?\s+)?"
    r"(?!(?:tidigare|senare|vidare|snarare|nyare|aldre|yngre|battre|samre|storre|mindre|extra|motor|kvar|for|eller|"
    r"utan|efter|innan|under|over|hur|var|nar|igar|fore)(?!\w))(?:[\w]+-)?" + _ROLE_WORD
    + r"(?!\w)(?:\s+(?!(?:och|men|som|att|har|hade|ar|vill|ska|kan)\s)[^\s.:!?,;]+){0,6}?"
    r"(?:\s*,\s*[^\s.:!?,;]+)?\s*(?::(?![a-z])|\s+-\s|\s+har(?=\s*(?:[.,!?;:\n-]|$)))")


def _skip_space(t: str, i: int) -> int:
    while i < len(t) and t[i].isspace():
        i += 1
    return i


def _self_spans(t: str) -> List[Tuple[int, int]]:
    """Where the writer says who they are ("jag är kurator på skolan", "vi på BUP")."""
    spans = [(m.start(), m.end()) for m in _SHORT_INTRO.finditer(t) if not _CONTACT.match(t, _skip_space(t, m.end()))]
    for m in _SELF_TRIGGER.finditer(t):
        if _NOT_SELF_AFTER_JAG_AR.match(t, m.start()):
            continue
        start = m.end()
        # the first word after the trigger is part of the introduction even if it is a stop word ("som")
        first = _FIRST_WORD.match(t, start)
        pos = first.end() if first else start
        stop = _SELF_STOP.search(t, pos)
        end = stop.start() if stop else len(t)
        spans.append((m.start(), end))
    return spans


_HERE_AFTER = re.compile(r"\s+(?:här(?=\s*(?:[.,!?;:]|$|och\b|i\s|på\s))|har(?=\s*(?:[.!?;:]|$)))")
_PREP_BEFORE = re.compile(r"(?:med|hos|till|av|pa|for|om|i|inom|vid|fran\s+\w+\s+till)\s+$")


_ROLE_ALIAS = re.compile(r"(?:\w+-)?\w*(?:are|ator|og|ist|ped|ska|or|chef|jare)(?:n|en|na|s)?")
_AT_ORG = re.compile(r"\s+(?:pa|hos|vid|fran|inom|i)\s+(?:(?:en|ett|den|det|var|vart|sin|sitt|hans|hennes)\s+)?(?:[\w-]+\s+)?")


def _mentions(text: str) -> List[Tuple[int, int, str]]:
    """(start, end, organisation id) of each case organisation named, the writer's own left out."""
    t = _folded(text or "")
    pattern, by_alias = _org_index()
    low = _lowered(text or "")
    selves = _self_spans(t)
    found = []
    for m in pattern.finditer(t):
        org_id = _org_id(m.group(1), by_alias)
        if org_id is None or any(s <= m.start() < e for s, e in selves):
            continue
        if _HERE_AFTER.match(low, m.end()) and not _PREP_BEFORE.search(t[max(0, m.start() - 24): m.start()]):
            continue  # "socialsekreterare här", "Anna från BUP här"
        found.append((m.start(), m.end(), org_id))
    # "kurator på BUP", "logoped på habben": a role at another organisation belongs to that one
    kept = []
    for i, (start, end, org_id) in enumerate(found):
        nxt = found[i + 1] if i + 1 < len(found) else None
        if (nxt is not None and nxt[2] != org_id and _ROLE_ALIAS.fullmatch(t, start, end)
                and _AT_ORG.fullmatch(t, end, nxt[0])
                and not (org_id == "elevhalsa" and nxt[2] in ("skola", "forskola"))):
            continue
        kept.append((start, end, org_id))
    return kept


def organisations(text: str) -> List[str]:
    """Organisation ids mentioned, in the order they appear ("skola, BUP och soc"). The
    writer's own organisation or role ("jag jobbar på BUP") is not one of them."""
    out: List[str] = []
    for _, _, org_id in _mentions(text):
        if org_id not in out:
            out.append(org_id)
    return out


_CONTACT_NO = (
    r"(?:har\s+)?(?:inte|aldrig|ej)\s+(?:haft\s+|fatt\s+|annu\s+|an\s+|heller\s+)?(?:nagon\s+|nan\s+|en\s+)?"
    r"(?:kontakt|traffat|traffats|traffa|varit\s+(?:i\s+kontakt|pa|hos)|kommit\s+(?:till|in)|borjat)|"
    r"aldrig\s+traffat|"
    r"(?:har\s+|hade\s+|fick\s+|far\s+)?(?:ingen|inga|utan)\s+(?:(?:pagaende|aktuell|aktuella|aktiv|aktiva|egen|nagon|"
    r"kontinuerlig|regelbunden|fast|direkt|insatser\s+eller)\s+)*(?:kontakt|insats\w*|arende|behandling)|"
    r"(?:har\s+)?varken\s+(?:haft\s+)?(?:kontakt|traffat)|"
    r"(?:ar|blev)\s+(?:inte|ej)\s+(?:langre\s+|annu\s+|an\s+)?(?:inkopplad\w*|involverad\w*|inne(?:\s+i\s+bilden)?|"
    r"delaktig\w*|inblandad\w*)|"
    r"(?:utreder|traffar|behandlar)\s+(?:\w+\s+)?(?:inte|ej)(?!\s+(?:bara|enbart|endast))|"
    r"saknar\s+(?:kontakt|arende)|"
    r"(?:star|stod|ar|star\s+fortfarande|har\s+stott|sitter|ligger)\s+i\s+(?:ko|kon|vantelista\w*)|i\s+ko(?:n)?\s+(?:till|hos|pa|for)|"
    r"vantar\s+pa(?:\s+(?:en\s+)?(?:tid|bedomning|utredning|besked|plats))?|vantelista\w*|"
    r"(?:ar|blev)?\s*(?:inte|ej)\s+(?:langre\s+|annu\s+|an\s+)?(?:aktuell|aktuella|inskriven|inskrivna|inskrivet|kand|kanda|"
    r"patient|listad)|"
    r"inte\s+(?:nagot\s+|nat\s+|ett\s+)?(?:oppet\s+|pagaende\s+|aktuellt\s+)?arende|"
    r"(?:har\s+)?avslutat\s+(?:sin\s+|sina\s+)?(?:kontakt\w*|insats\w*|behandling\w*|arende\w*)|(?:ar|blev)\s+avslutad\w*|"
    r"kontakten\s+(?:med\s+\S+\s+)?(?:ar|har)\s+(?:avslutad|upphort|slut)|har\s+slutat|skrevs\s+ut\s+fran|utskriven\s+fran")
_CONTACT_YES = (
    r"(?:har|fatt)\s+(?:(?:en|ett|pagaende|etablerad|regelbunden|tat|fast|bra|aktiv|redan|nu|idag|fortfarande|ocksa|aven|"
    r"sedan\s+lange|sedan\s+tidigare|i\s+dag|i\s+dagslaget|just\s+nu|regelbundet)\s+)*kontakt|"
    r"i\s+kontakt\s+med|(?:pagaende|aktiv|aktuell|etablerad|regelbunden)\s+(?:kontakt|insats\w*|behandling)|"
    r"(?:ar|blev|har\s+blivit)\s+(?:redan\s+)?(?:aktuell|aktuella|aktuellt|inskriven|inskrivna|inskrivet|kand|kanda|patient|listad|"
    r"inkopplad\w*|involverad\w*|delaktig\w*|inblandad\w*)|"
    r"har\s+(?:ett\s+)?(?:oppet|pagaende|aktuellt)\s+arende|(?:oppet|pagaende|aktuellt)\s+arende|"
    r"(?:gar|gick)\s+(?:(?:regelbundet|fortfarande|redan|ocksa|aven|nu|idag|sedan\s+lange)\s+)*(?:pa|hos|till|i)|"
    r"traffar|traffas\s+(?:regelbundet|varje|varannan)|"
    r"far\s+(?:stod|hjalp|behandling|insats\w*|samtal)|"
    r"(?:har|ger|gor)\s+(?:(?:pagaende|aktiva|aktuella|regelbundna|flera|olika|egna|redan|ocksa|aven|nu|idag|just\s+nu)\s+)*"
    r"(?:insats\w*|stod|behandling|behandlare|kurator|psykolog|handlaggare|kontaktperson|samtal|beviljat\s+\w+)|"
    r"behandlas|utreds|har\s+(?:en\s+)?(?:pagaende\s+)?utredning|pagaende\s+utredning|utreder|"
    r"har\s+(?:inlett|startat|paborjat)\s+(?:en\s+)?utredning|"
    r"inledde\s+(?:en\s+)?utredning|beviljad\w*|insats\w*\s+(?:fran|via|inom|hos)|"
    r"(?:ar|finns|kom|har\s+kommit)\s+(?:(?:redan|nu|ocksa|aven)\s+)*inne(?:\s+i\s+bilden)?|"
    r"(?:har\s+)?kopplats\s+in|kopplades\s+in|har\s+traffat|(?:ar|blev)\s+placerad\w*|placerade\s+(?:\w+\s+)?(?:pa|i)|"
    r"(?:har|ger|gor|far|fatt|har\s+fatt|fick)\s+(?:(?:extra|sarskilda|vissa|en\s+del|redan|ocksa|aven|nu|flera|manga)\s+)*"
    r"(?:extra\s+anpassning\w*|anpassning\w*|sarskilt\s+stod|atgardsprogram\w*|stodinsats\w*|elevhalsosamtal)")
_CONTACT = re.compile(r"(?<!\w)(?:(?P<no>" + _CONTACT_NO + r")|(?P<yes>" + _CONTACT_YES + r"))(?!\w)")


# How an organisation is tied to a contact phrase: as its object right after it ("kontakt
# med BUP", "står i kö till BUP"), or as its subject right before it ("BUP träffar honom",
# "skolan och BUP är inkopplade", "BUP, där han står i kö"). Organisations in a row
# ("BUP, habben och soc") share the phrase.
_OBJECT_GAP = re.compile(r"\s*(?:(?:med|hos|pa|i|till|av|fran|for|inom|vid|via|genom|nagon|nan|nagot|nagra|en|ett|"
                         r"personal|mer|an|annu|heller|bade|varken|antingen|sin|sitt|sina|den|det)\s+)*")
_SUBJECT_GAP = re.compile(r"(?:\s*[,:])?\s*(?:(?:som|dar|dit)\s+(?:(?:han|hon|hen|de|dom|eleven|barnet|pojken|flickan|"
                          r"killen|tjejen|personen|familjen)\s+)?)?(?:(?:mottagning\w*|enhet\w*|team\w*|personal\w*|"
                          r"redan|nu|idag|ocksa|aven|fortfarande|sedan\s+lange|numera|just\s+nu|i\s+dagslaget)\s+)*")
_LIST_GAP = re.compile(r"\s*(?:,|och|eller|samt|plus|&|\+|/)(?:\s*(?:och|eller))?\s*")


# Services that are themselves an intervention: having one is an ongoing contact with its organisation.
_INSATS = re.compile(r"(?:hemtjanst|boendestod|kontaktfamilj|stodfamilj|daglig\s+verksamhet|dagliga\s+verksamheten|korttids\w*|"
                     r"hvb(?:-hem)?|familjehem|kontaktperson\s+lss)\w*(?::\w+)?")
_INSATS_BEFORE = re.compile(
    r"(?<!\w)(?:(?P<no>(?:har|far|fick|fatt|hade)\s+(?:inte|ej|ingen|inget|aldrig)(?:\s+(?:langre|annu|an|haft|fatt))?|saknar|utan|"
    r"(?:har\s+)?(?:ansokt|ansoker|sokt|soker)\s+om|ansokan\s+om|behover|vill\s+ha)|"
    r"(?P<yes>har|far|fatt|fick|har\s+fatt|beviljats|beviljades|har\s+beviljats|bor\s+(?:pa|i)|bodde\s+(?:pa|i)|"
    r"(?:ar\s+)?placerad\w*\s+(?:pa|i)|gar\s+(?:pa|till)|vistas\s+(?:pa|i)|ar\s+pa))"
    r"\s+(?:(?:en|ett|sin|sitt|nu|redan|ocksa|aven|fortfarande|idag|numera|sedan\s+lange)\s+)*$")
_NEGATED_BEFORE = re.compile(r"(?<!\w)(?:inte|ej|aldrig)\s+$")
_ATTENDS = re.compile(r"(?:gar|gick)\s")
_NEITHER_BEFORE = re.compile(r"(?<!\w)varken\s+$")
# "ingen av dem har träffat flickan": the organisations named just before, none of them in contact
_NONE_OF_THEM = re.compile(r"(?<!\w)(?:ingen|inget|ingendera)(?:\s+(?:av|utav)\s+(?:dem|de|dom|dessa|verksamheterna|aktorerna|"
                           r"mottagningarna|(?:de|dom)\s+tva|(?:de|dom)\s+har)(?:\s+tva)?)?\s+(?=\w)")


def _none_of_them(t: str, groups: List[List[Tuple[int, int, str]]]) -> set:
    """The (start, end) of each group of organisations that "ingen av dem" refers back to:
    the nearest group before it, in its sentence or the one before, with a contact phrase after."""
    out = set()
    for m in _NONE_OF_THEM.finditer(t):
        contact = _CONTACT.match(t, m.end())
        if not contact or contact.group("yes") is None:
            continue
        before = [g for g in groups if g[-1][1] <= m.start()]
        if not before:
            continue
        group = before[-1]
        if len(_SENTENCE.findall(t, group[-1][1], m.start())) > 1:
            continue
        out.add((group[0][0], group[-1][1]))
        if len(group) == 1 and len(before) > 1 and not _SENTENCE.search(t, before[-2][-1][1], m.start()):
            out.add((before[-2][0][0], before[-2][-1][1]))  # "skolan har pratat med BUP men ingen av dem …"
    return out


def organisation_contacts(text: str) -> List[Dict[str, object]]:
    """Each case organisation named, in order, with whether it has contact with the person:
    ``{"id": "bup", "ongoing": True}`` for "har kontakt med BUP", ``False`` for "har inte
    träffat", "aldrig träffat", "ingen kontakt med", "står i kö till", "inte aktuell på",
    ``None`` when the text does not say. An organisation takes the contact phrase it is the
    object or the subject of; "… men inte (med) habben" turns the phrase before it round."""
    t = _folded(text or "")
    mentions = _mentions(text)
    if not mentions:
        return []
    phrases: List[Tuple[int, int, bool]] = []
    for m in _CONTACT.finditer(t):
        yes = m.group("yes") is not None
        if yes and _NEGATED_BEFORE.search(t, max(0, m.start() - 12), m.start()):
            if _ATTENDS.match(m.group(0)):
                continue  # "går inte till skolan": not attending says nothing of the contact
            yes = False  # "som inte har kontakt med BUP"
        phrases.append((m.start(), m.end(), yes))
    groups: List[List[Tuple[int, int, str]]] = []
    for mention in mentions:
        if groups and (_LIST_GAP.fullmatch(t, groups[-1][-1][1], mention[0])
                       or (_ROLE_ALIAS.fullmatch(t, groups[-1][-1][0], groups[-1][-1][1])
                           and _AT_ORG.fullmatch(t, groups[-1][-1][1], mention[0]))):  # "skolsköterskan på X-skolan"
            groups[-1].append(mention)
        else:
            groups.append([mention])
    links: List[Tuple[Optional[Tuple[int, int, bool]], str]] = []
    for group in groups:
        first, last = group[0][0], group[-1][1]
        before = [p for p in phrases if p[1] <= first and _OBJECT_GAP.fullmatch(t, p[1], first)]
        after = [p for p in phrases if p[0] >= last and _SUBJECT_GAP.fullmatch(t, last, p[0])]
        links.append((before[-1], "object") if before else (after[0], "subject") if after else (None, ""))
    # "skolan har kontakt med BUP": two organisations in contact with each other, not with the person
    between = {p for p, role in links if p is not None and role == "object"} & {p for p, role in links if role == "subject"}
    none_of_them = _none_of_them(t, groups)
    result: Dict[str, Optional[bool]] = {}
    order: List[str] = []
    for group, (phrase, _) in zip(groups, links):
        first = group[0][0]
        ongoing: Optional[bool] = None
        if phrase is not None:
            ongoing = None if phrase in between else phrase[2]
        else:
            turned = re.search(r"(?:men|,)\s+(?:inte|ej|aldrig)\s+(?:med\s+|hos\s+|pa\s+|till\s+)?$", t[:first])
            earlier = [p for p in phrases if p[1] <= first]
            if turned and earlier and not _SENTENCE.search(t, earlier[-1][1], first):
                ongoing = not earlier[-1][2]  # "kontakt med BUP men inte med habben"
        if phrase is None and ongoing is None and _INSATS.fullmatch(t, group[0][0], group[0][1]):
            given = _INSATS_BEFORE.search(t, max(0, first - 40), first)
            if given:
                ongoing = given.group("no") is None  # "har hemtjänst", "bor på HVB"; "har inte hemtjänst", "väntar på"
        if phrase is not None and phrase[2] and phrase[0] >= group[-1][1] and _NEITHER_BEFORE.search(t, max(0, first - 12), first):
            ongoing = False  # "varken BUP eller habben har träffat honom"
        if (group[0][0], group[-1][1]) in none_of_them:
            ongoing = False  # "BUP och habben … men ingen av dem har träffat flickan"
        for _, _, org_id in group:
            if org_id not in result:
                order.append(org_id)
                result[org_id] = ongoing
            elif result[org_id] is None:
                result[org_id] = ongoing
    return [{"id": org_id, "ongoing": result[org_id]} for org_id in order]


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


# ----------------------------------------------------------------------------- dates (folded text)
_MONTH_NAMES = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
                "november", "december"]
_MONTH_OF = {**{m: i + 1 for i, m in enumerate(_MONTH_NAMES)},
             "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "okt": 10,
             "nov": 11, "dec": 12}
_MONTH_ANY = "|".join(sorted(_MONTH_OF, key=len, reverse=True))
# A month alone: full names and the unambiguous abbreviations ("i jul" is Christmas, "jan" a name).
_MONTH_ALONE = "|".join(sorted([*_MONTH_NAMES, "sept", "okt", "aug", "feb", "nov", "dec"], key=len, reverse=True))
_YEAR_REL = r"forra\s+aret|forra\s+ar|i\s+fjol|ifjol|i\s+ar|nasta\s+ar|till\s+aret"
_DATE_NUMBER_WORDS = {strip_accents(w) for w, n in NUMBER_WORDS.items() if n >= 1 and w not in ("båda", "bada", "ena")}
_DNUM = r"(?:\d{1,3}|" + "|".join(sorted(_DATE_NUMBER_WORDS, key=len, reverse=True)) + r")"
_WEEKDAYS = {"mandag": 0, "tisdag": 1, "onsdag": 2, "torsdag": 3, "fredag": 4, "lordag": 5, "sondag": 6}
_WEEKDAY_NAMES = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
_UNITS = {"dag": "dagar", "dagar": "dagar", "vecka": "veckor", "veckor": "veckor", "manad": "månader", "manader": "månader",
          "ar": "år"}
_DATE_SPANS = re.compile(
    r"(?<![\w/-])(?:"
    r"(?P<iso>\d{4}-\d{1,2}-\d{1,2})"
    r"|(?P<slash>\d{1,2}/\d{1,2}(?:[ /-]\d{2,4})?)"
    r"|(?:den\s+)?(?P<day>\d{1,2})(?::[ae]|:e|e|a)?\s+(?P<dm>" + _MONTH_ANY + r")\.?"
    r"(?:\s+(?P<dy>\d{4}))?(?:\s+(?P<dyrel>" + _YEAR_REL + r"))?"
    r"|(?:i\s+)?(?P<part>borjan|mitten|slutet)\s+(?:av|pa)\s+(?P<pm>" + _MONTH_ALONE + r")"
    r"(?:\s+(?P<py>\d{4}))?(?:\s+(?P<pyrel>" + _YEAR_REL + r"))?"
    r"|(?:i|sedan|sen|fran|under|efter|innan|fore|till|runt|omkring|kring)\s+(?P<m>" + _MONTH_ALONE + r")"
    r"(?:\s+(?P<my>\d{4}))?(?:\s+(?P<myrel>" + _YEAR_REL + r"))?"
    r"|(?P<m2>" + _MONTH_ANY + r")\s+(?P<my2>\d{4})"
    r"|i\s+(?P<season>varas|somras|hostas|vintras)"
    r"|i\s+(?P<wpast>mandags|tisdags|onsdags|torsdags|fredags|lordags|sondags)"
    r"|(?:nu\s+)?pa\s+(?P<wnext>mandag|tisdag|onsdag|torsdag|fredag|lordag|sondag)"
    r"|(?:vecka|v\.?)\s*(?P<week>\d{1,2})(?:\s+(?P<wy>\d{4}))?"
    r"|(?P<rel>i\s*gar|i\s*dag|i\s*morgon|i\s*forrgar|i\s*overmorgon|forra\s+(?:veckan|manaden|aret)|i\s+fjol|ifjol|"
    r"nasta\s+(?:vecka|manad|ar))"
    r"|(?:for\s+)?(?:(?P<half>ett\s+halvar|ett\s+halvt\s+ar|ett\s+och\s+ett\s+halvt\s+ar)"
    r"|(?P<an>" + _DNUM + r")\s+(?P<au>dagar|dag|veckor|vecka|manader|manad|ar|halvar))\s+(?:sedan|sen)"
    r"|om\s+(?P<inn>" + _DNUM + r")\s+(?P<iu>dagar|dag|veckor|vecka|manader|manad)"
    r")(?![\w/])")
_SETTINGS = {"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": False}
_PREFER = {"past": "past", "future": "future", None: "current_period"}
_PART_DAY = {"borjan": 1, "mitten": 11, "slutet": 21}
_SEASON_MONTH = {"varas": "mars", "somras": "juni", "hostas": "september", "vintras": "december"}


@lru_cache(maxsize=1024)
def _dateparser(span: str, today: dt.date, prefer: Optional[str] = None) -> Optional[dt.date]:
    base = dt.datetime.combine(today, dt.time(12))
    settings = {**_SETTINGS, "RELATIVE_BASE": base, "PREFER_DATES_FROM": _PREFER[prefer]}
    parsed = dateparser.parse(span, languages=["sv"], settings=settings)
    return parsed.date() if parsed else None


def _year(explicit: Optional[str], relative: Optional[str], today: dt.date) -> Optional[int]:
    if explicit:
        return int(explicit)
    if relative:
        rel = re.sub(r"\s+", " ", relative)
        return today.year + (1 if rel in ("nasta ar", "till aret") else 0 if rel == "i ar" else -1)
    return None


def _in_tense(value: Optional[dt.date], today: dt.date, tense: Optional[str], step) -> Optional[dt.date]:
    if value is None:
        return None
    if tense == "past" and value > today:
        return step(value, -1)
    if tense == "future" and value < today:
        return step(value, 1)
    return value


def _shift_year(d: dt.date, n: int) -> dt.date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


def _date_of(m: re.Match, today: dt.date, tense: Optional[str]) -> Optional[dt.date]:
    g = m.groupdict()
    if g["iso"]:
        try:
            return dt.date(*(int(x) for x in g["iso"].split("-")))
        except ValueError:
            return None
    if g["slash"]:
        span = g["slash"]
        if span in ("24/7",):
            return None
        has_year = not re.fullmatch(r"\d{1,2}/\d{1,2}", span)
        return _dateparser(span, today, None if has_year else tense)
    if g["dm"]:
        month = _MONTH_NAMES[_MONTH_OF[g["dm"]] - 1]
        year = _year(g["dy"], g["dyrel"], today)
        if year is not None:
            return _dateparser(f"{int(g['day'])} {month} {year}", today)
        return _dateparser(f"{int(g['day'])} {month}", today, tense)
    month_key = g["pm"] or g["m"] or g["m2"]
    if month_key:
        day = _PART_DAY[g["part"]] if g["part"] else 1
        month = _MONTH_NAMES[_MONTH_OF[month_key] - 1]
        year = _year(g["py"] or g["my"] or g["my2"], g["pyrel"] or g["myrel"], today)
        if year is not None:
            return _dateparser(f"{day} {month} {year}", today)
        first = _dateparser(f"{day} {month}", today, tense)
        return _in_tense(first, today, tense, _shift_year)
    if g["season"]:
        return _dateparser(f"1 {_SEASON_MONTH[g['season']]}", today, "past")
    if g["wpast"] or g["wnext"]:
        name = _WEEKDAY_NAMES[_WEEKDAYS[g["wpast"][:-1] if g["wpast"] else g["wnext"]]]
        value = _dateparser(name, today, "past" if g["wpast"] else "future")
        if value == today:
            value += dt.timedelta(days=-7 if g["wpast"] else 7)
        return value
    if g["week"]:
        week = int(g["week"])
        year = int(g["wy"]) if g["wy"] else today.year
        try:
            value = dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            return None
        if g["wy"]:
            return value
        return _in_tense(value, today, tense, lambda d, n: _iso_week_shift(d, n))
    if g["rel"]:
        rel = re.sub(r"\s+", " ", g["rel"]).replace("i gar", "igar").replace("i dag", "idag").replace("i morgon", "imorgon")
        rel = rel.replace("i forrgar", "iforrgar").replace("i overmorgon", "iovermorgon")
        if rel in ("igar", "idag", "imorgon"):
            return _dateparser({"igar": "igår", "idag": "idag", "imorgon": "imorgon"}[rel], today)
        if rel == "iforrgar":
            return _dateparser("för 2 dagar sedan", today)
        if rel == "iovermorgon":
            return _dateparser("om 2 dagar", today)
        # a period: its first day
        if rel in ("forra veckan", "nasta vecka"):
            d = _dateparser("förra veckan" if rel == "forra veckan" else "om 1 vecka", today)
            return d - dt.timedelta(days=d.weekday()) if d else None
        if rel in ("forra manaden", "nasta manad"):
            d = _dateparser("förra månaden" if rel == "forra manaden" else "om 1 månad", today)
            return d.replace(day=1) if d else None
        if rel in ("forra aret", "i fjol", "ifjol", "nasta ar"):
            return dt.date(today.year + (1 if rel == "nasta ar" else -1), 1, 1)
        return None
    if g["half"]:
        months = 18 if "och" in g["half"] else 6
        return _dateparser(f"för {months} månader sedan", today)
    if g["an"]:
        amount, unit = g["an"], g["au"]
        n = number(amount)
        if unit == "halvar":
            return _dateparser(f"för {6 * n} månader sedan", today) if n else None
        return _dateparser(f"för {n} {_UNITS[unit]} sedan", today) if n else None
    if g["inn"]:
        n = number(g["inn"])
        return _dateparser(f"om {n} {_UNITS[g['iu']]}", today) if n else None
    return None


def _iso_week_shift(d: dt.date, n: int) -> dt.date:
    year, week, _ = d.isocalendar()
    try:
        return dt.date.fromisocalendar(year + n, week, 1)
    except ValueError:
        return dt.date.fromisocalendar(year + n, 52, 1)


# Which date is which: the words next to the date say what it is (folded text; the longest
# phrase first, so "kallade till möte" is the invitation and "skrevs under" the consent).
_DATE_KINDS = re.compile(
    r"(?<!\w)(?:"
    r"(?P<withdrawn>(?:drog|drar|dragit|dragits|drogs|dras|tog|tagit|tagits|togs)\s+(?:\w+\s+)?tillbaka"
    r"(?:\s+(?:sitt\s+|sina\s+|hennes\s+|hans\s+|deras\s+|det\s+)?samtycke\w*)?"
    r"|samtycke\w*\s+(?:har\s+|hade\s+|blev\s+)?(?:drogs|dragits|dras|togs|tagits|aterkallades|aterkallats|upphorde)"
    r"(?:\s+tillbaka)?|(?:aterkall\w*|angrade|har\s+angrat)(?:\s+(?:sitt\s+|sina\s+|hennes\s+|hans\s+|deras\s+)?samtycke\w*)?"
    r"|sa\s+upp\s+(?:sitt\s+)?samtycke\w*)"
    r"|(?P<invitation_sent>(?:skickade|skickat|skickades|gick)\s+(?:ut\s+)?(?:en\s+|var\s+|vara\s+)?kallelse\w*"
    r"(?:\s+till\s+(?:ett\s+|vart\s+)?(?:sip-?)?mote\w*)?"
    r"|kallelse\w*(?:\s+till\s+(?:ett\s+|vart\s+)?(?:sip-?)?mote\w*)?(?:\s+(?:skickades|skickade|gick\s+ut))?"
    r"|kallade\w*(?:\s+\w+)?\s+till\s+(?:ett\s+|en\s+)?(?:sip\S*|mote\w*|sip-?mote\w*)|kallade\w*|kallat|kallades|skickade\w*|skickat"
    r"|bjod\s+in|bjods\s+in|bjudit\s+in|inbjudan\w*)"
    r"|(?P<consent_date>samtyck\w*|medgivande\w*|skrevs\s+under|skrev\s+(?:\w+\s+)?(?:under|pa)(?!\w)|skrivit\s+(?:under|pa)(?!\w)"
    r"|skriva\s+under|undertecknade\w*|undertecknat|signerade|signerat|underskrift\w*)"
    r"|(?P<last_follow_up>uppfolj\w*|folj(?:de|des|ts|t)\s+(?:\w+\s+)?upp|foljde\s+vi\s+upp|reviderade\w*|reviderades|reviderat"
    r"|senast\s+uppdaterad\w*|uppdaterades|upprattades|upprattade|upprattad|upprattat"
    r"|planen\s+(?:gjordes|skrevs|togs\s+fram|uppdaterades))"
    r"|(?P<meeting>(?:sip-?)?mote\w*|sip-?traff\w*|traff\w*|(?:vi|de|dom|ni)\s+sags|sags\s+(?:vi|de|dom)"
    r"|hade\s+(?:vi\s+)?(?:en\s+)?sip(?!\w))"
    r"|(?P<need_identified>behov\w*|upptack\w*|markte|marktes|markt|uppmarksamm\w*|noterade|borjade|oro\w*|anmalan|"
    r"orosanmal\w*|sag\s+att|insag|identifier\w*)"
    r")")
_PAST = re.compile(
    r"(?<![\wåäö])(?:skrevs|skrev|skrivit|gav|gavs|gett|hölls|holls|höll|holl|hade|träffades|traffades|träffade|traffade|"
    r"sågs|sags|upptäcktes|upptacktes|upptäckte|upptackte|upptäckt|upptackt|märkte|markte|märktes|marktes|noterade|kallade|"
    r"kallades|kallat|skickade|skickades|skickat|följde|foljde|följdes|foljdes|följts|foljts|började|borjade|var|blev|"
    r"lämnade|lamnade|lämnades|lamnades|lämnat|lamnat|fick|tog|togs|sa|sade|inkom|kom|ringde|anmälde|anmalde|"
    r"upprättades|upprattades|upprättade|upprattade|upprättat|upprattat|reviderades|reviderade|genomfördes|genomfordes|"
    r"genomförde|genomforde|genomfört|genomfort|hållits|hallits|varit|gjordes|gjorde|gjort|undertecknade|signerade|"
    r"samtyckte|såg|sag|hände|hande|hänt|hant|uppstod|dök|dok|inleddes|förra|forra|sist|drog|drogs|dragit|återkallade|"
    r"aterkallade|återkallades|aterkallades|ångrade|angrade)(?![\wåäö])")
_FUTURE = re.compile(
    r"(?<![\wåäö])(?:ska|skall|kommer|blir|planera\w*|planerat|bokat|bokad\w*|inbokat|inbokad\w*|nästa|nasta|tänkt|tankt|"
    r"tänker|tanker|hoppas|äga|aga|äger|ager|hålls|halls|ses|kallar|skickar)(?![\wåäö])")
_BIRTHDAY_BEFORE = re.compile(r"(?:(?:fyller|fyllde|fyllt|fylla)\s+\S+(?:\s*ar)?|fodd|fodelsedag\w*)\s*$")


def _tense(low: str, start: int, end: int, lo: int, hi: int) -> Optional[str]:
    """Past or future, from the marker nearest to the date in its sentence."""
    best: Optional[Tuple[int, str]] = None
    for pattern, name in ((_PAST, "past"), (_FUTURE, "future")):
        for m in pattern.finditer(low, lo, hi):
            if start <= m.start() < end:
                continue
            distance = start - m.end() if m.end() <= start else m.start() - end
            if best is None or distance < best[0]:
                best = (distance, name)
    return best[1] if best else None


def dates(text: str, today: dt.date) -> Dict[str, dt.date]:
    """Dates in the text, by what they are (need_identified, meeting, consent_date …).
    A date whose kind the text does not say is returned as ``date``. A month, week or season
    is read as its first day (conservative: the deadlines counted from it come early)."""
    text = text or ""
    t = _folded(text)
    low = _lowered(text)
    spans = list(_DATE_SPANS.finditer(t))
    gap = _follow_up_gap(t, today) if "upp" in t or "revider" in t else None
    if not spans:
        return {"last_follow_up": gap} if gap else {}
    bounds = [0] + [m.end() for m in _SENTENCE.finditer(t)]
    out: Dict[str, dt.date] = {}
    last_end = 0
    for i, m in enumerate(spans):
        next_start = spans[i + 1].start() if i + 1 < len(spans) else len(t)
        sentence_start = max(b for b in bounds if b <= m.start())
        sentence_end_m = _SENTENCE.search(t, m.end())
        sentence_end = sentence_end_m.start() if sentence_end_m else len(t)
        lo, hi = max(last_end, sentence_start), min(next_start, sentence_end)
        if _BIRTHDAY_BEFORE.search(t, max(lo, m.start() - 30), m.start()):
            continue  # "fyller 16 i maj", "född i mars": the person's birthday, not a date of the case
        value = _date_of(m, today, _tense(low, m.start(), m.end(), lo, hi))
        if value is None:
            continue
        if _since_gap(t, m, lo):
            # "ingen uppföljning sedan i fjol": the latest day the period allows
            out["last_follow_up"] = min(_period_end(m, value), today)
            last_end = m.end()
            continue
        kind = _kind(t, m, last_end, lo, hi)
        if kind not in out:
            out[kind] = value
        last_end = m.end()
    if gap:
        out["last_follow_up"] = gap
    return out


# A plan not followed up for a while: "har inte följts upp på över ett år", "ingen uppföljning
# sedan i fjol", "inte uppdaterad på 14 månader". The date is the latest the words allow
# (today minus the period; "över ett år" is exactly a year), so a forfeiture is never claimed early.
_GAP = (r"(?<!\w)(?:(?:(?:har|hade|blev|ar|var)\s+)?(?:inte|ej|aldrig)\s+(?:(?:\w+)\s+){0,2}?"
        r"(?:foljts\s+upp|folj(?:t|de|des)\s+(?:\w+\s+)?upp|"
        r"uppdaterats|uppdaterad\w*|uppdaterat|reviderats|reviderad\w*|reviderat|haft\s+(?:nagon\s+|en\s+|nagot\s+)?"
        r"(?:uppfoljning\w*|revidering\w*|uppfoljningsmote\w*)|setts\s+over|gatts\s+igenom)|"
        r"(?:ingen|inga|utan)\s+(?:ny\s+|nya\s+)?(?:uppfoljning\w*|revidering\w*|uppdatering\w*|uppfoljningsmote\w*)|"
        r"(?:ingen|inga)\s+(?:har|hade)\s+(?:folj(?:t|de)\s+(?:\w+\s+)?upp|uppdaterat|reviderat|sett\s+over))")  # "som ingen har följt upp"
_GAP_SINCE_BEFORE = re.compile(_GAP + r"(?:\s+(?:\w+|sip:en)){0,3}?\s+(?:sedan|sen)?\s*$")
_GAP_FOR = re.compile(
    _GAP + r"(?:\s+(?:\w+|sip:en)){0,3}?\s+(?:pa|i|under|sedan|sen)\s+(?:(?:over|mer\s+an|drygt|minst|lite\s+mer\s+an|langre\s+an)\s+)?"
    r"(?:(?P<half>ett\s+halvar|ett\s+halvt\s+ar|ett\s+och\s+ett\s+halvt\s+ar)|(?P<n>" + _DNUM + r")\s+(?P<u>ar|arr|manader|manad|"
    r"veckor|vecka|dagar|dag|halvar)|(?P<year>(?:19|20)\d\d))(?!\w)")


def _follow_up_gap(t: str, today: dt.date) -> Optional[dt.date]:
    m = _GAP_FOR.search(t)
    if not m:
        return None
    if m.group("year"):
        return min(dt.date(int(m.group("year")), 12, 31), today)
    if m.group("half"):
        months = 18 if "och" in m.group("half") else 6
        return today - relativedelta(months=months)
    n = number(m.group("n"))
    if not n:
        return None
    unit = m.group("u")
    if unit in ("ar", "arr"):
        return today - relativedelta(years=n)
    if unit == "halvar":
        return today - relativedelta(months=6 * n)
    if unit.startswith("manad"):
        return today - relativedelta(months=n)
    if unit.startswith("veck"):
        return today - dt.timedelta(weeks=n)
    return today - dt.timedelta(days=n)


def _since_gap(t: str, m: re.Match, lo: int) -> bool:
    """Whether a date is the start of a gap in the follow-ups ("ingen uppföljning sedan i fjol")."""
    span = m.group(0)
    if not (span.startswith(("sedan", "sen ")) or re.search(r"(?:sedan|sen)\s+$", t[max(lo, m.start() - 8): m.start()])):
        return False
    return bool(_GAP_SINCE_BEFORE.search(t, max(lo, m.start() - 90), m.start()))


_SEASON_END = {"varas": (5, 31), "somras": (8, 31), "hostas": (11, 30)}


def _period_end(m: re.Match, first: dt.date) -> dt.date:
    """The last day of the period a date span names (a month, season, year, week), or the day itself."""
    g = m.groupdict()
    rel = re.sub(r"\s+", " ", g["rel"]) if g["rel"] else None
    if rel in ("forra aret", "i fjol", "ifjol"):
        return dt.date(first.year, 12, 31)
    if rel == "forra manaden" or ((g["m"] or g["m2"]) and not g["part"]) or (g["pm"] and g["part"] == "slutet"):
        return first + relativedelta(day=31)
    if g["pm"] and g["part"]:
        return first + dt.timedelta(days=9)
    if g["season"]:
        if g["season"] == "vintras":
            return first + relativedelta(months=2, day=31)
        month, day = _SEASON_END[g["season"]]
        return first.replace(month=month, day=day)
    if rel == "forra veckan" or g["week"]:
        return first + dt.timedelta(days=6)
    return first


_CLAUSE_CUT = re.compile(r"[.!?;,]|(?<!\w)(?:och|men|medan|samt)(?!\w)")


def _kind(t: str, m: re.Match, last_end: int, lo: int, hi: int) -> str:
    clause_start = lo
    for cut in _CLAUSE_CUT.finditer(t, lo, m.start()):
        clause_start = cut.end()
    before = [h for h in _DATE_KINDS.finditer(t, clause_start, m.start())]
    if before:
        return before[-1].lastgroup or "date"
    after = _DATE_KINDS.search(t, m.end(), hi)
    if after:
        return after.lastgroup or "date"
    wider = [h for h in _DATE_KINDS.finditer(t, last_end, m.start())]
    return wider[-1].lastgroup if wider and wider[-1].lastgroup else "date"


def date_answer(text: str, today: dt.date) -> Optional[dt.date]:
    """The one date in an answer to "När …?" ("3 mars", "igår", "2026-03-01"); the day a
    consent was withdrawn is not the answer to any of the case questions."""
    found = dates(text, today)
    return next((v for k, v in found.items() if k != "withdrawn"), None)


# ----------------------------------------------------------------------------- closing reasons (folded text)
_LEAVER = (r"(?:hon|han|hen|familjen|mamma\w*|pappa\w*|vardnadshavar\w*|foraldrarna|eleven|barnet|personen|patienten|"
           r"klienten|brukaren|killen|tjejen|pojken|flickan|ungdomen|sonen|dottern)")
_REASONS = [
    ("samtycke_aterkallat", re.compile(
        r"(?:drar|dragit|drog|tar|tagit|tog)(?:\s+(?:hon|han|hen|de|dom|mamma\w*|pappa\w*|familjen))?\s+tillbaka\s+"
        r"(?:sitt\s+|sina\s+|hennes\s+|hans\s+|deras\s+)?samtycke|aterkall\w*|"
        r"samtycke\w*\s+(?:har\s+|hade\s+|blev\s+)?(?:drogs|dragits|dras|togs|tagits)\s+tillbaka|"
        r"samtyck\w*[^.!?]{0,60}?(?<!\w)(?:drar|drog|dragit|tar|tog|tagit)\s+tillbaka\s+(?:det|den)(?!\w)|"
        r"vill\s+inte\s+(?:langre|ha\s+kvar)|samtycket\s+(?:ar\s+)?(?:borta|atertaget|aterkallat|indraget)|"
        r"(?:sagt|sager|sa)\s+upp\s+(?:sitt\s+)?samtycke|angrat\s+(?:sitt\s+)?samtycke|"
        r"(?<!\w)" + _LEAVER + r"\s+(?:har\s+)?(?:vill\s+(?:avsluta|sluta\s+med)|bett\s+(?:oss\s+)?att\s+(?:fa\s+)?avsluta)"
        r"\s+(?:sin\s+|sip)")),
    ("flytt_utanfor_regionen", re.compile(
        r"flytt\w*\s+(?:till\s+)?(?:en\s+)?(?:annan|annat)\s+(?:region|lan|kommun|ort|stad|land)|"
        r"flytt\w*\s+utanfor|flytt\w*\s+utomlands|flytt\w*\s+(?:fran|ur)\s+(?:regionen|lanet|kommunen|sverige|landet)")),
    ("flytt_inom_regionen", re.compile(r"flytt\w*\s+inom|flytt\w*\s+till\s+en\s+annan\s+del")),
    ("byte_vardcentral", re.compile(r"(?:byt\w*|ny)\s+vardcentral")),
    ("nya_aktorer", re.compile(r"nya?\s+(?:aktor|verksamhet)\w*|(?:fler|ytterligare)\s+(?:aktorer|verksamheter)")),
    # goals reached or needs met: the needs have ceased (behov_upphort); a goal that has changed is mal_forandrat
    ("behov_upphort", re.compile(
        r"(?<!\w)(?:mal|malen|malet|alla\s+mal|(?:de\s+|sina\s+|planens\s+)?(?:langsiktiga\s+)?malen)\s+"
        r"(?:(?:ar|har|blev|har\s+blivit)\s+)?(?:(?:nu|redan|alla|helt|i\s+stort\s+sett)\s+)*"
        r"(?:uppnatt|uppnadd\w*|uppnatts|natts|natt|nadd\w*|uppfyllda|uppfyllt|uppfyllts)(?!\w)|"
        r"(?:har\s+)?(?:natt|uppnatt|nadde|uppnadde)\s+(?:sina\s+|alla\s+|planens\s+|de\s+)?(?:alla\s+)?mal(?:en)?(?!\w)|"
        r"(?<!\w)behov\w*\s+(?:(?:ar|har|blev|har\s+blivit|har\s+nu)\s+)?(?:(?:nu|redan|helt|alla)\s+)*"
        r"(?:tillgodosedd\w*|tillgodosett|tillgodosetts|mott|motts|uppfyllda|uppfyllt|tackta|tackt|losta|lost)(?!\w)|"
        r"(?:fatt|fick|far)\s+(?:sina\s+|alla\s+)?behov\w*\s+(?:tillgodosedd\w*|tillgodosett|motta|mott|tackta|uppfyllda)(?!\w)|"
        r"(?<!\w)(?:klarar|klarade|fixar)\s+sig\s+(?:(?:nu|bra|fint|numera|helt)\s+)*(?:utan|pa\s+egen\s+hand|sjalv)(?!\w)")),
    ("mal_forandrat", re.compile(r"(?<!\w)mal\w*\s+(?:ar\s+|har\s+)?(?:forandrat|andrat|andrats|forandrats)|"
                                 r"(?<!\w)(?:ett\s+)?(?:helt\s+)?(?:nytt|annat)\s+(?:langsiktigt\s+)?mal(?!\w)")),
    ("samordning_fungerar", re.compile(r"samordning\w*\s+(?:fungerar|funkar|gar\s+bra)(?!\s+inte)")),
    ("inga_nya_behov", re.compile(r"inga\s+nya\s+behov")),
    ("behov_upphort", re.compile(
        r"(?:behov\w*|insats\w*)\s+(?:har\s+|ar\s+)?(?:upphort|slut|avslutade?|avslutats|klara|borta|inte\s+langre)|"
        r"(?:behover)\s+inte\s+(?:langre|nagon\s+(?:samordning|sip)|sip)|mar\s+bra\s+nu|inget\s+(?:langre\s+)?behov|"
        r"allt\s+(?:fungerar|funkar|gar\s+bra)(?!\s+inte)|"
        r"inga\s+(?:insatser|kontakter|behov)\s+(?:kvar|langre)|inga\s+(?:pagaende|aktiva)\s+insatser|"
        r"behovet\s+finns\s+inte\s+(?:langre|kvar)|klarar\s+sig\s+(?:bra\s+)?(?:sjalv|utan)|ingen\s+samordning\s+behovs")),
]


def closing_reason(text: str) -> Optional[str]:
    t = _folded(text or "")
    for code, pattern in _REASONS:
        if pattern.search(t):
            return code
    return None


# ----------------------------------------------------------------------------- capacity and representatives (folded)
_UNSURE = re.compile(r"(?<!\w)(?:vet\s+(?:inte|ej)|undrar|oklart|osaker(?:\s+pa)?|inte\s+saker(?:\s+pa)?|tveksamt?|fundera\w*|"
                     r"bedoma|bedomer|bedoms|utreda|utreds)\s+(?:om|ifall|huruvida)\s+(?:\w+\s+){0,3}$|"
                     r"(?<!\w)(?:om|ifall)\s+(?:\w+\s+){0,2}$")
_CANNOT_CONSENT = re.compile(
    r"(?<!\w)(?:(?<!lindrig\s)(?<!latt\s)(?<!mild\s)(?<!misstankt\s)(?<!begynnande\s)(?<!tidig\s)"
    r"(?:har|med|pga|p\.g\.a\.|pa\s+grund\s+av|diagnos\w*)\s+(?:en\s+)?(?:(?:svar|langt\s+gangen|framskriden|avancerad)\s+)?"
    r"(?:demens\w*|alzheimer\w*|demenssjukdom\w*)|(?:ar|blivit)\s+(?:svart\s+|helt\s+)?dement|"
    r"(?:nedsatt|bristande|begransad|sviktande)\s+(?:beslutsformaga|beslutskompetens|formaga\s+att\s+(?:samtycka|ta\s+stallning|forsta))|"
    r"saknar\s+(?:beslutsformaga|beslutskompetens|formaga(?:n)?\s+att\s+(?:samtycka|ta\s+stallning|forsta))|"
    r"beslutsoformog\w*|inte\s+beslutskompetent|"
    r"(?:kan|klarar)\s+(?:inte|ej)\s+(?:sjalv\s+)?(?:(?:riktigt|heller|langre|alls)\s+)?(?:(?:sjalv|sjalva)\s+)?"
    r"(?:forsta\s+(?:vad|innebord|konsekvens|vad\s+ett\s+samtycke)|ta\s+stallning|samtycka|lamna\s+(?:sitt\s+|ett\s+)?samtycke|"
    r"ge\s+(?:sitt\s+|ett\s+)?samtycke|fatta\s+(?:beslut|egna\s+beslut|ett\s+beslut))|"
    r"(?:inte|ej)\s+(?:sjalv\s+)?kan\s+(?:sjalv\s+)?(?:forsta\s+(?:vad|innebord|konsekvens)|ta\s+stallning|samtycka|"
    r"lamna\s+(?:sitt\s+|ett\s+)?samtycke)|"
    r"(?:ar|blir)\s+(?:inte|ej)\s+(?:kapabel|formogen|i\s+stand)\s+att\s+(?:samtycka|ta\s+stallning|forsta|fatta\s+beslut))")
_CAN_CONSENT = re.compile(
    r"(?<!\w)(?!(?:inte|ej|aldrig|vi|ni|man|du|ingen|kanske|som|vem|vilka|vilken|hur|att|det|den|nar|om|ifall|sa|da|"
    r"mamma\w*|pappa\w*|modern|fadern|forald\w*|vardnadshavar\w*)\s)[a-z]+\s+"
    r"(?:kan|klarar)\s+(?:(?:sjalv|gott|absolut|bra|fullt)\s+)?(?:ta\s+stallning|samtycka|lamna\s+(?:sitt\s+|ett\s+)?samtycke|"
    r"forsta\s+vad\s+(?:ett\s+|det\s+)?samtycke)|"
    r"(?<!\w)(?:har\s+)?(?:full|god|fullgod)\s+beslutsformaga|ar\s+beslutskompetent|beslutsformagan\s+ar\s+(?:god|intakt|inte\s+nedsatt)")
_REPRESENTATIVE_NO = re.compile(
    r"(?<!\w)(?:(?:har|hade)\s+(?:inte|ej)\s+(?:nagon\s+|en\s+|nan\s+)?|saknar\s+|ingen\s+|inte\s+har\s+(?:nagon\s+|en\s+)?|utan\s+)"
    r"(?:(?:utsedd|forordnad|egen)\s+)?(?:god\s+man|forvaltare|forvaltarskap|stallforetradare|legal\s+foretradare|"
    r"framtidsfullmakt|fullmakt)(?!\w)|"
    r"(?:ansok\w*|ansokt|ansoker|vantar\s+pa|behover|behovs|borde\s+fa|skulle\s+behova|planerar)\s+(?:om\s+|pa\s+)?"
    r"(?:(?:en|ett|beslut\s+om)\s+)?(?:god\s+man|forvaltare|forvaltarskap|stallforetradare)(?!\w)")
_REPRESENTATIVE_YES = re.compile(
    r"(?<!\w)(?:(?:har|fick|fatt|har\s+fatt)\s+(?:(?:en|ett|nu|redan|sedan\s+lange|numera)\s+)*(?:god\s+man|forvaltare|"
    r"forvaltarskap|stallforetradare|legal\s+foretradare|framtidsfullmakt)|"
    r"(?:star|ar|star\s+sedan\s+\w+)\s+under\s+forvaltarskap|(?:ar\s+)?(?:hans|hennes|hens|personens|\w+s)\s+(?:god\s+man|forvaltare)|"
    r"(?<!vi\s)(?<!jag\s)(?<!ni\s)(?:har|med)\s+(?:(?!inte|ej|ingen|nagon)\w+\s+){1,3}och\s+(?:en\s+)?(?:god\s+man|forvaltare|stallforetradare)|"
    r"gode\s+man(?:nen)?|forvaltaren|(?:god\s+man|forvaltare|forvaltarskap)\s+(?:ar|har|blev)\s+(?:\w+\s+)?(?:utsedd|forordnad|"
    r"beslutat|beviljat|klart)|framtidsfullmakten\s+(?:har\s+)?(?:tratt|gatt)\s+i\s+kraft)(?!\w)")


_RELATIVE_BEFORE = re.compile(r"(?<!\w)(?:mamma\w*|pappa\w*|modern|fadern|forald\w*|vardnadshavar\w*|mormor|farmor|morfar|farfar|"
                              r"maken|makan|frun|sambon|anhorig\w*)\s+(?:(?:som|har|ar|sjalv|ocksa|aven)\s+)?$")


def capacity(text: str) -> Dict[str, bool]:
    """Whether the person can consent (``can_consent``) and has a legal representative
    (``legal_representative``), where the text says so: "har demens", "nedsatt beslutsförmåga",
    "kan inte ta ställning" → cannot; "har en förvaltare/god man", "förvaltarskap" → has one;
    "ingen förvaltare (än)", "ingen god man", "föräldrarna har ingen fullmakt" → has none.
    A doubt ("vet inte om hon kan ta ställning") or a condition ("om han har demens") says nothing."""
    t = _folded(text or "")
    out: Dict[str, bool] = {}

    def stated(pattern: re.Pattern, of_person: bool = False) -> Optional[re.Match]:
        for m in pattern.finditer(t):
            if _UNSURE.search(t, max(0, m.start() - 40), m.start()):
                continue
            if (of_person or m.group(0).startswith(("har ", "fick ", "fatt "))) and \
                    _RELATIVE_BEFORE.search(t, max(0, m.start() - 30), m.start()):
                continue  # "pappan har demens", "mamma har god man": a parent's, not the person's
            return m
        return None

    if stated(_CANNOT_CONSENT, of_person=True):
        out["can_consent"] = False
    elif stated(_CAN_CONSENT, of_person=True):
        out["can_consent"] = True
    if stated(_REPRESENTATIVE_YES):  # "ingen god man men en förvaltare": one is enough
        out["legal_representative"] = True
    elif stated(_REPRESENTATIVE_NO):
        out["legal_representative"] = False
    return out


_PROTECTED = re.compile(r"skyddade?\s+(?:person)?uppgifter|skyddad\s+identitet|sekretessmarkering")
_LUS = re.compile(r"utskriv\w*\s+fran\s+(?:sluten|sjukhus)|slutenvard|(?<!\w)lus(?!\w)")


# "habiliteringskontakt", "BUP-kontakt": a contact with that organisation
_CONTACT_COMPOUND = re.compile(r"(?i)(?<![\wåäö])(habiliterings|bup|psykiatri|vårdcentrals|socialtjänst|logoped)-?kontakt(?:en)?(?![\wåäö])")


def from_text(text: str, today: dt.date) -> Dict[str, object]:
    """Every case fact the text states (only those it states). Organisations are ids, or
    ``{"id", "ongoing"}`` for each when the text says whether any of them has contact."""
    text = text or ""
    out: Dict[str, object] = {}
    a = age(text)
    if a is not None:
        out["age"] = a
    out.update(guardians(text))
    consents = person_consents(text)
    if consents is not None:
        out["person_consents"] = consents
    contacts = organisation_contacts(_CONTACT_COMPOUND.sub(lambda m: f"kontakt med {m.group(1).rstrip('s')}", text))
    if contacts:
        known = any(c["ongoing"] is not None for c in contacts)
        out["organisations"] = contacts if known else [c["id"] for c in contacts]
    out.update(dates(text, today))
    reason = closing_reason(text)
    if reason:
        out["reason"] = reason
    out.update(capacity(text))
    t = _folded(text)
    if _PROTECTED.search(t):
        out["protected_identity"] = True
    if _LUS.search(t):
        out["lus"] = True
    return out
