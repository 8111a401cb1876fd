"""The web chat in a real browser (Debian's Chromium, Playwright) through nginx in the scaled
set-up: nginx serves the page, the messages go to the replicas, erasure reaches PostgreSQL.
Screenshot: var/test-results/webchat-scaled.png."""

import json
import os
import re
import sys
from pathlib import Path

import pytest

from conftest import ROOT, request
from test_data_lifecycle import rows

sys.path.insert(0, str(ROOT / "tests" / "browser"))
from test_webchat import CHROMIUM, CHROMIUM_ARGS, ask, expect, last_bot, sender_of  # noqa: E402


@pytest.fixture(scope="module")
def page(cluster):
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} saknas: `make setup` installerar Debians paket chromium (som root)"
        if os.geteuid() == 0:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="sv-SE", viewport={"width": 1000, "height": 800})
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(f"{cluster.front_url}/webhooks/webchat/")
        page.wait_for_selector("html[data-ready=true]")
        yield page
        browser.close()


def test_the_page_from_nginx_talks_to_both_replicas_and_erases_from_postgresql(page, cluster, client):
    check = expect()
    for _ in range(2):  # two turns: nginx may send them to different replicas; the region stays
        ask(page, "vem ska jag kalla?")
        if "Vilken kommun" in last_bot(page).inner_text():
            ask(page, "Varberg")
    check(last_bot(page)).to_contain_text("Källa:")
    assert "Halland" in page.locator("#log").inner_text()
    sender = sender_of(page)
    assert re.fullmatch(r"webchat-[0-9a-f]{32}", sender)
    assert client.tracker(sender)["slots"]["region"] == "halland"
    assert rows(cluster, sender)
    (ROOT / "var" / "test-results").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ROOT / "var" / "test-results" / "webchat-scaled.png"))

    page.get_by_role("button", name="Radera samtalet", exact=True).click()
    page.get_by_role("button", name="Ja, radera samtalet").click()
    page.wait_for_function("old => localStorage.getItem('sipguiden.webchat.sender') !== old", arg=sender)
    check(page.locator("#log .msg").first).to_contain_text("Samtalet är raderat")
    assert rows(cluster, sender) == []
    status, body, _ = request(f"{cluster.front_url}/webhooks/webchat/export", {"sender": sender})
    assert status == 200 and json.loads(body)["events"] == []
    assert page.errors == []
