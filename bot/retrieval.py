"""A second opinion on what a message asks: ranked retrieval over the knowledge base.

Rasa's intent classifier reads a message as one thing. A real first message often says
several ("Jag är mamma i Malmö. Skolan vill ha SIP. Vad händer nu?"), or asks in words the
training data never had. This index ranks the question intents of ``knowledge/questions.yml``
for a piece of text, from what the knowledge base says about each: its topics' titles and
questions, the short form and statement of every rule on those topics (all regions) and the
intent's NLU training examples (``data/nlu/questions_*.yml``; never the held-out sets).

Text is folded (lower case, å/ä/ö → a/a/o, punctuation dropped) and compared as TF-IDF over
character n-grams within words (3–5) and over word stems (the first 6 letters of each word),
so a typo, a missing ring on an å or an inflection still meets its match. An intent scores the
mean of its best three matches. Pure Python (scikit-learn, which Rasa already brings); built
once per process, a query takes about a millisecond.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from bot.answers import questions
from bot.knowledge import KnowledgeBase, knowledge
from bot.yamlio import load_yaml

ROOT = Path(__file__).resolve().parent.parent
NLU_FILES = sorted((ROOT / "data" / "nlu").glob("questions_*.yml"))
_FOLD = str.maketrans("åäöéüÅÄÖÉÜ", "aaoeuaaoeu")
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")
_NON_WORD = re.compile(r"[^a-z0-9 ]+")
# Words that say nothing about the topic; left out of the word features.
_STOP = set("""jag du vi ni han hon hen de den det dem oss er mig dig sig min mitt mina din ditt dina var vart vara
er ert era och att som for pa i av med till om en ett har ar kan ska far vill maste behover blir bli vara nar hur
vad vem vilka vilken vilket var varfor inte nu sa eller men fran ocks ocksa alla allt man sip sipen""".split())


def fold(text: str) -> str:
    """Lower case, no diacritics, no punctuation, annotations reduced to their text."""
    text = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), text or "")
    return " ".join(_NON_WORD.sub(" ", text.lower().translate(_FOLD)).split())


def _stems(text: str) -> str:
    return " ".join(w[:6] for w in fold(text).split() if w not in _STOP and len(w) > 1)


@dataclass(frozen=True)
class Hit:
    intent: str
    score: float


class Index:
    def __init__(self, documents: List[Tuple[str, str]]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.intents = [intent for intent, _ in documents]
        texts = [text for _, text in documents]
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), preprocessor=fold, sublinear_tf=True)
        self.words = TfidfVectorizer(analyzer="word", preprocessor=_stems, token_pattern=r"\S+", sublinear_tf=True)
        self.char_matrix = self.chars.fit_transform(texts)
        self.word_matrix = self.words.fit_transform(texts)
        self.by_intent: Dict[str, List[int]] = {}
        for i, intent in enumerate(self.intents):
            self.by_intent.setdefault(intent, []).append(i)

    def rank(self, text: str, top: int = 5) -> List[Hit]:
        if not fold(text):
            return []
        sims = (0.5 * (self.char_matrix @ self.chars.transform([text]).T).toarray().ravel()
                + 0.5 * (self.word_matrix @ self.words.transform([text]).T).toarray().ravel())
        scored = []
        for intent, rows in self.by_intent.items():
            best = sorted((sims[i] for i in rows), reverse=True)[:3]
            scored.append(Hit(intent, float(sum(best) / 3)))
        scored.sort(key=lambda h: -h.score)
        return scored[:top]


def documents(kb: KnowledgeBase) -> List[Tuple[str, str]]:
    """(intent, text) pairs: what each question intent's topics say, and its examples."""
    docs: List[Tuple[str, str]] = []
    for intent, q in questions().items():
        for topic_id in q.topics:
            topic = kb.topics[topic_id]
            docs.append((intent, f"{topic.title}. {topic.question}"))
            for by_topic in kb.rules.values():
                rule = by_topic.get(topic_id)
                if rule is not None:
                    docs.append((intent, rule.short))
    for path in NLU_FILES:
        for block in (load_yaml(path) or {}).get("nlu", []):
            intent = block.get("intent")
            if intent not in questions():
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    docs.append((intent, line[2:]))
    return docs


