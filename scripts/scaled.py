"""The scaled set-up on one machine: Rasa's own engine for several replicas.

    python scripts/scaled.py run        # `make run-scaled`; Ctrl-C stops all of it

Started, in this order, all on loopback and all as this project's own processes (no system
services, no Docker), with their data under var/scale/:

1. PostgreSQL (Debian's package) — Rasa's SQL tracker store: every conversation's events.
   A cluster of its own in var/scale/pg (initdb on first start; runs as the `postgres` user
   when started by root), a database and role `sipguiden` with a generated password.
2. Redis (Debian's package) — Rasa's Redis lock store: the messages of one conversation are
   handled one after another, whichever replica receives them. Password-protected, nothing
   written to disk (locks only).
3. The action server (one; it keeps no state).
4. N Rasa server replicas (SIPGUIDEN_REPLICAS, default 2) on their own ports, all with the
   same endpoints: PostgreSQL tracker store + Redis lock store. Any replica can answer any
   message of any conversation.
5. nginx (Debian's package) in front, on SIPGUIDEN_PORT (5005): serves the web chat's files
   itself, spreads the webhooks and the HTTP API over the replicas (least connections), skips
   a replica that stopped answering, retries a message on another replica when its replica
   died while handling it, and answers in Swedish (never an nginx error page) when no replica
   answers.

The folder is var/scale/ unless SIPGUIDEN_SCALE_DIR names another (tests/scale uses its own).
Secrets (database and Redis passwords) are generated once into var/scale/secrets.env (0600)
and reach the servers through their environment, never their command lines. Rasa's HTTP API
follows the same rule as `make run`: on only with SIPGUIDEN_API_TOKEN / SIPGUIDEN_JWT_SECRET.
var/scale/env (0600) tells `make purge|forget|export SCALED=1` where the store is.

``Cluster`` is also what tests/scale and scripts/bench.py start, in a folder and on ports of
their own.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import run  # noqa: E402  (scripts/run.py: services, endpoints, the Rasa server command)
from bot.channels.replies import UNAVAILABLE_REPLY  # noqa: E402
from bot.channels.webpage import SECURITY_HEADERS, STATIC_DIR, STATIC_FILES  # noqa: E402
from bot.settings import Settings, SettingsError, read_env_file, write_private  # noqa: E402

SCALE_DIR = ROOT / "var" / "scale"
READY_TIMEOUT = float(os.environ.get("SIPGUIDEN_READY_TIMEOUT", "300"))
say = run.say


class ScaleError(RuntimeError):
    """The scaled set-up cannot start; the message says why, in Swedish."""


# --------------------------------------------------------------------------- small helpers
def postgres_bin() -> Path:
    """Debian's PostgreSQL programs (the newest installed version)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    if not found:
        raise ScaleError("PostgreSQL saknas: kör `make setup-scale` (installerar Debians paket postgresql).")
    return found[-1].parent


def as_postgres(command: List[str]) -> List[str]:
    """PostgreSQL refuses to run as root: started by root, it runs as the `postgres` user."""
    if os.geteuid() != 0:
        return command
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", *command]


def nginx_string(text: str) -> str:
    """A value for a single-quoted nginx string."""
    return text.replace("\\", "\\\\").replace("'", "\\'").replace("$", "${dollar}")


