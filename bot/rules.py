"""The rules core: decisions on a case, from a region's rules and the facts of the case.

Each check takes the knowledge base, a region (a routine id, or "annan"/None for a
municipality without a loaded routine), the facts of the case and a reference date, and
returns a ``Decision``: an outcome from the check's closed set (an Enum below), the rules
used (each the region's own or the national fallback), the facts still missing and the
computed details. Deciding is kept apart from wording: a check records *which* sentence
applies (a key of ``knowledge/explanations.yml``, the one table of the core's Swedish
wording) and the Swedish text is made from that table. Which rule applies, and its numbers,
come from ``knowledge/rules/*.yml`` and ``knowledge/parameters.yml``; this module only
combines them.

Exceptions are written flat beside their base case, as Catala does: each branch of a check
states its conditions in full (``_consent_child`` is a list of guarded cases, the first that
holds decides), so a reader checks one line against one paragraph of the routine.

- ``consent``      who must consent, given age, guardians, who agrees, the child's view/maturity
- ``invitations``  who to call, who needs a referral or an application first, who is not called
- ``closing``      may the plan be closed, must it be revised, who closes, what comes after
- ``deadlines``    concrete dates from the case's dates (calendar arithmetic, not day counts)
- ``compare``      one topic or group across regions

Where a routine covers children only (``sip.target_group`` params ``children_only``/``max_age``)
and the person is an adult, every check answers from the national baseline and says why.

Pure Python: no Rasa import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, Extra, validator

from bot.knowledge import CLOSING_GROUNDS, KNOWLEDGE_DIR, REGION_IDS, Answer, KnowledgeBase, Rule
from bot.yamlio import load_yaml


# ---------------------------------------------------------------- outcomes (closed sets)
class ConsentOutcome(str, Enum):
    BEHOVER_UPPGIFTER = "behover_uppgifter"
    KAN_STARTA = "kan_starta"
    BARNET_SAMTYCKER_SJALV = "barnet_samtycker_sjalv"          # Halland: a mature child alone
    BEDOM_MOGNAD = "bedom_mognad"                              # Skåne: maturity may make the child the one who consents
    RUTINEN_SAGER_INGET = "rutinen_sager_inget"                # the routine is silent on the case (Uppsala, national)
    BARNET_SAGER_NEJ = "barnet_sager_nej"
    BARNETS_NEJ_VAGER_TUNGT = "barnets_nej_vager_tungt"        # a mature child's no where maturity is not decisive
    BARNETS_INSTALLNING_VAGS_IN = "barnets_installning_vags_in"  # a child not judged mature says no
    FORETRADARE_SAMTYCKER = "foretradare_samtycker"
    KAN_INTE_SAMTYCKA = "kan_inte_samtycka"
    INGET_SAMTYCKE = "inget_samtycke"
    SAMTYCKE_SAKNAS_FRAN_EN_VARDNADSHAVARE = "samtycke_saknas_fran_en_vardnadshavare"
    SAMTYCKET_HAR_GATT_UT = "samtycket_har_gatt_ut"


class InvitationOutcome(str, Enum):
    BEHOVER_UPPGIFTER = "behover_uppgifter"
    KLAR = "klar"
    ANNAN_RUTIN_VID_UTSKRIVNING = "annan_rutin_vid_utskrivning"  # Halland: the routine does not apply at discharge


class ClosingOutcome(str, Enum):
    BEHOVER_UPPGIFTER = "behover_uppgifter"
    SKA_AVSLUTAS = "ska_avslutas"
    KAN_AVSLUTAS = "kan_avslutas"
    KAN_AVSLUTAS_OCH_STARTAS_OM = "kan_avslutas_och_startas_om"
    SKA_REVIDERAS = "ska_revideras"
    BEDOM_VID_UPPFOLJNING = "bedom_vid_uppfoljning"
    INTE_ETT_AVSLUTSSKAL = "inte_ett_avslutsskal"
    FORVERKAD = "forverkad"
    AVSLUTAD_AUTOMATISKT = "avslutad_automatiskt"


class DeadlineOutcome(str, Enum):
    BEHOVER_UPPGIFTER = "behover_uppgifter"
    KLAR = "klar"
    INGA_TIDSFRISTER = "inga_tidsfrister"


OUTCOMES = {"consent": ConsentOutcome, "invitations": InvitationOutcome,
            "closing": ClosingOutcome, "deadlines": DeadlineOutcome}
# Outcomes after which consent is in place (the documentation rule follows; expiry is checked).
CONSENT_GIVEN = (ConsentOutcome.KAN_STARTA, ConsentOutcome.BARNET_SAMTYCKER_SJALV,
                 ConsentOutcome.BARNETS_INSTALLNING_VAGS_IN, ConsentOutcome.FORETRADARE_SAMTYCKER)


# ---------------------------------------------------------------- the wording table
@lru_cache(maxsize=4)
def wording(path: str = str(KNOWLEDGE_DIR / "explanations.yml")) -> Dict[str, Dict[str, Dict[str, str]]]:
    """knowledge/explanations.yml: {"outcomes": {check: {outcome: {professional, plain}}},
    "phrases": {key: {professional, plain}}}."""
    data = load_yaml(path) or {}
    for key, entry in list((data.get("phrases") or {}).items()):
        if set(entry) != {"professional", "plain"}:
            raise ValueError(f"{path}: {key}: ska ha professional och plain")
    return data


def phrase(key: str, **fields: object) -> Tuple[str, str]:
    """The (professional, plain) sentence of a key of the wording table, fields filled in."""
    try:
        entry = wording()["phrases"][key]
    except KeyError:
        raise KeyError(f"frasen {key!r} saknas i knowledge/explanations.yml") from None
    return entry["professional"].format(**fields), entry["plain"].format(**fields)


def headline(check: str, outcome: str) -> Tuple[str, str]:
    """The direct answer for an outcome: (professional, plain)."""
    entry = wording()["outcomes"][check][str(outcome.value if isinstance(outcome, Enum) else outcome)]
    return entry["professional"], entry["plain"]


# ---------------------------------------------------------------- the decision
@dataclass
class Decision:
    question: str
    region: str
    outcome: Enum
    professional: List[str] = field(default_factory=list)
    plain: List[str] = field(default_factory=list)
    guardian: List[str] = field(default_factory=list)  # the plain text, with the rules' guardian versions
    used: List[Answer] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    details: Dict[str, object] = field(default_factory=dict)

    def use(self, answer: Answer) -> Answer:
        if all(a.rule.id != answer.rule.id for a in self.used):
            self.used.append(answer)
        return answer

    def explain(self, key: str, **fields: object) -> None:
        """Add the sentence ``key`` of the wording table."""
        professional, plain = phrase(key, **fields)
        self.professional.append(professional)
        self.plain.append(plain)
        self.guardian.append(plain)

    def cite(self, answer: Answer) -> Answer:
        """Use a rule and add its own text (statement / plain version)."""
        self.use(answer)
        self.professional.append(answer.rule.statement)
        self.plain.append(answer.rule.plain)
        self.guardian.append(answer.rule.guardian or answer.rule.plain)
        return answer

    def text_for(self, audience: Optional[str]) -> List[str]:
        """The sentences in the reader's register (bot.audience)."""
        return {"guardian": self.guardian, "young": self.plain}.get(audience or "", self.professional)

    def need(self, *facts: str) -> None:
        self.missing.extend(f for f in facts if f not in self.missing)

    @property
    def headline(self) -> Tuple[str, str]:
        return headline(self.question, self.outcome)

    @property
    def rule_ids(self) -> List[str]:
        return [a.rule.id for a in self.used]

    @property
    def fallbacks(self) -> List[str]:
        """Topics on which the region's routine is silent and the national rule was used."""
        return [a.topic for a in self.used if a.fallback]


