"""Starts SIP-guiden: the action server and the Rasa server, in one command.

    python scripts/run.py          # both servers; Ctrl-C stops both
    python scripts/run.py shell    # chat in the terminal (starts the action server if needed)

The console shows SIP-guiden's own progress lines and the banner. What the servers print while
they start (Rasa's and its libraries' log lines and Python warnings, ~40 lines of
DeprecationWarnings) goes to var/log/servers.log only; once the banner is out their output is
shown too. If a server fails to start, its last lines are shown with the failure. With
SIPGUIDEN_LOG_LEVEL=debug everything is shown as it comes, and nothing is written to that file.

Settings come from SIPGUIDEN_* environment variables (bot/settings.py). Rasa's HTTP API
(trackers, model) is enabled only when SIPGUIDEN_API_TOKEN or SIPGUIDEN_JWT_SECRET is set,
and then always requires it; the secret reaches Rasa through the environment, never the
command line (scripts/rasa_serve.py). The channels are those of
credentials.yml (REST, web chat), plus Microsoft Teams when SIPGUIDEN_TEAMS_APP_ID and
SIPGUIDEN_TEAMS_APP_PASSWORD are set (written to var/run/credentials.yml).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import IO, Deque, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import nlp_pipeline  # noqa: E402
from bot.settings import RUN_DIR, Settings, SettingsError  # noqa: E402

VENV_BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "sipguiden.tar.gz"
# Ctrl-C, `kill`, and a closed terminal all stop the servers cleanly: the children run in
# their own sessions, so without this they would outlive us.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
READY_TIMEOUT = float(os.environ.get("SIPGUIDEN_READY_TIMEOUT", "240"))
# What the servers print while they start (make run, unless SIPGUIDEN_LOG_LEVEL=debug).
SERVERS_LOG = ROOT / "var" / "log" / "servers.log"
# How many of a server's last lines are shown when it fails to start.
TAIL_LINES = 25


def say(text: str) -> None:
    print(f"\033[1m==> {text}\033[0m", flush=True)


def child_env(**extra: str) -> Dict[str, str]:
    """The servers' environment: the caller's, with quiet, telemetry-free defaults, the project
    on PYTHONPATH, and ``extra`` on top (also used by scripts/bench.py and the reliability tests)."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")  # no usage data leaves the machine
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")  # library noise, not ours
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


_QUOTED_VARIABLE = re.compile(r"""(['"])(\$\{SIPGUIDEN_[A-Z_]+\})\1""")


