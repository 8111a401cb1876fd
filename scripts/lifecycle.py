"""The conversation data lifecycle from the command line: retention, erasure and export.

    scripts/lifecycle.py [--scaled] purge [--days N]          make purge [DAYS=N] [SCALED=1]
    scripts/lifecycle.py [--scaled] forget SENDER              make forget SENDER=… [SCALED=1]
    scripts/lifecycle.py [--scaled] export SENDER [--out FIL]  make export SENDER=… [OUT=fil] [SCALED=1]

The store is the one of the SIPGUIDEN_* settings (bot/settings.py: SQLite var/tracker.db by
default). ``--scaled`` first reads var/scale/env (KEY=VALUE lines written by the scaled launcher,
``make run-scaled``) over the environment: the scaled set-up's PostgreSQL. ``purge`` keeps
SIPGUIDEN_RETENTION_DAYS days (default 30): older conversations go whole, and conversations
still in use lose their old sessions. The work is done by bot/lifecycle.py (see ``purge``
there); forget and purge check again after 2 s for a conversation that a turn in flight saved
back.

Exit codes: 0 done (also "nothing was stored" for forget and purge), 1 the store cannot be
used, or export of an unknown conversation, 2 wrong use (no SENDER, bad --days, bad settings).
Every message is one Swedish line; the database password is never printed.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Mapping, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy.exc  # noqa: E402

from bot import lifecycle  # noqa: E402
from bot.settings import Settings, SettingsError, read_env_file, write_private  # noqa: E402

SCALE_ENV = ROOT / "var" / "scale" / "env"
DEFAULT_DAYS = 30
MAX_DAYS = lifecycle.MAX_DAYS
RECHECK_SECONDS = 2.0

USAGE = """\
Användning:
  scripts/lifecycle.py [--scaled] purge [--days N]          radera samtal vars senaste händelse är äldre än N dagar,
                                                           och gamla sessioner i samtal som pågår
                                                           (standard: SIPGUIDEN_RETENTION_DAYS, annars 30)
  scripts/lifecycle.py [--scaled] forget SENDER              radera allt som är lagrat om samtalet SENDER
  scripts/lifecycle.py [--scaled] export SENDER [--out FIL]  skriv ut allt som är lagrat om samtalet, som JSON
  --scaled   den skalade uppsättningens PostgreSQL (inställningarna i var/scale/env)
Via make: make purge [DAYS=N], make forget SENDER=…, make export SENDER=… [OUT=fil], alla med SCALED=1 för PostgreSQL."""

COMMANDS = ("purge", "forget", "export")


class Usage(Exception):
    """Wrong use: the message, exit code 2."""


class Failure(Exception):
    """The work could not be done: the message, exit code 1."""


# --- arguments -----------------------------------------------------------------------------


def parse(argv: List[str]) -> Dict[str, Optional[str]]:
    """The small grammar above, by hand, so that every message is Swedish."""
    args: Dict[str, Optional[str]] = {"scaled": None, "days": None, "out": None, "help": None}
    positional: List[str] = []
    tokens = list(argv)
    only_positional = False
    while tokens:
        token = tokens.pop(0)
        if only_positional or not token.startswith("-") or token == "-":
            positional.append(token)
        elif token == "--":
            only_positional = True
        elif token in ("-h", "--help"):
            args["help"] = "1"
        elif token == "--scaled":
            args["scaled"] = "1"
        elif token.split("=", 1)[0] in ("--days", "--out"):
            name = token.split("=", 1)[0][2:]
            if "=" in token:
                value = token.split("=", 1)[1]
            elif tokens:
                value = tokens.pop(0)
            else:
                raise Usage(f"--{name} behöver ett värde.\n{USAGE}")
            args[name] = value
        else:
            raise Usage(f"Okänt val {token!r} (ett id som börjar med - skrivs efter --).\n{USAGE}")
    if args["help"]:
        return args
    if not positional:
        raise Usage(f"Ange vad som ska göras: purge, forget eller export.\n{USAGE}")
    command = positional[0]
    if command not in COMMANDS:
        raise Usage(f"Okänt kommando {command!r}: välj purge, forget eller export.\n{USAGE}")
    args["command"] = command
    if command == "purge":
        if len(positional) > 1:
            raise Usage(f"purge tar inget id (fick {positional[1]!r}).\n{USAGE}")
        if args["out"] is not None:
            raise Usage(f"--out hör till export.\n{USAGE}")
    else:
        sender = positional[1] if len(positional) > 1 else ""
        if not sender.strip():
            raise Usage(f"Ange samtalets id: make {command} SENDER=…")
        if len(positional) > 2:
            raise Usage(f"Ett samtals id i taget (fick {len(positional) - 1}).\n{USAGE}")
        if args["days"] is not None:
            raise Usage(f"--days hör till purge.\n{USAGE}")
        if command == "forget" and args["out"] is not None:
            raise Usage(f"--out hör till export.\n{USAGE}")
        args["sender"] = sender
    return args


def days_from(value: str, name: str) -> int:
    text = value.strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise Usage(f"{name} måste vara ett helt antal dagar från 1 till {MAX_DAYS} (fick {value!r}).")
    return int(text)


# --- settings ------------------------------------------------------------------------------


def load_scale_env(path: Path = SCALE_ENV) -> Dict[str, str]:
    """The scaled launcher's KEY=VALUE file (blank lines and # comments allowed). Values are never
    echoed: one is the password."""
    shown = _shown_path(path)
    if not path.exists():
        raise Failure(f"Den skalade uppsättningens inställningar ({shown}) finns inte – kör make run-scaled först.")
    try:
        return read_env_file(path)
    except (OSError, UnicodeDecodeError) as error:
        raise Failure(f"Kan inte läsa {shown}: {getattr(error, 'strerror', None) or error}.") from None
    except SettingsError as error:
        raise Failure(f"{shown}, {error}") from None


def _shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _shown_id(sender: str) -> str:
    return f"«{sender}»" if sender.isprintable() else repr(sender)


def _events(n: int) -> str:
    return f"{n} händelse" if n == 1 else f"{n} händelser"


def _days(n: int) -> str:
    return f"{n} dag" if n == 1 else f"{n} dagar"


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _reason(error: Exception, secret: Optional[str]) -> str:
    """The first line of the driver's message, without the password, whatever it says."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()[0].strip() if str(original).strip() else type(original).__name__
    if secret:
        text = text.replace(secret, "***")
    return text.rstrip(".")


