"""What the bot says and stores when the user names (or fails to name) a place.

Pure Python: returns which domain response to send with which values, and the slot
values to set. The Rasa actions in actions/ only carry this out. The region question, its
buttons and the confirmations are worded in knowledge/regions.yml (``texts``): their domain
responses are just ``{text}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

from bot.places import OTHER, Directory, Place


@dataclass
class Utterance:
    response: str
    values: Dict[str, str] = field(default_factory=dict)
    buttons: List[Tuple[str, str]] = field(default_factory=list)  # (title, payload)


def ask_region(directory: Directory) -> Utterance:
    """The region question, with a button for every routine and one for "Annan kommun"."""
    return Utterance("utter_ask_region", {"text": directory.texts.ask}, directory.region_buttons())


@dataclass
class RegionOutcome:
    """The replies to send and, when a place was understood, the slots to set."""

    utterances: List[Utterance]
    place: Optional[Place] = None
    competing: List[Place] = field(default_factory=list)  # places in several regions: the bot asks which

    @property
    def slots(self) -> Dict[str, Optional[str]]:
        if self.place is None:
            return {}
        return {"region": self.place.region, "municipality": self.place.municipality}


def place_from_message(text: str, entities: Iterable[Mapping], directory: Directory) -> tuple[Optional[Place], List[Place]]:
    """The place a message names, and the competing places when it names several regions.

    A button sends the routine id as a `region` entity; typed text is matched against
    every municipality and county (the entity extractor's spans are used first).
    """
    for entity in entities:
        value = str(entity.get("value") or "")
        if entity.get("entity") == "region" and (value in directory.regions or value == OTHER):
            return directory.place_of_region(value), []
    spans = " ".join(str(e.get("value") or "") for e in entities if e.get("entity") in {"municipality", "region"})
    for candidate in (spans, text or ""):
        if not candidate.strip():
            continue
        place, competing = directory.lookup(candidate)
        if place is not None or competing:
            return place, competing
    return None, []


def set_region(text: str, entities: Iterable[Mapping], directory: Directory) -> RegionOutcome:
    place, competing = place_from_message(text, entities, directory)
    if competing:
        names = ", ".join(directory.label(p) for p in competing)
        return RegionOutcome([Utterance("utter_region_ambiguous", {"places": names}), ask_region(directory)],
                             competing=list(competing))
    if place is None:
        return RegionOutcome([Utterance("utter_region_not_found"), ask_region(directory)])
    return RegionOutcome([confirmation(place, directory)], place)


def place_note(place: Place, directory: Directory) -> str:
    """"Lund ligger i Skåne län. " when the municipality is not the routine's own name, else ""."""
    region = directory.region(place.region)
    if region is not None and place.municipality and place.municipality != region.name and place.county:
        return directory.texts.place_note.format(municipality=place.municipality, county=place.county)
    return ""


def confirmation(place: Place, directory: Directory) -> Utterance:
    region = directory.region(place.region)
    if region is None:
        where = directory.label(place) if (place.municipality or place.county) else "den kommunen"
        return Utterance("utter_region_other", {"text": directory.texts.other.format(place=where)})
    return Utterance("utter_region_set", {"text": directory.texts.set.format(place_note=place_note(place, directory),
                                                                               region_label=region.label,
                                                                               document=region.document)})


def greeting(region_slot: Optional[str], municipality_slot: Optional[str], directory: Directory) -> List[Utterance]:
    """Greeting, then the region question, or a reminder of the region already chosen."""
    utterances = [Utterance("utter_greet")]
    if not region_slot:
        utterances.append(ask_region(directory))
        return utterances
    region = directory.region(region_slot)
    label = region.label if region else (municipality_slot or "en kommun utan inladdad rutin (nationell grund)")
    utterances.append(Utterance("utter_region_known", {"region_label": label}))
    return utterances


def greeting_with_place(text: str, entities: Iterable[Mapping], region_slot: Optional[str],
                        municipality_slot: Optional[str], directory: Directory) -> RegionOutcome:
    """A greeting that may name the place too ("hej, jag jobbar i Varberg"): greet and
    confirm the place instead of asking for it."""
    place, competing = place_from_message(text, entities, directory)
    if place is not None and not competing and (place.has_routine or place.municipality or place.county):
        return RegionOutcome([Utterance("utter_greet"), confirmation(place, directory)], place)
    return RegionOutcome(greeting(region_slot, municipality_slot, directory))
