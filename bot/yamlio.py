"""Reading the project's YAML data files.

YAML 1.2 (ruamel.yaml's safe loader), so `on`, `no`, `yes` stay strings instead of
turning into booleans as they would under PyYAML's YAML 1.1. Errors name the file.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

# The knowledge base's folder (knowledge/): the one definition, used by every loader in bot/.
KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"


class DataFileError(ValueError):
    """A data file that cannot be read; the message names the file."""


def load_yaml(path: Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(f"{path}: kan inte läsa filen ({exc.strerror})") from exc
    try:
        return YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        raise DataFileError(f"{path}: ogiltig YAML: {exc}") from exc


def write_generated(target: Path, text: str, check: bool) -> int:
    """A generated file (make lookups): written, or with ``check`` compared with what is on disk
    (exit status 1 and a Swedish message when it is out of date)."""
    root = Path(__file__).resolve().parent.parent
    name = target.relative_to(root) if target.is_relative_to(root) else target
    if check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{name} är inaktuell: kör `make lookups`.", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"Skrev {name}")
    return 0
