"""`make run` shows SIP-guiden's own lines and the banner, not the ~40 lines of Python warnings
and library output the servers print while they start (scripts/run.py), and `make train` keeps
`rasa train`'s output in a file (scripts/train.py). Both show everything with
SIPGUIDEN_LOG_LEVEL=debug, and the last lines when something fails. The servers here are small
Python programs that print like the real ones (a DeprecationWarning shown despite
PYTHONWARNINGS, as Sanic's own warning filter does), so no model is needed."""

import importlib.util
import signal
import sys
import time
from pathlib import Path

import pytest

from bot.settings import Settings

pytestmark = pytest.mark.slow  # starts and stops processes: not in make check
ROOT = Path(__file__).resolve().parents[2]


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"{name}_script", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def run():
    return load("run")


@pytest.fixture
def train():
    return load("train")


# A server that starts like Rasa's: a library warning on stderr (Sanic turns DeprecationWarnings
# back on), log lines, then, after a while, a line of its own; it ends after ``life`` seconds.
SERVER = """
import sys, time, warnings
warnings.simplefilter("default")
warnings.warn("pkg_resources is deprecated as an API", DeprecationWarning)
print("INFO     rasa.core.processor  - Loading model", flush=True)
time.sleep({delay})
print("INFO     efter starten", flush=True)
time.sleep({life})
sys.exit({code})
"""


def server(run, name: str, delay: float = 1.5, life: float = 0.5, code: int = 0):
    return run.Service(name, [sys.executable, "-c", SERVER.format(delay=delay, life=life, code=code)])


