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
    question = region_flow.ask_region(directory())
    ids = [re.fullmatch(r'/inform_region\{"region":"(\w+)"\}', payload).group(1) for _, payload in question.buttons]
    assert ids == [*directory().regions, "annan"]
    assert [title for title, _ in question.buttons][:-1] == [r.button for r in directory().regions.values()]
    assert "buttons" not in DOMAIN["responses"]["utter_ask_region"][0]  # they come from knowledge/regions.yml


def test_no_region_is_listed_in_the_domain():
    text = Path("domain.yml").read_text(encoding="utf-8")
    for region in directory().regions.values():
        assert f'"region":"{region.id}"' not in text and region.document not in text, region.id


def load_run_script():
    spec = importlib.util.spec_from_file_location("run_script", Path("scripts/run.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_launcher_turns_telemetry_off_and_keeps_api_secrets_off_the_command_line(monkeypatch, tmp_path):
    run = load_run_script()
    monkeypatch.delenv("RASA_TELEMETRY_ENABLED", raising=False)
    assert run.child_env()["RASA_TELEMETRY_ENABLED"] == "false"
    settings = run.Settings.from_env({"SIPGUIDEN_API_TOKEN": "s" * 32})
    command = run.rasa_server(settings, tmp_path / "endpoints.yml").command
    assert command[1].endswith("scripts/rasa_serve.py")
    assert "s" * 32 not in " ".join(command)  # visible to every user in `ps`: never there
    assert "--enable-api" not in command and "--auth-token" not in command
    assert command[command.index("--interface") + 1] == "127.0.0.1"


def load_serve_script():
    spec = importlib.util.spec_from_file_location("rasa_serve", Path("scripts/rasa_serve.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("env, expected", [
    ({}, []),  # no secret: the HTTP API is not served at all
    ({"SIPGUIDEN_API_TOKEN": "t" * 20}, ["--enable-api", "--auth-token", "t" * 20]),
    ({"SIPGUIDEN_JWT_SECRET": "j" * 20}, ["--enable-api", "--jwt-secret", "j" * 20, "--jwt-method", "HS256"]),
    ({"SIPGUIDEN_API_TOKEN": "t" * 20, "SIPGUIDEN_JWT_SECRET": "j" * 20},
     ["--enable-api", "--auth-token", "t" * 20, "--jwt-secret", "j" * 20, "--jwt-method", "HS256"]),
])
def test_http_api_is_enabled_only_with_a_secret(env, expected):
    assert load_serve_script().api_arguments(env) == expected


@pytest.mark.parametrize("argv, env", [
    (["--enable-api"], {}),
    (["--auth-token", "x" * 20], {}),
    ([], {"SIPGUIDEN_API_TOKEN": "short"}),
    ([], {"SIPGUIDEN_JWT_SECRET": "short"}),
])
def test_api_secrets_on_the_command_line_or_too_short_are_refused(argv, env):
    with pytest.raises(SystemExit) as stop:
        load_serve_script().main(argv, dict(env))
    assert "SIPGUIDEN_" in str(stop.value)


def test_banner_says_how_to_turn_the_api_on(capsys):
    run = load_run_script()
    run.banner(run.Settings.from_env({}))
    assert "Rasas HTTP-API:       av – sätt SIPGUIDEN_API_TOKEN" in capsys.readouterr().out
    run.banner(run.Settings.from_env({"SIPGUIDEN_API_TOKEN": "t" * 20}))
    out = capsys.readouterr().out
    assert "Rasas HTTP-API:       på" in out and "t" * 20 not in out


@pytest.mark.parametrize("level, flag", [("debug", "-vv"), ("info", "-v"), ("warning", "--quiet")])
def test_log_level_reaches_both_servers(level, flag, tmp_path):
    run = load_run_script()
    settings = run.Settings.from_env({"SIPGUIDEN_LOG_LEVEL": level})
    assert flag in run.action_server(settings).command
    assert run.rasa_server(settings, tmp_path / "e.yml").extra_env["LOG_LEVEL"] == level.upper()


def test_secrets_in_written_endpoints_and_credentials_reach_rasa_from_the_environment(monkeypatch, tmp_path):
    """Rasa fills in ${VARIABLE} only in unquoted YAML values: the written files must keep them
    plain, so the password is taken from the environment and never written to disk."""
    from rasa.core.channels import channel
    from rasa.utils.endpoints import read_endpoint_config

    run = load_run_script()
    monkeypatch.setenv("SIPGUIDEN_DB_PASSWORD", "db-secret-value-123")
    monkeypatch.setenv("SIPGUIDEN_REDIS_PASSWORD", "redis-secret-value-123")
    settings = run.Settings.from_env({"SIPGUIDEN_TRACKER_STORE": "postgresql", "SIPGUIDEN_LOCK_STORE": "redis",
                                      "SIPGUIDEN_DB_PASSWORD": "x", "SIPGUIDEN_REDIS_PASSWORD": "x"})
    path = run.write_endpoints(settings, tmp_path / "endpoints.yml")
    assert "secret-value" not in path.read_text()
    assert read_endpoint_config(str(path), "tracker_store").kwargs["password"] == "db-secret-value-123"
    assert read_endpoint_config(str(path), "lock_store").kwargs["password"] == "redis-secret-value-123"

    env = {"SIPGUIDEN_TEAMS_APP_ID": "app-id-value", "SIPGUIDEN_TEAMS_APP_PASSWORD": "app-password-value"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    credentials = run.write_credentials(env, tmp_path / "credentials.yml")
    assert "value" not in credentials.read_text()
    import rasa.shared.utils.io

    loaded = rasa.shared.utils.io.read_config_file(str(credentials))
    assert loaded[run.TEAMS_CHANNEL] == {"app_id": "app-id-value", "app_password": "app-password-value"}
