"""The web chat page in a real browser: Debian's Chromium, headless, driven by Playwright,
against the real servers (scripts/run.py, as `make run` starts them). The page is served by
the Rasa server itself at /webhooks/webchat/.

Screenshots: var/test-results/webchat.png (desktop), webchat-phone.png (phone width), and for
issue 14 phone-answer.png, phone-visa-mer.png, phone-stepper.png, phone-timeline.png and
phone-table.png (375 px). axe-core (tests/browser/conftest.py) checks the pages with answers
and pictures: no serious or critical violation, nothing outside the landmarks.
"""

import json
import os
import re
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from sipserver import ROOT, TOKEN, request  # noqa: E402

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RESULTS = ROOT / "var" / "test-results"
WEBCHAT = ROOT / "bot" / "webchat"
ANSWER_TIMEOUT = 30_000  # ms
XSS = "<img src=x onerror=alert(1)>"


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


@pytest.fixture
def open_chat(bot, browser):
    """Opens the chat page in a fresh browser context (its own localStorage, so its own
    conversation); collects any JavaScript dialog and page error."""
    contexts = []

    def opener(**options):
        context = browser.new_context(locale="sv-SE", **options)
        contexts.append(context)
        page = context.new_page()
        page.dialogs, page.errors = [], []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(f"{bot.base}/webhooks/webchat/")
        page.wait_for_selector("html[data-ready=true]")
        return page

    yield opener
    for context in contexts:
        context.close()


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def ask(page, text):
    """Types a question and presses Enter, as a user does; waits for the answer."""
    before = page.locator("#log .msg--bot").count()
    page.fill("#input", text)
    page.press("#input", "Enter")
    wait_for_answer(page, before)


def click(page, title):
    before = page.locator("#log .msg--bot").count()
    page.locator("#log .choice", has_text=title).last.click()
    wait_for_answer(page, before)


def wait_for_answer(page, before):
    page.wait_for_function(
        "n => document.querySelectorAll('#log .msg--bot').length > n && document.getElementById('typing').hidden",
        arg=before, timeout=ANSWER_TIMEOUT,
    )


def watch_typing(page):
    page.evaluate("""() => {
        window.typingSeen = false;
        const typing = document.getElementById('typing');
        new MutationObserver(() => { if (!typing.hidden) window.typingSeen = true; })
            .observe(typing, {attributes: true});
    }""")


def last_bot(page):
    return page.locator("#log .msg--bot").last


def stored(page):
    return json.loads(page.evaluate("() => localStorage.getItem('sipguiden.webchat.history')"))


def sender_of(page):
    return page.evaluate("() => localStorage.getItem('sipguiden.webchat.sender')")