class _Facts(BaseModel):
    class Config:
        extra = Extra.forbid

    @validator("age", check_fields=False)
    def _age(cls, v: Optional[int]) -> Optional[int]:
        if v is not None and not 0 <= v <= 120:
            raise ValueError("åldern måste vara mellan 0 och 120 år")
        return v


def _region_key(region: Optional[str]) -> str:
    return region if region in REGION_IDS else "annan"


def _period(rule: Rule) -> Optional[relativedelta]:
    p = rule.params
    if not any((p.years, p.months, p.weeks, p.days)):
        return None
    return relativedelta(years=p.years or 0, months=p.months or 0, weeks=p.weeks or 0, days=p.days or 0)


_NUMBERS = {1: "ett", 2: "två", 3: "tre", 4: "fyra", 5: "fem", 6: "sex", 7: "sju", 8: "åtta", 9: "nio", 10: "tio", 11: "elva", 12: "tolv"}
_NUMBERS_COMMON = {1: "en"}  # en vecka, en månad, en dag (ett år)


def describe_period(delta: relativedelta) -> str:
    """A period in words: "tre veckor", "ett år", "en månad"."""
    parts = []
    # relativedelta keeps weeks as days: whole weeks are said as weeks, anything else as days
    weeks, days = (delta.days // 7, 0) if delta.days and delta.days % 7 == 0 else (0, delta.days)
    for amount, one, many, neuter in ((delta.years, "år", "år", True), (delta.months, "månad", "månader", False),
                                      (weeks, "vecka", "veckor", False), (days, "dag", "dagar", False)):
        if amount:
            word = _NUMBERS.get(amount, str(amount)) if neuter or amount != 1 else _NUMBERS_COMMON[1]
            parts.append(f"{word} {one if amount == 1 else many}")
    return " och ".join(parts)


def swedish_date(d: dt.date) -> str:
    months = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
              "september", "oktober", "november", "december"]
    return f"{d.day} {months[d.month - 1]} {d.year}"


def _recommended(rule: Rule) -> bool:
    """A rule whose strength is advice (bör / rekommendation), not a duty."""
    return getattr(rule, "strength", None) == "bor"


# ---------------------------------------------------------------- the routine's scope
def routine_for(kb: KnowledgeBase, region: Optional[str], age: Optional[int], d: Decision) -> Optional[str]:
    """The region whose rules answer: the region itself, or None (the national baseline) when
    its routine covers children only and the person is an adult. Says so in the decision."""
    if region not in REGION_IDS or age is None:
        return region
    scope = kb.regional(region, "sip.target_group")
    if scope is None or not scope.params.children_only:
        return region
    adult = kb.parameter("adult_age")
    if age < adult or (scope.params.max_age is not None and age <= scope.params.max_age):
        return region
    d.use(Answer(scope, region, False))
    upto = f" (till och med {scope.params.max_age} år)" if scope.params.max_age is not None else ""
    d.explain("scope.children_only", region=_region_name(region), age=age, upto=upto)
    d.details["routine_not_applied"] = region
    return None


