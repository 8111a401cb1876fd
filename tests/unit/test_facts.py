"""Reading the facts of a case from what users type: ages, guardians, organisations, Swedish
dates (via dateparser), yes/no/skip and reasons to close."""

import datetime as dt

import pytest

from bot import facts

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize("text, expected", [
    ("vi har en 14-åring med två vårdnadshavare", 14),
    ("Hon är 9 år och pappan säger nej", 9),
    ("jag går i åttan och är 14 år gammal", 14),
    ("eleven fyller 15 i vår", 15),
    ("en kille på fjorton år", 14),
    ("hen är 16ar", 16),
    ("om två år flyttar de", None),       # a period, not an age
    ("samtycket gäller i ett år", None),
    ("hur ofta ska vi följa upp, varje år?", None),
])
def test_age(text, expected):
    assert facts.age(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("två vårdnadshavare, båda samtycker", {"guardians": 2, "guardians_consenting": 2}),
    ("pappan säger nej men mamma vill", {"guardians": 2, "guardians_consenting": 1}),
    ("ingen av vårdnadshavarna vill", {"guardians_consenting": 0}),
    ("mamma har ensam vårdnad", {"guardians": 1}),
    ("vad gäller för samtycke", {}),
])
def test_guardians(text, expected):
    assert facts.guardians(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("skola, BUP och soc är inblandade, plus habben", ["skola", "bup", "socialtjanst", "habilitering"]),
    ("eleven har kontakt med bup:s mottagning och vårdcentralen", ["bup", "vardcentral"]),
    ("forsakringskassan och arbetsformedlingen", ["forsakringskassan", "arbetsformedlingen"]),
    ("vad gäller för samtycke", []),
])
def test_organisations(text, expected):
    assert facts.organisations(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("behovet upptäcktes 3 mars 2026, när senast ska mötet hållas?", {"need_identified": dt.date(2026, 3, 3)}),
    ("vi såg behovet igår", {"need_identified": dt.date(2026, 11, 25)}),
    ("mötet hölls 12 april 2026 och sista uppföljningen var 1 oktober 2025",
     {"meeting": dt.date(2026, 4, 12), "last_follow_up": dt.date(2025, 10, 1)}),
    ("samtycket gavs den 1:a december 2025", {"consent_date": dt.date(2025, 12, 1)}),
    ("mötet är om två veckor", {"meeting": dt.date(2026, 12, 10)}),
    ("2026-02-29", {}),                                  # no such date
    ("i förrgår", {"date": dt.date(2026, 11, 24)}),
    ("hon är 14 år och har 2 vårdnadshavare", {}),      # an age is not a date
])
def test_dates(text, expected):
    assert facts.dates(text, TODAY) == expected


@pytest.mark.parametrize("text, yes, skip", [
    ("ja", True, False), ("Ja, det gör hon", True, False), ("nej", False, False),
    ("nej det har hen inte", False, False), ("vet inte", None, True), ("hoppa över", None, True),
    ("kanske", None, False),
])
def test_yes_no_and_skip(text, yes, skip):
    assert facts.yes_no(text) is yes
    assert facts.is_skip(text) is skip


@pytest.mark.parametrize("text, reason", [
    ("familjen flyttar till en annan region", "flytt_utanfor_regionen"),
    ("mamma har dragit tillbaka sitt samtycke", "samtycke_aterkallat"),
    ("barnet mår bra nu och behovet har upphört", "behov_upphort"),
    ("de har bytt vårdcentral", "byte_vardcentral"),
    ("vi tycker att det är tråkigt", None),
])
def test_closing_reason(text, reason):
    assert facts.closing_reason(text) == reason


# ============================================================================= free descriptions
# Every sentence below is written for these tests: people describing their own case.