def stored_rows(bot, sender):
    with sqlite3.connect(bot.env["SIPGUIDEN_SQLITE_PATH"]) as db:
        return db.execute("SELECT id, type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()


def server_user_texts(bot, sender):
    status, body = request(f"{bot.base}/conversations/{sender}/tracker?token={TOKEN}")
    assert status == 200, body
    return [e.get("text") for e in json.loads(body)["events"] if e["event"] == "user"]


def test_a_conversation_in_the_browser_with_sources_buttons_reload_and_markup_as_text(open_chat):
    page = open_chat(viewport={"width": 1100, "height": 900})
    check = expect()

    # The greeting, in Swedish, with the main choices as buttons.
    check(page.locator("html")).to_have_attribute("lang", "sv")
    greeting = page.locator("#log .msg--bot").first
    check(greeting).to_contain_text("Hej! Jag är SIP-guiden")
    for title in ("Vem ska jag kalla?", "Behövs samtycke?", "Kan vi avsluta SIP:en?", "Guida mig genom en SIP", "Vad är SIP?"):
        check(greeting.locator(".choice", has_text=title)).to_be_visible()

    # A question that needs the region: the bot asks, with buttons, while the page shows it is typing.
    watch_typing(page)
    ask(page, "vem ska jag kalla?")
    assert page.evaluate("() => window.typingSeen"), "no typing indicator while waiting"
    check(page.locator("#typing")).to_be_hidden()
    check(last_bot(page)).to_contain_text("Vilken kommun eller region gäller det?")

    # Clicking a quick reply: the title is shown as the user's message, the question is answered.
    click(page, "Halland")
    check(page.locator("#log .msg--user").last).to_have_text("Du skrev: Halland")
    answer = page.locator("#log .msg--bot[data-rules*='halland.']").last
    check(answer).to_contain_text("Halland")
    source = answer.locator(".source").first
    check(source).to_be_hidden()  # the answer first: the sources are behind "Visa mer" (issue 14)
    answer.get_by_role("button", name="Visa mer").click()
    check(source).to_be_visible()
    check(source.locator(".source-label")).to_have_text("Källa:")
    check(source).to_contain_text("Region Halland")

    # Reload: the same conversation (same sender id), its messages shown again, region remembered.
    sender = page.evaluate("() => localStorage.getItem('sipguiden.webchat.sender')")
    shown = page.locator("#log .msg").count()
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    assert page.evaluate("() => localStorage.getItem('sipguiden.webchat.sender')") == sender
    check(page.locator("#log .msg")).to_have_count(shown)
    check(page.locator("#log .msg--user").nth(0)).to_have_text("Du skrev: vem ska jag kalla?")
    ask(page, "behövs samtycke från båda vårdnadshavarna?")
    check(page.locator("#log .msg--bot[data-rules*='halland.consent']").last).to_contain_text("Halland")
    check(page.locator("#log .msg--bot", has_text="Vilken kommun eller region")).to_have_count(1)  # not asked again

    # Markup typed by the user is shown as text: no element, no script, no dialog.
    ask(page, XSS)
    check(page.locator("#log .msg--user").last.locator("p")).to_have_text(XSS)
    assert page.locator("img").count() == 0
    page.wait_for_timeout(300)
    assert page.dialogs == [] and page.errors == []

    # Personal data typed by the user is not kept: the page shows and stores what the bot got.
    ask(page, "min mejl är anna.andersson@example.se")
    check(page.locator("#log .msg--user").last).to_contain_text("[e-postadress borttagen]")
    assert "anna.andersson" not in json.dumps(stored(page)) and "anna.andersson" not in page.content()

    RESULTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / "webchat.png"))

    # "Börja om": the view is cleared and the bot forgets the region.
    page.get_by_role("button", name="Börja om").click()
    check(page.locator("#log .msg")).to_have_count(1)
    check(page.locator("#log .msg--bot").first).to_contain_text("Hej! Jag är SIP-guiden")
    check(page.locator("#typing")).to_be_hidden()
    assert [e["from"] for e in stored(page)["entries"]] == ["bot"]
    ask(page, "vem ska jag kalla?")
    check(last_bot(page)).to_contain_text("Vilken kommun eller region gäller det?")
    assert page.dialogs == [] and page.errors == []


def test_phone_width(open_chat):
    page = open_chat(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2)
    check = expect()

    def fits():
        # Nothing is wider than the screen: no sideways scrolling, every control within reach.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        for selector in ("#input", "#send", "#restart", "#forget", "#export", "#log .msg--bot >> nth=-1"):
            box = page.locator(selector).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360, (selector, box)
        for box in (c.bounding_box() for c in page.locator("#log .choice").all()):
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box  # the buttons wrap
        box = page.locator("#send").bounding_box()
        assert box["y"] + box["height"] <= 740 and box["height"] >= 44  # on screen, big enough to tap

    fits()
    ask(page, "vem ska jag kalla?")  # the region buttons
    check(page.locator("#log .choice", has_text="Jönköpings län")).to_be_visible()
    fits()
    ask(page, "vad är SIP?")
    more = last_bot(page).get_by_role("button", name="Visa mer")
    if more.count():
        more.click()
    check(page.locator("#log .msg--bot .source").last).to_be_visible()
    fits()
    page.screenshot(path=str(RESULTS / "webchat-phone.png"))
    # The confirmation before erasing fits too, its buttons big enough to tap.
    page.locator("#forget").click()
    for selector in ("#forget-yes", "#forget-no"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] >= 44, (selector, box)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(RESULTS / "webchat-phone-erase.png"))