def _region_name(region: str) -> str:
    from bot.places import directory  # the region's name as knowledge/regions.yml gives it

    return directory().region(region).name


# ---------------------------------------------------------------- consent
class ConsentFacts(_Facts):
    age: Optional[int] = None                 # the person's age in years
    guardians: Optional[int] = None           # number of guardians with custody (children)
    guardians_consenting: Optional[int] = None
    person_consents: Optional[bool] = None    # the child's / adult's own yes or no
    child_mature: Optional[bool] = None       # mature enough to assess what the consent means
    can_consent: Optional[bool] = None        # capacity to consent (False: cannot)
    legal_representative: Optional[bool] = None  # god man / förvaltare / other legal representative
    consent_date: Optional[dt.date] = None    # when consent was given

    @validator("guardians")
    def _guardians(cls, v: Optional[int]) -> Optional[int]:
        if v is not None and v not in (0, 1, 2):
            raise ValueError("ett barn har 0, 1 eller 2 vårdnadshavare")
        return v

    @validator("guardians_consenting")
    def _consenting(cls, v: Optional[int], values: dict) -> Optional[int]:
        g = values.get("guardians")
        if v is not None and (v < 0 or (g is not None and v > g)):
            raise ValueError("fler vårdnadshavare samtycker än barnet har")
        return v


def consent(kb: KnowledgeBase, region: Optional[str], facts: ConsentFacts, today: dt.date) -> Decision:
    d = Decision("consent", _region_key(region), ConsentOutcome.BEHOVER_UPPGIFTER)
    rules_of = routine_for(kb, region, facts.age, d)
    required = d.use(kb.answer(rules_of, "consent.required"))
    if facts.age is None:
        d.need("age")
        d.explain("consent.ask_age")
        d.cite(required)
        if facts.guardians_consenting == 0 or facts.person_consents is False:
            # a refusal is known: what a no means (and what it does not stop) applies at any age
            d.cite(kb.answer(rules_of, "consent.refused"))
            d.explain("consent.still_reported")
            d.use(kb.answer(rules_of, "sip.child_protection"))
        return d
    if facts.age >= kb.parameter("adult_age"):
        _consent_adult(kb, rules_of, facts, d)
    else:
        _consent_child(kb, rules_of, facts, d)
    if d.outcome in CONSENT_GIVEN:
        _consent_expiry(kb, rules_of, facts, today, d)
    if d.outcome in CONSENT_GIVEN:
        d.cite(kb.answer(rules_of, "consent.documentation"))
    return d


def _no_capacity(kb: KnowledgeBase, region: Optional[str], f: ConsentFacts, d: Decision) -> None:
    d.outcome = ConsentOutcome.FORETRADARE_SAMTYCKER if f.legal_representative else ConsentOutcome.KAN_INTE_SAMTYCKA
    if f.legal_representative is None:
        d.need("legal_representative")
    if f.legal_representative:
        d.explain("consent.representative")
    d.cite(kb.answer(region, "consent.cannot_consent"))


def _consent_adult(kb: KnowledgeBase, region: Optional[str], f: ConsentFacts, d: Decision) -> None:
    if f.can_consent is False:
        _no_capacity(kb, region, f, d)
    elif f.person_consents is None:
        if f.can_consent is None:
            d.need("can_consent")  # asked first: can the person consent at all?
        d.need("person_consents")
        d.explain("consent.adult_own", age=f.age)
    elif f.person_consents:
        d.outcome = ConsentOutcome.KAN_STARTA
        d.explain("consent.adult_yes", age=f.age)
    else:
        d.outcome = ConsentOutcome.INGET_SAMTYCKE
        d.explain("consent.adult_no", age=f.age)


