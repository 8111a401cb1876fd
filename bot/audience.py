"""Who is asking: a guardian, a young person or a professional — inferred from what is said.

The answer's register follows: guardians and young people get the plain-language
(klarspråk) version of a rule, staff the professional statement. The user can also say it
outright ("jag är förälder", "jag jobbar på BUP"). Pure Python: no Rasa import.
"""

from __future__ import annotations

import re
from typing import Optional

GUARDIAN, YOUNG, STAFF = "guardian", "young", "staff"
PLAIN_AUDIENCES = (GUARDIAN, YOUNG)

_W = r"(?<![\wåäö])"  # word start
_PATTERNS = [
    (STAFF, re.compile(
        _W + r"(jag\s+(jobbar|arbetar)\b|vi\s+på\s+\w+|som\s+(kurator|socialsekreterare|rektor|lärare|mentor|"
        r"sjuksköterska|skolsköterska|psykolog|läkare|behandlare|handläggare|specialpedagog|sjukskoterska)|"
        r"jag\s+är\s+(kurator|socialsekreterare|rektor|lärare|mentor|sjuksköterska|skolsköterska|psykolog|läkare|"
        r"behandlare|handläggare|specialpedagog|personal|biståndshandläggare|familjebehandlare|skolkurator)|"
        r"min\s+(elev|patient|klient|brukare)|mina\s+(elever|patienter|klienter)|vår\s+(elev|patient|klient)|"
        r"(eleven|patienten|klienten|brukaren)\b|vi\s+har\s+en\s+(elev|patient|klient|\d+-?åring))", re.I)),
    (GUARDIAN, re.compile(
        _W + r"(jag\s+är\s+(mamma|pappa|förälder|foralder|vårdnadshavare|vardnadshavare|bonusförälder|"
        r"familjehemsförälder|fosterförälder)|som\s+(förälder|föräldrar|vårdnadshavare|vårdnadshavarna|mamma|pappa)|vi\s+(som\s+)?(föräldrar|vårdnadshavare)|"
        r"min\s+(son|dotter|pojke|flicka|tjej|kille|grabb)|mitt\s+barn|vårt\s+barn|vart\s+barn|våra\s+barn|"
        r"mina\s+barn|vi\s+föräldrar|oss\s+föräldrar|min\s+(son|dotters))", re.I)),
    (YOUNG, re.compile(
        _W + r"(jag\s+är\s+\d{1,2}\s*(år|ar)\b|jag\s+går\s+i\s+(\d|åttan|nian|sjuan|sexan|gymnasiet|ettan|tvåan|trean)|"
        r"min\s+(mamma|pappa|mentor|kurator|socialsekreterare|lärare)|mina\s+föräldrar|mina\s+foraldrar|"
        r"jag\s+är\s+(elev|ungdom|tonåring)|jag\s+själv\s+är\s+under\s+18|"
        # the writer is the person the SIP is for: "saker om mig", "mitt ja", "kan jag ändra mig"
        r"(om|för)\s+mig\b|jag\s+säger\s+(ja|nej)\b|mitt\s+(ja|nej|samtycke)\b|ändra\s+mig\b|ångra\s+mig\b)", re.I)),
]


def infer(text: str) -> Optional[str]:
    """The role the text reveals, or None. Staff wording wins over family words in a case
    description ("min elevs mamma"), guardians' over a young person's."""
    if not text:
        return None
    for role, pattern in _PATTERNS:
        if pattern.search(text):
            return role
    return None


# Looser: a role word alone ("vårdnadshavare", "ungdom", "kurator"), for a message that is
# about the role itself (intent set_role, bot.dialogue.set_audience) when ``infer`` finds nothing.
_ROLE_WORDS = [
    (GUARDIAN, re.compile(r"(?i)(förälder|foralder|föräldrar|vårdnadshavare|vardnadshavare|mamma|pappa|"
                          r"familjehem|fosterförälder|bonusförälder|som\s+till\s+en\s+förälder)")),
    (YOUNG, re.compile(r"(?i)(ungdom|elev\b|barn\b|tonåring|tonaring|ung\b|jag\s+är\s+\d{1,2}\b|går\s+i\s+(nian|åttan|sjuan|\d))")),
    (STAFF, re.compile(r"(?i)(personal|jobbar|arbetar|kurator|socialsekreterare|rektor|lärare|sjuksköterska|"
                       r"psykolog|läkare|handläggare|behandlare|specialpedagog|mentor|tjänsteperson|profession)")),
]


def infer_loose(text: str) -> Optional[str]:
    """The role a message about the role names by a word alone, or None; guardian words first.
    Only where the user says who they are: in a question "barn" or "elev" says nothing of the asker."""
    for role, pattern in _ROLE_WORDS:
        if pattern.search(text or ""):
            return role
    return None


def wants_plain(audience: Optional[str]) -> bool:
    return audience in PLAIN_AUDIENCES


def wording(rule, audience: Optional[str]) -> str:
    """A rule in the reader's register: staff the statement, young people the plain version
    (written to "du"), guardians their own version where the plain one speaks to the child."""
    if audience == GUARDIAN:
        return rule.guardian or rule.plain
    return rule.plain if audience == YOUNG else rule.statement
