"""Municipalities, counties and the regional SIP routines they fall under.

Loads ``knowledge/regions.yml`` (the routines, and what the bot says about regions) and ``knowledge/municipalities.yml``
(all 290 municipalities by county) into validated models, and finds the place a user
names in free text: "Lund", "lunds kommun", "Region Skåne", "uppsala lan", "Helsinborg".

A municipality whose county has no routine loaded (say Nacka, in Stockholms län, where
only Haninge's routine is loaded) resolves to ``region="annan"``: the bot then answers
from the national baseline and says so. It never applies a neighbour's routine.

Pure Python: no Rasa import.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from pydantic import BaseModel, Extra, validator
from rapidfuzz import fuzz, process

from bot.yamlio import KNOWLEDGE_DIR, load_yaml

OTHER = "annan"  # region slot value: a municipality without a loaded routine


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Region(_Strict):
    id: str
    name: str
    label: str
    button: str
    document: str
    seed: str


class Municipality(_Strict):
    name: str
    code: str
    routine: Optional[str] = None
    common_word: bool = False


class County(_Strict):
    name: str
    code: str
    region_name: str
    aliases: List[str]
    routine: Optional[str]
    municipalities: List[Municipality]


class RegionTexts(_Strict):
    """What the bot says about regions; ``{…}`` are filled in by bot/region_flow.py and bot/dialogue.py."""
    ask: str  # which region? (with the region buttons)
    set: str  # {place_note} {region_label} {document}: the region chosen
    other: str  # {place}: a municipality without a routine
    switched: str  # {place_note} {region_name}: the region changed in the middle of a question
    switched_other: str  # the same, to a municipality without a routine
    chosen_other: str  # the button for a municipality without a routine chosen
    other_button: str  # the button for a municipality without a routine
    place_note: str  # {municipality} {county}: said before ``set`` and ``switched`` when they differ


class RegionsFile(_Strict):
    regions: List[Region]
    texts: RegionTexts

    @validator("regions")
    def _unique_ids(cls, regions: List[Region]) -> List[Region]:
        ids = [r.id for r in regions]
        doubles = sorted({i for i in ids if ids.count(i) > 1})
        if doubles:
            raise ValueError(f"regionen {', '.join(doubles)} finns två gånger")
        if OTHER in ids:
            raise ValueError(f"{OTHER!r} är ingen rutin (kommuner utan rutin får {OTHER!r} av sig själva)")
        return regions


class MunicipalitiesFile(_Strict):
    counties: List[County]

    @validator("counties")
    def _unique_names(cls, counties: List[County]) -> List[County]:
        seen: Dict[str, str] = {}
        for county in counties:
            for m in county.municipalities:
                if m.name in seen:
                    raise ValueError(f"kommunen {m.name} finns i både {seen[m.name]} och {county.name}")
                seen[m.name] = county.name
        return counties


@dataclass(frozen=True)
class Place:
    """Where a question applies."""

    region: str  # a routine id ("skane", ...) or OTHER
    municipality: Optional[str] = None
    county: Optional[str] = None

    @property
    def has_routine(self) -> bool:
        return self.region != OTHER


def fold_for_lookup(text: str) -> str:
    """Lower-case, strip diacritics (å→a, ä→a, ö→o, é→e) and punctuation, squeeze spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", stripped).split())


# Words around a place name that do not change which place it is.
_SUFFIXES = ("kommun", "kommuns", "lan", "lans", "region", "regionen")
_OTHER_PHRASES = ("annan kommun", "annan region", "ingen av dessa", "nagon annan", "annat lan")
_MAX_NGRAM = 4
# English names of Swedish places that differ from the Swedish ones (knowledge/municipalities.yml
# has the Swedish names only).
_EXONYMS = {"Gothenburg": "Göteborg"}
_FUZZY_CUTOFF = 90
_FUZZY_MIN_LEN = 6


@dataclass(frozen=True)
class _Entry:
    place: Place
    common_word: bool = False


