"""Run-time settings from environment variables, and the Rasa endpoints they imply.

Every setting has a safe default, so `make run` needs none of them:

==============================  =======================  ===========================================
variable                        default                  meaning
==============================  =======================  ===========================================
SIPGUIDEN_HOST                  127.0.0.1                interface the servers listen on
SIPGUIDEN_PORT                  5005                     Rasa server (REST channel, HTTP API)
SIPGUIDEN_ACTIONS_PORT          5055                     action server
SIPGUIDEN_API_TOKEN             (none: API off)          token for Rasa's HTTP API (tracker, model);
                                                         the API is enabled only when this or
                                                         SIPGUIDEN_JWT_SECRET is set (≥ 16 characters)
SIPGUIDEN_JWT_SECRET            (none)                   HS256 secret for JWTs: role "user" may only
                                                         reach the conversation named by username
SIPGUIDEN_TRACKER_STORE         sqlite                   sqlite | postgresql
SIPGUIDEN_SQLITE_PATH           var/tracker.db           the embedded conversation store
SIPGUIDEN_DB_HOST / _PORT       localhost / 5432         PostgreSQL (tracker store = postgresql)
SIPGUIDEN_DB_NAME / _USER       sipguiden / sipguiden
SIPGUIDEN_DB_PASSWORD           (none)                   never written to disk: Rasa reads it from
                                                         the environment
SIPGUIDEN_LOCK_STORE            memory                   memory | redis (needed with several replicas)
SIPGUIDEN_REDIS_HOST / _PORT    localhost / 6379
SIPGUIDEN_REDIS_DB              1
SIPGUIDEN_REDIS_PASSWORD        (none)                   read from the environment, like the DB one
SIPGUIDEN_LOG_LEVEL             info                     debug | info | warning | error
==============================  =======================  ===========================================

Pure Python, no Rasa import. Invalid values raise SettingsError with a Swedish message.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = PROJECT_ROOT / "var" / "run"


# The tracker store: Rasa's SQLTrackerStore, subclassed for a cheaper read and write and a window
# of the session (bot/tracker_store.py), on SQLite or PostgreSQL alike.
TRACKER_STORE_CLASS = "bot.tracker_store.SessionTrackerStore"


class SettingsError(ValueError):
    """A setting with a value the bot cannot use; the message says which and why."""


_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def read_env_file(path: Path) -> Dict[str, str]:
    """A file of KEY=VALUE lines (blank lines and # comments allowed), values as written (no
    quotes removed), as the scaled set-up writes var/scale/env and secrets.env. A line of
    another shape raises SettingsError naming its number, never its content: a value may be a
    password. OSError and UnicodeDecodeError are the caller's to report."""
    values: Dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not _KEY.fullmatch(key):
            raise SettingsError(f"rad {number}: inte på formen NYCKEL=VÄRDE.")
        values[key] = value.strip()
    return values


