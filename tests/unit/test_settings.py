import pytest

from bot.settings import Settings, SettingsError
from bot.yamlio import load_yaml


def test_defaults_are_embedded_sqlite_and_match_endpoints_yml():
    settings = Settings.from_env({})
    assert settings.host == "127.0.0.1"
    assert (settings.port, settings.actions_port) == (5005, 5055)
    assert settings.endpoints() == load_yaml("endpoints.yml")
    assert settings.endpoints()["tracker_store"] == {"type": "bot.tracker_store.SessionTrackerStore", "dialect": "sqlite",
                                                   "db": "var/tracker.db"}
    assert "lock_store" not in settings.endpoints()


def test_postgresql_and_redis_keep_secrets_out_of_the_file():
    env = {
        "SIPGUIDEN_TRACKER_STORE": "postgresql", "SIPGUIDEN_DB_HOST": "db.example", "SIPGUIDEN_DB_PORT": "6543",
        "SIPGUIDEN_DB_PASSWORD": "hemligt-lösenord", "SIPGUIDEN_LOCK_STORE": "redis", "SIPGUIDEN_REDIS_PASSWORD": "r3dis",
    }
    endpoints = Settings.from_env(env).endpoints()
    store = endpoints["tracker_store"]
    assert (store["type"], store["dialect"], store["url"], store["port"]) == ("bot.tracker_store.SessionTrackerStore", "postgresql",
                                                                     "db.example", 6543)
    assert store["password"] == "${SIPGUIDEN_DB_PASSWORD}"
    assert endpoints["lock_store"]["type"] == "redis"
    assert endpoints["lock_store"]["password"] == "${SIPGUIDEN_REDIS_PASSWORD}"
    assert "hemligt" not in repr(endpoints) and "r3dis" not in repr(endpoints)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"SIPGUIDEN_PORT": "femtio"}, "SIPGUIDEN_PORT"),
        ({"SIPGUIDEN_ACTIONS_PORT": "70000"}, "SIPGUIDEN_ACTIONS_PORT"),
        ({"SIPGUIDEN_TRACKER_STORE": "mongo"}, "stöds inte"),
        ({"SIPGUIDEN_API_TOKEN": "kort"}, "för kort"),
        ({"SIPGUIDEN_REDIS_DB": "ett"}, "heltal"),
    ],
)
def test_bad_values_get_a_swedish_error(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_env_files_are_read_as_written_and_bad_lines_named_by_number_only(tmp_path):
    from bot.settings import read_env_file, write_private

    path = tmp_path / "env"
    write_private(path, "# comment\n\nSIPGUIDEN_DB_PORT=5433\nSIPGUIDEN_DB_PASSWORD= 'a=b' \n")
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_env_file(path) == {"SIPGUIDEN_DB_PORT": "5433", "SIPGUIDEN_DB_PASSWORD": "'a=b'"}
    path.chmod(0o644)
    write_private(path, "x=1\nhemligt-lösenord\n")
    assert path.stat().st_mode & 0o777 == 0o600  # also when the file existed
    with pytest.raises(SettingsError) as error:
        read_env_file(path)
    assert "rad 2" in str(error.value) and "hemligt" not in str(error.value)