def dump_yaml(data, handle) -> None:
    """YAML for Rasa, with ``${VARIABLE}`` references left unquoted: Rasa fills in environment
    variables only in plain scalars, and ruamel would quote them (a quoted one reaches Rasa as
    the literal text "${…}")."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    handle.write(_QUOTED_VARIABLE.sub(r"\2", buffer.getvalue()))


def write_endpoints(settings: Settings, path: Optional[Path] = None) -> Path:
    path = path or RUN_DIR / "endpoints.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("# Written by scripts/run.py from the SIPGUIDEN_* settings at every start.\n")
        dump_yaml(settings.endpoints(), handle)
    if settings.tracker_store == "sqlite":
        (ROOT / settings.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    return path


TEAMS_CHANNEL = "bot.channels.teams.TeamsInput"
TEAMS_VARIABLES = ("SIPGUIDEN_TEAMS_APP_ID", "SIPGUIDEN_TEAMS_APP_PASSWORD")


def teams_enabled(env=None) -> bool:
    """Whether the Teams (Bot Framework) channel is configured: both variables, or neither."""
    env = os.environ if env is None else env
    present = [name for name in TEAMS_VARIABLES if env.get(name, "").strip()]
    if len(present) == 1:
        missing = next(name for name in TEAMS_VARIABLES if name not in present)
        raise SettingsError(f"{present[0]} är satt men inte {missing}: Teams-kanalen behöver båda.")
    return len(present) == 2


def write_credentials(env=None, path: Optional[Path] = None) -> Path:
    """credentials.yml, plus the Teams channel when it is configured. The app id and password
    stay ${VARIABLE} references that Rasa fills in from the environment (never on disk)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    channels = yaml.load((ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
    if teams_enabled(env):
        channels[TEAMS_CHANNEL] = {"app_id": "${SIPGUIDEN_TEAMS_APP_ID}", "app_password": "${SIPGUIDEN_TEAMS_APP_PASSWORD}"}
    path = path or RUN_DIR / "credentials.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("# Written by scripts/run.py from credentials.yml and SIPGUIDEN_TEAMS_* at every start.\n")
        dump_yaml(channels, handle)
    return path


class OutputLog:
    """A file that several services' pumps write whole lines to (one lock, one handle)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._handle: Optional[IO[str]] = None

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("a", encoding="utf-8", errors="replace")
        self.write(f"===== {datetime.now().isoformat(sep=' ', timespec='seconds')} scripts/run.py startar servrarna\n")

    def write(self, line: str) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.write(line)
                self._handle.flush()

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


class Service:
    """A child process in its own process group, its output prefixed with its name.

    Its output goes to our stdout, or to the file ``log`` instead (tests, benchmarks, the
    scaled set-up). ``quiet(output_log)``: until ``show()``, to ``output_log`` only (make run's
    start); the last TAIL_LINES lines are kept either way, for ``explain``."""

    def __init__(self, name: str, command: List[str], extra_env: Optional[Dict[str, str]] = None,
                 log: Optional[Path] = None, stop_signal: int = signal.SIGTERM):
        self.name = name
        self.command = command
        self.extra_env = extra_env or {}
        self.log = log  # the output goes to this file instead of ours (tests, benchmarks)
        self.stop_signal = stop_signal
        self.process: Optional[subprocess.Popen] = None
        self.output_log: Optional[OutputLog] = None
        self.shown = threading.Event()
        self.shown.set()
        self.recent: Deque[str] = deque(maxlen=TAIL_LINES)
        self.pump: Optional[threading.Thread] = None

    def quiet(self, output_log: OutputLog) -> None:
        """Until ``show()``: the output to ``output_log``, not to our stdout."""
        self.output_log = output_log
        self.shown.clear()

    def show(self) -> None:
        """From now on the output is on our stdout too."""
        self.shown.set()

    def explain(self) -> None:
        """After a failed start: its last lines, if they were not shown, and where the rest is."""
        if self.shown.is_set() or self.log is not None:
            return
        if self.pump is not None and not self.running():
            self.pump.join(timeout=5)  # its last lines, read to the end
        lines = list(self.recent)
        if lines:
            print(f"Sista raderna från {self.name}:", flush=True)
            for line in lines:
                sys.stdout.write(f"[{self.name}] {line}")
        if self.output_log is not None:
            path = self.output_log.path
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            print(f"Hela utskriften finns i {shown} (visas direkt med SIPGUIDEN_LOG_LEVEL=debug).", flush=True)

    def start(self) -> None:
        handle = self.log.open("ab") if self.log else None
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env={**child_env(), **self.extra_env},
            stdout=handle or subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches only us; we stop the children in order
            text=handle is None,
            errors="replace" if handle is None else None,
        )
        if handle:
            handle.close()  # the child has its own copy
        else:
            self.pump = threading.Thread(target=self._pump, daemon=True)
            self.pump.start()

    def _pump(self) -> None:
        assert self.process and self.process.stdout
        for line in self.process.stdout:
            if not line.endswith("\n"):
                line += "\n"
            self.recent.append(line)
            if self.output_log is not None:
                self.output_log.write(f"[{self.name}] {line}")
            if self.shown.is_set():
                sys.stdout.write(f"[{self.name}] {line}")
                sys.stdout.flush()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        if not self.running():
            return
        assert self.process
        try:
            os.killpg(self.process.pid, self.stop_signal)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def free_port() -> int:
    """A port nothing listens on now (for servers started by tests and benchmarks)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1.0)
        return probe.connect_ex(("127.0.0.1" if host in ("0.0.0.0", "") else host, port)) == 0


def busy_ports(settings: Settings) -> List[str]:
    ports = [
        ("Rasa-servern", "SIPGUIDEN_PORT", settings.host, settings.port),
        ("actionservern", "SIPGUIDEN_ACTIONS_PORT", "127.0.0.1", settings.actions_port),
    ]
    return [
        f"port {port} ({what}) används redan – kör SIP-guiden redan i ett annat fönster? "
        f"Stoppa den, eller välj en annan port med {variable}."
        for what, variable, host, port in ports
        if port_in_use(host, port)
    ]


def wait_until(check, services: List[Service], what: str) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return True
        for service in services:
            if service.process is not None and not service.running():
                shown = service.shown.is_set() or service.log is not None
                say(f"FEL: {service.name} avslutades under start ({what})." + (" Se utskriften ovan." if shown else ""))
                service.explain()
                return False
        time.sleep(0.5)
    say(f"FEL: {what} svarade inte inom {READY_TIMEOUT:.0f} s.")
    for service in services:
        service.explain()
    return False


# rasa-sdk takes its log level as a flag only.
SDK_LOG_FLAGS = {"debug": "-vv", "info": "-v", "warning": "--quiet", "error": "--quiet"}


def action_server(settings: Settings) -> Service:
    return Service(
        "actions",
        [str(VENV_BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.actions_port),
         SDK_LOG_FLAGS[settings.log_level]],
        # The action server only needs to be reachable by the Rasa server.
        {"SANIC_HOST": os.environ.get("SIPGUIDEN_ACTIONS_HOST", "127.0.0.1")},
    )


def rasa_server(settings: Settings, endpoints: Path, credentials: Optional[Path] = None, *, name: str = "rasa",
                port: Optional[int] = None, host: Optional[str] = None, cors: Optional[str] = None,
                log_file: Optional[Path] = None, extra_env: Optional[Dict[str, str]] = None) -> Service:
    """A Rasa server (`rasa run` through scripts/rasa_serve.py, which turns the HTTP API on only
    with SIPGUIDEN_API_TOKEN / SIPGUIDEN_JWT_SECRET from the environment). scripts/scaled.py
    starts several of these as replicas, each with its own name, port and log file."""
    port = settings.port if port is None else port
    host = settings.host if host is None else host
    return Service(
        name,
        [str(VENV_BIN / "python"), str(ROOT / "scripts" / "rasa_serve.py"), "--model", str(MODEL), "--endpoints", str(endpoints),
         "--credentials", str(credentials or ROOT / "credentials.yml"), "--interface", host, "--port", str(port),
         "--cors", cors or f"http://{settings.host}:{settings.port}",
         "--log-file", str(log_file or ROOT / "var" / "log" / "rasa.log")],
        # Rasa reads its log level from LOG_LEVEL.
        {"LOG_LEVEL": settings.log_level.upper(), **(extra_env or {})},
    )


def rasa_ready(port: int) -> bool:
    """Rasa opens its port only after the model is loaded; "/" answers without the API."""
    return http_ok(f"http://127.0.0.1:{port}/")


API_HELP = ("av – sätt SIPGUIDEN_API_TOKEN (minst 16 tecken, t.ex. `export SIPGUIDEN_API_TOKEN=$(openssl rand -hex 24)`) "
            "eller SIPGUIDEN_JWT_SECRET för att slå på det; det kräver alltid token")


def api_line(settings: Settings, base: str) -> str:
    if not settings.api_enabled:
        return API_HELP
    how = " och ".join(w for w, on in (("?token=$SIPGUIDEN_API_TOKEN", bool(settings.api_token)),
                                          ("JWT (Authorization: Bearer …)", settings.jwt_secret_set)) if on)
    return f"på – {base}/status kräver {how}"


def banner(settings: Settings, base: Optional[str] = None, extra: str = "", shell: bool = True) -> None:
    base = base or f"http://{'localhost' if settings.host in ('127.0.0.1', '0.0.0.0') else settings.host}:{settings.port}"
    store = f"SQLite-fil {settings.sqlite_path}" if settings.tracker_store == "sqlite" else f"PostgreSQL {settings.db_host}:{settings.db_port}/{settings.db_name}"
    info = nlp_pipeline.current_info() or {}
    spacy_line = info.get("description", "okänd (kör make setup)")
    teams_line = (
        f"på – meddelandeslutpunkt {base}/webhooks/botframework/webhook (via https utåt)"
        if teams_enabled() else "av (sätt SIPGUIDEN_TEAMS_APP_ID och SIPGUIDEN_TEAMS_APP_PASSWORD)"
    )
    print(
        f"""
\033[1mSIP-guiden är igång.\033[0m
  Webbchatten:          {base}/webhooks/webchat/
{"  Chatta i terminalen:  make shell   (i ett annat fönster)" + chr(10) if shell else ""}  REST-kanalen:         curl -s {base}/webhooks/rest/webhook -d '{{"sender":"test","message":"hej"}}'
  Microsoft Teams:      {teams_line}
  Rasas HTTP-API:       {api_line(settings, base)}
  Samtal sparas i:      {store}{extra}
  Språkpipeline:        {spacy_line}
  Actionservern:        http://127.0.0.1:{settings.actions_port}/health
  Stoppa:               Ctrl-C
""",
        flush=True,
    )


def run_servers(settings: Settings) -> int:
    # Before anything is written: a refused second start must not replace the running
    # bot's endpoints file.
    problems = busy_ports(settings)
    if problems:
        for problem in problems:
            say(f"FEL: {problem}")
        return 1
    endpoints = write_endpoints(settings)
    credentials = write_credentials()
    (ROOT / "var" / "log").mkdir(parents=True, exist_ok=True)
    actions = action_server(settings)
    rasa = rasa_server(settings, endpoints, credentials)
    services = [actions, rasa]
    output_log: Optional[OutputLog] = None
    if settings.log_level != "debug":  # the servers' start-up output to the file only
        output_log = OutputLog(SERVERS_LOG)
        output_log.open()
        for service in services:
            service.quiet(output_log)
    stopping = threading.Event()

    def on_signal(signum, frame):  # noqa: ARG001
        stopping.set()

    for signum in STOP_SIGNALS:
        signal.signal(signum, on_signal)
    try:
        say(f"Startar actionservern på port {settings.actions_port}")
        actions.start()
        if not wait_until(lambda: stopping.is_set() or http_ok(f"http://127.0.0.1:{settings.actions_port}/health"), services, "actionservern"):
            return 1
        say(f"Startar Rasa-servern på {settings.host}:{settings.port} (laddar modellen, tar en halv minut)")
        rasa.start()
        if not wait_until(lambda: stopping.is_set() or rasa_ready(settings.port), services, "Rasa-servern"):
            return 1
        if stopping.is_set():
            return 0
        banner(settings)
        for service in services:
            service.show()
        while not stopping.is_set():
            for service in services:
                if not service.running():
                    say(f"FEL: {service.name} avslutades oväntat (kod {service.process.returncode}). Stoppar.")
                    return 1
            stopping.wait(1.0)
        return 0
    finally:
        say("Stoppar SIP-guiden …")
        for service in reversed(services):
            service.stop()
        if output_log is not None:
            output_log.close()
        say("Stoppad.")


def run_shell(settings: Settings) -> int:
    endpoints = write_endpoints(settings)
    actions: Optional[Service] = None
    if not http_ok(f"http://127.0.0.1:{settings.actions_port}/health"):
        say(f"Startar actionservern på port {settings.actions_port}")
        actions = action_server(settings)
        actions.start()
        if not wait_until(lambda: http_ok(f"http://127.0.0.1:{settings.actions_port}/health"), [actions], "actionservern"):
            actions.stop()
            return 1
    say("Startar chatt i terminalen (skriv /stop för att avsluta)")

    def on_signal(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    try:
        return subprocess.call(
            [str(VENV_BIN / "rasa"), "shell", "--model", str(MODEL), "--endpoints", str(endpoints),
             "--port", str(settings.port + 1)],
            cwd=ROOT, env=child_env(),
        )
    except KeyboardInterrupt:
        return 0
    finally:
        if actions is not None:
            actions.stop()


def main(argv: List[str]) -> int:
    try:
        settings = Settings.from_env()
        teams_enabled()
    except SettingsError as error:
        say(f"FEL i inställningarna: {error}")
        return 2
    if not MODEL.exists():
        say("FEL: ingen tränad modell (models/sipguiden.tar.gz). Kör `make train` eller `make run`.")
        return 1
    mode = argv[1] if len(argv) > 1 else "servers"
    if mode == "shell":
        return run_shell(settings)
    if mode != "servers":
        print("Användning: python scripts/run.py [servers|shell]", file=sys.stderr)
        return 2
    return run_servers(settings)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
