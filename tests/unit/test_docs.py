"""The documentation's own links lead somewhere: every relative Markdown link in README.md,
CHANGELOG.md and docs/*.md names a file or folder of the project."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_exist(page):
    missing = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address or an anchor in the page
        if not (page.parent / target.split("#")[0]).exists():
            missing.append(target)
    assert missing == [], f"{page.relative_to(ROOT)}: länkar till filer som inte finns: {missing}"


def test_the_operator_pages_exist():
    for name in ("teams.md", "http-api.md", "skalning.md", "prestanda.md", "datalivscykel.md"):
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        assert text.startswith("# "), name


def test_the_readme_is_a_map_that_links_every_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) <= 15 * 1024, "README.md ska vara högst 15 KB: flytta detaljer till docs/"
    linked = set(LINK.findall(readme))
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{page.name}" in linked, f"README.md länkar inte till docs/{page.name}"
    for must in ("make run", "make test", "make check"):
        assert must in readme