class Directory:
    """All regions and municipalities, with free-text lookup."""

    def __init__(self, regions: RegionsFile, municipalities: MunicipalitiesFile):
        self.regions: Dict[str, Region] = {r.id: r for r in regions.regions}
        self.texts = regions.texts
        self.counties = municipalities.counties
        self._exact: Dict[str, List[_Entry]] = {}
        self._folded: Dict[str, List[_Entry]] = {}
        for county in self.counties:
            if county.routine is not None and county.routine not in self.regions:
                raise ValueError(f"{county.name}: okänd rutin '{county.routine}'")
            for m in county.municipalities:
                routine = m.routine or county.routine
                if routine is not None and routine not in self.regions:
                    raise ValueError(f"{m.name}: okänd rutin '{routine}'")
                place = Place(region=routine or OTHER, municipality=m.name, county=county.name)
                self._add(m.name, _Entry(place, m.common_word))
            county_place = Place(region=county.routine or OTHER, county=county.name)
            for alias in [county.name, county.region_name, *county.aliases]:
                self._add(alias, _Entry(county_place))
        for exonym, name in _EXONYMS.items():  # "I work in Gothenburg"
            for entry in list(self._folded.get(fold_for_lookup(name), [])):
                self._add(exonym, entry)
        self._region_places: Dict[str, Place] = {}
        for region in self.regions.values():
            place = self._place_of_routine(region.id)
            self._region_places[region.id] = place
            for name in {region.id, region.label, region.button}:
                self._add(name, _Entry(place))
        self._fuzzy_keys = [k for k in self._folded if len(k) >= _FUZZY_MIN_LEN]

    def _place_of_routine(self, region_id: str) -> Place:
        """Where a routine applies: its county, or its one municipality (Haninge)."""
        counties = [c.name for c in self.counties if c.routine == region_id]
        if counties:
            return Place(region=region_id, county=counties[0])
        own = [(c.name, m.name) for c in self.counties for m in c.municipalities if m.routine == region_id]
        if len(own) == 1:
            return Place(region=region_id, municipality=own[0][1], county=own[0][0])
        return Place(region=region_id)

    def names(self) -> List[str]:
        """Every name a place is known by (folded), for telling place names from other words."""
        return list(self._folded)

    def place_of_region(self, region_id: str) -> Place:
        """The place a region button stands for; OTHER gives a place without routine."""
        return self._region_places.get(region_id, Place(region=OTHER))

    def _add(self, name: str, entry: _Entry) -> None:
        for index, key in ((self._exact, " ".join(name.lower().replace("-", " ").split())), (self._folded, fold_for_lookup(name))):
            entries = index.setdefault(key, [])
            if entry not in entries:
                entries.append(entry)

    # --- lookup -----------------------------------------------------------------
    def region(self, region_id: str) -> Optional[Region]:
        return self.regions.get(region_id)

    def region_buttons(self) -> List[Tuple[str, str]]:
        """(title, payload) of the region question's buttons: every routine, then "Annan kommun"."""
        return [(r.button, f'/inform_region{{"region":"{r.id}"}}') for r in self.regions.values()] + \
            [(self.texts.other_button, f'/inform_region{{"region":"{OTHER}"}}')]

    def label(self, place: Place) -> str:
        """A short Swedish description, e.g. 'Lund (Skåne län)'."""
        if place.municipality and place.county:
            return f"{place.municipality} ({place.county})"
        if place.region in self.regions:
            return self.regions[place.region].label
        return place.county or "annan kommun"

    def find(self, text: str) -> List[Place]:
        """Every distinct place named in ``text``, in order of appearance."""
        if not text or not text.strip():
            return []
        original = re.findall(r"[\wÅÄÖåäöÉé]+", text.replace("-", " "))
        folded_tokens = [fold_for_lookup(t) for t in original]
        lower_tokens = [t.lower() for t in original]
        found: List[Tuple[int, Place]] = []
        used = [False] * len(original)
        whole = fold_for_lookup(text)
        if any(phrase in whole for phrase in _OTHER_PHRASES):
            found.append((-1, Place(region=OTHER)))
        for size in range(min(_MAX_NGRAM, len(original)), 0, -1):
            for start in range(0, len(original) - size + 1):
                if any(used[start:start + size]):
                    continue
                place = self._match(original, lower_tokens, folded_tokens, start, size)
                if place is not None:
                    found.append((start, place))
                    for i in range(start, start + size):
                        used[i] = True
        if not found:
            found.extend(self._fuzzy(folded_tokens))
        places: List[Place] = []
        for _, place in sorted(found, key=lambda item: item[0]):
            if place not in places:
                places.append(place)
        return places

    def lookup(self, text: str) -> Tuple[Optional[Place], List[Place]]:
        """The one place ``text`` names, or the competing places when it names several regions.

        A municipality is preferred over its county ("Lund i Skåne" gives Lund).
        """
        places = self.find(text)
        if not places:
            return None, []
        if len({p.region for p in places}) > 1:
            return None, places
        named = [p for p in places if p.municipality]
        if len({p.municipality for p in named}) == 1:
            return named[0], []
        counties = {p.county for p in places}
        return Place(region=places[0].region, county=counties.pop() if len(counties) == 1 else None), []

    def resolve(self, text: str) -> Optional[Place]:
        """The one place ``text`` names; None when none or when it names places of different regions."""
        return self.lookup(text)[0]

    def ambiguous(self, text: str) -> List[Place]:
        """The places when ``text`` names several regions (the bot then asks which one)."""
        return self.lookup(text)[1]

    def _match(self, original, lower_tokens, folded_tokens, start, size) -> Optional[Place]:
        phrase_lower = " ".join(lower_tokens[start:start + size])
        phrase_folded = " ".join(folded_tokens[start:start + size])
        candidates = [phrase_lower]
        if phrase_lower.endswith("s") and len(phrase_lower) > 3:
            candidates.append(phrase_lower[:-1])  # genitive: "Lunds kommun"
        entries: List[_Entry] = []
        for key in candidates:
            entries = self._exact.get(key, [])
            if entries:
                break
        if not entries:
            for key in (phrase_folded, phrase_folded[:-1] if phrase_folded.endswith("s") and len(phrase_folded) > 3 else None):
                if key and key in self._folded:
                    entries = self._folded[key]
                    break
        if not entries:
            return None
        entry = _pick(entries)
        if entry is None:
            return None
        if entry.common_word and not self._marked_as_place(original, start, size):
            return None
        return entry.place

    @staticmethod
    def _marked_as_place(original, start, size) -> bool:
        word = original[start]
        following = fold_for_lookup(original[start + size]) if start + size < len(original) else ""
        alone = len(original) == size
        return word[:1].isupper() or following in _SUFFIXES or alone

    def _fuzzy(self, folded_tokens: List[str]) -> List[Tuple[int, Place]]:
        """Typos: 'Helsinborg', 'Uppsla lan'. Only longer words, with a high cut-off."""
        hits: List[Tuple[int, Place]] = []
        for size in (2, 1):
            for start in range(0, len(folded_tokens) - size + 1):
                phrase = " ".join(folded_tokens[start:start + size])
                if len(phrase) < _FUZZY_MIN_LEN:
                    continue
                match = process.extractOne(phrase, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
                if match:
                    entry = _pick(self._folded[match[0]])
                    if entry is not None and not entry.common_word:
                        hits.append((start, entry.place))
            if hits:
                break
        return hits


def _pick(entries: List[_Entry]) -> Optional[_Entry]:
    """One entry for a name: the municipality when the name is both a municipality and
    its own county or routine ("Uppsala", "Jönköping"); None when the name means places in
    different regions ("habo" typed without ring could be Habo or Håbo)."""
    if not entries or len({e.place.region for e in entries}) > 1:
        return None
    return next((e for e in entries if e.place.municipality), entries[0])


def load_regions(knowledge_dir: Path = KNOWLEDGE_DIR) -> RegionsFile:
    """knowledge/regions.yml: the one list of the routines (ids, names, buttons, documents) and their texts."""
    return RegionsFile.parse_obj(load_yaml(Path(knowledge_dir) / "regions.yml"))


def load_directory(knowledge_dir: Path = KNOWLEDGE_DIR) -> Directory:
    regions = load_regions(knowledge_dir)
    municipalities = MunicipalitiesFile.parse_obj(load_yaml(knowledge_dir / "municipalities.yml"))
    return Directory(regions, municipalities)


@lru_cache(maxsize=1)
def directory() -> Directory:
    """The project's directory, loaded once per process (on first use, not at import)."""
    return load_directory()
