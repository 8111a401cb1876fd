"""A case's dates as an .ics file (bot/calendar_ics.py; RFC 5545; issue 15 part 2)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from icalendar import Calendar

from bot import calendar_ics, documents, rules
from bot.knowledge import NATIONAL, REGION_IDS, Answer, knowledge
from bot.privacy import redact
from bot.render import source_lines

KB = knowledge()
TODAY = dt.date(2026, 2, 2)
REGIONS = list(REGION_IDS) + [None]
# every date the rules core can compute from these facts (need, meeting, follow-up, consent)
FACTS = rules.DeadlineFacts(need_identified=dt.date(2026, 1, 20), meeting=dt.date(2026, 3, 12),
                            last_follow_up=dt.date(2026, 3, 12), consent_date=dt.date(2026, 1, 25))
UID = re.compile(r"^[a-z_]+-\d{8}-[0-9a-f]{16}@sipguiden$")


def computed(region, facts=FACTS):
    return rules.deadlines(KB, region, facts, TODAY).details["deadlines"]


def events(data: bytes):
    return list(Calendar.from_ical(data).walk("VEVENT"))


@pytest.mark.parametrize("region", REGIONS)
def test_one_all_day_event_per_computed_date(region):
    found = computed(region)
    evs = events(calendar_ics.ics(found, region, TODAY))
    assert len(evs) == len(found)
    assert sorted(e.decoded("dtstart") for e in evs) == sorted(d.date for d in found)
    for e in evs:
        start = e.decoded("dtstart")
        assert type(start) is dt.date  # an all-day event (VALUE=DATE), not a time
        assert e.decoded("dtend") == start + dt.timedelta(days=1)
        (alarm,) = e.walk("VALARM")
        assert alarm.decoded("trigger") == dt.timedelta(hours=-15)


def test_the_dates_equal_the_rules_cores_for_each_case():
    # Haninge from the meeting: three weeks before (advice) and one week before (rule)
    found = computed("haninge", rules.DeadlineFacts(meeting=dt.date(2026, 3, 12)))
    by_summary = {str(e["summary"]): e.decoded("dtstart") for e in events(calendar_ics.ics(found, "haninge", TODAY))}
    assert by_summary == {"SIP: skicka helst kallelsen senast i dag (rekommendation)": dt.date(2026, 2, 19),
                          "SIP: de kallade bekräftar sitt deltagande senast i dag": dt.date(2026, 3, 5)}
    # Skåne: follow-up within a year, forfeited after 12 months, closed after 15
    found = computed("skane", rules.DeadlineFacts(last_follow_up=dt.date(2026, 3, 12)))
    dates = sorted(e.decoded("dtstart") for e in events(calendar_ics.ics(found, "skane", TODAY)))
    assert dates == [dt.date(2027, 3, 12), dt.date(2027, 3, 12), dt.date(2027, 6, 12)]


def test_a_decision_can_be_given_instead_of_its_deadlines():
    decision = rules.deadlines(KB, "halland", FACTS, TODAY)
    assert calendar_ics.ics(decision, "halland", TODAY) == calendar_ics.ics(decision.details["deadlines"], "halland", TODAY)


@pytest.mark.parametrize("region", REGIONS)
def test_the_description_names_the_rule_its_force_and_its_source(region):
    found = {(d.key, d.date): d for d in computed(region)}
    for e in events(calendar_ics.ics(list(found.values()), region, TODAY)):
        key = str(e["uid"]).split("-")[0]
        dl = found[(key, e.decoded("dtstart"))]
        rule = KB.rule_by_id(dl.rule_id)
        text = str(e["description"])
        assert f"Regel-id: {dl.rule_id}." in text
        kind = "Rekommendation, inte ett krav" if documents.recommendation(rule) else "Regel"
        assert f"Regel eller rekommendation: {kind}." in text
        assert documents.strength_label(rule) in text
        for line in source_lines(KB, [Answer(rule, region or NATIONAL, dl.fallback)]):
            assert line in text
        assert ("rekommendation" in str(e["summary"])) == documents.recommendation(rule)


def test_halland_meeting_within_30_days_is_a_recommendation():
    found = computed("halland", rules.DeadlineFacts(need_identified=dt.date(2026, 1, 20)))
    (e,) = events(calendar_ics.ics(found, "halland", TODAY))
    assert e.decoded("dtstart") == dt.date(2026, 2, 19)
    assert str(e["summary"]) == "SIP: SIP-mötet bör hållas senast i dag (rekommendation)"
    assert "Regel-id: halland.deadline.meeting." in str(e["description"])


def test_every_date_the_rules_core_computes_has_a_title():
    assert set(rules.COMPUTED_DATES) <= set(calendar_ics.SUMMARIES)


@pytest.mark.parametrize("region", REGIONS)
def test_uids_are_unique_stable_and_hold_no_personal_data(region):
    found = computed(region)
    first = [str(e["uid"]) for e in events(calendar_ics.ics(found, region, TODAY))]
    again = [str(e["uid"]) for e in events(calendar_ics.ics(list(reversed(found)), region, TODAY))]
    assert len(set(first)) == len(first) and sorted(first) == sorted(again)
    assert all(UID.match(u) for u in first), first
    other = computed(region, FACTS.copy(update={"meeting": dt.date(2026, 4, 2), "last_follow_up": dt.date(2026, 4, 2)}))
    later = {str(e["uid"]) for e in events(calendar_ics.ics(other, region, TODAY))}
    if {(d.key, d.date) for d in other} != {(d.key, d.date) for d in found}:
        assert not later & set(first)  # another case: its own events, none overwritten
    else:
        assert later == set(first)  # the same dates: the same events


@pytest.mark.parametrize("region", REGIONS)
def test_the_file_holds_no_personal_data(region):
    data = calendar_ics.ics(computed(region), region, TODAY)
    cal = Calendar.from_ical(data)
    texts = [str(c[k]) for c in cal.walk() for k in ("summary", "description", "x-wr-calname") if k in c]
    assert texts
    for text in texts:
        found = redact(text)
        assert found.kinds == (), (found.kinds, text)
    assert b"ATTENDEE" not in data and b"ORGANIZER" not in data and b"CONTACT" not in data


def test_the_file_follows_rfc_5545():
    data = calendar_ics.ics(computed("skane"), "skane", TODAY)
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)  # folded at 75 octets
    cal = Calendar.from_ical(data)
    assert str(cal["version"]) == "2.0" and str(cal["prodid"]) == calendar_ics.PRODID
    for e in cal.walk("VEVENT"):
        for prop in ("uid", "dtstamp", "dtstart", "summary"):
            assert prop in e
        assert e.decoded("dtstamp") == dt.datetime(2026, 2, 2, tzinfo=dt.timezone.utc)


def test_no_dates_gives_an_empty_but_valid_calendar():
    cal = Calendar.from_ical(calendar_ics.ics([], "uppsala", TODAY))
    assert list(cal.walk("VEVENT")) == [] and str(cal["version"]) == "2.0"