def test_keyboard_only_labels_live_region_and_contrast(open_chat):
    page = open_chat(viewport={"width": 1000, "height": 800})
    check = expect()

    # Labels and roles for a screen reader.
    log = page.locator("#log")
    check(log).to_have_attribute("role", "log")
    check(log).to_have_attribute("aria-live", "polite")
    check(page.get_by_label("Skriv din fråga till SIP-guiden")).to_be_visible()
    check(page.get_by_role("button", name="Skicka")).to_be_visible()
    check(page.get_by_role("button", name="Börja om")).to_be_visible()
    check(page.get_by_role("group", name="Svarsalternativ")).to_be_visible()
    check(page.locator("#typing")).to_have_attribute("role", "status")
    check(page.locator("#error")).to_have_attribute("role", "alert")

    # Keyboard only: Tab to a quick reply, Enter; focus comes back to the input; type, Enter.
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent") == "Vad är SIP?":
            break
    else:
        raise AssertionError("the quick reply 'Vad är SIP?' cannot be reached with Tab")
    before = page.locator("#log .msg--bot").count()
    page.keyboard.press("Enter")
    wait_for_answer(page, before)
    check(page.locator("#log .msg--bot", has_text="samordnad individuell plan").last).to_be_visible()
    assert page.evaluate("() => document.activeElement.id") == "input"
    # "Visa mer" by keyboard shows the sources (issue 14).
    if last_bot(page).locator(".more-toggle").count():
        tab_to(page, "#log .more-toggle")
        page.keyboard.press("Enter")
        check(last_bot(page).locator(".more-toggle")).to_have_attribute("aria-expanded", "true")
        page.focus("#input")
    # A source with a web address is a link (built as an element, opened safely): Haninge's routine.
    before = page.locator("#log .msg--bot").count()
    page.keyboard.type("vem ska jag kalla i Haninge?")
    page.keyboard.press("Enter")
    wait_for_answer(page, before)
    check(last_bot(page).locator(".more-toggle")).to_have_attribute("aria-expanded", "false")
    tab_to(page, "#log .more-toggle")
    page.keyboard.press("Enter")
    page.focus("#input")
    link = last_bot(page).locator(".source a[href^='https://']").first
    check(link).to_be_visible()
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    assert link.get_attribute("href").rstrip("/") == link.text_content().rstrip("/")
    check(link.locator("xpath=..")).to_contain_text("Källa:")
    before = page.locator("#log .msg--bot").count()
    page.keyboard.type("vad kan du hjälpa till med?")
    page.keyboard.press("Enter")
    wait_for_answer(page, before)
    check(last_bot(page)).to_contain_text("Jag kan hjälpa dig")
    # The focus ring is visible on a focused control.
    page.focus("#send")
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"

    # WCAG AA contrast (4.5:1) for every kind of text the page shows.
    ratios = page.evaluate("""() => {
        const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
        const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                           return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        const background = el => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
                                   if (!c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; };
        const out = {};
        for (const sel of ['.msg--bot p', '.msg--user p', '.source', '.source-label', '.choice', '#send', '#restart', '.notice', '.top h1', '.source a', '#input',
                           '#forget', '#export', '.links a', '#forget-question', '#forget-yes', '#forget-no']) {
            const el = document.querySelector(sel); if (!el) continue;
            const a = lum(rgb(getComputedStyle(el).color)), b = lum(rgb(background(el)));
            out[sel] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }
        return out;
    }""")
    assert len(ratios) >= 16, ratios
    low = {sel: round(r, 2) for sel, r in ratios.items() if r < 4.5}
    assert not low, f"contrast below 4.5:1: {low}"


