"""The knowledge base: sources, topics, organisations and the rules of every routine.

Files (all YAML 1.2, validated by pydantic models that reject unknown keys):

- ``knowledge/sources.yml``        the documents (routines and the laws they quote)
- ``knowledge/topics.yml``         the questions SIP-guiden answers, grouped
- ``knowledge/organisations.yml``  the organisations around a person
- ``knowledge/rules/national.yml`` the national baseline: one rule per topic, used when a
                                   region's routine is silent
- ``knowledge/rules/<region>.yml`` one file per regional routine: rule ``<region>.<topic>``
                                   where the routine says something on the topic
- ``knowledge/regions.yml``        the routines themselves (ids, names, documents): a rules
                                   file needs its region there (bot/places.py reads it)

A rule is data, like OpenFisca's parameters: id, topic, valid-from date, a short form for
comparison tables, the professional statement, a plain-language (klarspråk) version, optional
structured params for the rules core and at least one citation (source id, section heading,
a short quote of the source text). ``KnowledgeBase.answer(region, topic)`` gives the region's
rule or, where the routine is silent, the national rule marked as a fallback.

Load errors name the file and the rule. Pure Python: no Rasa import.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

from pydantic import BaseModel, Extra, ValidationError, conlist, constr, validator

from bot.places import Region, load_regions
from bot.yamlio import KNOWLEDGE_DIR, DataFileError, load_yaml

NATIONAL = "national"
# The project's routines, in the order of knowledge/regions.yml (the one list of them). A
# knowledge base loaded from another folder has its own: ``KnowledgeBase.region_ids``.
REGION_IDS = tuple(r.id for r in load_regions(KNOWLEDGE_DIR).regions)

# Closing grounds a routine may list (closing.grounds params.grounds).
CLOSING_GROUNDS = {
    "behov_upphort": "den enskilde behöver inte längre insatser från båda huvudmännen / samordnade insatser",
    "inga_nya_behov": "nya behov av insatser från båda huvudmännen väntas inte uppstå inom den närmaste tiden",
    "samtycke_aterkallat": "den enskilde eller vårdnadshavaren har dragit tillbaka sitt samtycke",
    "mal_forandrat": "det långsiktiga målet har förändrats påtagligt (avsluta och starta om processen)",
    "samordning_fungerar": "samordningen och samarbetet mellan aktörerna är etablerat och fungerar",
    "flytt_utanfor_regionen": "den enskilde flyttar utanför regionen",
}
SCHOOL_ROLES = ("part", "may_call", "may_participate")
# The force of what a rule states (Rule.strength), strongest first; the order decides a rule that
# states more than one: a rule is ``ska`` if it states any duty, ``bor`` if it states advice and
# no duty, ``kan`` if it states a possibility and neither duty nor advice, else ``info``.
# ska  - a duty: the source says ska/skall/måste/krävs/är skyldig/ansvarar för att, or gives a
#        routine's instruction in the imperative ("Kontakta den sammankallande senast …")
# bor  - advice only: bör, rekommendation, optimalt, helst, vägledande, med fördel, viktigt att
# kan  - a possibility or permission only: kan, möjligt, har rätt att, ingen skyldighet att
# info - purely descriptive: how something is done or what a document covers, no duty, advice
#        or possibility stated
# A ``bor`` rule is shown with "en rekommendation, inte ett krav" (bot/render.py); the rules core
# words a ``bor`` deadline as a recommendation. tests/unit/test_modality.py checks the value
# against the rule's statement and quotes.
STRENGTHS = ("ska", "bor", "kan", "info")
# How a routine treats SIP at discharge from inpatient care (invitation.lus params.lus):
# exception - the ongoing-contact requirement does not apply (Haninge 4.3.4 "Undantaget");
# not_covered - the routine does not apply at discharge, a separate routine does (Halland);
# primary_care_contact - the vårdcentral/öppenvård appoints a fast vårdkontakt who identifies the need (Uppsala).
LUS_HANDLING = ("exception", "not_covered", "primary_care_contact")


class KnowledgeError(DataFileError):
    """A knowledge file that does not hold together; the message names file and rule."""


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


NonEmpty = constr(strip_whitespace=True, min_length=1)


# ---------------------------------------------------------------- sources
class Source(_Strict):
    id: NonEmpty
    kind: str
    title: NonEmpty
    issuer: NonEmpty
    region: Optional[str] = None
    date: Optional[dt.date] = None
    version: Optional[str] = None
    valid_from: Optional[dt.date] = None
    dated: bool = True
    seed: Optional[str] = None
    ocr: Optional[str] = None
    url: Optional[str] = None
    short: Optional[str] = None
    note: Optional[str] = None

    @validator("kind")
    def _kind(cls, v: str) -> str:
        if v not in ("routine", "law"):
            raise ValueError("kind måste vara routine eller law")
        return v

    @validator("seed", always=True)
    def _seed_for_routines(cls, v: Optional[str], values: dict) -> Optional[str]:
        if values.get("kind") == "routine" and not v:
            raise ValueError("en rutin måste ange seed (filen i ../shared/seeds/)")
        return v

    @validator("ocr", always=True)
    def _ocr(cls, v: Optional[str], values: dict) -> Optional[str]:
        if values.get("kind") == "routine" and v not in ("clean", "garbled"):
            raise ValueError("ocr måste vara clean eller garbled för en rutin")
        return v

    @validator("valid_from", always=True)
    def _valid_from(cls, v: Optional[dt.date], values: dict) -> Optional[dt.date]:
        if values.get("kind") == "routine" and v is None:
            raise ValueError("en rutin måste ange valid_from")
        return v


class SourcesFile(_Strict):
    sources: List[Source]


# ---------------------------------------------------------------- parameters
class Parameter(_Strict):
    id: NonEmpty
    value: int
    basis: str
    description: NonEmpty
    reference: NonEmpty

    @validator("basis")
    def _basis(cls, v: str) -> str:
        if v not in ("law", "sipguiden"):
            raise ValueError("basis måste vara law eller sipguiden")
        return v


class ParametersFile(_Strict):
    parameters: List[Parameter]


# ---------------------------------------------------------------- topics
class Group(_Strict):
    id: NonEmpty
    title: NonEmpty
    keywords: List[str] = []  # words that name the subject in a question ("samtycke", "kalla")


class Topic(_Strict):
    id: NonEmpty
    group: NonEmpty
    title: NonEmpty
    question: NonEmpty
    params: List[str] = []


class TopicsFile(_Strict):
    groups: List[Group]
    topics: List[Topic]


# ---------------------------------------------------------------- organisations
class Organisation(_Strict):
    id: NonEmpty
    name: NonEmpty
    huvudman: str
    kind: str
    aliases: List[str]

    @validator("huvudman")
    def _huvudman(cls, v: str) -> str:
        if v not in ("kommun", "region", "annan"):
            raise ValueError("huvudman måste vara kommun, region eller annan")
        return v

    @validator("kind")
    def _kind(cls, v: str) -> str:
        if v not in ("socialtjanst", "skola", "specialist", "primarvard", "annan"):
            raise ValueError("okänd kind")
        return v


class OrganisationsFile(_Strict):
    organisations: List[Organisation]


# ---------------------------------------------------------------- rules
class Citation(_Strict):
    source: NonEmpty
    section: NonEmpty
    quote: constr(strip_whitespace=True, min_length=20)
    laws: List[str] = []


class Step(_Strict):
    title: NonEmpty
    topics: conlist(str, min_items=1)


class Params(_Strict):
    days: Optional[int] = None
    weeks: Optional[int] = None
    months: Optional[int] = None
    months_auto: Optional[int] = None
    years: Optional[int] = None
    age: Optional[int] = None
    child_alone: Optional[bool] = None
    maturity_may_decide: Optional[bool] = None
    children_only: Optional[bool] = None
    max_age: Optional[int] = None
    ongoing_only: Optional[bool] = None
    guardians_choose_care: Optional[bool] = None
    no_duty_without_case: Optional[bool] = None
    lus: Optional[str] = None
    school: Optional[str] = None
    grounds: Optional[List[str]] = None
    organisations: Optional[List[str]] = None
    steps: Optional[List[Step]] = None

    @validator("grounds")
    def _grounds(cls, v: Optional[List[str]]) -> Optional[List[str]]:
        for g in v or []:
            if g not in CLOSING_GROUNDS:
                raise ValueError(f"okänt avslutsskäl {g!r} (kända: {', '.join(CLOSING_GROUNDS)})")
        return v

    @validator("lus")
    def _lus(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and v not in LUS_HANDLING:
            raise ValueError(f"lus måste vara en av {', '.join(LUS_HANDLING)}")
        return v

    @validator("school")
    def _school(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and v not in SCHOOL_ROLES:
            raise ValueError(f"school måste vara en av {', '.join(SCHOOL_ROLES)}")
        return v

    def given(self) -> List[str]:
        return [k for k, v in self.__dict__.items() if v is not None]


class Rule(_Strict):
    id: NonEmpty
    topic: NonEmpty
    valid_from: dt.date
    short: constr(strip_whitespace=True, min_length=1, max_length=160)
    # The opening of an answer (issue 14): one or two sentences that answer the topic's question
    # directly (Ja / Nej / Det beror på …, or the number or the person asked for), in a voice that
    # fits staff, guardians and young people alike; the region's name is added by bot/render.py.
    # Checked against the statement (numbers, periods, modality) in tests/unit/test_modality.py.
    answer: constr(strip_whitespace=True, min_length=1, max_length=240)
    statement: NonEmpty
    plain: NonEmpty
    # The plain version for guardians, where ``plain`` speaks to the child ("dina vårdnadshavare");
    # without it, ``plain`` must fit both (tests/unit/test_voice.py).
    guardian: Optional[constr(strip_whitespace=True, min_length=1)] = None
    basis: Optional[str] = None  # national rules only: law | common | none
    strength: str  # ska | bor | kan | info (STRENGTHS)
    params: Params = Params()
    # laws the statement itself refers to that no cited quote states (SIP-guiden's own reference,
    # shown as such under the answer); ids of kind law in sources.yml
    refers_to_laws: List[str] = []
    citations: conlist(Citation, min_items=1)

    @validator("strength")
    def _strength(cls, v: str) -> str:
        if v not in STRENGTHS:
            raise ValueError(f"strength måste vara en av {', '.join(STRENGTHS)}")
        return v


class RulesFile(_Strict):
    region: NonEmpty
    rules: List[Rule]


# ---------------------------------------------------------------- the loaded base
@dataclass(frozen=True)
class Answer:
    """A rule as it answers one region's question: ``fallback`` when the region is silent."""

    rule: Rule
    region: str
    fallback: bool

    @property
    def topic(self) -> str:
        return self.rule.topic

    @property
    def national(self) -> bool:
        """The national baseline answers (the region is silent, or has no routine loaded)."""
        return self.rule.id.startswith(NATIONAL + ".")