# --------------------------------------------------------------------------- configuration
@dataclass
class Ports:
    front: int
    actions: int
    postgres: int
    redis: int
    replicas: List[int] = field(default_factory=list)

    @classmethod
    def defaults(cls, settings: Settings, replicas: int, env: Mapping[str, str]) -> "Ports":
        def port(name: str, default: int) -> int:
            raw = env.get(name, "").strip()
            if raw and (not raw.isdigit() or not 1 <= int(raw) <= 65535):
                raise SettingsError(f"{name}={raw!r} är inget giltigt portnummer.")
            return int(raw) if raw else default

        first = port("SIPGUIDEN_REPLICA_PORT", settings.port + 6)  # 5011, 5012, …
        return cls(front=settings.port, actions=settings.actions_port, postgres=port("SIPGUIDEN_SCALE_DB_PORT", 5433),
                   redis=port("SIPGUIDEN_SCALE_REDIS_PORT", 6380), replicas=[first + i for i in range(replicas)])

    @classmethod
    def free(cls, replicas: int) -> "Ports":
        port = run.free_port
        return cls(front=port(), actions=port(), postgres=port(), redis=port(), replicas=[port() for _ in range(replicas)])

    def all(self) -> List[tuple]:
        return ([("nginx", "SIPGUIDEN_PORT", self.front), ("actionservern", "SIPGUIDEN_ACTIONS_PORT", self.actions),
                 ("PostgreSQL", "SIPGUIDEN_SCALE_DB_PORT", self.postgres), ("Redis", "SIPGUIDEN_SCALE_REDIS_PORT", self.redis)]
                + [(f"replik {i + 1}", "SIPGUIDEN_REPLICA_PORT", p) for i, p in enumerate(self.replicas)])


def replica_count(env: Mapping[str, str]) -> int:
    raw = env.get("SIPGUIDEN_REPLICAS", "").strip() or "2"
    if not raw.isdigit() or not 1 <= int(raw) <= 16:
        raise SettingsError(f"SIPGUIDEN_REPLICAS={raw!r}: ange ett antal repliker mellan 1 och 16.")
    return int(raw)