def test_an_unreachable_bot_gives_a_readable_error(open_chat):
    page = open_chat(viewport={"width": 1000, "height": 800})
    check = expect()
    page.route("**/webhooks/webchat/webhook", lambda route: route.abort())
    page.fill("#input", "vad är SIP?")
    page.press("#input", "Enter")
    error = page.locator("#error")
    check(error).to_be_visible()
    check(error).to_contain_text("Det gick inte att nå SIP-guiden just nu")
    check(page.locator("#input")).to_have_value("vad är SIP?")  # nothing the user wrote is lost
    check(page.locator("#log .msg--user")).to_have_count(0)
    page.unroute("**/webhooks/webchat/webhook")
    page.route("**/webhooks/webchat/webhook", lambda route: route.fulfill(status=502, body="Bad gateway"))
    page.press("#input", "Enter")
    check(error).to_contain_text("Det gick inte att nå SIP-guiden just nu")
    page.unroute("**/webhooks/webchat/webhook")
    before = page.locator("#log .msg--bot").count()
    page.press("#input", "Enter")  # the bot is back: the same text goes through
    wait_for_answer(page, before)
    check(error).to_be_hidden()
    check(page.locator("#log .msg--bot", has_text="samordnad individuell plan").last).to_be_visible()
    check(last_bot(page)).to_contain_text("samordnad individuell plan")


def test_page_headers_and_the_webhook_only_takes_web_chat_conversations(bot):
    import urllib.request

    assert f"Webbchatten:          http://localhost:{bot.port}/webhooks/webchat/" in bot.log.read_text()
    with urllib.request.urlopen(f"{bot.base}/webhooks/webchat/") as page:
        csp = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp
        assert page.headers["X-Content-Type-Options"] == "nosniff"
    status, _ = request(f"{bot.base}/webhooks/webchat/../../credentials.yml")
    assert status == 404
    # Another channel's conversation (a REST sender) cannot be written from the web chat.
    for sender in ("anna", "webchat-xyz", "", None, "webchat-" + "0" * 31 + "G"):
        status, body = request(f"{bot.base}/webhooks/webchat/webhook", {"sender": sender, "message": "hej"})
        assert status == 400, (sender, body)
    # Personal data is removed before Rasa sees it, as in the REST channel.
    sender = "webchat-" + "ab" * 16
    status, body = request(f"{bot.base}/webhooks/webchat/webhook", {"sender": sender, "message": "pnr 121212-1212"})
    assert status == 200
    reply = json.loads(body)
    assert reply["user"] == {"text": "pnr [personnummer borttaget]", "redacted": ["personnummer"]}
    assert "personuppgifter" in " ".join(m.get("text", "") for m in reply["messages"])
    # Like the REST channel: an empty message is answered in Swedish without reaching Rasa;
    # metadata sent by the page is not stored, and the channel is "webchat".
    status, body = request(f"{bot.base}/webhooks/webchat/webhook", {"sender": sender, "message": "   "})
    assert status == 200 and json.loads(body)["messages"][0]["text"].startswith("Skriv din fråga")
    request(f"{bot.base}/webhooks/webchat/webhook",
            {"sender": sender, "message": "hej", "metadata": {"role": "admin"}, "input_channel": "rest"})
    status, tracker = request(f"{bot.base}/conversations/{sender}/tracker?token={TOKEN}")
    assert status == 200 and "121212" not in tracker
    users = [e for e in json.loads(tracker)["events"] if e["event"] == "user"]
    assert [e["text"] for e in users] == ["pnr [personnummer borttaget]", "hej"]
    assert all(e["input_channel"] == "webchat" and "role" not in e["metadata"] for e in users), users


def test_every_greeting_button_gets_a_real_answer(bot):
    import re

    payloads = re.findall(r'payload: "(/[a-z_]+)"', (WEBCHAT / "chat.js").read_text(encoding="utf-8"))
    assert len(payloads) >= 5
    for i, payload in enumerate(payloads):
        sender = f"webchat-{i:032x}"
        status, body = request(f"{bot.base}/webhooks/webchat/webhook", {"sender": sender, "message": payload})
        answer = " ".join(m.get("text") or "" for m in json.loads(body)["messages"])
        assert status == 200 and answer, payload
        assert "förstod inte" not in answer, f"{payload}: {answer[:200]}"