class KnowledgeBase:
    def __init__(
        self,
        sources: Dict[str, Source],
        groups: Dict[str, Group],
        topics: Dict[str, Topic],
        organisations: Dict[str, Organisation],
        rules: Dict[str, Dict[str, Rule]],
        parameters: Optional[Dict[str, Parameter]] = None,
        routines: Optional[Dict[str, Region]] = None,
    ):
        self.sources = sources
        self.groups = groups
        self.topics = topics
        self.organisations = organisations
        self.rules = rules  # region (incl. "national") -> topic -> rule
        self.parameters = parameters or {}  # knowledge/parameters.yml: id -> Parameter
        # knowledge/regions.yml of the folder loaded: id -> name, label, button, document
        self.routines = routines if routines is not None else {r.id: r for r in load_regions(KNOWLEDGE_DIR).regions}
        self.region_ids = tuple(self.routines)

    def parameter(self, name: str) -> int:
        try:
            return self.parameters[name].value
        except KeyError:
            raise KeyError(f"okänd parameter {name!r} (knowledge/parameters.yml)") from None

    # ------------------------------------------------------------ lookups
    def regions(self) -> List[str]:
        return [r for r in self.region_ids if r in self.rules]

    def all_rules(self) -> List[Rule]:
        return [rule for by_topic in self.rules.values() for rule in by_topic.values()]

    def rule_by_id(self, rule_id: str) -> Rule:
        region, _, topic = rule_id.partition(".")
        try:
            return self.rules[region][topic]
        except KeyError:
            raise KeyError(f"okänd regel {rule_id!r}") from None

    def regional(self, region: str, topic: str) -> Optional[Rule]:
        """The region's own rule on a topic, or None when its routine is silent."""
        self._check_topic(topic)
        return self.rules.get(region, {}).get(topic)

    def answer(self, region: Optional[str], topic: str) -> Answer:
        """The region's rule on a topic, else the national rule marked as fallback.

        ``region`` None or "annan" (a municipality without a loaded routine) always gets
        the national baseline.
        """
        self._check_topic(topic)
        own = self.rules.get(region or "", {}).get(topic) if region in self.region_ids else None
        if own is not None:
            return Answer(own, region, False)
        return Answer(self.rules[NATIONAL][topic], region or NATIONAL, region in self.region_ids)

    def topics_in_group(self, group: str) -> List[Topic]:
        if group not in self.groups:
            raise KeyError(f"okänd grupp {group!r}")
        return [t for t in self.topics.values() if t.group == group]

    def _check_topic(self, topic: str) -> None:
        if topic not in self.topics:
            raise KeyError(f"okänt ämne {topic!r}")