@pytest.mark.parametrize("text, expected", [
    ("vi har en kille på 14 som inte går till skolan", 14),
    ("det gäller en tjej på tretton", 13),
    ("en pojke på 9 år med autism", 9),
    ("tjejen är tretton och har det tufft", 13),
    ("pojken e 12 nu", 12),
    ("en 13-årig elev i vår klass", 13),
    ("vi har en 17-åring som snart flyttar hemifrån", 17),
    ("han är 16 år gammal", 16),
    ("hon har fyllt 16 sedan förra mötet", 16),
    ("min son (9) har svårt i skolan", 9),
    ("min dotter 11 år har fått en diagnos", 11),
    ("jag är 42 och min son är 8", 8),                 # the child's age, not the writer's
    ("jag är 17 och vill veta vad en SIP är", 17),     # a young person about themselves
    ("hon går i åttan", None),                         # a school year is not an age
    ("han har gått i nian ett år extra", None),
    ("vi har haft kontakt i 3 år", None),              # a period
    ("det började för 2 år sedan", None),
    ("planen ska följas upp minst 1 gång per år", None),
    ("samtycket gäller i 12 månader", None),
    ("när hon var 7 år fick hon sin diagnos", None),   # an age in the past
    ("han har inte fyllt 18 än", None),                # a bound, not an age
    ("gäller det barn under 18 år?", None),
    ("vi har två vårdnadshavare och tre verksamheter", None),
])
def test_age_in_free_words(text, expected):
    assert facts.age(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("bara mamma har skrivit under", {"guardians": 2, "guardians_consenting": 1}),
    ("Bara mamman har skrivit på, vad gör vi nu?", {"guardians": 2, "guardians_consenting": 1}),
    ("pappan vägrar", {"guardians": 2, "guardians_consenting": 1}),
    ("hans pappa vägrar skriva under", {"guardians": 2, "guardians_consenting": 1}),   # a parent writing
    ("den andra föräldern säger nej", {"guardians": 2, "guardians_consenting": 1}),
    ("ena vårdnadshavaren vill inte", {"guardians": 2, "guardians_consenting": 1}),
    ("ena vardnadshavaren vill inte", {"guardians": 2, "guardians_consenting": 1}),   # without å/ä/ö
    ("den ena föräldern vill men inte den andra", {"guardians": 2, "guardians_consenting": 1}),
    ("mamma har skrivit under men inte pappa", {"guardians": 2, "guardians_consenting": 1}),
    ("båda föräldrarna har sagt ja", {"guardians": 2, "guardians_consenting": 2}),
    ("mamma och pappa har skrivit på", {"guardians": 2, "guardians_consenting": 2}),
    ("mamma skrev under igår och pappa också", {"guardians": 2, "guardians_consenting": 2}),
    ("ingen av dem vill", {"guardians_consenting": 0}),
    ("föräldrarna vägrar skriva på", {"guardians_consenting": 0}),
    ("varken mamma eller pappa vill skriva under", {"guardians_consenting": 0}),
    ("mamma har ensam vårdnad", {"guardians": 1}),
    ("pappa har ensam vardnad och har skrivit under", {"guardians": 1, "guardians_consenting": 1}),
    ("de har gemensam vårdnad om pojken", {"guardians": 2}),
    ("föräldrarna har delad vårdnad", {"guardians": 2}),
    ("hon har bara en vårdnadshavare", {"guardians": 1}),
    ("mamma har ensam vårdnad och pappan vägrar", {"guardians": 1}),   # the father has no say
    ("pappan har inte vårdnaden, han säger nej", {"guardians": 1}),
    ("mamma har skrivit under", {}),                 # one yes: two guardians are not evident
    ("en förälder vill ha SIP", {}),
    ("eleven säger nej", {}),                        # the child's no is not a guardian's
    ("vilka vårdnadshavare ska skriva under?", {}),
    ("jag och hans pappa har skrivit under", {"guardians": 2, "guardians_consenting": 2}),   # a parent writing
    ("jag har skrivit på men mitt ex vägrar", {"guardians": 2, "guardians_consenting": 1}),
    ("mamma vill men jag vet inte om pappa vill", {}),    # the father's answer is not known
    ("ingen av dem motsätter sig", {}),                   # nobody objecting is not nobody consenting
    ("pojken får inte skriva under själv", {}),
])
def test_guardians_and_who_consents(text, expected):
    assert facts.guardians(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("han vill inte själv", False),
    ("hon vill ha SIP", True),
    ("eleven säger nej till en SIP", False),
    ("pojken har sagt ja", True),
    ("hen själv vill inte vara med", False),
    ("hon vill inte ha någon sip alls", False),
    ("mamma vill inte", None),                       # a guardian, not the person
    ("hon vill inte att pappa är med", None),        # not a no to the SIP
    ("han vill inte gå till skolan", None),
    ("flickan vill inte prata med soc", None),
])
def test_the_persons_own_yes_or_no(text, expected):
    assert facts.person_consents(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("eleven har kontakt med BUP", [("bup", True)]),
    ("habiliteringen har aldrig träffat pojken", [("habilitering", False)]),
    ("han har inte träffat någon på BUP än", [("bup", False)]),
    ("det finns ingen kontakt med socialtjänsten", [("socialtjanst", False)]),
    ("hon står i kö till BUP sedan i våras", [("bup", False)]),
    ("han ar inte aktuell pa bup langre", [("bup", False)]),
    ("har kontakt med BUP men inte med habben", [("bup", True), ("habilitering", False)]),
    ("BUP träffar honom varje vecka och soc har inte träffat honom", [("bup", True), ("socialtjanst", False)]),
    ("familjen har ett öppet ärende hos soc", [("socialtjanst", True)]),
    ("hon är inskriven på habiliteringen och går på BUP", [("habilitering", True), ("bup", True)]),
    ("skolan och BUP är inkopplade", [("skola", True), ("bup", True)]),
    ("ska vi kalla BUP och vårdcentralen?", [("bup", None), ("vardcentral", None)]),
    ("barn- och ungdomsmottagningen har kontakt", [("bumm", True)]),     # not the ungdomsmottagning
    ("Socialsekreteraren träffar familjen", [("socialtjanst", True)]),
    ("vad gäller för samtycke", []),
    ("skolan har kontakt med BUP", [("skola", None), ("bup", None)]),   # with each other, not with the child
    ("BUP, där han står i kö, har inte hört av sig", [("bup", False)]),
    ("hon har kontakt med både BUP och habben", [("bup", True), ("habilitering", True)]),
    ("Habben har aldrig träffat henne och skolan vet inget", [("habilitering", False), ("skola", None)]),
])
def test_organisation_contacts(text, expected):
    assert [(o["id"], o["ongoing"]) for o in facts.organisation_contacts(text)] == expected