def _consent_child(kb: KnowledgeBase, region: Optional[str], f: ConsentFacts, d: Decision) -> None:
    """A child's SIP. The cases, each with its whole condition, the first that holds decides:

    base      every guardian consents                            -> kan_starta
    base      not every guardian consents                        -> inget_samtycke / saknas från en
    except    from the routine's age (Uppsala 15), a child who understands must consent too:
              the child says no                                  -> barnet_sager_nej
    except    a mature child says no where maturity decides (Halland child_alone, Skåne
              maturity_may_decide)                               -> barnet_sager_nej
    except    a mature child says no where the routine does not say maturity decides
                                                                 -> barnets_nej_vager_tungt
    except    a child not judged mature says no                  -> barnets_installning_vags_in
    except    guardians say no, a mature child says yes:
              Halland (child_alone: the meeting can be held)     -> barnet_samtycker_sjalv
              Skåne (maturity may make the child the consenter)  -> bedom_mognad
              a routine with an own-consent age but silent on this (Uppsala)
                                                                 -> rutinen_sager_inget
    """
    child = d.use(kb.answer(region, "consent.child"))
    both = d.use(kb.answer(region, "consent.both_guardians"))
    p = child.rule.params
    decisive = bool(p.child_alone or p.maturity_may_decide)  # the routine lets maturity decide who consents
    own_age = p.age is not None and f.age >= p.age             # the child's own consent is needed too
    age = f.age

    if f.guardians == 0:
        d.explain("consent.no_guardian")
        _no_capacity(kb, region, f, d)
        return
    if f.guardians is None or f.guardians_consenting is None:
        d.need(*(m for m in ("guardians", "guardians_consenting") if getattr(f, m) is None))
        d.explain("consent.guardians_needed", age=age)
        d.cite(both)
        return

    all_agree = f.guardians_consenting == f.guardians
    mature, yes = f.child_mature, f.person_consents
    if all_agree:
        if own_age and mature is not False and (mature is None or yes is None):
            d.need(*(m for m in ("child_mature", "person_consents") if getattr(f, m) is None))
            d.explain("consent.child_age", age=age)
            d.cite(child)
        elif own_age and mature and yes is False:
            d.outcome = ConsentOutcome.BARNET_SAGER_NEJ
            d.explain("consent.own_age_child_no", age=age, limit=p.age)
            d.cite(child)
        elif mature and yes is False and decisive:
            d.outcome = ConsentOutcome.BARNET_SAGER_NEJ
            d.explain("consent.mature_child_no_decisive", age=age)
            d.cite(child)
        elif mature and yes is False:
            d.outcome = ConsentOutcome.BARNETS_NEJ_VAGER_TUNGT
            d.explain("consent.mature_child_no_weighty", age=age)
            d.cite(child)
        elif mature is None and yes is False:
            d.need("child_mature")
            d.explain("consent.ask_child_maturity", age=age)
            d.cite(child)
        elif mature is False and yes is False:
            d.outcome = ConsentOutcome.BARNETS_INSTALLNING_VAGS_IN
            d.explain("consent.child_no_weighed", age=age)
            d.cite(child)
        elif own_age and mature and yes:
            d.outcome = ConsentOutcome.KAN_STARTA
            d.explain("consent.all_and_child_yes", age=age)
        else:
            d.outcome = ConsentOutcome.KAN_STARTA
            d.explain("consent.guardians_agree", who="Båda vårdnadshavarna" if f.guardians == 2 else "Vårdnadshavaren")
            d.cite(child)
        return

    who = "Ingen av vårdnadshavarna samtycker" if f.guardians_consenting == 0 else "Inte alla vårdnadshavare samtycker"
    refused = kb.answer(region, "consent.refused")
    if mature and yes and p.child_alone:
        d.outcome = ConsentOutcome.BARNET_SAMTYCKER_SJALV
        d.explain("consent.child_alone_yes", who=who, age=age)
        d.cite(refused)
        return
    if mature and yes and p.maturity_may_decide:
        d.outcome = ConsentOutcome.BEDOM_MOGNAD
        d.explain("consent.maturity_may_decide_yes", who=who, age=age)
        d.cite(child)
        return
    if mature and yes:
        d.outcome = ConsentOutcome.RUTINEN_SAGER_INGET
        d.explain("consent.silent_mature_yes", who=who, age=age)
        d.cite(child)
        return
    if (decisive or own_age) and mature is not False:
        d.need(*(m for m in ("child_mature", "person_consents") if getattr(f, m) is None))
    if f.guardians_consenting == 0:
        d.outcome = ConsentOutcome.INGET_SAMTYCKE
        d.explain("consent.none_consent")
    else:
        d.outcome = ConsentOutcome.SAMTYCKE_SAKNAS_FRAN_EN_VARDNADSHAVARE
        d.explain("consent.one_of_two")
        d.cite(both)
    d.cite(refused)
    if p.child_alone:
        d.explain("consent.exception")
        d.use(child)
    d.explain("consent.still_reported")
    d.use(kb.answer(region, "sip.child_protection"))


def consent_valid_until(kb: KnowledgeBase, region: Optional[str], given: dt.date) -> Optional[Tuple[dt.date, Answer]]:
    """The last day a consent given on ``given`` is valid, where the routine limits it
    ("gäller i max ett år": through the day before the anniversary), with the rule."""
    duration = kb.answer(region, "consent.duration")
    period = _period(duration.rule)
    if period is None or duration.fallback:
        return None
    return given + period - relativedelta(days=1), duration


def _consent_expiry(kb: KnowledgeBase, region: Optional[str], f: ConsentFacts, today: dt.date, d: Decision) -> None:
    found = consent_valid_until(kb, region, f.consent_date) if f.consent_date else None
    if found is None:
        return
    until, duration = found
    d.details["consent_valid_until"] = until
    if today > until:
        d.outcome = ConsentOutcome.SAMTYCKET_HAR_GATT_UT
        d.explain("consent.expired", given=swedish_date(f.consent_date), until=swedish_date(until))
    else:
        d.explain("consent.valid_until", given=swedish_date(f.consent_date), until=swedish_date(until))
    d.cite(duration)


# ---------------------------------------------------------------- invitations
class OrganisationFact(_Facts):
    id: str
    ongoing: Optional[bool] = None  # an ongoing contact / open case / granted intervention


