"""A case's dates in the user's calendar: an .ics file (RFC 5545, the icalendar library), issue 15
part 2.

``ics(deadlines, region, today)`` takes the dates the rules core computed
(``bot.rules.deadlines`` → ``Decision.details["deadlines"]``, a list of ``rules.Deadline``) and
makes one all-day event per date, with a reminder at 09.00 the day before:

- SUMMARY: what the date is, in Swedish, worded as a recommendation when the rule is advice;
- DESCRIPTION: the rules core's own sentence for the date, whether it is a rule or a
  recommendation, the rule id, the force of the rule, a note when the routine is silent and the
  national baseline was used, and the source lines (``bot.render.source_lines``);
- UID: ``<what>-<date>-<case>@sipguiden``, where ``<case>`` is a hash of the region and the
  computed dates with their rules. The same case exported again gives the same UIDs (a calendar
  updates the events instead of doubling them); nothing in it is personal data.

Nothing else goes in: the dates, the region's name and the knowledge base's texts. No name,
identity number or anything the user typed. Pure Python: no Rasa import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Iterable, List, Optional, Union

from bot import documents as doc
from bot import rules
from bot.knowledge import NATIONAL, REGION_IDS, Answer, KnowledgeBase, knowledge
from bot.render import region_label, silence_note, source_lines

PRODID = "-//SIP-guiden//Tidsfrister för en SIP//SV"
# what -> the event's title; every date the rules core computes (rules.COMPUTED_DATES) has one.
SUMMARIES = {
    "meeting_latest": "SIP: sista dag för SIP-mötet",
    "send_invitation_by": "SIP: skicka kallelsen senast i dag",
    "meeting_earliest": "SIP: mötet kan hållas från i dag",
    "confirm_by": "SIP: de kallade bekräftar sitt deltagande senast i dag",
    "follow_up_latest": "SIP: uppföljning senast i dag",
    "forfeited_on": "SIP: planen förverkas i dag om den inte har följts upp",
    "auto_closed_on": "SIP: planen avslutas automatiskt i dag",
    "consent_valid_until": "SIP: sista dagen samtycket gäller",
}
# The title when the date's rule is a recommendation (the dates the wording table has a ``.bor``
# sentence for); any other date gets its title with " (rekommendation)".
ADVICE_SUMMARIES = {
    "meeting_latest": "SIP: SIP-mötet bör hållas senast i dag (rekommendation)",
    "send_invitation_by": "SIP: skicka helst kallelsen senast i dag (rekommendation)",
    "meeting_earliest": "SIP: mötet hålls helst tidigast i dag (rekommendation)",
    "confirm_by": "SIP: de kallade bör bekräfta sitt deltagande senast i dag (rekommendation)",
    "follow_up_latest": "SIP: uppföljning bör ske senast i dag (rekommendation)",
}
REMINDER_BEFORE = dt.timedelta(hours=-15)  # 09.00 the day before an all-day event


def case_token(deadlines: Iterable[rules.Deadline], region: Optional[str]) -> str:
    """A short hash of the region and the computed dates: stable for one case, no personal data."""
    key = "|".join([region or NATIONAL] + sorted(f"{d.key}:{d.date.isoformat()}:{d.rule_id}" for d in deadlines))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def uid(deadline: rules.Deadline, token: str) -> str:
    return f"{deadline.key}-{deadline.date:%Y%m%d}-{token}@sipguiden"


def summary(deadline: rules.Deadline, recommended: bool) -> str:
    try:
        title = SUMMARIES[deadline.key]
    except KeyError:
        raise KeyError(f"ingen rubrik för datumet {deadline.key!r}") from None
    if recommended:
        return ADVICE_SUMMARIES.get(deadline.key, f"{title} (rekommendation)")
    return title


def description(kb: KnowledgeBase, deadline: rules.Deadline, region: Optional[str], today: dt.date) -> str:
    rule = kb.rule_by_id(deadline.rule_id)
    answer = Answer(rule, region if region in REGION_IDS else NATIONAL, deadline.fallback)
    lines = [doc.deadline_sentence(deadline, rule, today),
             f"Regel eller rekommendation: {doc.DATE_KINDS[doc.recommendation(rule)]}. Regel-id: {rule.id}.",
             doc.strength_label(rule)]
    note = silence_note(kb, answer)
    if note:
        lines.append(note)
    lines += source_lines(kb, [answer])
    lines.append(f"Från SIP-guiden ({region_label(kb, region)}). Kontrollera datumen mot er egen planering.")
    return "\n".join(lines)


def ics(deadlines: Union[Iterable[rules.Deadline], rules.Decision], region: Optional[str], today: dt.date,
        kb: Optional[KnowledgeBase] = None) -> bytes:
    """The .ics file for the computed dates (a ``rules.deadlines`` decision or its deadlines)."""
    from icalendar import Alarm, Calendar, Event

    kb = kb or knowledge()
    if isinstance(deadlines, rules.Decision):
        deadlines = deadlines.details.get("deadlines") or []
    found: List[rules.Deadline] = sorted(deadlines, key=lambda d: (d.date, d.key))
    token = case_token(found, region)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"SIP – tidsfrister ({region_label(kb, region)})")
    stamp = dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.timezone.utc)
    for d in found:
        rule = kb.rule_by_id(d.rule_id)
        title = summary(d, doc.recommendation(rule))
        event = Event()
        event.add("uid", uid(d, token))
        event.add("dtstamp", stamp)
        event.add("dtstart", d.date)
        event.add("dtend", d.date + dt.timedelta(days=1))
        event.add("summary", title)
        event.add("description", description(kb, d, region, today))
        event.add("categories", ["SIP"])
        event.add("transp", "TRANSPARENT")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", REMINDER_BEFORE)
        alarm.add("description", title)
        event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()


__all__ = ["ADVICE_SUMMARIES", "PRODID", "SUMMARIES", "case_token", "description", "ics", "summary", "uid"]
