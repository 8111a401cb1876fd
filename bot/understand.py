"""Reading a whole message before deciding what to do with it.

Rasa gives one intent for a message. People write several things at once: where they work,
who they are and what they ask ("Jag är mamma i Malmö. Skolan vill ha SIP. Vad händer nu?"),
or a case in their own words. ``read`` collects everything the message says:

- the user's **own place** (where they work or live, a bare place name, "byt till …") apart
  from places that are part of a case ("pojken bodde tidigare i Göteborg", "flyttar till …"),
  which never change the user's region;
- the **role** (bot.audience);
- the **facts of a case** (bot.facts: age, guardians, who consents, organisations and whether
  each has contact, dates, reasons to close);
- the **question**: the best question intent of knowledge/questions.yml, from Rasa's intent
  for the message, Rasa's intent for each sentence (the channel parses the sentences of a
  message with several, ``segments``), Rasa's ranking, and the knowledge-base retrieval
  (bot.retrieval) as a second opinion;
- whether the message is **about SIP** at all, and whether it is a **short answer** to the
  bot's own question ("ja", "nej", "2", "hoppa över").

Pure Python: no Rasa import.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from bot import audience as audiences
from bot import facts as factlib
from bot import retrieval
from bot.answers import questions
from bot.places import Directory, Place

# A clause with one of these says where the *case* is or was, not where the user is.
_CASE_PLACE = re.compile(
    r"(?i)(?<![\wåäö])(bodde|bott|bor\s+hos\s+(?:sin|sina|pappa\w*|mamma\w*|mor\w*|far\w*|släkt\w*)|flytta\w*|"
    r"kommer\s+från|kom\s+från|kommit\s+från|tidigare|förut|innan|sedan\s+tidigare|"
    r"placera\w*|vistas|familjehem\w*|hvb|född|inflytta\w*|utflytta\w*|tillbaka\s+till|semester|inlagd|inskriven|"
    r"sitter\s+på|anstalt\w*|internat\w*)(?![\wåäö])")
# ... or the clause is about someone else (the child, a parent, a service there).
_SOMEONE_ELSE = re.compile(
    r"(?i)(?<![\wåäö])(pojken|pojkens|flickan|flickans|barnet|barnets|eleven|elevens|killen|tjejen|sonen|dottern|"
    r"son|dotter|mamman|mammans|pappan|pappans|mamma|pappa|mormor|morfar|farmor|farfar|föräldern|föräldrarna|"
    r"tonåringen|ungdomen|patienten|klienten|personen|hon|han|hen|dom|de|familjen|syster|systern|bror|brodern)(?![\wåäö])")
_SERVICE_THERE = re.compile(
    r"(?i)(?<![\wåäö])(bup\S*|habilitering\w*|habben|skola\w*|skolan|sjukhus\w*|vårdcentral\w*|mottagning\w*|"
    r"socialtjänst\w*|verksamhet\w*|förskola\w*|gymnasi\w*|kommunen\s+där|regionen\s+där)\s+(i|på|inom)\s")
# ... and a clause with one of these says where the user is.
_SELF = re.compile(
    r"(?i)(?<![\wåäö])((jag|vi)\s+(jobbar|arbetar|bor|är|sitter|finns|verkar|kommer)|jag\s+är\s+\w+|vi\s+på|"
    r"(jag|vi)\s+har\s+(jobbat|arbetat|bott)|(jag|vi)\s+har\s+(också\s+)?(ett|en)\s+(ärende|elev|klient|patient)\s+i|^\s*(jobbar|arbetar|sitter|verkar)|"
    r"(mamma|pappa|förälder|vårdnadshavare)\s+(till|åt)|"
    r"(i|we)\s+(live|work|am|are)\b|my\s+(school|job|office)|"
    r"här\s+i|hos\s+oss|vår\s+kommun|min\s+kommun|byt\w*\s+(region|kommun|län)?\s*till|gäller\s+(det|rutinen)\s+i|"
    r"rutinen\s+(i|för)|här\s*$|vi\s+har\s+en|gör\s+(man|ni|vi)|gäller\s+(det\s+)?(i|för))(?![\wåäö])")
_ROLE_FIRST = re.compile(
    r"(?i)^\s*(hej[,.!]?\s+)?(är\s+)?([\wåäö]+-)?(kurator|skolkurator|socialsekreterare|socionom|rektor|lärare|mentor|"
    r"sjuksköterska|skolsköterska|psykolog|läkare|handläggare|specialpedagog|familjehemsförälder|"
    r"biståndshandläggare|behandlare|fritidsledare|ssk|chef|enhetschef)(?![\wåäö])")
_PARENT_FIRST = re.compile(r"(?i)^\s*(hej[,.!]?\s+)?(mamma|pappa|förälder|vårdnadshavare|bonusförälder|"
                           r"familjehemsförälder)\s+(i|från|på)\s")
# A service named first ("Socialtjänsten i Kristianstad här") is the writer's workplace unless the
# clause is about someone else ("BUP-mottagningen i Huddinge har kontakt med eleven").
_SERVICE_FIRST = re.compile(
    r"(?i)^\s*(hej[,.!]?\s+)?(vi\s+på\s+)?(elevhälsan|socialtjänsten|bup|habiliteringen|vårdcentralen|förskolan|"
    r"skolan|barnhälsovården|bvc|ungdomsmottagningen)\s+(i|på|inom)\s")
_CLAUSES = re.compile(r"[.!?;:,–—\n]+|\s(?:men|samt|fast|och|som|vars|där|när|eftersom)\s", re.I)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
# Words that make a sentence a question or a request for help.
_QUESTION_WORDS = re.compile(
    r"(?i)(\?|(?<![\wåäö])(vad|vem|vilka|vilken|vilket|hur|när|var|varför|måste|behöver|behövs|kan|får|ska|"
    r"gäller|räcker|finns|stämmer|undrar|fråga|hjälp|berätta|förklara|what|who|how|when|can|must|should|do|does|is)"
    r"(?![\wåäö]))")
# Words that show a message is about SIP, even when no rule answers it.
_SIP_WORDS = re.compile(
    r"(?i)(?<![\wåäö])(sip\w*|samordnad\s+individuell|samordnade?\s+individuell\w*|sip-möte\w*|mötet|möte|planen|"
    r"kallelse\w*|samordning\w*|samverkan|vårdplan)(?![\wåäö])")
_SHORT_ANSWERS = [
    ("yes", re.compile(r"(?i)^\s*(ja|japp|jajamen|jo|ja\s+tack|gärna|absolut|okej|ok|visst|yes|precis|stämmer)\s*[.!]*\s*$")),
    ("no", re.compile(r"(?i)^\s*(nej|nä|nej\s+tack|nix|no|inte\s+nu|icke)\s*[.!]*\s*$")),
    ("skip", re.compile(r"(?i)^\s*(hoppa\s+över|hoppa\s+over|skippa|vet\s+(inte|ej)|ingen\s+aning|osäker|oklart|"
                        r"spelar\s+ingen\s+roll|vilken\s+som\s+helst|strunt\s+samma|kvittar)\s*[.!]*\s*$")),
]
_ORDINALS = {"första": 1, "forsta": 1, "andra": 2, "tredje": 3, "fjärde": 4, "fjarde": 4, "femte": 5, "sjätte": 6, "sjatte": 6}
_NUMBER_ANSWER = re.compile(r"(?i)^\s*(?:nummer\s+|nr\.?\s*|alternativ\s+|den\s+|det\s+)?(\d{1,2}|"
                            + "|".join(_ORDINALS) + r")\s*[.):!]*\s*$")

# Question intents need at least this much confidence to be taken from Rasa's ranking or a
# sentence's parse; the retrieval needs this score (its scale is cosine similarity). A
# question with a word the knowledge base never speaks of ("hunden", "fika") is taken only
# from a near-certain intent: otherwise the bot says honestly that it finds nothing on it.
SEGMENT_CONFIDENCE = 0.5
QUESTION_SEGMENT_CONFIDENCE = 0.6  # the asking sentence of several goes before a whole Rasa is unsure of
RANKING_CONFIDENCE = 0.4
RETRIEVAL_SCORE = 0.45
CLARIFY_SCORE = 0.25
CERTAIN = 0.85
SURE = 0.95       # an intent this sure is answered even when its answer shares few of the question's words
RELEVANT = 0.6    # the share of a question's salient words its answer must speak of (bot.retrieval.speaks_of)
RELEVANT_CERTAIN = 0.34  # ... when the intent is certain ("Kan skolan själv initiera en SIP eller bara bli inbjuden?")
OFF_TOPIC_CONFIDENCE = 0.6
# "Vem ska kalla till SIP?", "vem som kallar": who convenes (the initiative), not whom to invite
# ("vem ska jag kalla?", "vem kallar man?", "vem ska kallas?").
_WHO_CONVENES = re.compile(r"(?i)(?<![\wåäö])vem\s+(?:som\s+)?(?:(?:ska|skall|bör|måste|borde)\s+)?kallar?(?![\wåäö])"
                           r"(?!\s+(?:jag|vi|man|ni|du)(?![\wåäö]))")
_STILL_VALID = re.compile(r"(?i)(?<![\wåäö])(gäller\s+(?:det|den|samtycket|vårt|hans|hennes)|fortfarande|giltig\w*|"
                          r"gått\s+ut|går\s+(?:det\s+)?ut|löper\s+ut|förnya\w*|nytt\s+samtycke|räcker\s+(?:det|samtycket))(?![\wåäö])")
_NEWCOMER = re.compile(r"(?i)(?<![\wåäö])(nyanställd|nyanstalld|ny\s+på\s+(jobbet|tjänsten)|nybörjare|introduktion|"
                       r"precis\s+(börjat|borjat)|ny\s+som\s+\w+|jag\s+är\s+ny)(?![\wåäö])")


@dataclass
class Reading:
    text: str
    intent: str = ""
    confidence: float = 0.0
    place: Optional[Place] = None                       # the user's own place
    competing: List[Place] = field(default_factory=list)  # own places in several regions
    case_places: List[Place] = field(default_factory=list)
    role: Optional[str] = None
    facts: Dict[str, Any] = field(default_factory=dict)
    question: Optional[str] = None                      # the best question intent
    question_source: str = ""                           # intent | segment | ranking | retrieval | newcomer
    unknown: List[str] = field(default_factory=list)     # content words the knowledge base never speaks of
    candidates: List[str] = field(default_factory=list)  # likely question intents, best first
    asks: bool = False                                  # the message asks something
    about_sip: bool = False
    short_answer: Optional[str] = None                  # yes | no | skip | a number "1".."9"
    off_topic: bool = False                             # clearly about something else than SIP
    uncovered: bool = False                             # the likely answer does not speak of what was asked
    introduction: bool = False                          # only says who and where the writer is ("kurator på en skola i Lund")


_ENGLISH_WORDS = re.compile(r"(?i)(?<![\wåäö])(what|who|how|when|where|can|is|are|the|my|i|we|you|live|work|"
                            r"please|does|do|should|must|meeting|school|child|daughter|son)(?![\wåäö])")


def looks_english(text: str) -> bool:
    """A message written in English (at least three English words and a third of the words)."""
    words = re.findall(r"[\wåäö]+", text or "")
    hits = len(_ENGLISH_WORDS.findall(text or ""))
    return hits >= 3 and hits * 3 >= len(words)


def sentences(text: str) -> List[str]:
    return [s.strip() for s in _SENTENCES.split(text or "") if s and s.strip()]


_FILLER = {"i", "på", "från", "kommun", "kommuns", "region", "regionen", "län", "lan", "länet", "hej", "tack", "okej", "ok", "det", "är", "gäller"}


def _clause_kind(clause: str, found: List[Place]) -> str:
    """own | case | neutral: where the user is, where the case is, or not said."""
    if _SELF.search(clause) or _ROLE_FIRST.search(clause):
        return "own"
    if _SERVICE_FIRST.search(clause) and not _SOMEONE_ELSE.search(clause):
        return "own"
    if _PARENT_FIRST.search(clause):  # "Mamma i Håbo: …" is the writer
        return "own"
    if _CASE_PLACE.search(clause) or _SOMEONE_ELSE.search(clause) or _SERVICE_THERE.search(clause):
        return "case"
    return "neutral"


def _bare(text: str) -> bool:
    """A message that is little more than a place ("Lund", "i Varbergs kommun", "Region Skåne")."""
    return len([w for w in re.findall(r"[\wåäöÅÄÖé]+", text or "") if w.lower() not in _FILLER]) <= 3


def places_in(text: str, places: Directory, region_known: bool = False) -> Tuple[Optional[Place], List[Place], List[Place]]:
    """(own place, competing own places, case places) of a message. Each clause that names a
    place is read for who it is about: the user ("jag jobbar i Lund", "kurator i Laholm",
    "Lund", "byt till Skåne") names the user's own place; the case ("pojken bodde tidigare i
    Göteborg", "BUP i Huddinge har kontakt", "mamman bor i Umeå") names a case place, which
    never changes the user's region. A clause that says neither counts as the user's own only
    while no region is known."""
    own: List[str] = []
    neutral: List[str] = []
    case_places: List[Place] = []
    for clause in _CLAUSES.split(text or ""):
        if not clause or not clause.strip():
            continue
        found = places.find(clause)
        if not found:
            continue
        kind = "own" if _bare(text) else _clause_kind(clause, found)
        if kind == "own":
            own.append(clause)
        elif kind == "neutral" and not region_known:
            neutral.append(clause)
        else:
            case_places.extend(p for p in found if p not in case_places)
    chosen = own or neutral
    if not chosen:
        return None, [], case_places
    place, competing = places.lookup(" , ".join(chosen))
    return place, competing, case_places


def short_answer(text: str) -> Optional[str]:
    for kind, pattern in _SHORT_ANSWERS:
        if pattern.match(text or ""):
            return kind
    m = _NUMBER_ANSWER.match(text or "")
    if m:
        word = m.group(1).lower()
        return str(_ORDINALS.get(word, word))
    return None


def offered_choice(text: str, offered: Iterable[Iterable[str]]) -> Optional[int]:
    """The offered button a short text names by its title ("Skåne", "annan", "samtycke",
    "avsluta" for "Avsluta guiden"), as an index, or None."""
    said = retrieval.fold(text)
    if not said or len(said.split()) > 3:
        return None
    titles = [retrieval.fold(str(title)) for title, _ in offered]
    for i, title in enumerate(titles):
        if said == title:
            return i
    starts = [i for i, title in enumerate(titles) if len(said) >= 4 and (title.startswith(said) or said in title.split())]
    return starts[0] if len(starts) == 1 else None


def _remainder(text: str) -> str:
    """The sentences of the message that ask something."""
    kept = [s for s in sentences(text) if _QUESTION_WORDS.search(s)]
    return " ".join(kept) if kept else ""


def _introduces(sentence: str, places: Directory) -> bool:
    """A sentence that only says who and where the writer is ("Jag är kurator i Lund.",
    "Socialtjänsten i Malmö här."), asking nothing."""
    if _QUESTION_WORDS.search(sentence):
        return False
    return bool(_SELF.search(sentence) or _ROLE_FIRST.search(sentence) or _PARENT_FIRST.search(sentence)
                or _SERVICE_FIRST.search(sentence) or (_bare(sentence) and places.find(sentence)))


def _content(text: str, places: Directory) -> str:
    """The message without the sentences that only introduce the writer: what a question is
    about may stand in a sentence that asks nothing ("En förälder vill spela in mötet. Är det
    tillåtet?")."""
    return " ".join(s for s in sentences(text) if not _introduces(s, places))


def about(text: str, places: Optional[Directory] = None) -> str:
    """What a message asks about: its sentences without the ones that only introduce the writer."""
    from bot.places import directory

    return _content(text, places or directory()) or (text or "")


def read(text: str, intent: str = "", confidence: float = 0.0, ranking: Iterable[Mapping[str, Any]] = (),
         segments: Iterable[Mapping[str, Any]] = (), entities: Iterable[Mapping[str, Any]] = (),
         places: Optional[Directory] = None, today: Optional[dt.date] = None, region_known: bool = False) -> Reading:
    from bot.places import directory

    places = places or directory()
    today = today or dt.date.today()
    r = Reading(text=text or "", intent=intent or "", confidence=float(confidence or 0.0))
    r.short_answer = short_answer(text)
    if (text or "").startswith("/") and any(e.get("entity") == "region" for e in entities):  # a button
        from bot.region_flow import place_from_message

        r.place, r.competing = place_from_message(text, entities, places)
    else:
        r.place, r.competing, r.case_places = places_in(text, places, region_known)
    r.role = audiences.infer(text or "")
    r.facts = factlib.from_text(text or "", today)
    r.introduction = bool(sentences(text)) and all(_introduces(s, places) for s in sentences(text))
    if r.introduction:
        r.facts.pop("organisations", None)  # the writer's own workplace, not a case's services
    asked = _remainder(text)
    r.asks = bool(asked)
    remainder = (_content(text, places) or asked) if asked else ""  # what the question is about
    r.about_sip = bool(_SIP_WORDS.search(text or ""))
    known = questions()

    def take(candidate: str, source: str) -> None:
        if candidate in known and r.question is None:
            r.question, r.question_source = candidate, source
        if candidate in known and candidate not in r.candidates:
            r.candidates.append(candidate)

    if r.intent == "out_of_scope" and r.confidence >= OFF_TOPIC_CONFIDENCE and not _SIP_WORDS.search(text or ""):
        r.off_topic = True
        return r  # the weather, a recipe: nothing about SIP to look for
    r.unknown = retrieval.unknown_words(remainder or text)
    asking = [seg for seg in sorted(segments, key=lambda s: -float(s.get("confidence") or 0))
              if float(seg.get("confidence") or 0) >= SEGMENT_CONFIDENCE and str(seg.get("intent") or "") in known
              and _QUESTION_WORDS.search(str(seg.get("text") or ""))]
    if asking and r.confidence < CERTAIN and float(asking[0]["confidence"]) >= QUESTION_SEGMENT_CONFIDENCE:
        # Several sentences: the one that asks says what is asked better than the whole,
        # unless Rasa is sure of the whole ("Jag är läkare i Uppsala. Hur snabbt …?").
        take(str(asking[0]["intent"]), "segment" if not r.unknown else "candidate")
    if r.intent in known and (r.confidence >= CERTAIN or (r.confidence >= SEGMENT_CONFIDENCE and not r.unknown)):
        take(r.intent, "intent")
    for seg in asking:
        take(str(seg.get("intent") or ""), "segment" if not r.unknown else "candidate")
    if remainder and _NEWCOMER.search(text or "") and r.question is None:
        take("what_is_sip", "newcomer")
    if remainder:
        for entry in ranking:
            if float(entry.get("confidence") or 0) >= RANKING_CONFIDENCE:
                take(str(entry.get("name") or ""), "ranking")
        hits = retrieval.rank(remainder, 3)
        for hit in hits:
            if hit.score >= RETRIEVAL_SCORE:
                take(hit.intent, "retrieval")
        for hit in hits:
            if hit.score >= CLARIFY_SCORE and hit.intent not in r.candidates:
                r.candidates.append(hit.intent)
        if hits and hits[0].score >= CLARIFY_SCORE:
            r.about_sip = True
    if r.unknown and r.question_source not in ("intent", "newcomer"):
        r.question, r.question_source = None, ""  # the candidates stay, as nearby topics
    if ("consent_date" in r.facts and _STILL_VALID.search(text or "")
            and (r.question is None or r.question.startswith("ask_consent"))):
        # "Samtycket gavs 1 december 2025. Gäller det på mötet i december 2026?": its expiry
        r.question, r.question_source = "ask_consent_duration", "dates"
    if _WHO_CONVENES.search(remainder or text or "") and (
            r.question in ("ask_invite", "ask_invite_function") or r.question is None
            or r.question_source in ("ranking", "retrieval")):
        r.question, r.question_source = "ask_initiative", "who_convenes"  # "Vem ska kalla till SIP?": who calls, not whom
    # A certain intent is not undone by words the knowledge base never uses ("förkortningen").
    share = (retrieval.speaks_of(remainder or text, r.question, r.unknown if r.confidence >= CERTAIN else ())
             if r.question else 1.0)
    if (r.question and r.question_source != "newcomer" and not (text or "").startswith("/")
            and r.confidence < SURE and share < (RELEVANT_CERTAIN if r.confidence >= CERTAIN else RELEVANT)):
        # The answer would speak of something else than what was asked: another likely
        # question that does speak of it, else an honest "I find nothing on just that".
        likely = [c for c in r.candidates if c != r.question]
        likely += [str(e.get("name")) for e in ranking if float(e.get("confidence") or 0) >= 0.1]
        likely += [h.intent for h in retrieval.rank(remainder or text, 5) if h.score >= CLARIFY_SCORE]
        better = next((c for c in likely if c in known and retrieval.speaks_of(remainder or text, c) >= RELEVANT), None)
        if better is not None:
            r.question, r.question_source = better, "relevance"
        else:
            r.uncovered = True
            r.question, r.question_source = None, ""
    return r
