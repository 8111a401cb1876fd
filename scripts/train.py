"""Trains the Rasa model only when its inputs changed since the last training.

Inputs: config.yml, domain.yml, everything under data/, the spaCy pipeline's marker and
requirements.lock (a new Rasa or spaCy version means a new model). Their SHA-256 digest
is stored beside the model; `--force` trains regardless.
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
    result = subprocess.call(
        [str(Path(sys.executable).parent / "rasa"), "train", "--config", "config.yml", "--domain", "domain.yml",
         "--data", "data", "--out", str(MODEL_DIR), "--fixed-model-name", MODEL_NAME, *(["--force"] if force else [])],
        cwd=ROOT, env=env,
    )
    if result != 0 or not MODEL.exists():
        print("FEL: träningen misslyckades (training failed); se utskriften ovan.", file=sys.stderr)
        return result or 1
    FINGERPRINT.write_text(fingerprint() + "\n")
    print(f"Modellen tränad på {time.monotonic() - started:.0f} s: {MODEL.relative_to(ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
