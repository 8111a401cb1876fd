"""Shared by the browser tests: Debian's Chromium driven by Playwright, and axe-core (the npm
package, pinned with its integrity hash in tests/browser/package-lock.json) injected into the
page under test.

axe-core is installed with ``npm ci`` into var/browser-npm/ the first time a test needs it
(from the npm registry, checked against the lock file); without npm or the registry that test
is skipped with the reason, like the browser itself."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NPM_DIR = ROOT / "var" / "browser-npm"
AXE = NPM_DIR / "node_modules" / "axe-core" / "axe.min.js"
HERE = Path(__file__).resolve().parent
# axe's impacts that fail the test; "moderate" and "minor" are reported and some are checked by name.
SERIOUS = ("serious", "critical")


def _install_axe() -> str:
    lock = (HERE / "package-lock.json").read_text(encoding="utf-8")
    if AXE.exists() and (NPM_DIR / "package-lock.json").exists() \
            and (NPM_DIR / "package-lock.json").read_text(encoding="utf-8") == lock:
        return ""
    npm = shutil.which("npm")
    if npm is None:
        return "npm saknas: axe-core kan inte installeras (apt-get install npm)"
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HERE / name, NPM_DIR / name)
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=NPM_DIR,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not AXE.exists():
        return f"axe-core kunde inte installeras med npm ci: {done.stderr.strip()[-500:]}"
    return ""


@pytest.fixture(scope="session")
def axe_source():
    problem = _install_axe()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    return AXE.read_text(encoding="utf-8")


def run_axe(page, axe_source):
    """axe-core's WCAG 2.x A/AA and best-practice rules on the page as it is now: the violations,
    as [{"id", "impact", "nodes": [target, …]}]."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source + "\n;void 0")  # through the DevTools protocol: the page's CSP stays on
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations'],
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.map(n => n.target.join(' '))}));
    }""")
    return result


def serious(violations):
    return [v for v in violations if v["impact"] in SERIOUS]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} saknas: `make setup` installerar Debians paket chromium (som root)"
        if os.geteuid() == 0:
            pytest.fail(message)  # the set-up could have installed it: a real failure
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


sys.path.insert(0, str(HERE))
