"""Trains the Rasa model only when its inputs changed since the last training.

Inputs: config.yml, domain.yml, everything under data/, the spaCy pipeline's marker and
requirements.lock (a new Rasa or spaCy version means a new model). Their SHA-256 digest
is stored beside the model; `--force` trains regardless.

What `rasa train` prints (its log lines, progress bars and ~40 lines of Python warnings from
its libraries) goes to var/log/train.log, rewritten at each training; the console shows our
own lines, and Rasa's last lines if the training fails. SIPGUIDEN_LOG_LEVEL=debug shows it all
on the console instead, as it comes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / "models"
MODEL_NAME = "sipguiden"
MODEL = MODEL_DIR / f"{MODEL_NAME}.tar.gz"
FINGERPRINT = MODEL_DIR / f"{MODEL_NAME}.fingerprint"
TRAIN_LOG = ROOT / "var" / "log" / "train.log"
TAIL_LINES = 30


def inputs() -> list[Path]:
    files = [ROOT / "config.yml", ROOT / "domain.yml", ROOT / "requirements.lock", ROOT / "var" / "spacy-sv" / "sipguiden.json"]
    files += sorted(p for p in (ROOT / "data").rglob("*") if p.is_file())
    return files


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in inputs():
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()


def up_to_date() -> bool:
    try:
        return MODEL.exists() and FINGERPRINT.read_text().strip() == fingerprint()
    except OSError:
        return False


def verbose(env=os.environ) -> bool:
    """Whether Rasa's own output is shown on the console (SIPGUIDEN_LOG_LEVEL=debug)."""
    return env.get("SIPGUIDEN_LOG_LEVEL", "").strip().lower() == "debug"


def run_logged(command: list[str], env: dict, log: Path) -> int:
    """Runs ``command`` with everything it prints in ``log`` (rewritten); its exit code."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8", errors="replace") as handle:
        return subprocess.call(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)


def tail(log: Path, lines: int = TAIL_LINES) -> list[str]:
    try:
        return log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return []


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str]) -> int:
    force = "--force" in argv
    if not force and up_to_date():
        print("Modellen är aktuell – ingen omträning behövs (model up to date, not retraining).", flush=True)
        return 0
    print("\033[1m==> Tränar modellen (data, config eller domän har ändrats) – training the model\033[0m", flush=True)
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    started = time.monotonic()
    # A partial model is never left behind: Rasa writes the archive only at the end.
    command = [str(Path(sys.executable).parent / "rasa"), "train", "--config", "config.yml", "--domain", "domain.yml",
               "--data", "data", "--out", str(MODEL_DIR), "--fixed-model-name", MODEL_NAME, *(["--force"] if force else [])]
    if verbose():
        result = subprocess.call(command, cwd=ROOT, env=env)
    else:
        print(f"    Rasas utskrifter skrivs till {shown(TRAIN_LOG)} (SIPGUIDEN_LOG_LEVEL=debug visar dem här).", flush=True)
        result = run_logged(command, env, TRAIN_LOG)
    if result != 0 or not MODEL.exists():
        if verbose():
            print("FEL: träningen misslyckades (training failed); se utskriften ovan.", file=sys.stderr)
        else:
            for line in tail(TRAIN_LOG):
                print(f"  {line}", file=sys.stderr)
            print(f"FEL: träningen misslyckades (training failed); Rasas sista rader står ovan, "
                  f"hela utskriften i {shown(TRAIN_LOG)}.", file=sys.stderr)
        return result or 1
    FINGERPRINT.write_text(fingerprint() + "\n")
    print(f"Modellen tränad på {time.monotonic() - started:.0f} s: {MODEL.relative_to(ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
