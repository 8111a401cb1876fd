"""The replies the bot core asks for exist in domain.yml with exactly the values it fills in,
and the launcher's safety defaults."""

import importlib.util
import re
import string
from pathlib import Path

import pytest

from bot import region_flow
from bot.places import directory
from bot.yamlio import load_yaml

DOMAIN = load_yaml(Path("domain.yml"))


def placeholders(response):
    names = set()
    for variant in DOMAIN["responses"][response]:
        names |= {field for _, field, _, _ in string.Formatter().parse(variant["text"].replace("{{", "").replace("}}", "")) if field}
    return names


def produced_utterances():
    d = directory()
    texts = ["Lund", "Nacka", "annan kommun", "Lund eller Halmstad", "inget alls", "Haninge", "Region Halland"]
    for text in texts:
        yield from region_flow.set_region(text, [], d).utterances
    for region, municipality in [(None, None), ("skane", "Lund"), ("annan", "Nacka"), ("annan", None)]:
        yield from region_flow.greeting(region, municipality, d)


@pytest.mark.parametrize("utterance", list(produced_utterances()), ids=lambda u: u.response)
def test_every_reply_exists_with_the_values_it_needs(utterance):
    assert utterance.response in DOMAIN["responses"], utterance.response
    assert placeholders(utterance.response) == set(utterance.values), utterance.response
    assert all(isinstance(v, str) and v.strip() or k == "place_note" for k, v in utterance.values.items())


def test_custom_actions_are_declared_in_the_domain():
    source = Path("actions/actions.py").read_text(encoding="utf-8")
    declared = set(DOMAIN["actions"])
    named = set(re.findall(r'return "((?:action|validate)_[a-z_]+)"', source))
    assert named == declared


def test_region_buttons_cover_every_routine_and_other():
    payloads = [b["payload"] for b in DOMAIN["responses"]["utter_ask_region"][0]["buttons"]]
    ids = {re.search(r'"region":"(\w+)"', p).group(1) for p in payloads}
    assert ids == set(directory().regions) | {"annan"}
    assert set(DOMAIN["slots"]["region"]["values"]) == ids


def load_run_script():
    spec = importlib.util.spec_from_file_location("run_script", Path("scripts/run.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_launcher_turns_telemetry_off_and_always_protects_the_api(monkeypatch, tmp_path):
    run = load_run_script()
    monkeypatch.delenv("RASA_TELEMETRY_ENABLED", raising=False)
    assert run.child_env()["RASA_TELEMETRY_ENABLED"] == "false"
    settings = run.Settings.from_env({})
    monkeypatch.setattr(run, "RUN_DIR", tmp_path)
    token, generated = run.api_token(settings)
    assert generated and len(token) >= 32
    assert (tmp_path / "api-token").stat().st_mode & 0o077 == 0  # readable by the owner only
    command = run.rasa_server(settings, tmp_path / "endpoints.yml", token).command
    assert "--enable-api" in command
    assert command[command.index("--auth-token") + 1] == token
    assert command[command.index("--interface") + 1] == "127.0.0.1"


@pytest.mark.parametrize("level, flag", [("debug", "-vv"), ("info", "-v"), ("warning", "--quiet")])
def test_log_level_reaches_both_servers(level, flag, tmp_path):
    run = load_run_script()
    settings = run.Settings.from_env({"SIPGUIDEN_LOG_LEVEL": level})
    assert flag in run.action_server(settings).command
    assert run.rasa_server(settings, tmp_path / "e.yml", "t" * 32).extra_env["LOG_LEVEL"] == level.upper()
