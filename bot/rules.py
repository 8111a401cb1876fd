"""The rules core: decisions on a case, from a region's rules and the facts of the case.

Each function takes the knowledge base, a region (a routine id, or "annan"/None for a
municipality without a loaded routine), the facts of the case and a reference date, and
returns a ``Decision``: an outcome code, a Swedish explanation for professionals and one
in plain language, the rules used (each the region's own or the national fallback) and the
facts still missing. Which rule applies, and its numbers, come from knowledge/rules/*.yml;
this module only combines them.

- ``consent``      who must consent, given age, guardians, who agrees, the child's view/maturity
- ``invitations``  who to call, who needs a referral or an application first, who is not called
- ``closing``      may the plan be closed, must it be revised, who closes, what comes after
- ``deadlines``    concrete dates from the case's dates (calendar arithmetic, not day counts)
- ``compare``      one topic or group across regions

Pure Python: no Rasa import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, Extra, validator

from bot.knowledge import CLOSING_GROUNDS, REGION_IDS, Answer, KnowledgeBase, Rule

ADULT_AGE = 18


# ---------------------------------------------------------------- the decision
@dataclass
class Decision:
    question: str
    region: str
    outcome: str
    professional: List[str] = field(default_factory=list)
    plain: List[str] = field(default_factory=list)
    used: List[Answer] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    details: Dict[str, object] = field(default_factory=dict)

    def use(self, answer: Answer) -> Answer:
        if all(a.rule.id != answer.rule.id for a in self.used):
            self.used.append(answer)
        return answer

    def say(self, professional: str, plain: Optional[str] = None) -> None:
        self.professional.append(professional)
        self.plain.append(plain if plain is not None else professional)

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


def _region_key(region: Optional[str]) -> str:
    return region if region in REGION_IDS else "annan"


def _add(date: dt.date, *, years: int = 0, months: int = 0, weeks: int = 0, days: int = 0, sign: int = 1) -> dt.date:
    return date + sign * relativedelta(years=years, months=months, weeks=weeks, days=days)


def _period(rule: Rule) -> Optional[relativedelta]:
    p = rule.params
    if not any((p.years, p.months, p.weeks, p.days)):
        return None
    return relativedelta(years=p.years or 0, months=p.months or 0, weeks=p.weeks or 0, days=p.days or 0)


def describe_period(delta: relativedelta) -> str:
    parts = []
    for amount, one, many in ((delta.years, "år", "år"), (delta.months, "månad", "månader"),
                              (delta.weeks, "vecka", "veckor"), (delta.days % 7 if delta.weeks else delta.days, "dag", "dagar")):
        if amount:
            parts.append(f"{_num(amount)} {one if amount == 1 else many}")
    return " och ".join(parts)


_NUMBERS = {1: "ett", 2: "två", 3: "tre", 4: "fyra", 5: "fem", 6: "sex", 7: "sju", 8: "åtta", 9: "nio", 10: "tio", 11: "elva", 12: "tolv"}


def _num(n: int) -> str:
    return _NUMBERS.get(n, str(n))


def swedish_date(d: dt.date) -> str:
    months = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
              "september", "oktober", "november", "december"]
    return f"{d.day} {months[d.month - 1]} {d.year}"


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

    @validator("age")
    def _age(cls, v: Optional[int]) -> Optional[int]:
        if v is not None and not 0 <= v <= 120:
            raise ValueError("åldern måste vara mellan 0 och 120 år")
        return v

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
    d = Decision("consent", _region_key(region), "behover_uppgifter")
    required = d.use(kb.answer(region, "consent.required"))
    if facts.age is None:
        d.missing.append("age")
        d.say(f"Vem som ska samtycka beror på åldern. {required.rule.statement}",
              f"Vem som ska säga ja beror på hur gammal personen är. {required.rule.plain}")
        return d
    if facts.age >= ADULT_AGE:
        _consent_adult(kb, region, facts, d)
    else:
        _consent_child(kb, region, facts, d)
    _consent_expiry(kb, region, facts, today, d)
    if d.outcome in ("kan_starta", "barnet_samtycker_sjalv", "barnets_installning_vags_in", "foretradare_samtycker"):
        doc = d.use(kb.answer(region, "consent.documentation"))
        d.say(doc.rule.statement, doc.rule.plain)
    return d


def _consent_adult(kb: KnowledgeBase, region: Optional[str], f: ConsentFacts, d: Decision) -> None:
    if f.can_consent is False:
        cannot = d.use(kb.answer(region, "consent.cannot_consent"))
        if f.legal_representative:
            d.outcome = "foretradare_samtycker"
            d.say("Personen kan inte själv lämna samtycke men har en legal företrädare.",
                  "Personen kan inte själv säga ja, men har någon som får företräda hen.")
        else:
            d.outcome = "kan_inte_samtycka"
            if f.legal_representative is None:
                d.missing.append("legal_representative")
        d.say(cannot.rule.statement, cannot.rule.plain)
        return
    if f.person_consents is None:
        if f.can_consent is None:
            d.missing.append("can_consent")  # asked first: can the person consent at all?
        d.missing.append("person_consents")
        d.say(f"Personen är {f.age} år och vuxen: det är hens eget samtycke som krävs.",
              f"Personen är {f.age} år. Då är det hen själv som bestämmer om det blir en SIP.")
        return
    if f.person_consents:
        d.outcome = "kan_starta"
        d.say(f"Personen är {f.age} år och har själv samtyckt: SIP-arbetet kan börja.",
              "Personen har själv sagt ja. Då kan arbetet med SIP börja.")
    else:
        d.outcome = "inget_samtycke"
        refused = d.use(kb.answer(region, "consent.refused"))
        d.say(f"Personen är {f.age} år och samtycker inte: någon SIP kan inte upprättas. {refused.rule.statement}",
              f"Personen har sagt nej. Då blir det ingen SIP. {refused.rule.plain}")


def _consent_child(kb: KnowledgeBase, region: Optional[str], f: ConsentFacts, d: Decision) -> None:
    child = d.use(kb.answer(region, "consent.child"))
    both = d.use(kb.answer(region, "consent.both_guardians"))
    age_limit = child.rule.params.age
    alone = bool(child.rule.params.child_alone)
    if f.guardians is None:
        d.missing.append("guardians")
    if f.guardians_consenting is None:
        d.missing.append("guardians_consenting")
    if f.guardians == 0:
        cannot = d.use(kb.answer(region, "consent.cannot_consent"))
        d.outcome = "foretradare_samtycker" if f.legal_representative else "kan_inte_samtycka"
        if f.legal_representative is None:
            d.missing.append("legal_representative")
        d.say("Barnet har ingen vårdnadshavare som kan samtycka.", "Barnet har ingen vårdnadshavare som kan säga ja.")
        d.say(cannot.rule.statement, cannot.rule.plain)
        return
    if d.missing:
        d.say(f"Barnet är {f.age} år: vårdnadshavarnas samtycke behövs. {both.rule.statement}",
              f"Barnet är {f.age} år. Vårdnadshavarna behöver säga ja. {both.rule.plain}")
        return

    own_consent_needed = age_limit is not None and f.age >= age_limit
    if own_consent_needed and f.child_mature is None:
        d.missing.append("child_mature")
    if own_consent_needed and f.person_consents is None:
        d.missing.append("person_consents")

    all_agree = f.guardians_consenting == f.guardians
    if all_agree:
        if own_consent_needed and f.child_mature is not False:
            if f.person_consents is None or f.child_mature is None:
                d.say(f"Barnet är {f.age} år. {child.rule.statement}", f"Barnet är {f.age} år. {child.rule.plain}")
                return
            if f.person_consents:
                d.outcome = "kan_starta"
                d.say(f"Vårdnadshavarna och barnet ({f.age} år) samtycker: SIP-arbetet kan börja.",
                      "Både vårdnadshavarna och barnet har sagt ja. Då kan arbetet med SIP börja.")
            else:
                d.outcome = "barnet_sager_nej"
                d.say(f"Barnet är {f.age} år och säger nej. {child.rule.statement} "
                      "Vårdnadshavarnas samtycke räcker alltså inte ensamt.",
                      f"Barnet är {f.age} år och har sagt nej. {child.rule.plain}")
            return
        if f.person_consents is False:
            d.outcome = "barnets_installning_vags_in"
            d.say(f"Vårdnadshavarna samtycker, men barnet ({f.age} år) vill inte. {child.rule.statement}",
                  f"Vårdnadshavarna har sagt ja, men barnet vill inte. {child.rule.plain}")
            return
        d.outcome = "kan_starta"
        who = "Båda vårdnadshavarna" if f.guardians == 2 else "Vårdnadshavaren"
        d.say(f"{who} samtycker: SIP-arbetet kan börja. {child.rule.statement}",
              f"{who} har sagt ja. Då kan arbetet med SIP börja. {child.rule.plain}")
        return

    # not every guardian agrees
    if alone and f.child_mature and f.person_consents:
        refused = d.use(kb.answer(region, "consent.refused"))
        d.outcome = "barnet_samtycker_sjalv"
        who = "Ingen av vårdnadshavarna samtycker" if f.guardians_consenting == 0 else "Inte alla vårdnadshavare samtycker"
        d.say(f"{who}, men barnet ({f.age} år) bedöms moget nog att själv besluta "
              f"och samtycker. {refused.rule.statement}",
              f"Vårdnadshavarna har inte båda sagt ja, men barnet är så moget att hen själv kan bestämma och har sagt ja. {refused.rule.plain}")
        return
    if alone and f.child_mature is not False and (f.child_mature is None or f.person_consents is None):
        d.missing.extend(m for m in ("child_mature", "person_consents") if getattr(f, m) is None and m not in d.missing)
    refused = d.use(kb.answer(region, "consent.refused"))
    if f.guardians_consenting == 0:
        d.outcome = "inget_samtycke"
        d.say(f"Ingen vårdnadshavare samtycker: SIP kan inte upprättas på vårdnadshavarnas samtycke. {refused.rule.statement}",
              f"Vårdnadshavarna har sagt nej. {refused.rule.plain}")
    else:
        d.outcome = "samtycke_saknas_fran_en_vardnadshavare"
        d.say(f"Bara en av två vårdnadshavare samtycker. {both.rule.statement}",
              f"Bara en av vårdnadshavarna har sagt ja. {both.rule.plain}")
        d.say(refused.rule.statement, refused.rule.plain)
    if alone:
        d.say(f"Undantag: {child.rule.statement}", child.rule.plain)


def _consent_expiry(kb: KnowledgeBase, region: Optional[str], f: ConsentFacts, today: dt.date, d: Decision) -> None:
    duration = kb.answer(region, "consent.duration")
    period = _period(duration.rule)
    if f.consent_date is None or period is None:
        return
    d.use(duration)
    expires = f.consent_date + period
    d.details["consent_expires"] = expires
    if today >= expires:
        d.outcome = "samtycket_har_gatt_ut"
        d.say(f"Samtycket lämnades {swedish_date(f.consent_date)} och gällde till {swedish_date(expires)}: "
              f"det har gått ut och ett nytt samtycke behövs. {duration.rule.statement}",
              f"Ja:et gavs {swedish_date(f.consent_date)} och gällde till {swedish_date(expires)}. Ni behöver ge ett nytt ja.")
    else:
        d.say(f"Samtycket lämnades {swedish_date(f.consent_date)} och gäller till och med dagen före {swedish_date(expires)}. "
              f"{duration.rule.statement}",
              f"Ja:et gäller fram till {swedish_date(expires)}.")


# ---------------------------------------------------------------- invitations
class OrganisationFact(_Facts):
    id: str
    ongoing: Optional[bool] = None  # an ongoing contact / open case / granted intervention


class InvitationFacts(_Facts):
    organisations: List[OrganisationFact] = []
    lus: bool = False                 # discharge from inpatient care (LUS 2017:612)
    protected_identity: bool = False  # skyddade personuppgifter


@dataclass
class OrgDecision:
    id: str
    name: str
    action: str   # kalla | kalla_om_relevant | bjud_in | remiss_forst | kontakt_forst | ansokan_eller_kontakt | ta_reda_pa
    rule_ids: List[str]
    fallback: bool


ACTIONS = {
    "kalla": "kallas till SIP-mötet",
    "kalla_om_relevant": "kan kallas om den behövs för mötets syfte",
    "bjud_in": "kan bjudas in om barnet/den enskilde och vårdnadshavarna vill",
    "remiss_forst": "behöver först en remiss och en etablerad kontakt innan den kan delta",
    "kontakt_forst": "kallas inte förrän det finns en kontakt; hjälp familjen att ta kontakt först",
    "ansokan_eller_kontakt": "kallas inte utan pågående ärende; vårdnadshavaren kan ansöka om stöd, och du kan hjälpa till med kontakten",
    "ta_reda_pa": "ta först reda på om det finns en pågående kontakt",
}


def invitations(kb: KnowledgeBase, region: Optional[str], facts: InvitationFacts, today: dt.date) -> Decision:
    d = Decision("invitations", _region_key(region), "klar")
    who = d.use(kb.answer(region, "invitation.who"))
    d.say(who.rule.statement, who.rule.plain)
    if not facts.organisations:
        d.outcome = "behover_uppgifter"
        d.missing.append("organisations")
        return d
    lus = kb.answer(region, "invitation.lus") if facts.lus else None
    if lus is not None:
        d.use(lus)
        d.say(lus.rule.statement, lus.rule.plain)
    results: List[OrgDecision] = []
    for org_fact in facts.organisations:
        org = kb.organisations.get(org_fact.id)
        if org is None:
            raise ValueError(f"okänd verksamhet {org_fact.id!r}")
        action, answers = _org_action(kb, region, org.kind, org.id, org_fact.ongoing, lus)
        for a in answers:
            d.use(a)
        results.append(OrgDecision(org.id, org.name, action, [a.rule.id for a in answers], any(a.fallback for a in answers)))
        if action == "ta_reda_pa":
            d.missing.append(f"ongoing:{org.id}")
    d.details["organisations"] = results
    called = [r for r in results if r.action in ("kalla", "kalla_om_relevant", "bjud_in")]
    for r in results:
        d.say(f"{r.name[0].upper()}{r.name[1:]}: {ACTIONS[r.action]}.", f"{r.name[0].upper()}{r.name[1:]}: {ACTIONS[r.action]}.")
    if d.missing:
        d.outcome = "behover_uppgifter"
    if len(called) >= 5:
        many = d.use(kb.answer(region, "invitation.too_many"))
        d.say(f"Du har {len(called)} aktörer på listan. {many.rule.statement}", many.rule.plain)
    for topic in ("invitation.function", "invitation.delivery"):
        own = kb.regional(region, topic) if region in REGION_IDS else None
        if own is not None and called:
            d.use(Answer(own, region, False))
            d.say(own.statement, own.plain)
    content = d.use(kb.answer(region, "invitation.content"))
    d.say(content.rule.statement, content.rule.plain)
    if facts.protected_identity:
        prot = d.use(kb.answer(region, "protected_identity"))
        d.say(prot.rule.statement, prot.rule.plain)
    return d


def _org_action(kb: KnowledgeBase, region: Optional[str], kind: str, org_id: str,
                ongoing: Optional[bool], lus: Optional[Answer]) -> tuple:
    if kind == "annan":
        return "bjud_in", [kb.answer(region, "invitation.other_actors")]
    if kind == "skola":
        school = kb.answer(region, "initiative.school")
        role = school.rule.params.school if not school.fallback else None
        if role == "part":
            return "kalla", [school]
        if role == "may_call":
            return "kalla_om_relevant", [school]
        return "bjud_in", [school]
    if ongoing is None:
        return "ta_reda_pa", [kb.answer(region, "invitation.ongoing_contact")]
    if ongoing:
        return "kalla", [kb.answer(region, "invitation.ongoing_contact")]
    if lus is not None and lus.rule.params.lus == "exception":
        return "kalla", [lus]
    if kind == "socialtjanst":
        return "ansokan_eller_kontakt", [kb.answer(region, "invitation.social_services_no_case")]
    referral = kb.answer(region, "invitation.referral_first")
    if kind == "specialist" and org_id in (referral.rule.params.organisations or []):
        return "remiss_forst", [referral]
    if kind == "specialist" and referral.fallback:
        return "remiss_forst", [referral]
    return "kontakt_forst", [kb.answer(region, "invitation.ongoing_contact")]


# ---------------------------------------------------------------- closing
REVISION_REASONS = ("flytt_inom_regionen", "byte_vardcentral", "nya_aktorer")
CLOSING_REASONS = tuple(CLOSING_GROUNDS) + REVISION_REASONS


class ClosingFacts(_Facts):
    reason: Optional[str] = None
    last_follow_up: Optional[dt.date] = None  # last time the plan was updated or followed up
    still_needs_coordination: Optional[bool] = None

    @validator("reason")
    def _reason(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and v not in CLOSING_REASONS:
            raise ValueError(f"okänt skäl {v!r}")
        return v


def closing(kb: KnowledgeBase, region: Optional[str], facts: ClosingFacts, today: dt.date) -> Decision:
    d = Decision("closing", _region_key(region), "behover_uppgifter")
    grounds_answer = d.use(kb.answer(region, "closing.grounds"))
    grounds = grounds_answer.rule.params.grounds or []
    forfeited = _forfeiture(kb, region, facts, today, d)
    reason = facts.reason
    if reason is None and not forfeited:
        d.missing.append("reason")
        d.say(grounds_answer.rule.statement, grounds_answer.rule.plain)
        return d
    if reason in REVISION_REASONS:
        moving = kb.answer(region, "follow_up.moving")
        if not moving.national:
            d.use(moving)
            d.outcome = "ska_revideras"
            d.say(f"Det är inte ett skäl att avsluta: {moving.rule.statement}", moving.rule.plain)
        else:
            revision = d.use(kb.answer(region, "follow_up.revision"))
            d.use(moving)
            d.outcome = "ska_revideras" if facts.still_needs_coordination is not False else "bedom_vid_uppfoljning"
            d.say(f"{moving.rule.statement} {revision.rule.statement}", f"{moving.rule.plain} {revision.rule.plain}")
    elif reason is not None and reason in grounds:
        d.outcome = "ska_avslutas" if reason == "samtycke_aterkallat" else (
            "kan_avslutas_och_startas_om" if reason == "mal_forandrat" else "kan_avslutas")
        d.say(f"Skälet finns i rutinen: {CLOSING_GROUNDS[reason]}. {grounds_answer.rule.statement}", grounds_answer.rule.plain)
    elif reason is not None:
        d.outcome = "inte_ett_avslutsskal"
        listed = "; ".join(CLOSING_GROUNDS[g] for g in grounds) or "inga uttryckliga skäl"
        d.say(f"Rutinen nämner inte detta som skäl att avsluta ({CLOSING_GROUNDS.get(reason, reason)}). "
              f"Skälen den nämner är: {listed}.",
              "Det skälet finns inte med i rutinen. " + grounds_answer.rule.plain)
        if facts.still_needs_coordination:
            revision = d.use(kb.answer(region, "follow_up.revision"))
            d.outcome = "ska_revideras"
            d.say(revision.rule.statement, revision.rule.plain)
    if d.outcome.startswith(("kan_avslutas", "ska_avslutas")) or d.outcome in ("avslutad_automatiskt",):
        who = d.use(kb.answer(region, "closing.who"))
        after = d.use(kb.answer(region, "closing.after"))
        d.say(who.rule.statement, who.rule.plain)
        d.say(after.rule.statement, after.rule.plain)
    return d


def _forfeiture(kb: KnowledgeBase, region: Optional[str], f: ClosingFacts, today: dt.date, d: Decision) -> bool:
    rule = kb.answer(region, "closing.forfeiture")
    months = rule.rule.params.months
    if f.last_follow_up is None or months is None or rule.fallback:
        return False
    d.use(rule)
    forfeited_on = _add(f.last_follow_up, months=months)
    d.details["forfeited_on"] = forfeited_on
    if rule.rule.params.months_auto:
        auto_on = _add(f.last_follow_up, months=rule.rule.params.months_auto)
        d.details["auto_closed_on"] = auto_on
        if today >= auto_on:
            d.outcome = "avslutad_automatiskt"
            d.say(f"Planen följdes senast upp {swedish_date(f.last_follow_up)}: den blev förverkad "
                  f"{swedish_date(forfeited_on)} och avslutades automatiskt {swedish_date(auto_on)}. {rule.rule.statement}",
                  f"Planen har inte följts upp sedan {swedish_date(f.last_follow_up)} och har stängts. {rule.rule.plain}")
            return True
    if today >= forfeited_on:
        d.outcome = "forverkad"
        d.say(f"Planen följdes senast upp {swedish_date(f.last_follow_up)} och är förverkad sedan "
              f"{swedish_date(forfeited_on)}. {rule.rule.statement}",
              f"Planen har inte följts upp sedan {swedish_date(f.last_follow_up)} och gäller inte längre. {rule.rule.plain}")
        return True
    d.say(f"Planen blir förverkad {swedish_date(forfeited_on)} om den inte följs upp eller uppdateras före dess.",
          f"Planen behöver följas upp före {swedish_date(forfeited_on)}, annars slutar den att gälla.")
    return False


# ---------------------------------------------------------------- deadlines
class DeadlineFacts(_Facts):
    need_identified: Optional[dt.date] = None  # when the need for coordination was found
    invitation_sent: Optional[dt.date] = None
    meeting: Optional[dt.date] = None          # the SIP meeting (planned or held)
    last_follow_up: Optional[dt.date] = None   # plan drawn up / last followed up
    consent_date: Optional[dt.date] = None


@dataclass
class Deadline:
    key: str
    label: str
    date: dt.date
    rule_id: str
    fallback: bool
    kind: str  # senast | rekommendation | tidigast

    def passed(self, today: dt.date) -> bool:
        return self.date < today


def deadlines(kb: KnowledgeBase, region: Optional[str], facts: DeadlineFacts, today: dt.date) -> Decision:
    d = Decision("deadlines", _region_key(region), "klar")
    found: List[Deadline] = []

    def add(key: str, label: str, date: dt.date, answer: Answer, kind: str) -> None:
        d.use(answer)
        found.append(Deadline(key, label, date, answer.rule.id, answer.fallback, kind))

    start = d.use(kb.answer(region, "deadline.start"))
    meeting_rule = kb.answer(region, "deadline.meeting")
    timing = kb.answer(region, "invitation.timing")
    reply = kb.answer(region, "invitation.reply")
    follow = kb.answer(region, "follow_up.when")
    forfeit = kb.answer(region, "closing.forfeiture")
    duration = kb.answer(region, "consent.duration")
    numbered = {a.topic: _period(a.rule) for a in (meeting_rule, timing, reply, follow, duration) if not a.fallback}
    numbered = {k: v for k, v in numbered.items() if v is not None}
    has_forfeit = not forfeit.fallback and forfeit.rule.params.months is not None

    if facts.need_identified and "deadline.meeting" in numbered:
        add("meeting_latest", "SIP-mötet hålls senast", facts.need_identified + numbered["deadline.meeting"],
            meeting_rule, "rekommendation")
    if facts.meeting and "invitation.timing" in numbered:
        add("send_invitation_by", "Skicka kallelsen senast", facts.meeting - numbered["invitation.timing"], timing, "rekommendation")
    if facts.invitation_sent and not facts.meeting and "invitation.timing" in numbered:
        add("meeting_earliest", "Boka mötet tidigast", facts.invitation_sent + numbered["invitation.timing"], timing, "rekommendation")
    if facts.meeting and "invitation.reply" in numbered:
        add("confirm_by", "De kallade bekräftar sitt deltagande senast", facts.meeting - numbered["invitation.reply"], reply, "senast")
    base = facts.last_follow_up or facts.meeting
    if base and "follow_up.when" in numbered:
        add("follow_up_latest", "Nästa uppföljning senast", base + numbered["follow_up.when"], follow, "senast")
    if base and has_forfeit:
        add("forfeited_on", "Planen förverkas (ingen uppföljning eller uppdatering) den", _add(base, months=forfeit.rule.params.months), forfeit, "senast")
        if forfeit.rule.params.months_auto:
            add("auto_closed_on", "Planen avslutas automatiskt den", _add(base, months=forfeit.rule.params.months_auto), forfeit, "senast")
    if facts.consent_date and "consent.duration" in numbered:
        add("consent_expires", "Samtycket gäller till", facts.consent_date + numbered["consent.duration"], duration, "senast")

    d.details["deadlines"] = found
    d.say(start.rule.statement, start.rule.plain)
    for dl in found:
        status = " (passerat)" if dl.passed(today) else ""
        kind = " – rekommendation" if dl.kind == "rekommendation" else ""
        d.say(f"{dl.label}: {swedish_date(dl.date)}{status}{kind}.", f"{dl.label}: {swedish_date(dl.date)}{status}.")
    if facts.meeting and any(x.key == "meeting_latest" for x in found):
        latest = next(x for x in found if x.key == "meeting_latest")
        d.details["meeting_on_time"] = facts.meeting <= latest.date
        if facts.meeting > latest.date:
            d.say(f"Det planerade mötet ({swedish_date(facts.meeting)}) ligger efter rekommendationen.",
                  "Mötet är planerat senare än rutinen rekommenderar.")
    if not found:
        wanted = _wanted_dates(numbered, has_forfeit)
        if wanted and not any(getattr(facts, w) for w in wanted):
            d.outcome = "behover_uppgifter"
            d.missing.extend(wanted)
        else:
            d.outcome = "inga_tidsfrister"
            for a in (meeting_rule, timing, follow):
                d.use(a)
                d.say(a.rule.statement, a.rule.plain)
    return d


def _wanted_dates(numbered: Dict[str, relativedelta], has_forfeit: bool) -> List[str]:
    wanted = []
    if "deadline.meeting" in numbered:
        wanted.append("need_identified")
    if "invitation.timing" in numbered or "invitation.reply" in numbered:
        wanted.append("meeting")
    if "follow_up.when" in numbered or has_forfeit:
        wanted.append("last_follow_up")
    if "consent.duration" in numbered:
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
