import subprocess
import sys


def test_lookup_tables_are_generated_from_knowledge():
    result = subprocess.run([sys.executable, "scripts/generate_lookups.py", "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_lookup_tables_hold_every_non_ambiguous_municipality():
    from bot.places import directory
    from bot.yamlio import load_yaml

    nlu = load_yaml("data/nlu/lookups.yml")["nlu"]
    municipalities = set(next(t for t in nlu if t["lookup"] == "municipality")["examples"].replace("- ", "").splitlines())
    for county in directory().counties:
        for m in county.municipalities:
            assert (m.name in municipalities) != m.common_word, m.name
    assert "malmo" in municipalities and "Malmö" in municipalities