class InvitationFacts(_Facts):
    organisations: List[OrganisationFact] = []
    lus: bool = False                 # discharge from inpatient care (LUS 2017:612)
    protected_identity: bool = False  # skyddade personuppgifter
    age: Optional[int] = None         # when known: an adult is not under a children's routine


@dataclass
class OrgDecision:
    id: str
    name: str
    action: str   # a key of ACTIONS
    rule_ids: List[str]
    fallback: bool


# What the check says of one organisation; each action's wording keeps the strength of the rule
# it comes from (the rule ids travel with it in OrgDecision.rule_ids).
ACTIONS = {
    "kalla": "kallas till SIP-mötet",
    "kalla_om_vardnadshavarna_valt": "kallas till SIP-mötet om vårdnadshavarna genom sitt samtycke har valt att den ska kallas",
    "kalla_om_relevant": "kan kallas om den behövs för mötets syfte",
    "bjud_in": "kan bjudas in om barnet/den enskilde och vårdnadshavarna vill",
    "remiss_forst": "behöver först en remiss och en etablerad kontakt innan den kan delta",
    "kontakt_forst": "kallas inte förrän det finns en kontakt; hjälp familjen att ta kontakt först",
    "skola_utan_insats": "kallas när den ansvarar för en insats för barnet; utan en sådan kan skolan ändå själv ta initiativ till SIP",
    "ansokan_eller_kontakt": ("kallas inte utan pågående ärende; vårdnadshavaren kan ansöka om stöd, och du kan "
                              "hjälpa till med kontakten"),
    "inte_bara_information": ("kallas inte bara för att informera om stöd eller ta emot en ansökan; vårdnadshavaren kan "
                              "ansöka om stöd, och du kan hjälpa till med kontakten"),
    "ingen_skyldighet": "kan kallas, men är inte skyldig att komma bara för att informera om insatser eller ta emot en ansökan",
    "kalla_vid_behov": ("har ingen kontakt med personen än: den kan kallas om personen behöver dess insatser (lagen "
                        "utgår från behovet, och rutinerna skiljer sig här); ofta behöver familjen först hjälp att ta kontakt"),
    "bedoms_vid_utskrivning": ("kan behöva vara med: den fasta vårdkontakten i öppenvården bedömer behovet av SIP "
                               "tillsammans med patienten och den utskrivande enheten"),
    "ta_reda_pa": "ta först reda på om det finns en pågående kontakt",
}
CALLED = ("kalla", "kalla_om_vardnadshavarna_valt", "kalla_om_relevant", "bjud_in", "ingen_skyldighet", "bedoms_vid_utskrivning")


def invitations(kb: KnowledgeBase, region: Optional[str], facts: InvitationFacts, today: dt.date) -> Decision:
    d = Decision("invitations", _region_key(region), InvitationOutcome.KLAR)
    rules_of = routine_for(kb, region, facts.age, d)
    lus = kb.answer(rules_of, "invitation.lus") if facts.lus else None
    handling = lus.rule.params.lus if lus is not None and not lus.fallback else None
    if handling == "not_covered":
        # Halland: "Dokumentet gäller inte SIP inför utskrivning från slutenvård där särskild
        # rutin redan finns" — none of its invitation rules apply; point to that routine.
        d.outcome = InvitationOutcome.ANNAN_RUTIN_VID_UTSKRIVNING
        d.cite(lus)
        return d
    d.cite(kb.answer(rules_of, "invitation.who"))
    if not facts.organisations:
        d.outcome = InvitationOutcome.BEHOVER_UPPGIFTER
        d.need("organisations")
        return d
    if lus is not None:
        d.cite(lus)
        if handling == "primary_care_contact":
            d.explain("invitations.lus_convener")
    results: List[OrgDecision] = []
    for org_fact in facts.organisations:
        org = kb.organisations.get(org_fact.id)
        if org is None:
            raise ValueError(f"okänd verksamhet {org_fact.id!r}")
        action, answers = _org_action(kb, rules_of, org, org_fact.ongoing, handling)
        for a in answers:
            d.use(a)
        results.append(OrgDecision(org.id, org.name, action, [a.rule.id for a in answers], any(a.fallback for a in answers)))
        if action == "ta_reda_pa":
            d.need(f"ongoing:{org.id}")
    d.details["organisations"] = results
    called = [r for r in results if r.action in CALLED]
    for r in results:
        d.explain("invitations.org", name=f"{r.name[0].upper()}{r.name[1:]}", action=ACTIONS[r.action])
    if d.missing:
        d.outcome = InvitationOutcome.BEHOVER_UPPGIFTER
    if len(called) >= kb.parameter("many_actors_reminder"):
        d.explain("invitations.many_actors", n=len(called))
        d.use(kb.answer(rules_of, "invitation.too_many"))
    for topic in ("invitation.function", "invitation.delivery"):
        own = kb.regional(rules_of, topic) if rules_of in REGION_IDS else None
        if own is not None and called:
            d.cite(Answer(own, rules_of, False))
    d.cite(kb.answer(rules_of, "invitation.content"))
    if facts.protected_identity:
        d.cite(kb.answer(rules_of, "protected_identity"))
    return d