# ---------------------------------------------------------------- loading
def _validate(model, data, path: Path):
    try:
        return model.parse_obj(data)
    except ValidationError as exc:
        raise KnowledgeError(f"{path}: {explain_validation(exc, data)}") from None


def explain_validation(exc: ValidationError, data) -> str:
    """A Swedish one-line-per-problem message that names the rule id where there is one (rules
    files; the glossary and onboarding files use it too)."""
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc)
        rule_id = None
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
            try:
                rule_id = data["rules"][loc[1]].get("id")
            except (KeyError, IndexError, TypeError, AttributeError):
                rule_id = None
        msg = err["msg"]
        if err["type"] == "value_error.extra":
            msg = f"okänd nyckel {loc[-1]!r}"
        elif err["type"] == "value_error.missing":
            msg = f"nyckeln {loc[-1]!r} saknas"
        prefix = f"regel {rule_id}: " if rule_id else ""
        lines.append(f"{prefix}{where}: {msg}")
    return "; ".join(lines)


@lru_cache(maxsize=1)
def organisations(directory: Path = KNOWLEDGE_DIR) -> Dict[str, Organisation]:
    """knowledge/organisations.yml alone (no rules): for reading organisations in messages."""
    path = Path(directory) / "organisations.yml"
    return {o.id: o for o in _validate(OrganisationsFile, load_yaml(path), path).organisations}


