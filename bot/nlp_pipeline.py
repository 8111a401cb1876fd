"""The Swedish spaCy pipeline that Rasa's SpacyNLP component loads.

`config.yml` points SpacyNLP at a fixed folder, ``var/spacy-sv``. This module fills it:

* when the trained Swedish model ``sv_core_news_sm`` is installed, that model is used
  (copied to the folder, so config.yml never changes);
* otherwise a blank Swedish pipeline is built: spaCy's Swedish tokenizer plus the
  lookup lemmatizer with the Swedish table from ``spacy-lookups-data``.

The choice is recorded in ``var/spacy-sv/sipguiden.json`` and printed, and the
pipeline is rebuilt when the choice changes (e.g. after the model is installed).
The model cannot be downloaded on machines without internet access; there the
fallback is what runs. Users with internet get the model with
``.venv/bin/python -m spacy download sv_core_news_sm`` and then ``make run``.

This module imports spaCy, never Rasa.
"""

from __future__ import annotations

import json
import shutil
import sys
from importlib import metadata
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PIPELINE_DIR = PROJECT_ROOT / "var" / "spacy-sv"
MARKER = "sipguiden.json"
TRAINED_MODEL = "sv_core_news_sm"
FALLBACK = "blank-sv-lookup-lemmatizer"


def _installed_version(distribution: str) -> str | None:
    # importlib.metadata instead of importing spaCy: importing it pulls in TensorFlow
    # (seconds), and the common case is "nothing to do".
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def wanted_kind() -> str:
    """Which pipeline should be used on this machine."""
    return TRAINED_MODEL if _installed_version(TRAINED_MODEL) else FALLBACK


def current_info(target: Path = PIPELINE_DIR) -> dict | None:
    """The marker of the pipeline on disk, or None when there is none."""
    try:
        return json.loads((target / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def build(kind: str):
    """Build the pipeline object for ``kind`` (see module docstring)."""
    import spacy

    if kind == TRAINED_MODEL:
        return spacy.load(TRAINED_MODEL)
    nlp = spacy.blank("sv")
    # Swedish's default lemmatizer mode is "rule", which needs POS tags a blank
    # pipeline does not have; the lookup table works on the word form alone.
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads sv_lemma_lookup from spacy-lookups-data
    return nlp


def prepare(target: Path = PIPELINE_DIR, force: bool = False) -> dict:
    """Make sure ``target`` holds the right pipeline; return its marker."""
    kind = wanted_kind()
    info = current_info(target)
    if not force and info and info.get("kind") == kind and info.get("spacy") == _installed_version("spacy"):
        return info
    import spacy

    nlp = build(kind)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    nlp.to_disk(tmp)
    info = {
        "kind": kind,
        "spacy": spacy.__version__,
        "lang": nlp.lang,
        "pipeline": list(nlp.pipe_names),
        "description": describe(kind),
    }
    (tmp / MARKER).write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return info


def describe(kind: str) -> str:
    if kind == TRAINED_MODEL:
        return "spaCy-modellen sv_core_news_sm (tränad svensk modell)"
    return (
        "lokal svensk grundpipeline: spaCys svenska tokeniserare + uppslagslemmatiserare "
        "(spacy-lookups-data); sv_core_news_sm är inte installerad"
    )


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "prepare"
    if command not in {"prepare", "rebuild", "info"}:
        print("Användning: python -m bot.nlp_pipeline [prepare|rebuild|info]", file=sys.stderr)
        return 2
    if command == "info":
        info = current_info()
        print(json.dumps(info, ensure_ascii=False, indent=2) if info else "Ingen pipeline byggd än.")
        return 0 if info else 1
    info = prepare(force=command == "rebuild")
    print(f"spaCy-pipeline i bruk: {info['description']} (spaCy {info['spacy']}, {PIPELINE_DIR.relative_to(PROJECT_ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