def _org_action(kb: KnowledgeBase, region: Optional[str], org, ongoing: Optional[bool],
                lus: Optional[str]) -> Tuple[str, List[Answer]]:
    """One organisation: the first case that holds decides (each with its whole condition)."""
    who = kb.answer(region, "invitation.who")
    ongoing_only = bool(who.rule.params.ongoing_only) and not who.fallback  # Halland, Jönköpings län
    contact = kb.answer(region, "invitation.ongoing_contact")
    no_duty = bool(contact.rule.params.no_duty_without_case) and not contact.fallback  # Haninge 4.3.4
    chosen = bool(who.rule.params.guardians_choose_care) and org.huvudman == "region"  # Halland: guardians choose care providers
    kind = org.kind

    if kind == "annan":
        return "bjud_in", [kb.answer(region, "invitation.other_actors")]
    if kind == "skola":
        school = kb.answer(region, "initiative.school")
        role = school.rule.params.school if not school.fallback else None
        if role == "part" and ongoing_only and ongoing is None:
            return "ta_reda_pa", [school, who]
        if role == "part" and ongoing_only and ongoing is False:
            return "skola_utan_insats", [school, who]
        if role == "part":
            return "kalla", [school]
        if role == "may_call":
            return "kalla_om_relevant", [school]
        return "bjud_in", [school]
    if ongoing is None:
        return "ta_reda_pa", [contact]
    if ongoing and chosen:
        return "kalla_om_vardnadshavarna_valt", [contact, who]
    if ongoing:
        return "kalla", [contact]
    lus_rule = [kb.answer(region, "invitation.lus")] if lus else []
    if lus == "exception":                      # Haninge: "Undantaget är kallelse till SIP i samband med LUS"
        return "kalla", lus_rule
    if lus == "primary_care_contact":           # Uppsala: the fast vårdkontakt identifies the need
        return "bedoms_vid_utskrivning", lus_rule
    if no_duty and kind == "socialtjanst":      # Haninge: no duty to attend only to inform or take applications
        return "ingen_skyldighet", [kb.answer(region, "invitation.social_services_no_case")]
    if no_duty:
        return "ingen_skyldighet", [contact]
    referral = kb.answer(region, "invitation.referral_first")
    needs_referral = org.id in (referral.rule.params.organisations or []) or referral.national
    if kind == "specialist" and needs_referral:
        return "remiss_forst", [referral]
    if kind == "socialtjanst" and ongoing_only:   # Halland, Jönköpings län: only ongoing contacts are called
        return "ansokan_eller_kontakt", [kb.answer(region, "invitation.social_services_no_case")]
    if kind == "socialtjanst":
        return "inte_bara_information", [kb.answer(region, "invitation.social_services_no_case")]
    if ongoing_only:
        return "kontakt_forst", [contact]
    return "kalla_vid_behov", [contact]


# ---------------------------------------------------------------- closing
REVISION_REASONS = ("flytt_inom_regionen", "byte_vardcentral", "nya_aktorer")
OTHER_REASON = "annat_skal"  # a reason the user gave that is none of the known ones
CLOSING_REASONS = tuple(CLOSING_GROUNDS) + REVISION_REASONS + (OTHER_REASON,)
# Grounds that hold in every region, whatever the routine lists: a SIP rests on consent (the
# law as the routines quote it: "Planen ska upprättas … om den enskilde samtycker till det").
GROUNDS_IN_LAW = ("samtycke_aterkallat",)