@pytest.mark.parametrize("text, expected", [
    ("Jag är socialsekreterare i en mindre kommun och undrar om samtycke", []),
    ("jag är kurator på skolan", []),
    ("Jag jobbar på BUP. Hur gör vi med kallelsen?", []),
    ("Hej, socialsekreterare här. Kan vi kalla utan samtycke?", []),
    ("Jag arbetar inom socialtjänsten och har en familj med barn på habiliteringen", ["habilitering"]),
    ("jag är kurator och BUP har kontakt med eleven", ["bup"]),
    ("Jag jobbar som specialpedagog på en grundskola, eleven går på BUP", ["bup"]),
    ("Jag heter Mia och är skolsköterska. Pojken har kontakt med ungdomsmottagningen.", ["ungdomsmottagning"]),
    ("vi på skolan vill kalla BUP och soc", ["bup", "socialtjanst"]),
    ("jag är orolig för att BUP inte kallar oss", ["bup"]),        # a feeling, not a role
    ("jag är mamma till en pojke som går på BUP", ["bup"]),
    ("jag är aktuell på BUP sedan ett år", ["bup"]),               # a young person's own contact
])
def test_a_self_introduction_is_not_the_case(text, expected):
    assert facts.organisations(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("samtycket skrevs under i september förra året", {"consent_date": dt.date(2025, 9, 1)}),
    ("mamma skrev på i mars i år", {"consent_date": dt.date(2026, 3, 1)}),
    ("vi upptäckte behovet i september", {"need_identified": dt.date(2026, 9, 1)}),
    ("behovet upptäcktes i december", {"need_identified": dt.date(2025, 12, 1)}),     # past: not next month
    ("mötet blir i mars", {"meeting": dt.date(2027, 3, 1)}),                         # future: next March
    ("mötet hölls i våras", {"meeting": dt.date(2026, 3, 1)}),
    ("vi märkte behovet i höstas", {"need_identified": dt.date(2026, 9, 1)}),
    ("hon gav sitt samtycke förra månaden", {"consent_date": dt.date(2026, 10, 1)}),
    ("vi hade mötet förra veckan", {"meeting": dt.date(2026, 11, 16)}),               # Monday of that week
    ("vi kallade till möte i förrgår", {"invitation_sent": dt.date(2026, 11, 24)}),
    ("för tre veckor sedan följde vi upp planen", {"last_follow_up": dt.date(2026, 11, 5)}),
    ("vi träffades för två veckor sen", {"meeting": dt.date(2026, 11, 12)}),
    ("mötet är bokat till 2027-01-14", {"meeting": dt.date(2027, 1, 14)}),
    ("mötet hölls 2026-03-01", {"meeting": dt.date(2026, 3, 1)}),                     # ISO, not 3 January
    ("samtycket skrevs under 1/12", {"consent_date": dt.date(2025, 12, 1)}),
    ("mötet ska hållas 1/12", {"meeting": dt.date(2026, 12, 1)}),
    ("vi sågs i måndags", {"meeting": dt.date(2026, 11, 23)}),
    ("senaste uppföljningen var juni 2025", {"last_follow_up": dt.date(2025, 6, 1)}),
    ("behovet uppmärksammades i slutet av oktober", {"need_identified": dt.date(2026, 10, 21)}),
    ("Igår hade vi SIP-möte och samtycket gavs i oktober",
     {"meeting": dt.date(2026, 11, 25), "consent_date": dt.date(2026, 10, 1)}),
    ("3 mars hölls mötet och 1 mars gavs samtycket",
     {"meeting": dt.date(2026, 3, 3), "consent_date": dt.date(2026, 3, 1)}),
    ("vi skickade kallelsen till mötet igår", {"invitation_sent": dt.date(2026, 11, 25)}),
    ("mote i forrgar", {"meeting": dt.date(2026, 11, 24)}),                           # without å/ä/ö
    ("hon fyller 16 i maj", {}),                     # a birthday, not a date of the case
    ("vi jobbar med det 24/7", {}),
    ("i jul ska vi ses igen", {}),                    # Christmas, not July
    ("hon har gått i skolan i tre år", {}),
    ("mötet är på fredag", {"meeting": dt.date(2026, 11, 27)}),
    ("vi ska ha SIP-möte v. 3", {"meeting": dt.date(2027, 1, 18)}),                  # week 3 of next year
    ("mötet är nästa vecka", {"meeting": dt.date(2026, 11, 30)}),
    ("behovet sågs för ett halvår sedan", {"need_identified": dt.date(2026, 5, 26)}),
    ("planen upprättades förra året", {"last_follow_up": dt.date(2025, 1, 1)}),
    ("han är född i mars 2012", {}),
])
def test_dates_people_write(text, expected):
    assert facts.dates(text, TODAY) == expected