@lru_cache(maxsize=1)
def index() -> Index:
    return Index(documents(knowledge()))


def rank(text: str, top: int = 5) -> List[Hit]:
    return index().rank(text, top)


# ---------------------------------------------------------------- what the knowledge base speaks of
# Words so general that they say nothing about whether the knowledge base covers a question.
_GENERAL = set("""
ha har hade haft göra gör gjorde gjort kunna kunde kan ska skulle vill ville måste måsta får fick fått bli blir blev
blivit vara är var varit finns fanns gå går gick gått komma kommer kom kommit ta tar tog tagit säga säger sa sagt
veta vet visste tycka tycker tänka tänker behöva behöver behövde hjälp hjälpa hjälper undra undrar fråga frågar
frågan frågor svar svara sätt gång gånger tid tiden dag dagar vecka veckor år månad egentligen ens också även bara
redan snart sedan sen nu då där här hit dit eller och men att som om för från med utan till mot efter före inför
under över vid hos inte aldrig alltid ofta någon något några ingen inget inga alla allt mycket lite mer mest
många fler andra annan annat samma själv själva hela helt rätt fel bra dålig dåligt stor liten ny nya gammal hej
tack okej snälla undrar verkligen faktiskt typ liksom precis kanske väl istället igen också ändå hur vad vem vilka
vilken vilket när varför vart jag du han hon hen vi ni de dem den det dom mig dig oss er sig min mitt mina din ditt
dina vår vårt våra er ert era hans hennes deras sin sitt sina man kvar länge
bo bor bodde bott flytta flyttar flyttade flyttat jobba jobbar jobbade arbeta arbetar börja börjar började sluta
slutar slutade träffa träffar träffade träffat prata pratar pratade pratat skriva skriver skrev skrivit läsa läser
läste läst känna känner kände känt må mår mådde hända händer hände hänt vänta väntar väntade ringa ringer ringde
skicka skickar skickade boka bokar bokade bokat tro tror trodde hoppas förstå förstår förstod lära lär lärde
sitta sitter satt stå står stod ligga ligger låg leva lever lämna lämnar lämnade få fått hålla håller höll hållas hålls innebär innebära innebörd
mamma pappa mamman pappan föräldrar föräldern barn barnet barnen son sonen dotter dottern pojke pojken flicka
flickan kille killen tjej tjejen elev eleven ungdom familj familjen hem hemma skola skolan jobb jobbet
år åring åringen gammal gamla ung unga liten stort stora nog ganska jättebra jätte super riktigt väldigt lite
igår idag imorgon förra nästa vecka veckan månaden året våren hösten sommaren vintern januari februari mars april
maj juni juli augusti september oktober november december måndag tisdag onsdag torsdag fredag lördag söndag
ja nej kanske absolut självklart visst okej ok hallå hejsan tjena mvh vänliga hälsningar
ångra ångrar ångrade ångrat orolig oroliga rädd rädda nervös glad ledsen arg svårt lätt jobbigt konstigt viktigt
gärna hellre måste vågar orkar hinner brukar verkar känns ser låter heter hette händer hänt
fast trots fortfarande
""".split())


def _fold_word(word: str) -> str:
    return word.lower().translate(_FOLD)


@lru_cache(maxsize=1)
def vocabulary() -> frozenset:
    """Every word the knowledge base and the question examples use (folded)."""
    kb = knowledge()
    texts: List[str] = [text for _, text in documents(kb)]
    for rule in kb.all_rules():
        texts += [rule.statement, rule.plain, rule.short]
    texts += [f"{t.title} {t.question}" for t in kb.topics.values()]
    texts += [" ".join(g.keywords) + " " + g.title for g in kb.groups.values()]
    texts += [o.name + " " + " ".join(o.aliases) for o in kb.organisations.values()]
    from bot.places import directory

    texts += list(directory().names())  # every municipality and county: a place is never "unknown"
    words = set()
    for text in texts:
        words.update(fold(text).split())
    return frozenset(words)


_SUFFIXES = sorted("""arnas ernas ornas arna erna orna andet ande ende ning ningen ningar ade are het ens ets
erat erad ats ast en et na ar er or as es is at ad a e s n t""".split(), key=len, reverse=True)