class ClosingFacts(_Facts):
    reason: Optional[str] = None
    last_follow_up: Optional[dt.date] = None  # last time the plan was updated or followed up
    still_needs_coordination: Optional[bool] = None
    age: Optional[int] = None

    @validator("reason")
    def _reason(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and v not in CLOSING_REASONS:
            raise ValueError(f"okänt skäl {v!r}")
        return v


def closing(kb: KnowledgeBase, region: Optional[str], facts: ClosingFacts, today: dt.date) -> Decision:
    """base      the reason is one of the routine's grounds           -> kan_avslutas (ska for consent)
    except    consent withdrawn, whatever the routine lists (law)   -> ska_avslutas
    except    a move or change that the routine revises for         -> ska_revideras
    except    a reason the routine does not list                    -> inte_ett_avslutsskal
              (still needing coordination: ska_revideras)
    before all: a plan past the routine's forfeiture time           -> forverkad / avslutad_automatiskt
    """
    d = Decision("closing", _region_key(region), ClosingOutcome.BEHOVER_UPPGIFTER)
    rules_of = routine_for(kb, region, facts.age, d)
    grounds_answer = d.use(kb.answer(rules_of, "closing.grounds"))
    grounds = grounds_answer.rule.params.grounds or []
    forfeited = _forfeiture(kb, rules_of, facts, today, d)
    reason = facts.reason
    if reason is None and not forfeited:
        d.need("reason")
        d.cite(grounds_answer)
        return d
    if reason in GROUNDS_IN_LAW and reason in grounds:
        d.outcome = ClosingOutcome.SKA_AVSLUTAS
        d.explain("closing.listed", reason=CLOSING_GROUNDS[reason])
        d.cite(grounds_answer)
    elif reason in GROUNDS_IN_LAW:
        d.outcome = ClosingOutcome.SKA_AVSLUTAS
        d.explain("closing.withdrawn_by_law")
        d.cite(kb.answer(rules_of, "consent.withdrawal"))
    elif reason in REVISION_REASONS:
        moving = kb.answer(rules_of, "follow_up.moving")
        if not moving.national:
            d.outcome = ClosingOutcome.SKA_REVIDERAS
            d.explain("closing.revision_not_closing")
            d.cite(moving)
        else:
            d.outcome = (ClosingOutcome.SKA_REVIDERAS if facts.still_needs_coordination is not False
                         else ClosingOutcome.BEDOM_VID_UPPFOLJNING)
            d.cite(moving)
            d.cite(kb.answer(rules_of, "follow_up.revision"))
    elif reason is not None and reason in grounds:
        d.outcome = (ClosingOutcome.KAN_AVSLUTAS_OCH_STARTAS_OM if reason == "mal_forandrat" else ClosingOutcome.KAN_AVSLUTAS)
        d.explain("closing.listed", reason=CLOSING_GROUNDS[reason])
        d.cite(grounds_answer)
    elif reason is not None:
        d.outcome = ClosingOutcome.INTE_ETT_AVSLUTSSKAL
        listed = "; ".join(CLOSING_GROUNDS[g] for g in grounds) or "inga uttryckliga skäl"
        d.explain("closing.not_listed", reason=CLOSING_GROUNDS.get(reason, "ett annat skäl"), listed=listed)
        d.cite(grounds_answer)
        if facts.still_needs_coordination:
            d.outcome = ClosingOutcome.SKA_REVIDERAS
            d.cite(kb.answer(rules_of, "follow_up.revision"))
    if d.outcome in (ClosingOutcome.KAN_AVSLUTAS, ClosingOutcome.KAN_AVSLUTAS_OCH_STARTAS_OM,
                     ClosingOutcome.SKA_AVSLUTAS, ClosingOutcome.AVSLUTAD_AUTOMATISKT):
        d.cite(kb.answer(rules_of, "closing.who"))
        d.cite(kb.answer(rules_of, "closing.after"))
    return d


def _add_months(date: dt.date, months: int) -> dt.date:
    return date + relativedelta(months=months)


def _forfeiture(kb: KnowledgeBase, region: Optional[str], f: ClosingFacts, today: dt.date, d: Decision) -> bool:
    rule = kb.answer(region, "closing.forfeiture")
    months = rule.rule.params.months
    if f.last_follow_up is None or months is None or rule.fallback:
        return False
    d.use(rule)
    last = swedish_date(f.last_follow_up)
    forfeited_on = _add_months(f.last_follow_up, months)
    d.details["forfeited_on"] = forfeited_on
    if rule.rule.params.months_auto:
        auto_on = _add_months(f.last_follow_up, rule.rule.params.months_auto)
        d.details["auto_closed_on"] = auto_on
        if today >= auto_on:
            d.outcome = ClosingOutcome.AVSLUTAD_AUTOMATISKT
            d.explain("closing.auto_closed", last=last, forfeited=swedish_date(forfeited_on), auto=swedish_date(auto_on))
            d.cite(rule)
            return True
    if today >= forfeited_on:
        d.outcome = ClosingOutcome.FORVERKAD
        d.explain("closing.forfeited", last=last, forfeited=swedish_date(forfeited_on))
        d.cite(rule)
        return True
    d.explain("closing.forfeits_on", forfeited=swedish_date(forfeited_on))
    return False


# ---------------------------------------------------------------- deadlines
class DeadlineFacts(_Facts):
    need_identified: Optional[dt.date] = None  # when the need for coordination was found
    invitation_sent: Optional[dt.date] = None
    meeting: Optional[dt.date] = None          # the SIP meeting (planned or held)
    last_follow_up: Optional[dt.date] = None   # plan drawn up / last followed up
    consent_date: Optional[dt.date] = None
    age: Optional[int] = None


@dataclass
class Deadline:
    key: str
    date: dt.date
    rule_id: str
    fallback: bool
    kind: str  # senast | rekommendation

    def passed(self, today: dt.date) -> bool:
        return self.date < today


@dataclass(frozen=True)
class _Spec:
    """One computed date: ``key`` (its wording in the table), the rule's topic, the fact it is
    counted from, and the direction (+1 after, -1 before)."""

    key: str
    topic: str
    base: Tuple[str, ...]
    sign: int = 1
    unless: Optional[str] = None  # not computed when this fact is known


DEADLINES = (
    _Spec("meeting_latest", "deadline.meeting", ("need_identified",)),
    _Spec("send_invitation_by", "invitation.timing", ("meeting",), -1),
    _Spec("meeting_earliest", "invitation.timing", ("invitation_sent",), unless="meeting"),
    _Spec("confirm_by", "invitation.reply", ("meeting",), -1),
    _Spec("follow_up_latest", "follow_up.when", ("last_follow_up", "meeting")),
)
# Every date the check can compute; each has a line in the wording table (and a ``.bor`` line
# for when its rule is a recommendation).
COMPUTED_DATES = tuple(s.key for s in DEADLINES) + ("forfeited_on", "auto_closed_on", "consent_valid_until")


def deadlines(kb: KnowledgeBase, region: Optional[str], facts: DeadlineFacts, today: dt.date) -> Decision:
    d = Decision("deadlines", _region_key(region), DeadlineOutcome.KLAR)
    rules_of = routine_for(kb, region, facts.age, d)
    found: List[Tuple[Deadline, Optional[relativedelta]]] = []

    def add(key: str, date: dt.date, answer: Answer, period: Optional[relativedelta] = None) -> None:
        d.use(answer)
        kind = "rekommendation" if _recommended(answer.rule) else "senast"
        found.append((Deadline(key, date, answer.rule.id, answer.fallback, kind), period))

    def numbered(topic: str) -> Optional[Tuple[Answer, relativedelta]]:
        answer = kb.answer(rules_of, topic)
        period = None if answer.fallback else _period(answer.rule)
        return (answer, period) if period is not None else None

    start = d.use(kb.answer(rules_of, "deadline.start"))
    for spec in DEADLINES:
        rule = numbered(spec.topic)
        base = next((getattr(facts, b) for b in spec.base if getattr(facts, b)), None)
        if rule is None or base is None or (spec.unless and getattr(facts, spec.unless)):
            continue
        answer, period = rule
        add(spec.key, base + spec.sign * period, answer, period)
    forfeit = kb.answer(rules_of, "closing.forfeiture")
    has_forfeit = not forfeit.fallback and forfeit.rule.params.months is not None
    plan_base = facts.last_follow_up or facts.meeting
    if plan_base and has_forfeit:
        add("forfeited_on", _add_months(plan_base, forfeit.rule.params.months), forfeit)
        if forfeit.rule.params.months_auto:
            add("auto_closed_on", _add_months(plan_base, forfeit.rule.params.months_auto), forfeit)
    if facts.consent_date:
        valid = consent_valid_until(kb, rules_of, facts.consent_date)
        if valid is not None:
            add("consent_valid_until", valid[0], valid[1])

    d.details["deadlines"] = [dl for dl, _ in found]
    if facts.need_identified or not found:  # how fast to start matters when the need is what was dated
        d.cite(start)
    for dl, period in found:
        if dl.key == "consent_valid_until" and dl.passed(today):
            d.explain("deadline.consent_expired", date=swedish_date(dl.date))
            continue
        passed_pro, passed_plain = phrase("deadline.passed") if dl.passed(today) else ("", "")
        key = f"deadline.{dl.key}" + (".bor" if dl.kind == "rekommendation" else "")
        fields = dict(date=swedish_date(dl.date), period=describe_period(period) if period else "")
        d.professional.append(phrase(key, status=passed_pro, **fields)[0])
        d.plain.append(phrase(key, status=passed_plain, **fields)[1])
        d.guardian.append(d.plain[-1])
        # the dates themselves are the direct answer (bot.render.decision_shaped)
        d.details.setdefault("date_lines", []).append((d.professional[-1], d.plain[-1], dl.passed(today)))
    latest = next((dl for dl, _ in found if dl.key == "meeting_latest"), None)
    if facts.meeting and latest is not None:
        d.details["meeting_on_time"] = facts.meeting <= latest.date
        if facts.meeting > latest.date:
            d.explain("deadline.meeting_after_recommendation" if latest.kind == "rekommendation"
                      else "deadline.meeting_after_deadline", date=swedish_date(facts.meeting))
    if not found:
        wanted = _wanted_dates(kb, rules_of, has_forfeit)
        if wanted and not any(getattr(facts, w) for w in wanted):
            d.outcome = DeadlineOutcome.BEHOVER_UPPGIFTER
            d.need(*wanted)
        else:
            d.outcome = DeadlineOutcome.INGA_TIDSFRISTER
            for topic in ("deadline.meeting", "invitation.timing", "follow_up.when"):
                d.cite(kb.answer(rules_of, topic))
    return d


def _wanted_dates(kb: KnowledgeBase, region: Optional[str], has_forfeit: bool) -> List[str]:
    """The dates worth asking for: those the region's own numbers count from."""
    def has(topic: str) -> bool:
        a = kb.answer(region, topic)
        return not a.fallback and _period(a.rule) is not None

    wanted = []
    if has("deadline.meeting"):
        wanted.append("need_identified")
    if has("invitation.timing") or has("invitation.reply"):
        wanted.append("meeting")
    if has("follow_up.when") or has_forfeit:
        wanted.append("last_follow_up")
    if has("consent.duration"):
        wanted.append("consent_date")
    return wanted


# ---------------------------------------------------------------- comparison
@dataclass
class Cell:
    region: str
    answer: Answer

    @property
    def silent(self) -> bool:
        return self.answer.fallback


def compare(kb: KnowledgeBase, subject: str, regions: Optional[List[str]] = None) -> Dict[str, List[Cell]]:
    """Topic id or group id -> {topic: [one cell per region]} for the regions asked (default all five)."""
    regions = list(regions or kb.regions())
    for r in regions:
        if r not in REGION_IDS:
            raise KeyError(f"okänd region {r!r}")
    topics = [kb.topics[subject]] if subject in kb.topics else kb.topics_in_group(subject)
    return {t.id: [Cell(r, kb.answer(r, t.id)) for r in regions] for t in topics}


def differs(cells: List[Cell]) -> bool:
    """Whether the regions say different things (or some say something and others nothing)."""
    return len({c.answer.rule.id if c.silent else c.answer.rule.short for c in cells}) > 1
