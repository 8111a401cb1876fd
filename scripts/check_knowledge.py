"""Load the knowledge base and check every citation against its source text.

    python scripts/check_knowledge.py            # prints a summary, exits 1 on any problem
    python scripts/check_knowledge.py --partial  # allow topics without a national rule yet
    python scripts/check_knowledge.py --only halland  # just one rules file
    python scripts/check_knowledge.py --dir /tmp/kb   # check a copy of knowledge/ elsewhere

Used while writing knowledge/rules/*.yml; tests/unit/test_knowledge.py and
tests/unit/test_citations.py make the same checks in `make test`.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from bot.citations import check_citation
from bot.knowledge import KNOWLEDGE_DIR, NATIONAL, KnowledgeError, load


def main() -> int:
    try:
        only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
        directory = Path(sys.argv[sys.argv.index("--dir") + 1]) if "--dir" in sys.argv else KNOWLEDGE_DIR
        kb = load(directory, complete="--partial" not in sys.argv, only=only)
    except KnowledgeError as exc:
        print(f"FEL vid inläsning: {exc}")
        return 1
    problems = 0
    for rule in kb.all_rules():
        for c in rule.citations:
            src = kb.sources[c.source]
            m = check_citation(c.quote, src.seed, src.ocr)
            if not m.found:
                problems += 1
                print(f"CITAT SAKNAS {rule.id} ({c.source}, {c.section!r}): {m.reason}\n  citat:  {c.quote}\n  bästa:  {m.window}")
    counts = Counter(r.id.split(".")[0] for r in kb.all_rules())
    print("Regler per fil: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    silent = {r: [t for t in kb.topics if r not in kb.rules or t not in kb.rules[r]] for r in kb.regions()}
    for r, topics in silent.items():
        print(f"{r}: tyst om {len(topics)} av {len(kb.topics)} ämnen")
    missing_national = [t for t in kb.topics if t not in kb.rules.get(NATIONAL, {})]
    if missing_national:
        print("Nationell regel saknas för: " + ", ".join(missing_national))
    print("OK" if problems == 0 else f"{problems} citat hittades inte i källan")
    return 0 if problems == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
