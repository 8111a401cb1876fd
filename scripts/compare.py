"""Write docs/jamforelse.md: how the five regional SIP routines differ, topic by topic.

    make compare        (or: python scripts/compare.py [output.md])

Each cell is the region's own rule in short form with the section it comes from, or
"säger inget" where the routine is silent (the bot then answers from the national
baseline, shown in the last column). Generated from knowledge/; do not edit by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.knowledge import knowledge  # noqa: E402
from bot.render import region_label  # noqa: E402
from bot.rules import compare, differs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def cell_text(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def build() -> str:
    kb = knowledge()
    regions = kb.regions()
    head = ["Ämne"] + [region_label(kb, r) for r in regions] + ["Nationell grund"]
    out = [
        "# Så skiljer sig SIP-rutinerna åt",
        "",
        "Genererad av `make compare` från `knowledge/` – redigera inte för hand.",
        "Varje ruta är regionens egen regel i kort form med avsnittet den bygger på. "
        "*Säger inget* betyder att rutinen är tyst: då svarar SIP-guiden med den nationella grunden "
        "(sista kolumnen) och säger det. ≠ markerar ämnen där rutinerna skiljer sig åt.",
        "",
        "Källor: " + "; ".join(
            f"{region_label(kb, s.region)}: {s.title} ({s.date.isoformat() if s.date else 'odaterad'})"
            for s in kb.sources.values() if s.kind == "routine"),
        "",
    ]
    for group in kb.groups.values():
        rows = compare(kb, group.id, regions)
        out += [f"## {group.title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for topic_id, cells in rows.items():
            title = kb.topics[topic_id].title + (" ≠" if differs(cells) else "")
            row = [cell_text(title)]
            for c in cells:
                if c.silent:
                    row.append("*säger inget*")
                else:
                    sections = ", ".join(dict.fromkeys(x.section for x in c.answer.rule.citations))
                    row.append(cell_text(f"{c.answer.rule.short} ({sections})"))
            national = kb.rules["national"][topic_id]
            row.append(cell_text(national.short))
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    return "\n".join(out)


def main() -> int:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "jamforelse.md"
    target.write_text(build(), encoding="utf-8")
    print(f"Skrev {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