@pytest.mark.parametrize("text, today, expected", [
    ("mötet hölls i våras", dt.date(2026, 2, 10), dt.date(2025, 3, 1)),    # still before this spring
    ("behovet upptäcktes i höstas", dt.date(2026, 5, 10), dt.date(2025, 9, 1)),
    ("samtycket gavs i september", dt.date(2026, 5, 10), dt.date(2025, 9, 1)),
])
def test_seasons_and_months_fall_in_the_most_recent_past(text, today, expected):
    assert list(facts.dates(text, today).values()) == [expected]


@pytest.mark.parametrize("text, reason", [
    ("hon vill inte ha kvar SIP:en", "samtycke_aterkallat"),
    ("pappan har tagit tillbaka sitt samtycke", "samtycke_aterkallat"),
    ("allt fungerar nu, inga insatser kvar", "behov_upphort"),
    ("han klarar sig själv nu och behöver inte längre stödet", "behov_upphort"),
    ("familjen flyttar utomlands i vår", "flytt_utanfor_regionen"),
    ("malen ar uppnadda", "behov_upphort"),          # goals reached: the needs are met (a changed goal is mal_forandrat)
    ("familjen flyttar till Norrland", None),         # a place alone: the caller decides
    ("hon vill inte ha någon SIP", None),            # a no to begin with, not a withdrawal
    ("behovet har inte upphört", None),
    ("allt fungerar inte", None),
])
def test_closing_reasons_in_more_words(text, reason):
    assert facts.closing_reason(text) == reason


