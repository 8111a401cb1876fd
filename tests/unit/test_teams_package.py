"""`make teams-package`: the Teams app package built from teams/manifest.template.json and the
two icons, with the app id filled in, and checked against the manifest's rules."""

import copy
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "6f1c2e3d-4b5a-4c6d-8e7f-90a1b2c3d4e5"


def load_script():
    spec = importlib.util.spec_from_file_location("teams_package", ROOT / "scripts" / "teams_package.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tp = load_script()


@pytest.fixture
def package(tmp_path):
    path = tp.build(APP_ID.upper(), "SIPguiden.Example.se", "Region Exempel", output=tmp_path / "teams.zip")
    files = tp.read_package(path)
    return json.loads(files["manifest.json"]), files


def png(size, color=(255, 255, 255, 0), mode="RGBA", fmt="PNG"):
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt)
    return out.getvalue()


def test_the_package_has_the_manifest_and_both_icons_with_the_app_id_filled_in(package):
    manifest, files = package
    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]
    assert manifest["manifestVersion"] == "1.16"
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID  # normalised to lower case
    assert manifest["validDomains"] == ["sipguiden.example.se"]
    assert manifest["developer"]["name"] == "Region Exempel"
    assert manifest["developer"]["privacyUrl"] == "https://sipguiden.example.se/webhooks/webchat/integritet.html#integritet"
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "sv-se"
    assert "{{" not in json.dumps(manifest)
    assert tp.validate(manifest, files, app_id=APP_ID) == []
    assert Image.open(io.BytesIO(files["color.png"])).size == (192, 192)
    assert Image.open(io.BytesIO(files["outline.png"])).size == (32, 32)


def test_the_committed_icons_follow_the_rules():
    for kind, name in (("color", "color.png"), ("outline", "outline.png")):
        assert tp.check_icon(kind, (ROOT / "teams" / name).read_bytes()) == []


def test_the_privacy_and_terms_pages_the_manifest_points_to_exist():
    page = (ROOT / "bot" / "webchat" / "integritet.html").read_text(encoding="utf-8")
    assert 'id="integritet"' in page and 'id="villkor"' in page


def broken(manifest, change):
    manifest = copy.deepcopy(manifest)
    change(manifest)
    return manifest


@pytest.mark.parametrize("change, problem", [
    (lambda m: m.update(id="not-a-guid"), "är inget GUID"),
    (lambda m: m["bots"][0].update(botId="11111111-2222-3333-4444-555555555555"), "inte appens id"),
    (lambda m: m.update(manifestVersion="1.2"), "stöds inte"),
    (lambda m: m.update({"$schema": "https://example.com/schema.json"}), "$schema"),
    (lambda m: m.pop("developer"), "developer saknas"),
    (lambda m: m.pop("accentColor"), "accentColor saknas"),
    (lambda m: m["developer"].update(privacyUrl="http://sipguiden.example.se/"), "privacyUrl måste vara en https-adress"),
    (lambda m: m["name"].update(short="S" * 31), "name.short"),
    (lambda m: m["description"].update(short="x" * 81), "description.short"),
    (lambda m: m.update(version="1.0"), "versionsnummer"),
    (lambda m: m.update(accentColor="blue"), "accentColor ska vara"),
    (lambda m: m.update(validDomains=["https://sipguiden.example.se"]), "validDomains"),
    (lambda m: m.update(validDomains=["*.se"]), "validDomains"),
    (lambda m: m.update(validDomains=["sipguiden.example.se/webhooks"]), "validDomains"),
    (lambda m: m["bots"][0].update(scopes=["everyone"]), "scopes"),
    (lambda m: m["bots"][0]["commandLists"][0]["commands"].append({"title": "t" * 33, "description": "d"}), "kommandot"),
    (lambda m: m.update(permissions=["everything"]), "permissions"),
    (lambda m: m.update(typo=1), "okänt fält typo"),
    (lambda m: m["name"].update(full="{{APP_NAME}}"), "platshållare"),
    (lambda m: m["icons"].update(color="missing.png"), "finns inte i paketet"),
])
def test_a_manifest_that_breaks_a_rule_is_rejected(package, change, problem):
    manifest, files = package
    problems = tp.validate(broken(manifest, change), files, app_id=APP_ID)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("kind, data, problem", [
    ("color", png((100, 100), (10, 79, 138, 255)), "192×192"),
    ("outline", png((48, 48)), "32×32"),
    ("outline", png((32, 32), (255, 0, 0, 255)), "bara ha vita pixlar"),
    ("outline", png((32, 32), (255, 255, 255, 255)), "genomskinlig bakgrund"),
    ("color", png((192, 192), (10, 79, 138), mode="RGB", fmt="JPEG"), "måste vara PNG"),
    ("color", b"not an image", "ingen läsbar bild"),
])
def test_icons_that_break_the_rules_are_rejected(kind, data, problem):
    assert any(problem in p for p in tp.check_icon(kind, data))