def stem(word: str) -> str:
    """A crude Swedish stem: the longest common suffix removed, at least three letters kept."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=1)
def _stem_set() -> frozenset:
    return frozenset(stem(w) for w in vocabulary())


def unknown_words(text: str) -> List[str]:
    """The content words of ``text`` that nothing in the knowledge base speaks of (an
    inflection or a long word's typo counts as known): "Får vi ta med hunden?" gives
    ["hunden"]."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    vocab, stems = vocabulary(), _stem_set()
    out = []
    folded = _PARTICLE_VERBS.sub(lambda m: _PARTICLE_NOUNS[m.group(1)], fold(_PLACEHOLDER.sub(" ", text or "")))
    for word in folded.split():
        if len(word) < 4 or word in _GENERAL_FOLDED or word.isdigit() or word in vocab or stem(word) in stems or stem(word) in vocab:
            continue
        if len(word) >= 8 and process.extractOne(word, vocab, scorer=Levenshtein.distance, score_cutoff=2) is not None:
            continue  # a typo of a known word
        out.append(word)
    return out


_GENERAL_FOLDED = frozenset(_fold_word(w) for w in _GENERAL)
# Particle verbs whose meaning the verb alone does not carry ("spela in" is not "spela roll").
_PARTICLE_NOUNS = {"spela": "inspelning", "ringa": "uppringning"}
_PARTICLE_VERBS = re.compile(r"\b(spela|ringa)\w*\s+(?:in|upp)\b")


# ---------------------------------------------------------------- does an answer speak of the question?
# Words of a SIP question that say nothing about which rule answers it.
_DOMAIN_GENERIC = frozenset(_fold_word(w) for w in """
sip sipen sipar sip-mötet sipmötet möte mötet möten plan planen planer samordnad individuell rutin rutinen rutiner
riktlinje riktlinjen vägledning vägledningen barn barnet elev eleven person personen enskilde familj familjen
vårdnadshavare vårdnadshavarna förälder föräldrar personal verksamhet verksamheten verksamheter kommun kommunen
region regionen tillåtet tillåten okej lov lova får
mormor morfar farmor farfar syster systern bror brodern moster faster morbror farbror kusin släkt släktingar
mamman pappan mammans pappans sonen dottern pojken flickan killen tjejen tonåringen ungdomen patienten klienten
""".split())


@lru_cache(maxsize=128)
def _intent_vocabulary(intent: str) -> frozenset:
    """What one question intent's answer and its examples speak of (folded words and stems)."""
    kb = knowledge()
    topics = _topic_vocabularies()
    examples = _words_and_stems(text for name, text in documents(kb) if name == intent)
    return frozenset(examples.union(*(topics[t] for t in questions()[intent].topics)))


def _words_and_stems(texts: Iterable[str]) -> frozenset:
    words = set()
    for text in texts:
        for w in fold(text).split():
            words.update((w, stem(w)))
    return frozenset(words)


# Three-letter words that still say what a question is about ("Vilket rum ska vi boka?").
_SHORT_CONTENT = frozenset({"rum", "mat", "app", "sms", "bil", "tag"})
_PLACEHOLDER = re.compile(r"\[[^\]]*borttag[^\]]*\]")  # bot.privacy's "[namn borttaget]" says nothing


# Words the routines say otherwise: "lokal" (premises) is their "rum", and would otherwise meet
# "lokala rutiner" (local routines).
_SYNONYMS = {"lokal": "rum", "lokalen": "rum", "lokaler": "rum", "konferensrum": "rum", "motesrum": "rum", "motesrummet": "rum"}


def salient_words(text: str) -> List[str]:
    """The words of a question that carry what it is about (not general, not SIP itself)."""
    folded = _PARTICLE_VERBS.sub(lambda m: _PARTICLE_NOUNS[m.group(1)], fold(_PLACEHOLDER.sub(" ", text or "")))
    names = _names()
    folded = " ".join(_SYNONYMS.get(w, w) for w in folded.split())
    return [w for w in folded.split() if (len(w) >= 4 or w in _SHORT_CONTENT) and not w.isdigit()
            and w not in _GENERAL_FOLDED and w not in _DOMAIN_GENERIC and w not in names and stem(w) not in names]


@lru_cache(maxsize=1)
def _names() -> frozenset:
    """Places and organisations: what a case is made of, not what a question is about."""
    from bot.places import directory

    kb = knowledge()
    words = set()
    for text in list(directory().names()) + [o.name + " " + " ".join(o.aliases) for o in kb.organisations.values()]:
        for w in fold(text).split():
            words.update((w, stem(w)))
    return frozenset(words)


def speaks_of(text: str, intent: str, ignore: Iterable[str] = ()) -> float:
    """The share of the question's salient words that the intent's answer or examples use
    (1.0 when it has none), each word weighted by how rare it is among the topics, so the word
    that says what is asked counts most: "Får SIP-mötet spelas in på mobilen?" against
    ask_other_actors is low, "kan vi bjuda in Försäkringskassan?" high, "Hur rapporterar vi
    när en SIP inte påbörjas?" against ask_deadline low ("rapporterar" is the deviations')."""
    words = [w for w in salient_words(text) if w not in set(ignore)]
    if not words or intent not in questions():
        return 1.0
    vocab = _intent_vocabulary(intent)
    weights = [_rarity(w) for w in words]
    hits = sum(wt for w, wt in zip(words, weights) if w in vocab or stem(w) in vocab)
    return hits / sum(weights)


def _rarity(word: str) -> float:
    """log((n+1)/(df+1)) + 1 over the topics' vocabularies: higher for rare words; 1 for a word
    no topic speaks of (those are bot.understand's unknown words, weighed there)."""
    import math

    vocabularies = _topic_vocabularies()
    df = sum(1 for v in vocabularies.values() if word in v or stem(word) in v)
    return math.log((len(vocabularies) + 1) / (df + 1)) + 1.0 if df else 1.0


@lru_cache(maxsize=1)
def _topic_vocabularies() -> Dict[str, frozenset]:
    """Per topic, what its rules (every region), title, question and keywords speak of."""
    kb = knowledge()
    out: Dict[str, frozenset] = {}
    for topic in kb.topics.values():
        texts = [topic.title, topic.question, " ".join(kb.groups[topic.group].keywords)]
        for by_topic in kb.rules.values():
            rule = by_topic.get(topic.id)
            if rule is not None:
                texts += [rule.statement, rule.plain, rule.short]
        out[topic.id] = _words_and_stems(texts)
    return out


@lru_cache(maxsize=8)
def _rule_vocabularies(region: Optional[str]) -> Dict[str, frozenset]:
    """Per topic, what the rule the region's user would be shown (its own, else the
    national one) speaks of."""
    kb = knowledge()
    out: Dict[str, frozenset] = {}
    for topic in kb.topics.values():
        rule = kb.answer(region, topic.id).rule
        out[topic.id] = _words_and_stems([rule.statement, rule.plain, rule.short, topic.title, topic.question])
    return out


def nearest_topic(text: str, region: Optional[str] = None, among: Optional[Iterable[str]] = None) -> Optional[str]:
    """The topic (of ``among``, if given) whose rules share the question's rarest salient words,
    or None: the rule "nearby" that an honest "the routine does not take this up" can still offer. A word the
    rule shown to the user (the region's own, else the national one) speaks of counts fully,
    a word only other regions' rules on the topic speak of counts half."""
    import math

    vocabularies = _topic_vocabularies()
    shown = _rule_vocabularies(region)
    words = [w for w in salient_words(text) if w not in _GENERAL_FOLDED]
    if not words:
        return None
    n = len(vocabularies)

    def has(v: frozenset, w: str) -> bool:
        return w in v or stem(w) in v

    def weight(w: str) -> float:
        df = sum(1 for v in vocabularies.values() if has(v, w))
        return math.log((n + 1) / (df + 1)) if df else 0.0

    weights = {w: weight(w) for w in words}
    scores = {t: sum(weights[w] * (1.0 if has(shown[t], w) else 0.5) for w in words if has(v, w))
              for t, v in vocabularies.items()}
    best = max(scores, key=scores.get)
    likely = [t for t in (among or ()) if t in scores]
    if likely:
        # A likely question's topic goes first when it shares the question's words nearly as
        # well as the best topic does.
        near = max(likely, key=scores.get)
        if scores[near] >= max(0.3, 0.5 * scores[best]):
            return near
    return best if scores[best] >= 1.0 else None