# ============================================================================= more of how people write
@pytest.mark.parametrize("text, expected", [
    ("BUP har ingen kontakt med barnet än", [("bup", False)]),
    ("Habiliteringen har inte träffat honom", [("habilitering", False)]),
    ("BUP och habiliteringen finns med i bilden men ingen av dem har träffat flickan",
     [("bup", False), ("habilitering", False)]),
    ("Skolan och soc känner till det. Ingen av dem har träffat honom.", [("skola", False), ("socialtjanst", False)]),
    ("varken BUP eller habben har träffat honom", [("bup", False), ("habilitering", False)]),
    ("han har varken kontakt med BUP eller habben", [("bup", False), ("habilitering", False)]),
    ("Socialtjänsten har pågående insatser för familjen", [("socialtjanst", True)]),
    ("soc är redan inne", [("socialtjanst", True)]),
    ("habiliteringen är inkopplad sedan i våras", [("habilitering", True)]),
    ("BUP är inte inkopplad", [("bup", False)]),
    ("soc utreder", [("socialtjanst", True)]),
    ("skolan har extra anpassningar", [("skola", True)]),
    ("han har extra anpassningar i skolan", [("skola", True)]),
    ("soc har inga pågående insatser", [("socialtjanst", False)]),
    ("en pojke som inte har kontakt med BUP", [("bup", False)]),
    ("han väntar på BUP", [("bup", False)]),
    ("BUP: pågående kontakt. Habben: står i kö.", [("bup", True), ("habilitering", False)]),
    ("hon har hemtjänst och boendestöd", [("socialtjanst", True)]),
    ("han bor på HVB", [("socialtjanst", True)]),
    ("han går på daglig verksamhet", [("lss", True)]),
    ("han har inte hemtjänst längre", [("socialtjanst", False)]),
    ("de har ansökt om korttids", [("lss", False)]),
    ("hon går inte till skolan", [("skola", None)]),                   # not attending is not "no contact"
    ("skolan har pratat med BUP", [("skola", None), ("bup", None)]),   # services talking to each other
    ("BUP har kontakt med soc", [("bup", None), ("socialtjanst", None)]),
    ("ska vi kalla hemtjänsten?", [("socialtjanst", None)]),
])
def test_contact_said_of_the_organisation(text, expected):
    assert [(o["id"], o["ongoing"]) for o in facts.organisation_contacts(text)] == expected


@pytest.mark.parametrize("text, expected", [
    ("Socialsekreterare i Ystad: pojken har kontakt med BUP", ["bup"]),
    ("Kurator på skolan här. Eleven går på BUP.", ["bup"]),
    ("BUP-psykolog i Lund: flickan har extra anpassningar i skolan", ["skola"]),
    ("Hej! Skolsköterska på Östra skolan här, eleven har kontakt med habben", ["habilitering"]),
    ("LSS-handläggare här. Hon har kontakt med vuxenpsykiatrin.", ["vuxenpsykiatri"]),
    ("Specialpedagog på en grundskola i Lund: eleven har kontakt med habben", ["habilitering"]),
    ("Kuratorn på skolan har kontakt med eleven", ["elevhalsa", "skola"]),   # a service of the case, not an introduction
    ("Socialsekreteraren har träffat familjen", ["socialtjanst"]),
    ("BUP: pågående kontakt. Habben: står i kö.", ["bup", "habilitering"]),   # a list, not the writer
    ("Tidigare: hade hon kontakt med BUP", ["bup"]),
])
def test_a_short_self_introduction_is_not_the_case(text, expected):
    assert facts.organisations(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("hon har kontakt med kuratorn", ["elevhalsa"]),
    ("EHT har tagit upp det", ["elevhalsa"]),
    ("elevhälsoteam och logoped", ["elevhalsa", "logoped"]),
    ("han går hos logopeden", ["logoped"]),
    ("logopeden på habben träffar henne", ["habilitering"]),           # a role at another organisation is that one's
    ("hon träffar kuratorn på BUP", ["bup"]),
    ("öppenpsykiatrin och vuxenhabiliteringen", ["vuxenpsykiatri", "habilitering"]),
    ("LSS-handläggaren och daglig verksamhet", ["lss"]),
    ("hemtjänst, boendestöd och kontaktfamilj", ["socialtjanst"]),
    ("hon bor i familjehem, tidigare på HVB", ["socialtjanst"]),
    ("skolsköterskan på Östra skolan", ["elevhalsa", "skola"]),         # the school's own elevhälsa: both
    ("skolpsykologen", ["elevhalsa"]),
])
def test_more_organisation_names(text, expected):
    assert facts.organisations(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("vi har en tolvåring", 12),
    ("det gäller en femtonåring som inte vill gå till skolan", 15),
    ("en sjuttonårig kille med ADHD", 17),
    ("en tolvårig flicka", 12),
    ("tvååringen på förskolan", 2),
    ("ett sexårigt barn", 6),
    ("hon är sextonårig och har kontakt med BUP", 16),
    ("han fyllde 18 i somras", 18),
    ("en treårig utbildning", None),                  # a duration, not an age
    ("ett tvåårigt projekt", None),
    ("vi har ett femårigt avtal", None),
    ("tonåringen har det tufft", None),
])
def test_ages_as_one_word(text, expected):
    assert facts.age(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("båda vårdnadshavarna säger nej", {"guardians": 2, "guardians_consenting": 0}),
    ("båda föräldrarna vill inte", {"guardians": 2, "guardians_consenting": 0}),
    ("mamma och pappa säger nej", {"guardians": 2, "guardians_consenting": 0}),
    ("ingen av föräldrarna vill", {"guardians_consenting": 0}),          # how many: not evident
    ("ingen av de två föräldrarna vill", {"guardians": 2, "guardians_consenting": 0}),
    ("två vårdnadshavare, ingen av dem har hört av sig", {"guardians": 2, "guardians_consenting": 0}),
    ("pappan svarar inte", {"guardians": 2, "guardians_consenting": 0}),
    ("mamma har skrivit under men pappan nås inte", {"guardians": 2, "guardians_consenting": 1}),
    ("mamma har skrivit på, pappan har inte svarat", {"guardians": 2, "guardians_consenting": 1}),
    ("vi når inte pappan men mamma har skrivit under", {"guardians": 2, "guardians_consenting": 1}),
    ("pappan går inte att nå och mamma vägrar", {"guardians": 2, "guardians_consenting": 0}),
    ("mamma har ensam vårdnad men svarar inte", {"guardians": 1, "guardians_consenting": 0}),
    ("pappan har svarat", {}),                        # an answer, yes or no, is not said
])
def test_no_answer_is_not_a_consent(text, expected):
    assert facts.guardians(text) == expected