def wait_for(check, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_quiet_service_writes_to_the_log_until_it_is_shown(run, tmp_path, capsys):
    log = run.OutputLog(tmp_path / "servers.log")
    log.open()
    service = server(run, "rasa", delay=1.0)
    service.quiet(log)
    service.start()
    try:
        wait_for(lambda: "Loading model" in log.path.read_text())
        assert capsys.readouterr().out == ""                        # nothing on the console yet
        service.show()
        service.process.wait(timeout=20)
        service.pump.join(timeout=5)
    finally:
        service.stop()
        log.close()
    out = capsys.readouterr().out
    assert out == "[rasa] INFO     efter starten\n"                 # after show(): its output again
    written = log.path.read_text()
    assert written.startswith("===== ") and "scripts/run.py startar servrarna" in written
    assert "[rasa] " in written and "DeprecationWarning: pkg_resources is deprecated" in written
    assert "[rasa] INFO     efter starten" in written                # the file has all of it


def test_a_failed_start_shows_the_last_lines_and_where_the_rest_is(run, tmp_path, capsys):
    log = run.OutputLog(tmp_path / "servers.log")
    log.open()
    script = "import sys\nfor n in range(40): print(f'rad {n}')\nprint('Unable to start server')\nsys.exit(3)\n"
    service = run.Service("actions", [sys.executable, "-c", script])
    service.quiet(log)
    service.start()
    try:
        assert run.wait_until(lambda: False, [service], "actionservern") is False
    finally:
        service.stop()
        log.close()
    out = capsys.readouterr().out
    assert "FEL: actions avslutades under start (actionservern)." in out and "Se utskriften ovan" not in out
    assert "[actions] Unable to start server" in out
    assert "[actions] rad 39" in out and "[actions] rad 16" in out and "[actions] rad 15\n" not in out  # the last 25
    assert f"Hela utskriften finns i {log.path}" in out and "SIPGUIDEN_LOG_LEVEL=debug" in out


@pytest.fixture
def fake_servers(run, tmp_path, monkeypatch):
    """run_servers with the two small servers instead of the real ones, and nothing of the
    project's var/ touched (endpoints, credentials and the log go to tmp_path)."""
    monkeypatch.setattr(run, "SERVERS_LOG", tmp_path / "log" / "servers.log")
    monkeypatch.setattr(run, "busy_ports", lambda settings: [])
    monkeypatch.setattr(run, "write_endpoints", lambda settings: tmp_path / "endpoints.yml")
    monkeypatch.setattr(run, "write_credentials", lambda: tmp_path / "credentials.yml")
    # The Rasa server ends after a while: run_servers then stops (exit 1), no signal needed.
    services = {"actions": server(run, "actions", delay=1.5, life=60), "rasa": server(run, "rasa", delay=1.5, life=0.5)}

    def started(name: str) -> bool:  # ready once it has printed its start-up lines, like the real ones
        return any("Loading model" in line for line in services[name].recent)

    monkeypatch.setattr(run, "http_ok", lambda url, timeout=2.0: started("actions"))
    monkeypatch.setattr(run, "rasa_ready", lambda port: started("rasa"))
    monkeypatch.setattr(run, "action_server", lambda settings: services["actions"])
    monkeypatch.setattr(run, "rasa_server", lambda settings, endpoints, credentials: services["rasa"])
    monkeypatch.setattr(signal, "signal", lambda signum, handler: None)   # keep pytest's own handlers
    return run


def test_make_run_shows_only_its_own_lines_and_the_banner_and_logs_the_rest(fake_servers, tmp_path, capsys):
    assert fake_servers.run_servers(Settings.from_env({})) == 1
    out = capsys.readouterr().out
    before, banner, after = out.partition("SIP-guiden är igång.")
    assert banner
    lines = [line for line in before.splitlines() if line.strip() not in ("", "\033[1m")]
    assert all(line.startswith("\033[1m==> Startar ") for line in lines), lines   # our progress lines only
    assert "[rasa]" not in before and "[actions]" not in before
    assert "Warning" not in out                                                    # printed while starting: in the file
    assert "[rasa] INFO     efter starten" in after                                # shown after the banner
    written = (tmp_path / "log" / "servers.log").read_text()
    assert written.count("DeprecationWarning: pkg_resources is deprecated") == 2   # both servers' warnings kept
    assert "[actions] INFO     rasa.core.processor  - Loading model" in written


def test_with_log_level_debug_make_run_shows_everything_and_writes_no_file(fake_servers, tmp_path, capsys):
    assert fake_servers.run_servers(Settings.from_env({"SIPGUIDEN_LOG_LEVEL": "debug"})) == 1
    before = capsys.readouterr().out.partition("SIP-guiden är igång.")[0]
    assert before.count("DeprecationWarning: pkg_resources is deprecated") == 2
    assert "[actions] INFO     rasa.core.processor  - Loading model" in before
    assert not (tmp_path / "log" / "servers.log").exists()


# --- training ------------------------------------------------------------------------------

NOISY = ("import sys, warnings\nwarnings.simplefilter('default')\n"
         "warnings.warn('jax.xla_computation is deprecated', DeprecationWarning)\n"
         "for n in range(50): print('Epochs', n)\nsys.exit(CODE)\n")


def test_rasa_trains_output_goes_to_the_log_not_the_console(train, tmp_path, capfd):
    log = tmp_path / "log" / "train.log"
    assert train.run_logged([sys.executable, "-c", NOISY.replace("CODE", "0")], {}, log) == 0
    assert capfd.readouterr() == ("", "")
    text = log.read_text()
    assert "DeprecationWarning" in text and "Epochs 49" in text
    assert train.run_logged([sys.executable, "-c", "print('andra')"], {}, log) == 0
    assert log.read_text() == "andra\n"                         # rewritten: the latest training


@pytest.fixture
def failing_training(train, tmp_path, monkeypatch):
    monkeypatch.setattr(train, "TRAIN_LOG", tmp_path / "train.log")
    monkeypatch.setattr(train, "up_to_date", lambda: False)
    monkeypatch.setattr(train, "MODEL", tmp_path / "saknas.tar.gz")
    monkeypatch.setattr(train.subprocess, "call", lambda command, **kwargs: _fake_rasa(kwargs))
    return train


def _fake_rasa(kwargs) -> int:
    import subprocess

    return subprocess.run([sys.executable, "-c", NOISY.replace("CODE", "1")], stdout=kwargs.get("stdout"),
                          stderr=kwargs.get("stderr")).returncode


def test_a_failed_training_shows_rasas_last_lines_and_the_log(failing_training, tmp_path, monkeypatch, capfd):
    monkeypatch.delenv("SIPGUIDEN_LOG_LEVEL", raising=False)
    assert failing_training.main(["train.py"]) == 1
    out, err = capfd.readouterr()
    assert "==> Tränar modellen" in out and "train.log" in out
    assert "Epochs 49" in err and "Epochs 10" not in err        # the last lines only
    assert "FEL: träningen misslyckades" in err and str(tmp_path / "train.log") in err
    assert "Epochs 10" in (tmp_path / "train.log").read_text()


def test_with_log_level_debug_the_training_is_shown_as_it_comes(failing_training, tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("SIPGUIDEN_LOG_LEVEL", "DEBUG")
    assert failing_training.main(["train.py"]) == 1
    out, err = capfd.readouterr()
    assert "Epochs 10" in out and "DeprecationWarning" in err
    assert "se utskriften ovan" in err and not (tmp_path / "train.log").exists()