# --------------------------------------------------------------------------- the cluster
class Cluster:
    """PostgreSQL, Redis, the action server, N Rasa replicas and nginx, in ``base``."""

    DB_NAME = DB_USER = "sipguiden"

    def __init__(self, base: Path = SCALE_DIR, replicas: int = 2, ports: Optional[Ports] = None,
                 env: Optional[Mapping[str, str]] = None, logs: bool = False, lock_lifetime: int = 20):
        self.base = base
        self.env = dict(os.environ if env is None else env)
        self.public = Settings.from_env(self.env)
        self.ports = ports or Ports.defaults(self.public, replicas, self.env)
        self.logs = logs  # True: each server's output goes to base/logs/<name>.log, not ours
        self.lock_lifetime = lock_lifetime
        self.bin = postgres_bin()
        self.secrets = self._secrets()
        self.settings = Settings.from_env({
            **self.env,
            "SIPGUIDEN_TRACKER_STORE": "postgresql", "SIPGUIDEN_DB_HOST": "127.0.0.1",
            "SIPGUIDEN_DB_PORT": str(self.ports.postgres), "SIPGUIDEN_DB_NAME": self.DB_NAME,
            "SIPGUIDEN_DB_USER": self.DB_USER, "SIPGUIDEN_DB_PASSWORD": self.secrets["SIPGUIDEN_DB_PASSWORD"],
            "SIPGUIDEN_LOCK_STORE": "redis", "SIPGUIDEN_REDIS_HOST": "127.0.0.1",
            "SIPGUIDEN_REDIS_PORT": str(self.ports.redis), "SIPGUIDEN_REDIS_PASSWORD": self.secrets["SIPGUIDEN_REDIS_PASSWORD"],
            "SIPGUIDEN_ACTIONS_PORT": str(self.ports.actions),
        })
        self.postgres: Optional[run.Service] = None
        self.redis: Optional[run.Service] = None
        self.actions: Optional[run.Service] = None
        self.replicas: List[run.Service] = []
        self.nginx: Optional[run.Service] = None

    # -- paths and addresses
    @property
    def pg_dir(self) -> Path:
        return self.base / "pg"

    @property
    def socket_dir(self) -> Path:
        return self.pg_dir / "socket"

    @property
    def front_url(self) -> str:
        host = "127.0.0.1" if self.public.host in ("127.0.0.1", "0.0.0.0", "localhost") else self.public.host
        return f"http://{host}:{self.ports.front}"

    def replica_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports.replicas[index]}"

    def db_url(self) -> str:
        """The tracker store's database, as a SQLAlchemy URL with the password (for tests)."""
        from sqlalchemy.engine import URL

        return URL.create("postgresql+psycopg2", username=self.DB_USER, password=self.secrets["SIPGUIDEN_DB_PASSWORD"],
                          host="127.0.0.1", port=self.ports.postgres, database=self.DB_NAME).render_as_string(hide_password=False)

    def _log(self, name: str) -> Optional[Path]:
        if not self.logs:
            return None
        (self.base / "logs").mkdir(parents=True, exist_ok=True)
        return self.base / "logs" / f"{name}.log"

    def _secrets(self) -> Dict[str, str]:
        path = self.base / "secrets.env"
        values = read_env_file(path) if path.exists() else {}
        wanted = ("SIPGUIDEN_DB_PASSWORD", "SIPGUIDEN_REDIS_PASSWORD")
        if not all(values.get(k) for k in wanted):
            values = {k: values.get(k) or secrets.token_hex(24) for k in wanted}
            self.base.mkdir(parents=True, exist_ok=True)
            write_private(path, "# Generated by scripts/scaled.py; the scaled set-up's passwords.\n"
                          + "".join(f"{k}={v}\n" for k, v in values.items()))
        return values

    def server_env(self) -> Dict[str, str]:
        """What every replica gets: the passwords the endpoints refer to as ${VARIABLE}, the API's
        secrets when they are set (scripts/rasa_serve.py), and the lock's lifetime: how long a
        conversation waits for a replica that died while handling one of its messages."""
        api = {k: self.env[k] for k in ("SIPGUIDEN_API_TOKEN", "SIPGUIDEN_JWT_SECRET") if self.env.get(k)}
        return {**self.secrets, **api, "TICKET_LOCK_LIFETIME": str(self.lock_lifetime)}

    # -- PostgreSQL
    def _init_postgres(self) -> None:
        data = self.pg_dir / "data"
        if (data / "PG_VERSION").exists():
            return
        say(f"Skapar PostgreSQL-klustret i {self.pg_dir} (första starten)")
        self.pg_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            for path in (self.pg_dir, self.socket_dir):
                shutil.chown(path, "postgres", "postgres")
        os.chmod(self.pg_dir, 0o700)
        os.chmod(self.socket_dir, 0o700)
        import subprocess

        result = subprocess.run(
            as_postgres([str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8", "--no-locale",
                         "--auth-local=trust", "--auth-host=scram-sha-256"]),
            capture_output=True, text=True)
        if result.returncode != 0:
            raise ScaleError(f"initdb misslyckades:\n{result.stdout[-1500:]}{result.stderr[-1500:]}")

    def start_postgres(self) -> None:
        self._init_postgres()
        self.postgres = run.Service("postgres", as_postgres([
            str(self.bin / "postgres"), "-D", str(self.pg_dir / "data"), "-p", str(self.ports.postgres),
            "-k", str(self.socket_dir), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_permissions=0700",
            # Failing statements are not written to the log: they could carry conversation text.
            "-c", "log_min_error_statement=panic", "-c", "max_connections=200",
        ]), log=self._log("postgres"), stop_signal=signal.SIGINT)  # SIGINT: PostgreSQL's fast shutdown
        self.postgres.start()
        self._wait(self._postgres_ready, "PostgreSQL", [self.postgres])
        self._ensure_database()

    def stop_postgres(self) -> None:
        if self.postgres:
            self.postgres.stop()

    def _superuser(self):
        import psycopg2

        return psycopg2.connect(host=str(self.socket_dir), port=self.ports.postgres, user="postgres", dbname="postgres",
                                connect_timeout=3)

    def _postgres_ready(self) -> bool:
        try:
            self._superuser().close()
            return True
        except Exception:  # noqa: BLE001 - not up yet
            return False

    def _ensure_database(self) -> None:
        from psycopg2 import sql

        connection = self._superuser()
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (self.DB_USER,))
                verb = "ALTER" if cursor.fetchone() else "CREATE"
                cursor.execute(sql.SQL(verb + " ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(self.DB_USER)),
                               (self.secrets["SIPGUIDEN_DB_PASSWORD"],))
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.DB_NAME,))
                if not cursor.fetchone():
                    cursor.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(self.DB_NAME), sql.Identifier(self.DB_USER)))
        finally:
            connection.close()

    # -- Redis
    def start_redis(self) -> None:
        folder = self.base / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "redis.conf"
        write_private(config, "\n".join([
            "# Written by scripts/scaled.py: Rasa's lock store only, nothing kept on disk.",
            "bind 127.0.0.1", f"port {self.ports.redis}", "protected-mode yes", "daemonize no",
            f"dir {folder}", 'save ""', "appendonly no", 'logfile ""',
            f"requirepass {self.secrets['SIPGUIDEN_REDIS_PASSWORD']}", "",
        ]))
        redis_server = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.redis = run.Service("redis", [redis_server, str(config)], log=self._log("redis"))
        self.redis.start()
        self._wait(self._redis_ready, "Redis", [self.redis])

    def _redis_ready(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(host="127.0.0.1", port=self.ports.redis, password=self.secrets["SIPGUIDEN_REDIS_PASSWORD"],
                                    socket_timeout=2).ping())
        except Exception:  # noqa: BLE001 - not up yet
            return False

    # -- the action server and the replicas
    def start_actions(self) -> None:
        self.actions = run.action_server(self.settings)
        self.actions.log = self._log("actions")
        self.actions.start()
        self._wait(lambda: run.http_ok(f"http://127.0.0.1:{self.ports.actions}/health"), "actionservern", [self.actions])

    def write_rasa_config(self) -> None:
        """The endpoints and channels every replica starts with (written once per start)."""
        run.write_endpoints(self.settings, self.base / "endpoints.yml")
        run.write_credentials(self.env, self.base / "credentials.yml")
        (self.base / "logs").mkdir(parents=True, exist_ok=True)

    def replica(self, index: int) -> run.Service:
        service = run.rasa_server(
            self.settings, self.base / "endpoints.yml", self.base / "credentials.yml", name=f"rasa-{index + 1}", port=self.ports.replicas[index],
            host="127.0.0.1", cors=self.front_url, log_file=self.base / "logs" / f"rasa-{index + 1}.rasa.log",
            extra_env=self.server_env())
        service.log = self._log(f"rasa-{index + 1}")
        return service

    def start_replica(self, index: int) -> None:
        service = self.replica(index)
        if index < len(self.replicas):
            self.replicas[index] = service
        else:
            self.replicas.append(service)
        service.start()

    def wait_replica(self, index: int) -> None:
        self._wait(lambda: run.rasa_ready(self.ports.replicas[index]), f"Rasa-replik {index + 1}", [self.replicas[index]])

    def kill_replica(self, index: int, sig: int = signal.SIGKILL) -> None:
        service = self.replicas[index]
        if service.running():
            os.killpg(service.process.pid, sig)
            service.process.wait(timeout=30)

    # -- nginx
    def nginx_config(self) -> str:
        folder = self.base / "nginx"
        upstream = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in self.ports.replicas)
        headers = "\n".join(f"            add_header {name} \"{value}\" always;" for name, value in SECURITY_HEADERS.items())
        assets = "|".join(name.replace(".", r"\.") for name in STATIC_FILES if name != "index.html")
        rest_down = json.dumps([{"recipient_id": "default", "text": UNAVAILABLE_REPLY}], ensure_ascii=False)
        webchat_down = json.dumps({"user": None, "messages": [{"recipient_id": "default", "text": UNAVAILABLE_REPLY}]},
                                  ensure_ascii=False)
        other_down = json.dumps({"error": UNAVAILABLE_REPLY}, ensure_ascii=False)
        listen = "127.0.0.1" if self.public.host in ("127.0.0.1", "localhost") else self.public.host
        temp = "\n".join(f"    {kind}_temp_path {folder / 'tmp' / kind};" for kind in
                         ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        # Started by root, nginx's workers run as an unprivileged user (Debian has nobody/nogroup).
        user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
        return f"""# Written by scripts/scaled.py at every start; edit that file, not this one.
{user}daemon off;
worker_processes 1;
pid {folder / 'nginx.pid'};
error_log stderr warn;
events {{ worker_connections 2048; }}
http {{
    # No access log: request lines can carry conversation ids and API tokens.
    access_log off;
    server_tokens off;
    charset utf-8;
    types {{ text/html html; text/css css; text/javascript js; application/json json; }}
    default_type application/octet-stream;
    client_max_body_size 64k;
{temp}
    geo $dollar {{ default "$"; }}

    upstream sipguiden_rasa {{
        least_conn;
{upstream}
        keepalive 32;
    }}

    server {{
        listen {listen}:{self.ports.front};

        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_connect_timeout 2s;
        # A message waits for the earlier messages of its conversation (Redis lock).
        proxy_read_timeout 120s;
        # A replica that refuses the connection, or dies while handling a message, is skipped and
        # the message goes to the next one: the dead replica stored nothing of that turn.
        proxy_next_upstream error non_idempotent;
        proxy_next_upstream_tries {len(self.ports.replicas)};

        # The web chat page, served by nginx itself.
        location = /webhooks/webchat {{ return 301 /webhooks/webchat/; }}
        location = /webhooks/webchat/ {{
            root {STATIC_DIR};
            try_files /index.html =404;
{headers}
        }}
        location ~ ^/webhooks/webchat/({assets})$ {{
            root {STATIC_DIR};
            try_files /$1 =404;
{headers}
        }}

        location /webhooks/webchat/ {{
            proxy_pass http://sipguiden_rasa;
            error_page 502 503 504 = @webchat_down;
        }}
        location /webhooks/rest/ {{
            proxy_pass http://sipguiden_rasa;
            error_page 502 503 504 = @rest_down;
        }}
        location / {{
            proxy_pass http://sipguiden_rasa;
            error_page 502 503 504 = @down;
        }}

        # No replica answered: a Swedish message in the shape each client reads.
        location @rest_down {{ default_type application/json; return 200 '{nginx_string(rest_down)}'; }}
        location @webchat_down {{ default_type application/json; return 200 '{nginx_string(webchat_down)}'; }}
        location @down {{ default_type application/json; return 503 '{nginx_string(other_down)}'; }}
    }}
}}
"""

    def start_nginx(self) -> None:
        folder = self.base / "nginx"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (folder / "tmp" / kind).mkdir(parents=True, exist_ok=True)
        config = folder / "nginx.conf"
        config.write_text(self.nginx_config(), encoding="utf-8")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.nginx = run.Service("nginx", [nginx, "-p", str(folder), "-c", str(config), "-e", "stderr"],
                                 log=self._log("nginx"))
        self.nginx.start()
        self._wait(lambda: run.http_ok(f"{self.front_url}/webhooks/rest/"), "nginx", [self.nginx])

    # -- the whole
    def busy_ports(self) -> List[str]:
        return [f"port {port} ({what}) används redan – stoppa det som kör där, eller välj en annan port med {variable}."
                for what, variable, port in self.ports.all() if run.port_in_use("127.0.0.1", port)]

    def write_env_file(self) -> None:
        """Where `make purge|forget|export SCALED=1` finds the store."""
        s = self.settings
        write_private(self.base / "env", "# Written by scripts/scaled.py: the scaled set-up's conversation store.\n" + "".join(
            f"{k}={v}\n" for k, v in {
                "SIPGUIDEN_TRACKER_STORE": "postgresql", "SIPGUIDEN_DB_HOST": s.db_host, "SIPGUIDEN_DB_PORT": s.db_port,
                "SIPGUIDEN_DB_NAME": s.db_name, "SIPGUIDEN_DB_USER": s.db_user,
                "SIPGUIDEN_DB_PASSWORD": self.secrets["SIPGUIDEN_DB_PASSWORD"]}.items()))

    def start(self) -> None:
        problems = self.busy_ports()
        if problems:
            raise ScaleError("\n".join(problems))
        if not run.MODEL.exists():
            raise ScaleError("ingen tränad modell (models/sipguiden.tar.gz). Kör `make train` eller `make run-scaled`.")
        self.base.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base, 0o755)  # PostgreSQL's user must reach its folder inside
        say(f"Startar PostgreSQL på 127.0.0.1:{self.ports.postgres}")
        self.start_postgres()
        say(f"Startar Redis på 127.0.0.1:{self.ports.redis}")
        self.start_redis()
        self.write_env_file()
        self.write_rasa_config()
        say(f"Startar actionservern på port {self.ports.actions}")
        self.start_actions()
        say(f"Startar {len(self.ports.replicas)} Rasa-repliker på portarna "
            f"{', '.join(map(str, self.ports.replicas))} (laddar modellen, tar en minut)")
        for index in range(len(self.ports.replicas)):
            self.start_replica(index)
        with ThreadPoolExecutor(len(self.replicas)) as pool:
            list(pool.map(self.wait_replica, range(len(self.replicas))))
        say(f"Startar nginx på {self.front_url}")
        self.start_nginx()

    def services(self) -> List[run.Service]:
        return [s for s in (self.postgres, self.redis, self.actions, *self.replicas, self.nginx) if s is not None]

    def stop(self) -> None:
        for service in reversed(self.services()):
            service.stop()

    def _wait(self, check, what: str, services: List[run.Service]) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if check():
                return
            for service in services:
                if service.process is not None and not service.running():
                    tail = service.log.read_text(errors="replace")[-2000:] if service.log and service.log.exists() else ""
                    raise ScaleError(f"{what} avslutades under start (kod {service.process.returncode}).\n{tail}")
            time.sleep(0.3)
        raise ScaleError(f"{what} svarade inte inom {READY_TIMEOUT:.0f} s.")


