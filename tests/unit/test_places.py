"""Municipality -> routine resolution, driven by tests/scenarios/places.yml."""

from pathlib import Path

import pytest

from bot.places import OTHER, MunicipalitiesFile, directory, fold_for_lookup, load_directory
from bot.yamlio import load_yaml

SCENARIOS = load_yaml(Path(__file__).resolve().parents[1] / "scenarios" / "places.yml")


@pytest.mark.parametrize("case", SCENARIOS, ids=[repr(c["text"]) for c in SCENARIOS])
def test_place_scenarios(case):
    d = directory()
    place = d.resolve(case["text"])
    if case["region"] == "none":
        assert place is None
        assert bool(d.ambiguous(case["text"])) == case.get("ambiguous", False)
        return
    assert place is not None, f"no place found in {case['text']!r}"
    assert place.region == case["region"]
    if "municipality" in case:
        assert place.municipality == case["municipality"]
    if "county" in case:
        assert place.county == case["county"]


EXPECTED_COUNTS = {
    "Stockholms län": 26, "Uppsala län": 8, "Södermanlands län": 9, "Östergötlands län": 13,
    "Jönköpings län": 13, "Kronobergs län": 8, "Kalmar län": 12, "Gotlands län": 1, "Blekinge län": 5,
    "Skåne län": 33, "Hallands län": 6, "Västra Götalands län": 49, "Värmlands län": 16, "Örebro län": 12,
    "Västmanlands län": 10, "Dalarnas län": 15, "Gävleborgs län": 10, "Västernorrlands län": 7,
    "Jämtlands län": 8, "Västerbottens län": 15, "Norrbottens län": 14,
}


def test_all_290_municipalities_by_county():
    counties = directory().counties
    assert {c.name: len(c.municipalities) for c in counties} == EXPECTED_COUNTS
    assert sum(EXPECTED_COUNTS.values()) == 290
    for county in counties:
        for m in county.municipalities:
            assert m.code.startswith(county.code), (m.name, m.code)


def test_every_municipality_resolves_to_itself():
    d = directory()
    for county in d.counties:
        for m in county.municipalities:
            place = d.resolve(m.name)
            assert place is not None and place.municipality == m.name, m.name
            expected = m.routine or county.routine or OTHER
            assert place.region == expected, m.name


def test_only_loaded_routines_apply():
    d = directory()
    routines = {}
    for county in d.counties:
        for m in county.municipalities:
            region = d.resolve(m.name).region
            routines.setdefault(region, set()).add(county.name)
    assert routines["haninge"] == {"Stockholms län"}
    assert routines["skane"] == {"Skåne län"}
    assert routines["halland"] == {"Hallands län"}
    assert routines["uppsala"] == {"Uppsala län"}
    assert routines["jonkoping"] == {"Jönköpings län"}
    haninge_only = [m.name for c in d.counties for m in c.municipalities if d.resolve(m.name).region == "haninge"]
    assert haninge_only == ["Haninge"]


def test_fold():
    assert fold_for_lookup("Östra Göinge") == "ostra goinge"
    assert fold_for_lookup("  Upplands-Väsby!! ") == "upplands vasby"


def test_unknown_key_is_rejected_naming_it(tmp_path):
    (tmp_path / "regions.yml").write_text((Path("knowledge") / "regions.yml").read_text(encoding="utf-8"), encoding="utf-8")
    text = (Path("knowledge") / "municipalities.yml").read_text(encoding="utf-8")
    (tmp_path / "municipalities.yml").write_text(text.replace("routine: null", "rutine: null", 1), encoding="utf-8")
    with pytest.raises(Exception) as error:
        load_directory(tmp_path)
    assert "rutine" in str(error.value)


def test_unknown_routine_is_rejected(tmp_path):
    (tmp_path / "regions.yml").write_text((Path("knowledge") / "regions.yml").read_text(encoding="utf-8"), encoding="utf-8")
    text = (Path("knowledge") / "municipalities.yml").read_text(encoding="utf-8")
    (tmp_path / "municipalities.yml").write_text(text.replace('routine: "skane"', 'routine: "skåne"'), encoding="utf-8")
    with pytest.raises(ValueError, match="okänd rutin"):
        load_directory(tmp_path)


def test_duplicate_municipality_is_rejected():
    data = load_yaml(Path("knowledge") / "municipalities.yml")
    data["counties"][1]["municipalities"].append({"name": "Lund", "code": "0399"})
    with pytest.raises(Exception, match="Lund"):
        MunicipalitiesFile.parse_obj(data)