def test_a_broken_package_is_never_written(tmp_path):
    output = tmp_path / "teams.zip"
    with pytest.raises(tp.PackageError, match="är inget GUID"):
        tp.build("not-a-guid", "sipguiden.example.se", output=output)
    with pytest.raises(tp.PackageError, match="validDomains"):
        tp.build(APP_ID, "https://sipguiden.example.se/", output=output)
    icons = tmp_path / "icons"
    icons.mkdir()
    (icons / "color.png").write_bytes(png((192, 192), (10, 79, 138, 255)))
    (icons / "outline.png").write_bytes(png((64, 64)))
    with pytest.raises(tp.PackageError, match="32×32"):
        tp.build(APP_ID, "sipguiden.example.se", output=output, icon_dir=icons)
    assert not output.exists()


def test_the_command_needs_the_app_id_and_the_domain(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    script = [sys.executable, str(ROOT / "scripts" / "teams_package.py"), "--output", str(tmp_path / "p.zip")]
    result = subprocess.run(script, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 2 and "SIPGUIDEN_TEAMS_APP_ID" in result.stderr
    result = subprocess.run(script, cwd=ROOT, capture_output=True, text=True,
                            env={**env, "SIPGUIDEN_TEAMS_APP_ID": APP_ID, "SIPGUIDEN_TEAMS_DOMAIN": "sipguiden.example.se"})
    assert result.returncode == 0, result.stderr
    assert "Teams-paketet är klart" in result.stdout
    assert json.loads(tp.read_package(tmp_path / "p.zip")["manifest.json"])["bots"][0]["botId"] == APP_ID


def test_make_has_the_target():
    assert "teams-package:" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_the_launcher_adds_the_teams_channel_only_when_both_variables_are_set(monkeypatch, tmp_path):
    from ruamel.yaml import YAML

    spec = importlib.util.spec_from_file_location("run_script", ROOT / "scripts" / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    monkeypatch.setattr(run, "RUN_DIR", tmp_path)
    yaml = YAML(typ="safe", pure=True)

    channels = yaml.load(run.write_credentials({}).read_text())
    assert set(channels) == {"bot.channels.rest.RedactingRestInput", "bot.channels.webchat.WebChatInput"}

    env = {"SIPGUIDEN_TEAMS_APP_ID": APP_ID, "SIPGUIDEN_TEAMS_APP_PASSWORD": "secret-value-123"}
    path = run.write_credentials(env)
    for name, value in env.items():  # Rasa's YAML loader, once imported, expands ${…} on load
        monkeypatch.setenv(name, value)
    channels = yaml.load(path.read_text())
    assert set(channels["bot.channels.teams.TeamsInput"]) == {"app_id", "app_password"}
    # Unquoted references, which Rasa fills in from the environment (once Rasa is imported,
    # its YAML loader would expand them here too, so the text is checked).
    assert "app_id: ${SIPGUIDEN_TEAMS_APP_ID}\n" in path.read_text()
    assert "app_password: ${SIPGUIDEN_TEAMS_APP_PASSWORD}\n" in path.read_text()
    assert "secret-value-123" not in path.read_text()  # Rasa reads the password from the environment

    with pytest.raises(run.SettingsError, match="SIPGUIDEN_TEAMS_APP_PASSWORD"):
        run.teams_enabled({"SIPGUIDEN_TEAMS_APP_ID": APP_ID})