# --------------------------------------------------------------------------- make run-scaled
def banner(cluster: Cluster) -> None:
    replicas = ", ".join(cluster.replica_url(i) for i in range(len(cluster.replicas)))
    run.banner(cluster.settings, cluster.front_url.replace("127.0.0.1", "localhost"), extra=(
        f" (data i {cluster.pg_dir})\n"
        f"  Låsning:              Redis 127.0.0.1:{cluster.ports.redis} (Rasas Redis-låslager)\n"
        f"  Repliker:             {len(cluster.replicas)} st bakom nginx: {replicas}\n"
        f"  Radera/exportera:     make purge SCALED=1 · make forget SCALED=1 SENDER=… · make export SCALED=1 SENDER=…"),
        shell=False)


def run_scaled(env: Mapping[str, str]) -> int:
    try:
        base = Path(env.get("SIPGUIDEN_SCALE_DIR", "").strip() or SCALE_DIR)
        cluster = Cluster(base=base, replicas=replica_count(env), env=env)
    except (SettingsError, ScaleError) as error:
        say(f"FEL: {error}")
        return 2
    stopping = threading.Event()
    for signum in run.STOP_SIGNALS:
        signal.signal(signum, lambda *_: stopping.set())
    restarted: Dict[str, float] = {}
    try:
        cluster.start()
        banner(cluster)
        while not stopping.is_set():
            for service in cluster.services():
                if service.running() or stopping.is_set():
                    continue
                # What a supervisor (systemd, Kubernetes) does in a real deployment: start it again.
                if time.monotonic() - restarted.get(service.name, -60) < 30:
                    continue
                restarted[service.name] = time.monotonic()
                say(f"OBS: {service.name} avslutades (kod {service.process.returncode}); startar den igen.")
                service.start()
            stopping.wait(1.0)
        return 0
    except ScaleError as error:
        say(f"FEL: {error}")
        return 1
    finally:
        say("Stoppar den skalade uppsättningen …")
        cluster.stop()
        say("Stoppad.")


def main(argv: List[str]) -> int:
    if len(argv) < 2 or argv[1] != "run":
        print("Användning: python scripts/scaled.py run", file=sys.stderr)
        return 2
    return run_scaled(os.environ)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