def load(directory: Path = KNOWLEDGE_DIR, complete: bool = True, only: Optional[str] = None) -> KnowledgeBase:
    """Load and validate everything.

    While writing rules: ``complete=False`` allows topics without a national rule, and
    ``only="halland"`` reads just that rules file (implies ``complete=False``).
    """
    directory = Path(directory)
    sources_path = directory / "sources.yml"
    sources = {s.id: s for s in _validate(SourcesFile, load_yaml(sources_path), sources_path).sources}
    topics_path = directory / "topics.yml"
    topics_file = _validate(TopicsFile, load_yaml(topics_path), topics_path)
    groups = {g.id: g for g in topics_file.groups}
    topics: Dict[str, Topic] = {}
    for t in topics_file.topics:
        if t.group not in groups:
            raise KnowledgeError(f"{topics_path}: ämne {t.id}: okänd grupp {t.group!r}")
        if t.id in topics:
            raise KnowledgeError(f"{topics_path}: ämnet {t.id} finns två gånger")
        bad = set(t.params) - set(Params.__fields__)
        if bad:
            raise KnowledgeError(f"{topics_path}: ämne {t.id}: okända params {sorted(bad)}")
        topics[t.id] = t
    orgs_path = directory / "organisations.yml"
    organisations = {o.id: o for o in _validate(OrganisationsFile, load_yaml(orgs_path), orgs_path).organisations}
    routines = {r.id: r for r in load_regions(directory).regions}
    params_path = directory / "parameters.yml"
    parameters = ({p.id: p for p in _validate(ParametersFile, load_yaml(params_path), params_path).parameters}
                  if params_path.exists() else {})

    rules: Dict[str, Dict[str, Rule]] = {}
    rules_dir = directory / "rules"
    paths = sorted(rules_dir.glob("*.yml"))
    if only is not None:
        paths = [p for p in paths if p.stem == only]
        complete = False
    for path in paths:
        expected = path.stem
        data = load_yaml(path)
        rf = _validate(RulesFile, data, path)
        if rf.region != expected:
            raise KnowledgeError(f"{path}: region {rf.region!r} stämmer inte med filnamnet ({expected!r})")
        if expected != NATIONAL and expected not in routines:
            raise KnowledgeError(f"{path}: okänd region {expected!r} (saknas i {directory / 'regions.yml'})")
        by_topic: Dict[str, Rule] = {}
        for rule in rf.rules:
            _check_rule(rule, expected, path, topics, sources, organisations)
            if rule.topic in by_topic:
                raise KnowledgeError(f"{path}: regel {rule.id}: ämnet {rule.topic} har redan regeln {by_topic[rule.topic].id}")
            by_topic[rule.topic] = rule
        rules[expected] = by_topic

    if NATIONAL not in rules and complete:
        raise KnowledgeError(f"{rules_dir / 'national.yml'}: den nationella grunden saknas")
    missing = [t for t in topics if t not in rules.get(NATIONAL, {})]
    if missing and complete:
        raise KnowledgeError(f"{rules_dir / 'national.yml'}: ämnen utan nationell regel: {', '.join(missing)}")
    return KnowledgeBase(sources, groups, topics, organisations, rules, parameters, routines)