def test_the_page_never_writes_text_as_html():
    script = (WEBCHAT / "chat.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, f"chat.js uses {sink}"
    page = (WEBCHAT / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "onclick" not in page  # no inline script (the CSP forbids it)


def test_download_and_erase_the_conversation_in_the_page(open_chat, bot):
    page = open_chat(viewport={"width": 1000, "height": 800})
    check = expect()
    ask(page, "vem ska jag kalla?")
    click(page, "Halland")
    old = sender_of(page)
    assert re.fullmatch(r"webchat-[0-9a-f]{32}", old)
    assert server_user_texts(bot, old)[0] == "vem ska jag kalla?"

    # "Hämta mina uppgifter": a JSON file with what is stored about this conversation.
    with page.expect_download() as info:
        page.get_by_role("button", name="Hämta mina uppgifter").click()
    download = info.value
    assert download.suggested_filename == "sipguiden-samtal.json"
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["sender_id"] == old and data["events"]
    said = [(line["from"], line["text"]) for line in data["conversation"]]
    assert said[0] == ("user", "vem ska jag kalla?")
    assert any(who == "bot" and "Halland" in text for who, text in said)
    check(page.locator("#error")).to_be_hidden()

    # "Radera samtalet" asks first, in the page; "Nej, behåll det" changes nothing.
    shown = page.locator("#log .msg").count()
    forget = page.get_by_role("button", name="Radera samtalet", exact=True)
    check(forget).to_have_attribute("aria-expanded", "false")
    forget.click()
    confirm = page.get_by_role("group", name="Vill du radera hela samtalet?")
    check(confirm).to_be_visible()
    check(forget).to_have_attribute("aria-expanded", "true")
    assert page.evaluate("() => document.activeElement.id") == "forget-no"  # the safe choice first
    page.get_by_role("button", name="Nej, behåll det").click()
    check(confirm).to_be_hidden()
    assert page.evaluate("() => document.activeElement.id") == "forget"
    check(page.locator("#log .msg")).to_have_count(shown)
    assert sender_of(page) == old and stored_rows(bot, old)
    # Escape closes it too (keyboard).
    page.keyboard.press("Enter")
    check(confirm).to_be_visible()
    page.keyboard.press("Escape")
    check(confirm).to_be_hidden()

    # "Ja, radera samtalet": erased on the server and in the browser; a new conversation.
    forget.click()
    page.get_by_role("button", name="Ja, radera samtalet").click()
    page.wait_for_function("old => localStorage.getItem('sipguiden.webchat.sender') !== old", arg=old)
    new = sender_of(page)
    assert re.fullmatch(r"webchat-[0-9a-f]{32}", new) and new != old
    check(confirm).to_be_hidden()
    check(page.locator("#log .msg")).to_have_count(2)
    check(page.locator("#log .msg").first).to_contain_text("Samtalet är raderat")
    check(page.locator("#log .msg--bot").last).to_contain_text("Hej! Jag är SIP-guiden")
    check(page.locator("#log .msg--bot").last.locator(".choice", has_text="Vad är SIP?")).to_be_visible()
    history = stored(page)
    assert history["sender"] == new and [e.get("greeting") for e in history["entries"]] == [True]
    assert "vem ska jag kalla" not in page.evaluate("() => JSON.stringify(localStorage)")
    assert stored_rows(bot, old) == []
    assert server_user_texts(bot, old) == []  # Rasa's own view: nothing left
    assert page.evaluate("() => document.activeElement.id") == "input"

    # A reload keeps the new, empty conversation; the bot has forgotten the region.
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    assert sender_of(page) == new
    check(page.locator("#log .msg")).to_have_count(1)
    ask(page, "vem ska jag kalla?")
    check(last_bot(page)).to_contain_text("Vilken kommun eller region gäller det?")
    assert server_user_texts(bot, new) == ["vem ska jag kalla?"]
    assert page.dialogs == [] and page.errors == []


def test_typing_radera_min_konversation_asks_and_then_erases(open_chat, bot):
    page = open_chat(viewport={"width": 1000, "height": 800})
    check = expect()
    ask(page, "vad är SIP?")
    old = sender_of(page)
    before = stored_rows(bot, old)
    ask(page, "Radera min konversation!")
    check(last_bot(page)).to_contain_text("Vill du radera hela samtalet?")
    assert stored_rows(bot, old) == before  # the request itself is not stored
    click(page, "Nej, behåll det")
    check(last_bot(page)).to_contain_text("Samtalet är kvar.")
    assert sender_of(page) == old and stored_rows(bot, old) == before

    ask(page, "radera min konversation")
    page.locator("#log .choice", has_text="Ja, radera samtalet").last.click()
    page.wait_for_function("old => localStorage.getItem('sipguiden.webchat.sender') !== old", arg=old)
    check(page.locator("#log .msg")).to_have_count(2)
    check(page.locator("#log .msg").first).to_contain_text("Samtalet är raderat")
    check(page.locator("#log .msg--bot").last).to_contain_text("Hej! Jag är SIP-guiden")
    check(page.locator("#typing")).to_be_hidden()
    assert stored_rows(bot, old) == [] and server_user_texts(bot, old) == []
    assert page.dialogs == [] and page.errors == []


def test_a_failed_erasure_changes_nothing_in_the_browser(open_chat):
    page = open_chat(viewport={"width": 1000, "height": 800})
    check = expect()
    ask(page, "vad är SIP?")
    old, history, shown = sender_of(page), stored(page), page.locator("#log .msg").count()
    error = page.locator("#error")
    forget = page.get_by_role("button", name="Radera samtalet", exact=True)

    page.route("**/webhooks/webchat/forget", lambda route: route.abort())
    forget.click()
    page.get_by_role("button", name="Ja, radera samtalet").click()
    check(error).to_contain_text("Det gick inte att radera samtalet just nu. Ingenting har raderats.")
    assert sender_of(page) == old and stored(page) == history
    check(page.locator("#log .msg")).to_have_count(shown)
    page.unroute("**/webhooks/webchat/forget")

    # The server's own explanation (a 503 from an unreachable database) is shown as it is.
    reason = "Det gick inte att radera samtalet just nu, eftersom databasen inte svarar. Ingenting har raderats."
    page.route("**/webhooks/webchat/forget", lambda route: route.fulfill(
        status=503, content_type="application/json", body=json.dumps({"error": reason})))
    forget.click()
    page.get_by_role("button", name="Ja, radera samtalet").click()
    check(error).to_have_text(reason)
    assert sender_of(page) == old and stored(page) == history
    page.unroute("**/webhooks/webchat/forget")

    # No server behind the proxy (nginx in the scaled set-up answers 200 with a message): not erased.
    down = json.dumps({"user": None, "messages": [{"recipient_id": "default", "text": "Tjänsten är tillfälligt otillgänglig"}]})
    page.route("**/webhooks/webchat/*", lambda route: route.fulfill(status=200, content_type="application/json", body=down))
    forget.click()
    page.get_by_role("button", name="Ja, radera samtalet").click()
    check(error).to_contain_text("Det gick inte att radera samtalet just nu")
    assert sender_of(page) == old and stored(page) == history

    # A download that is not this conversation's export is not saved; an error is shown instead.
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    export = page.get_by_role("button", name="Hämta mina uppgifter")
    export.click()
    check(error).to_contain_text("Det gick inte att hämta dina uppgifter just nu")
    page.unroute("**/webhooks/webchat/*")
    page.route("**/webhooks/webchat/export", lambda route: route.fulfill(status=502, body="Bad gateway"))
    page.evaluate("() => document.getElementById('error').hidden = true")
    export.click()
    check(error).to_contain_text("Det gick inte att hämta dina uppgifter just nu")
    check(export).to_be_enabled()
    page.wait_for_timeout(300)
    assert downloads == []
    check(page.locator("#log .msg")).to_have_count(shown)
    assert page.dialogs == [] and page.errors == []


def test_the_checklist_and_the_calendar_are_download_links_of_this_conversation(open_chat, bot):
    """The downloads the bot offers (bot/tools_dialogue.py) are links to the page's own routes
    for its own sender id, built as elements (textContent), and download the files."""
    page = open_chat(viewport={"width": 1000, "height": 800})
    check = expect()
    ask(page, "vad ska stå i planen?")
    if page.locator("#log .choice", has_text="Skåne").count():
        click(page, "Skåne")
    link = page.locator("#log a.download", has_text="Ladda ner checklistan för planen (.docx)").last
    check(link).to_be_visible()
    sender = sender_of(page)
    assert link.get_attribute("href") == f"planen.docx?sender={sender}"
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "sip-planens-innehall.docx"
    assert Path(info.value.path()).read_bytes()[:2] == b"PK"

    ask(page, "räkna ut datum för vårt ärende, SIP-mötet var 12 mars 2026")
    calendar = page.locator("#log a.download", has_text="Lägg datumen i kalendern").last
    check(calendar).to_be_visible()
    with page.expect_download() as info:
        calendar.click()
    assert info.value.suggested_filename == "sip-datum.ics"
    assert b"BEGIN:VCALENDAR" in Path(info.value.path()).read_bytes()
    assert page.dialogs == [] and page.errors == []


# --- issue 14: the answer first, pictures, feedback; issue 15: the kallelse as .docx ------------

PHONE = dict(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2)


def tab_to(page, selector, back=True, limit=60):
    """Moves the focus with (Shift+)Tab, as a keyboard user does, until ``selector`` (a CSS
    selector of the element to reach, the last one matching) has it."""
    page.focus("#input")
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate("s => { const all = document.querySelectorAll(s); return all.length > 0 && document.activeElement === all[all.length - 1]; }",
                         selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the keyboard")


def fits_the_phone(page, width=375):
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    for selector in ("#log .msg--bot", "#log .more-toggle", "#log .rate", "#log .steps", "#log .timeline",
                     "#log .visual--table", "#send", "#input"):
        for box in (e.bounding_box() for e in page.locator(selector).all()):
            if box:  # (a message scrolled out of the log has a box too)
                assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (selector, box)


def no_serious_axe_violations(page, axe_source):
    from conftest import run_axe, serious

    violations = run_axe(page, axe_source)
    assert serious(violations) == [], violations
    assert "region" not in [v["id"] for v in violations], violations  # nothing outside the landmarks
    return violations


def stored_feedback(bot):
    with sqlite3.connect(bot.env["SIPGUIDEN_SQLITE_PATH"]) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sipguiden_feedback'").fetchall():
            return []  # created with the first rating
        return db.execute("SELECT rules, region, rating, reason FROM sipguiden_feedback ORDER BY id").fetchall()


def test_the_answer_first_visa_mer_feedback_and_the_stepper_on_a_phone_by_keyboard(open_chat, bot, axe_source):
    page = open_chat(**PHONE)
    check = expect()
    ask(page, "vem ska jag kalla?")
    click(page, "Halland")
    answer = page.locator("#log .msg--bot[data-rules*='halland.']").last
    check(answer.locator(".answer")).to_be_visible()
    toggle = answer.get_by_role("button", name="Visa mer")
    check(toggle).to_have_attribute("aria-expanded", "false")
    panel = page.locator("#" + toggle.get_attribute("aria-controls"))
    check(panel).to_be_hidden()
    words = len(answer.locator(".answer").inner_text().split())
    assert words <= 70, words  # the answer first, short
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / "phone-answer.png"))
    # "Visa mer" by keyboard: the details and the region's own source.
    tab_to(page, "#log .more-toggle")
    page.keyboard.press("Enter")
    check(toggle).to_have_attribute("aria-expanded", "true")
    check(panel).to_be_visible()
    check(panel.locator(".source").first).to_contain_text("Region Halland")
    page.screenshot(path=str(RESULTS / "phone-visa-mer.png"))

    # "Hjälpte svaret?": 👎 and a reason, by keyboard; stored with the rules and region only.
    before = stored_feedback(bot)
    tab_to(page, "#log .rate--down")
    page.keyboard.press("Enter")
    reasons = answer.get_by_role("group", name="Vad var det som inte hjälpte? (frivilligt)")
    check(reasons).to_be_visible()
    assert page.evaluate("() => document.activeElement.textContent") == "Fel svar"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Svarar inte på frågan"
    check(answer.locator(".feedback-status")).to_have_text("Tack! Det hjälper oss att förbättra svaren.")
    after = stored_feedback(bot)
    assert after[:len(before)] == before and len(after) == len(before) + 1
    rules, region, rating, reason = after[-1]
    assert rules.split() == answer.get_attribute("data-rules").split()
    assert (region, rating, reason) == ("halland", "down", "svarar_inte")
    assert sender_of(page) not in json.dumps(after)

    # The guide's stepper: the region's steps as a list, the current one marked.
    ask(page, "guida mig genom en SIP")
    guide = last_bot(page)
    steps = guide.locator("ol.steps > li")
    assert steps.count() >= 3
    check(guide.locator("[aria-current=step]")).to_have_count(1)
    check(guide.locator(".visual-label")).to_contain_text("Steg 1 av")
    check(guide.locator("[aria-current=step]")).to_contain_text("Du är här")
    assert guide.locator("ol.steps").get_attribute("aria-labelledby") == guide.locator(".visual-label").get_attribute("id")
    guide.locator(".steps").scroll_into_view_if_needed()
    page.screenshot(path=str(RESULTS / "phone-stepper.png"))
    fits_the_phone(page)
    no_serious_axe_violations(page, axe_source)
    assert page.dialogs == [] and page.errors == []


def test_the_timeline_and_the_comparison_table_on_a_phone(open_chat, axe_source):
    page = open_chat(**PHONE)
    check = expect()
    ask(page, "räkna ut datum för vårt ärende, SIP-mötet var 12 mars 2026")
    if page.locator("#log .choice", has_text="Skåne").count():
        click(page, "Skåne")
    dates = page.locator("#log .msg--bot", has=page.locator("ol.timeline")).last
    events = dates.locator("ol.timeline > li")
    assert events.count() >= 2
    first = events.first.locator("time")
    check(first).to_have_attribute("datetime", "2026-03-12")
    check(first).to_have_text("12 mars 2026")
    strengths = dates.locator(".event-strength").all_text_contents()
    assert "regel i rutinen" in strengths, strengths  # the force in words
    dates.locator(".timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(RESULTS / "phone-timeline.png"))

    ask(page, "hur skiljer sig Halland och Skåne om samtycke?")
    compare = page.locator("#log .msg--bot", has=page.locator("table")).last
    table = compare.locator("table")
    check(table.locator("caption")).to_contain_text("samtycke")
    assert table.locator("thead th[scope=col]").count() >= 2
    assert table.locator("tbody th[scope=row]").all_text_contents() == ["Halland", "Skåne"]
    # The table scrolls inside its own box by keyboard (a focusable, named region), never the page.
    region = compare.locator(".visual--table")
    region.focus()
    page.keyboard.press("ArrowRight")
    assert region.get_attribute("aria-labelledby") == table.locator("caption").get_attribute("id")
    region.scroll_into_view_if_needed()
    page.screenshot(path=str(RESULTS / "phone-table.png"))
    for toggle in page.get_by_role("button", name="Visa mer").all():
        toggle.click()
    fits_the_phone(page)
    no_serious_axe_violations(page, axe_source)
    assert page.dialogs == [] and page.errors == []


def test_the_kallelse_downloads_as_a_docx_with_the_drafts_text(open_chat):
    import docx

    page = open_chat(viewport={"width": 1000, "height": 800})
    check = expect()
    ask(page, "hjälp mig skriva kallelsen")
    if page.locator("#log .choice", has_text="Skåne").count():
        click(page, "Skåne")
    ask(page, "12 mars 2026")
    for _ in range(12):
        if page.locator("#log a.download", has_text="kallelsen").count():
            break
        ask(page, "hoppa över")
    link = page.locator("#log a.download", has_text="kallelsen").last
    check(link).to_be_visible()
    assert link.get_attribute("href") == f"kallelse.docx?sender={sender_of(page)}"
    draft = page.locator("#log .msg--bot", has=page.locator("a.download", has_text="kallelsen")).last.inner_text()
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename.endswith(".docx")
    document = docx.Document(info.value.path())
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n" + "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "Kallelse till SIP-möte" in text and "12 mars 2026" in text
    assert "[barnets namn]" in text  # placeholders the bot never fills
    # The document holds the draft shown in the chat: each line of the draft's body is in it.
    body = draft.split("Kallelse till SIP-möte", 1)[1]
    lines = [line.strip(" ☐•-") for line in body.splitlines() if len(line.strip()) > 15][:12]
    assert lines and all(line[:40] in text for line in lines), [l for l in lines if l[:40] not in text]
    assert page.dialogs == [] and page.errors == []