def test_a_child_not_answering_is_not_its_no():
    assert facts.person_consents("eleven svarar inte") is None


@pytest.mark.parametrize("text, expected", [
    ("mamma drog tillbaka sitt samtycke igår", {"withdrawn": dt.date(2026, 11, 25)}),
    ("samtycket drogs tillbaka i förrgår", {"withdrawn": dt.date(2026, 11, 24)}),
    ("pappan återkallade samtycket förra veckan", {"withdrawn": dt.date(2026, 11, 16)}),
    ("mamma gav samtycke i mars men drog tillbaka det igår",
     {"consent_date": dt.date(2026, 3, 1), "withdrawn": dt.date(2026, 11, 25)}),
    ("planen har inte följts upp på över ett år", {"last_follow_up": dt.date(2025, 11, 26)}),   # exactly a year
    ("ingen uppföljning sedan i fjol", {"last_follow_up": dt.date(2025, 12, 31)}),              # the latest day allowed
    ("inte uppdaterad på 14 månader", {"last_follow_up": dt.date(2025, 9, 26)}),
    ("SIP:en har inte reviderats sedan 2024", {"last_follow_up": dt.date(2024, 12, 31)}),
    ("planen har inte följts upp sedan i mars", {"last_follow_up": dt.date(2026, 3, 31)}),
    ("vi har inte haft någon uppföljning på ett halvår", {"last_follow_up": dt.date(2026, 5, 26)}),
    ("planen ska följas upp om ett år", {}),
])
def test_dates_that_are_not_what_they_seem(text, expected):
    assert facts.dates(text, TODAY) == expected


def test_a_withdrawal_date_answers_no_case_question():
    assert facts.date_answer("hon drog tillbaka det igår", TODAY) is None
    assert facts.date_answer("igår", TODAY) == dt.date(2026, 11, 25)


@pytest.mark.parametrize("text, reason", [
    ("behoven är tillgodosedda", "behov_upphort"),
    ("målen är nådda", "behov_upphort"),
    ("han har nått sina mål", "behov_upphort"),
    ("hon klarar sig utan stöd nu", "behov_upphort"),
    ("det finns inga insatser kvar", "behov_upphort"),
    ("det långsiktiga målet har förändrats", "mal_forandrat"),
    ("målen är inte nådda", None),
    ("behoven är inte tillgodosedda", None),
    ("han klarar sig inte utan stöd", None),
])
def test_closing_reasons_needs_met(text, reason):
    assert facts.closing_reason(text) == reason