def _check_rule(rule: Rule, region: str, path: Path, topics, sources, organisations) -> None:
    where = f"{path}: regel {rule.id}"
    if rule.id != f"{region}.{rule.topic}":
        raise KnowledgeError(f"{where}: id ska vara {region}.{rule.topic} (region.ämne)")
    if rule.topic not in topics:
        raise KnowledgeError(f"{where}: okänt ämne {rule.topic!r}")
    if (region == NATIONAL) != (rule.basis is not None):
        raise KnowledgeError(f"{where}: basis (law/common/none) ska anges för nationella regler och bara där")
    if rule.basis is not None and rule.basis not in ("law", "common", "none"):
        raise KnowledgeError(f"{where}: basis måste vara law, common eller none")
    allowed = set(topics[rule.topic].params)
    extra = set(rule.params.given()) - allowed
    if extra:
        raise KnowledgeError(f"{where}: params {sorted(extra)} hör inte till ämnet {rule.topic} (tillåtna: {sorted(allowed) or 'inga'})")
    for org in rule.params.organisations or []:
        if org not in organisations:
            raise KnowledgeError(f"{where}: okänd verksamhet {org!r}")
    for step in rule.params.steps or []:
        for t in step.topics:
            if t not in topics:
                raise KnowledgeError(f"{where}: steget {step.title!r} nämner okänt ämne {t!r}")
    for law in rule.refers_to_laws:
        if law not in sources or sources[law].kind != "law":
            raise KnowledgeError(f"{where}: okänd lag {law!r} under refers_to_laws")
    for i, c in enumerate(rule.citations):
        src = sources.get(c.source)
        if src is None:
            raise KnowledgeError(f"{where}: källan {c.source!r} finns inte i sources.yml")
        if src.kind != "routine":
            raise KnowledgeError(f"{where}: citera rutinen som återger lagen och ange lagen under laws: ({c.source!r} är en lag)")
        if region != NATIONAL and src.region != region:
            raise KnowledgeError(f"{where}: en regional regel får bara citera sin egen rutin (inte {c.source!r})")
        for law in c.laws:
            if law not in sources or sources[law].kind != "law":
                raise KnowledgeError(f"{where}: okänd lag {law!r} under laws")
    if region != NATIONAL:
        own = [s for s in sources.values() if s.region == region]
        if own and own[0].valid_from and rule.valid_from < own[0].valid_from:
            raise KnowledgeError(f"{where}: valid_from {rule.valid_from} är före dokumentets datum {own[0].valid_from}")


@lru_cache(maxsize=1)
def knowledge() -> KnowledgeBase:
    """The project's knowledge base, loaded once per process."""
    return load(KNOWLEDGE_DIR)


def rule_ids(kb: KnowledgeBase) -> List[str]:
    return sorted(r.id for r in kb.all_rules())


_WS = re.compile(r"\s+")


def one_line(text: str) -> str:
    return _WS.sub(" ", text).strip()


__all__ = [
    "Answer", "Citation", "CLOSING_GROUNDS", "KnowledgeBase", "KnowledgeError", "NATIONAL", "Params",
    "REGION_IDS", "Rule", "Source", "STRENGTHS", "Topic", "knowledge", "load", "one_line", "rule_ids",
]