def _sessions(n: int) -> str:
    return f"{n} gammal session" if n == 1 else f"{n} gamla sessioner"


def purge_line(label: str, report: "lifecycle.PurgeReport", days: int) -> str:
    """The one line that says what a purge deleted: whole conversations, and old sessions of
    conversations still in use."""
    done = []
    if report.conversations or report.events:
        done.append(f"{report.conversations} samtal med {_events(report.events)} raderades helt")
    if report.sessions or report.session_events:
        done.append(f"ur {report.in_use} pågående samtal raderades {_sessions(report.sessions)} "
                    f"med {_events(report.session_events)}")
    if not done:
        return (f"Rensning av {label}: inget samtal och ingen hel session var äldre än {_when(report.cutoff)} "
                f"(lagringstid {_days(days)}) – inget raderades.")
    return f"Rensning av {label}: {'; '.join(done)} (äldre än {_when(report.cutoff)}, lagringstid {_days(days)})."


# --- the commands --------------------------------------------------------------------------


def run(argv: List[str], environ: Mapping[str, str]) -> int:
    args = parse(argv)
    if args["help"]:
        print(USAGE)
        return 0
    env: Dict[str, str] = dict(environ)
    if args["scaled"]:
        folder = environ.get("SIPGUIDEN_SCALE_DIR", "").strip()
        env.update(load_scale_env(Path(folder) / "env" if folder else SCALE_ENV))
    try:
        settings = Settings.from_env(env)
    except SettingsError as error:
        raise Usage(f"FEL i inställningarna: {error}") from None
    command = args["command"]
    if command == "purge":
        if args["days"] is not None:
            days = days_from(args["days"], "--days")
        elif env.get("SIPGUIDEN_RETENTION_DAYS", "").strip():
            days = days_from(env["SIPGUIDEN_RETENTION_DAYS"], "SIPGUIDEN_RETENTION_DAYS")
        else:
            days = DEFAULT_DAYS
    secret = env.get(lifecycle.PASSWORD_VARIABLE) or None
    engine = lifecycle.engine_for(settings, env)
    label = lifecycle.store_label(engine)
    try:
        if command == "purge":
            report = lifecycle.purge(engine, days, recheck_after=RECHECK_SECONDS)
            print(purge_line(label, report, days))
            return 0
        sender = args["sender"] or ""
        if command == "forget":
            deleted = lifecycle.forget(engine, sender, recheck_after=RECHECK_SECONDS)
            if deleted:
                print(f"Samtalet {_shown_id(sender)} är raderat ur {label}: {_events(deleted)}.")
            else:
                print(f"Inget samtal med id {_shown_id(sender)} finns i {label} – inget var lagrat, inget raderades.")
            return 0
        data = lifecycle.export(engine, sender)
    except sqlalchemy.exc.SQLAlchemyError as error:
        hint = (" Kontrollera att PostgreSQL är igång (make run-scaled) och att inställningarna stämmer."
                if lifecycle.store_name(engine) == "postgresql" else "")
        raise Failure(f"Samtalslagret {label} gick inte att använda: {_reason(error, secret)}.{hint}") from None
    finally:
        engine.dispose()
    if not data["events"]:
        raise Failure(f"Inget samtal med id {_shown_id(sender)} finns i {label} – inget att exportera.")
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if args["out"] is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
        return 0
    out = Path(args["out"]).expanduser()
    try:
        write_private(out, text)
    except OSError as error:
        raise Failure(f"Kunde inte skriva {out}: {error.strerror or error}.") from None
    messages = len(data["conversation"])
    print(f"Samtalet {_shown_id(sender)} ({_events(len(data['events']))}, "
          f"{messages} {'meddelande' if messages == 1 else 'meddelanden'}) "
          f"från {label} är exporterat till {out} (bara läsbar för dig).")
    return 0


def main(argv: Optional[List[str]] = None, environ: Optional[Mapping[str, str]] = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")  # never a traceback over an odd locale
        except (AttributeError, ValueError):
            pass
    try:
        return run(sys.argv[1:] if argv is None else argv, os.environ if environ is None else environ)
    except Usage as message:
        print(message, file=sys.stderr)
        return 2
    except Failure as message:
        print(message, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Avbrutet.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