@pytest.mark.parametrize("text, expected", [
    ("hon har demens", {"can_consent": False}),
    ("han har nedsatt beslutsförmåga", {"can_consent": False}),
    ("hon kan inte själv förstå vad ett samtycke är", {"can_consent": False}),
    ("han kan inte ta ställning", {"can_consent": False}),
    ("eftersom han inte kan ta ställning", {"can_consent": False}),
    ("han kan själv ta ställning", {"can_consent": True}),
    ("han har en förvaltare", {"legal_representative": True}),
    ("hon har god man", {"legal_representative": True}),
    ("hon står under förvaltarskap", {"legal_representative": True}),
    ("hennes gode man säger nej", {"legal_representative": True}),
    ("ingen förvaltare än", {"legal_representative": False}),
    ("han har ingen god man", {"legal_representative": False}),
    ("föräldrarna har ingen fullmakt", {"legal_representative": False}),
    ("vi har ansökt om god man", {"legal_representative": False}),       # applied for: none yet
    ("han saknar god man men har förvaltare", {"legal_representative": True}),
    ("vet inte om hon kan ta ställning", {}),         # a doubt
    ("vad gäller om personen har demens?", {}),       # a condition
    ("hon har lätt demens", {}),                      # mild dementia does not settle it
    ("pappan har demens", {}),                        # a parent, not the person
    ("kan hon ta ställning?", {}),
    ("mamma har god man", {}),
])
def test_capacity_and_representatives(text, expected):
    assert facts.capacity(text) == expected


def test_the_case_checks_take_the_new_facts():
    from bot import casecheck

    known = facts.from_text("Mannen är 80 och har demens, han har ingen god man. Hans fru drog tillbaka sitt "
                            "samtycke igår.", TODAY)
    assert known["can_consent"] is False and known["legal_representative"] is False
    assert "consent_date" not in known and known["withdrawn"] == dt.date(2026, 11, 25)
    consent = casecheck.new_state("consent", known)
    assert consent["facts"] == {"age": 80, "can_consent": False, "legal_representative": False}
    casecheck.model(consent)
    closing = casecheck.new_state("closing", facts.from_text("SIP:en har inte följts upp på över ett år", TODAY))
    assert closing["facts"] == {"last_follow_up": "2025-11-26"}
    casecheck.model(closing)


def test_from_text_gives_organisations_with_contact_when_the_text_says():
    found = facts.from_text("Vi har en tjej på 15 där pappan vägrar skriva på. BUP har kontakt med henne, "
                            "habben har aldrig träffat henne och skolan vet inget.", TODAY)
    assert found["age"] == 15 and found["guardians"] == 2 and found["guardians_consenting"] == 1
    assert found["organisations"] == [{"id": "bup", "ongoing": True}, {"id": "habilitering", "ongoing": False},
                                      {"id": "skola", "ongoing": None}]


def test_from_text_gives_organisation_ids_when_no_contact_is_known():
    assert facts.from_text("ska vi kalla skolan och BUP?", TODAY) == {"organisations": ["skola", "bup"]}


def test_from_text_leaves_the_writers_own_role_out():
    assert facts.from_text("Jag är socialsekreterare i en kommun. Barnet är 12 och han vill inte själv.", TODAY) == {
        "age": 12, "person_consents": False}


def test_the_case_checks_take_the_facts_read_here():
    from bot import casecheck

    known = facts.from_text("en kille på 14, bara mamma har skrivit under och han vill inte själv. "
                            "BUP har kontakt, habiliteringen står i kö.", TODAY)
    consent = casecheck.new_state("consent", known)
    assert consent["facts"] == {"age": 14, "guardians": 2, "guardians_consenting": 1, "person_consents": False}
    invitations = casecheck.new_state("invitations", known)
    assert invitations["facts"]["organisations"] == [{"id": "bup", "ongoing": True},
                                                     {"id": "habilitering", "ongoing": False}]
    casecheck.model(invitations)  # the rules core accepts them


def test_reading_a_typical_message_is_fast():
    import time

    messages = ["Hej! Jag är kurator på en skola. Vi har en elev på 14 med två vårdnadshavare där pappan vägrar.",
                "Behovet upptäcktes för tre veckor sedan, när senast ska mötet hållas?",
                "BUP har kontakt men habben har aldrig träffat honom. Mötet hölls i september förra året.",
                "ja", "hoppa över", "Kan vi avsluta? Allt fungerar nu och inga insatser kvar."]
    for m in messages:
        facts.from_text(m, TODAY)
    start = time.perf_counter()
    for _ in range(20):
        for m in messages:
            facts.from_text(m, TODAY)
    per_message_ms = (time.perf_counter() - start) / (20 * len(messages)) * 1000
    assert per_message_ms < 5, per_message_ms