def write_private(path: Path, text: str) -> None:
    """Writes ``text`` to ``path`` readable by its owner only (0600), also when the file
    existed: for files that hold passwords or a conversation."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            fd = -1
            handle.write(text)
    finally:
        if fd >= 0:
            os.close(fd)


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingsError(f"{name}={raw!r} är inget giltigt portnummer (1–65535).")
    return int(raw)


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, "").strip().lower() or default
    if value not in allowed:
        raise SettingsError(f"{name}={value!r} stöds inte; välj en av: {', '.join(allowed)}.")
    return value


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 5005
    actions_port: int = 5055
    api_token: Optional[str] = None
    jwt_secret_set: bool = False
    tracker_store: str = "sqlite"
    sqlite_path: str = "var/tracker.db"
    db_host: str = "localhost"
    db_port: int = 5432
    db_name: str = "sipguiden"
    db_user: str = "sipguiden"
    db_password_set: bool = False
    lock_store: str = "memory"
    redis_host: str = "localhost"
    redis_port: int = 6379
    redis_db: int = 1
    redis_password_set: bool = False
    log_level: str = "info"

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        env = os.environ if env is None else env
        redis_db = env.get("SIPGUIDEN_REDIS_DB", "1").strip() or "1"
        if not redis_db.isdigit():
            raise SettingsError(f"SIPGUIDEN_REDIS_DB={redis_db!r} måste vara ett heltal.")
        token = env.get("SIPGUIDEN_API_TOKEN", "").strip() or None
        if token is not None and len(token) < 16:
            raise SettingsError("SIPGUIDEN_API_TOKEN är för kort: använd minst 16 tecken (t.ex. `openssl rand -hex 24`).")
        jwt_secret = env.get("SIPGUIDEN_JWT_SECRET", "").strip()
        if jwt_secret and len(jwt_secret) < 16:
            raise SettingsError("SIPGUIDEN_JWT_SECRET är för kort: använd minst 16 tecken (t.ex. `openssl rand -hex 32`).")
        return cls(
            jwt_secret_set=bool(jwt_secret),
            host=env.get("SIPGUIDEN_HOST", "").strip() or "127.0.0.1",
            port=_port(env, "SIPGUIDEN_PORT", 5005),
            actions_port=_port(env, "SIPGUIDEN_ACTIONS_PORT", 5055),
            api_token=token,
            tracker_store=_choice(env, "SIPGUIDEN_TRACKER_STORE", "sqlite", ("sqlite", "postgresql")),
            sqlite_path=env.get("SIPGUIDEN_SQLITE_PATH", "").strip() or "var/tracker.db",
            db_host=env.get("SIPGUIDEN_DB_HOST", "").strip() or "localhost",
            db_port=_port(env, "SIPGUIDEN_DB_PORT", 5432),
            db_name=env.get("SIPGUIDEN_DB_NAME", "").strip() or "sipguiden",
            db_user=env.get("SIPGUIDEN_DB_USER", "").strip() or "sipguiden",
            db_password_set=bool(env.get("SIPGUIDEN_DB_PASSWORD")),
            lock_store=_choice(env, "SIPGUIDEN_LOCK_STORE", "memory", ("memory", "redis")),
            redis_host=env.get("SIPGUIDEN_REDIS_HOST", "").strip() or "localhost",
            redis_port=_port(env, "SIPGUIDEN_REDIS_PORT", 6379),
            redis_db=int(redis_db),
            redis_password_set=bool(env.get("SIPGUIDEN_REDIS_PASSWORD")),
            log_level=_choice(env, "SIPGUIDEN_LOG_LEVEL", "info", ("debug", "info", "warning", "error")),
        )

    @property
    def api_enabled(self) -> bool:
        """Rasa's HTTP API is served only with a secret to protect it (scripts/rasa_serve.py)."""
        return bool(self.api_token) or self.jwt_secret_set

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}/webhook"

    def endpoints(self) -> Dict[str, Any]:
        """Rasa's endpoints configuration. Secrets stay `${VARIABLE}` references that
        Rasa fills in from the environment, so they are never written to disk."""
        endpoints: Dict[str, Any] = {"action_endpoint": {"url": self.action_url}}
        if self.tracker_store == "sqlite":
            endpoints["tracker_store"] = {"type": TRACKER_STORE_CLASS, "dialect": "sqlite", "db": self.sqlite_path}
        else:
            store: Dict[str, Any] = {
                "type": TRACKER_STORE_CLASS,
                "dialect": "postgresql",
                "url": self.db_host,
                "port": self.db_port,
                "db": self.db_name,
                "username": self.db_user,
            }
            if self.db_password_set:
                store["password"] = "${SIPGUIDEN_DB_PASSWORD}"
            endpoints["tracker_store"] = store
        if self.lock_store == "redis":
            lock: Dict[str, Any] = {"type": "redis", "url": self.redis_host, "port": self.redis_port, "db": self.redis_db}
            if self.redis_password_set:
                lock["password"] = "${SIPGUIDEN_REDIS_PASSWORD}"
            endpoints["lock_store"] = lock
        return endpoints
