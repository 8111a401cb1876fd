"""The web chat's rendering of the message contract (issue 14), in a real browser, without the
bot: the page's own files are served as the Rasa server serves them (same paths, same
headers, bot/channels/webpage.py) by a small static server, and the page's routes (webhook,
feedback) are answered by the test with hand-made payloads of the contract's shape. So the
renderer is tested on every kind of message, also on ones the bot sends rarely, and its
requests are checked as sent. tests/browser/test_webchat.py does the same against the real bot.

Screenshots: var/test-results/render-*.png.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import ROOT, run_axe, serious
from bot.channels.webpage import SECURITY_HEADERS, STATIC_DIR, STATIC_FILES

RESULTS = ROOT / "var" / "test-results"
SENDER_RE = r"webchat-[0-9a-f]{32}"
XSS = "<img src=x onerror=alert(1)>"

STEPPER = {"kind": "stepper", "label": "Steg 2 av 5: Förbered",
           "steps": [{"title": "Uppmärksamma behov", "current": False}, {"title": "Förbered", "current": True},
                     {"title": "Genomför mötet", "current": False}, {"title": "Följ upp", "current": False},
                     {"title": "Avsluta", "current": False}]}
TIMELINE = {"kind": "timeline", "label": "Datumen i ärendet",
            "events": [{"label": "Kallelsen skickas senast", "date": "2026-12-10", "strength": "bor",
                        "note": "Minst tre veckor före mötet."},
                       {"label": "Mötet", "date": "2026-12-31", "strength": "info", "note": ""},
                       {"label": "Uppföljning senast", "date": "2027-06-30", "strength": "ska", "note": ""},
                       # as bot/render.py's timeline gives it: its kind in the knowledge base's words
                       {"key": "consent_valid_until", "label": "Samtycket gäller till och med", "date": "2027-12-31",
                        "date_text": "31 december 2027", "kind": "regel", "kind_text": "regel i rutinen", "rule": "x"}]}
TABLE = {"kind": "table", "caption": "Samtycke i regionerna",
         "columns": ["Region", "Vem samtycker", "Hur länge gäller samtycket"],
         "rows": [["Skåne", "Den enskilde eller vårdnadshavarna", "Tills det återkallas"],
                  ["Halland", "Båda vårdnadshavarna", "Ett år i taget, därefter nytt samtycke"],
                  ["Uppsala län", "Den enskilde", "Rutinen säger inget"]]}


def answer_messages(answer, details="", sources=(), visual=None, rules=("halland.consent.both_guardians",),
                    region="halland", feedback=True, buttons=None, national=()):
    """The REST channel's messages for one bot message of the contract, as Rasa's collecting
    channel sends them: the text (one message per paragraph when it has no buttons), then custom."""
    text = "\n\n".join(p for p in [answer, details, *sources] if p).strip()
    if buttons:
        parts = [{"recipient_id": "x", "text": text, "buttons": buttons}]
    else:
        parts = [{"recipient_id": "x", "text": part} for part in text.split("\n\n")]
    custom = {"sipguiden": {"rules": list(rules), "region": region, "answer": answer, "details": details,
                            "sources": list(sources), "national": list(national), "feedback": feedback,
                            "visual": visual}}
    return parts + [{"recipient_id": "x", "custom": custom}]


CONSENT = answer_messages(
    "Ja. I Halland krävs samtycke från båda vårdnadshavarna (föräldrabalken 6 kap. 11 och 13 §§); undantag kan finnas.",
    "Så här står det i rutinen: samtycke ska inhämtas från båda vårdnadshavarna innan SIP-mötet.\n\nOm en vårdnadshavare inte samtycker kan en SIP inte genomföras.",
    ["Källa: Region Halland, Riktlinje SIP, avsnitt Samtycke – https://www.regionhalland.se/",
     "Obs: Den nya socialtjänstlagen (SFS 2025:400) gäller från 1 juli 2025."])
GUIDE = answer_messages("Steg 2 av 5: Förbered mötet. Det viktigaste:", "1. Ta samtycke.\n2. Kalla i tid.",
                        ["Källa: Region Skåne, Rutin för SIP"], STEPPER, rules=("skane.deadline.start",), region="skane",
                        buttons=[{"title": "Nästa steg", "payload": "/guide_next"}])
DATES = answer_messages("Kallelsen bör skickas senast 10 december 2026.", "Kallelsen skickas senast 10 december 2026 (rekommendation).",
                        ["Källa: Haninge kommun, SIP-rutin"], TIMELINE, rules=("national.deadline.meeting",), region="haninge")
COMPARE = answer_messages("Regionerna skiljer sig åt i vem som samtycker.", "", ["Källa: de regionala rutinerna"], TABLE,
                          rules=("skane.consent.required", "halland.consent.both_guardians"), region=None)
REGION_SET = [{"recipient_id": "x", "text": "Tack! Jag utgår nu från rutinen som gäller i Region Halland."}]
QUESTION_BACK = [{"recipient_id": "x", "text": "Vilken kommun eller region gäller det?",
                  "buttons": [{"title": "Halland", "payload": "/inform_region"}]}]
HOSTILE = answer_messages(XSS, XSS, [XSS], {"kind": "table", "caption": XSS, "columns": [XSS], "rows": [[XSS]]})


@pytest.fixture(scope="module")
def site():
    """The page's files at /webhooks/webchat/, with the Rasa server's headers."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            name = self.path.split("?")[0].rsplit("/", 1)[-1] or "index.html"
            if not self.path.startswith("/webhooks/webchat/") or name not in STATIC_FILES:
                self.send_response(404)
                self.end_headers()
                return
            data = (STATIC_DIR / name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", STATIC_FILES[name])
            for key, value in SECURITY_HEADERS.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/webchat/"
    server.shutdown()


class Bot:
    """The page's routes as the test answers them: the next webhook answers in ``replies``
    (keyed by message), the feedback route's answer, and every request the page sent."""

    def __init__(self):
        self.replies, self.requests = {}, []
        self.feedback_status, self.feedback_body = 200, {"saved": True, "message": "Tack för ditt svar!"}

    def handle(self, route):
        body = json.loads(route.request.post_data or "null")
        path = route.request.url.rsplit("/", 1)[-1]
        self.requests.append((path, body))
        if path == "webhook":
            messages = self.replies.get(body["message"], [{"recipient_id": "x", "text": "Hej!"}])
            return route.fulfill(status=200, content_type="application/json",
                                 body=json.dumps({"user": {"text": body["message"], "redacted": []}, "messages": messages}))
        if path == "feedback":
            return route.fulfill(status=self.feedback_status, content_type="application/json",
                                 body=json.dumps(self.feedback_body))
        return route.fulfill(status=404, content_type="application/json", body='{"error": "Finns inte."}')

    def sent(self, path):
        return [body for p, body in self.requests if p == path]


@pytest.fixture
def chat(browser, site):
    contexts = []

    def opener(replies, **options):
        context = browser.new_context(locale="sv-SE", **options)
        contexts.append(context)
        page = context.new_page()
        page.bot = Bot()
        page.bot.replies.update(replies)
        page.errors, page.dialogs = [], []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.route("**/webhooks/webchat/webhook", page.bot.handle)
        page.route("**/webhooks/webchat/feedback", page.bot.handle)
        page.goto(site)
        page.wait_for_selector("html[data-ready=true]")
        return page

    yield opener
    for context in contexts:
        context.close()


def ask(page, text):
    before = page.locator("#log .msg--bot").count()
    page.fill("#input", text)
    page.press("#input", "Enter")
    page.wait_for_function("n => document.querySelectorAll('#log .msg--bot').length > n && document.getElementById('typing').hidden",
                           arg=before, timeout=10_000)
    return page.locator("#log .msg--bot").last


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def test_the_answer_first_and_the_rest_behind_an_accessible_visa_mer(chat):
    page = chat({"samtycke?": REGION_SET + CONSENT})
    check = expect()
    msg = ask(page, "samtycke?")
    assert len(CONSENT) == 6  # the answer came in five parts, as Rasa sends it: shown as one message
    check(page.locator("#log .msg--bot")).to_have_count(3)  # the greeting, the region set, the answer
    check(page.locator("#log .msg--bot").nth(1)).to_have_text("SIP-guiden: " + REGION_SET[0]["text"])
    check(msg.locator(".answer")).to_have_text(CONSENT[-1]["custom"]["sipguiden"]["answer"])
    toggle = msg.get_by_role("button", name="Visa mer")
    check(toggle).to_have_attribute("aria-expanded", "false")
    panel = page.locator("#" + toggle.get_attribute("aria-controls"))
    check(panel).to_be_hidden()
    check(msg.get_by_text("Så här står det i rutinen")).to_be_hidden()
    assert msg.get_attribute("data-rules") == "halland.consent.both_guardians"
    # By keyboard: Tab to it, Enter opens, Space closes.
    page.focus("#input")
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("() => document.activeElement.classList.contains('more-toggle')"):
            break
    else:
        raise AssertionError("'Visa mer' cannot be reached with the keyboard")
    page.keyboard.press("Enter")
    check(toggle).to_have_attribute("aria-expanded", "true")
    check(panel).to_be_visible()
    check(panel).to_contain_text("Om en vårdnadshavare inte samtycker")
    # The sources come after the details, shown as sources, their address a link.
    check(panel.locator(".source")).to_contain_text("Region Halland, Riktlinje SIP")
    check(panel.locator(".source a")).to_have_attribute("href", "https://www.regionhalland.se/")
    check(panel.locator(".note")).to_contain_text("SFS 2025:400")
    texts = panel.locator("p").all_text_contents()
    assert texts.index(next(t for t in texts if t.startswith("Källa:"))) > texts.index(
        next(t for t in texts if t.startswith("Så här står")))
    page.keyboard.press("Space")
    check(toggle).to_have_attribute("aria-expanded", "false")
    check(panel).to_be_hidden()
    assert page.errors == [] and page.dialogs == []


def test_a_message_without_answer_is_shown_as_its_text(chat):
    page = chat({"vem ska jag kalla?": QUESTION_BACK})
    check = expect()
    msg = ask(page, "vem ska jag kalla?")
    check(msg).to_contain_text("Vilken kommun eller region gäller det?")
    check(msg.get_by_role("button", name="Visa mer")).to_have_count(0)
    check(msg.locator(".feedback")).to_have_count(0)
    check(msg.locator(".choice", has_text="Halland")).to_be_visible()


def test_the_stepper_timeline_and_table_are_lists_and_a_table_that_read_as_text(chat):
    page = chat({"guide": GUIDE, "datum": DATES, "jämför": COMPARE})
    check = expect()
    guide = ask(page, "guide")
    steps = guide.locator("ol.steps > li")
    check(steps).to_have_count(5)
    check(guide.locator(".visual-label")).to_have_text("Steg 2 av 5: Förbered")
    label_id = guide.locator(".visual-label").get_attribute("id")
    assert guide.locator("ol.steps").get_attribute("aria-labelledby") == label_id
    check(guide.locator("[aria-current=step]")).to_have_count(1)
    check(steps.nth(1)).to_have_attribute("aria-current", "step")
    check(steps.nth(1)).to_contain_text("Du är här: Förbered")  # for a screen reader
    check(guide.locator(".choice", has_text="Nästa steg")).to_be_visible()

    dates = ask(page, "datum")
    events = dates.locator("ol.timeline > li")
    check(events).to_have_count(4)
    check(events.nth(3).locator("time")).to_have_attribute("datetime", "2027-12-31")
    check(events.nth(3).locator("time")).to_have_text("31 december 2027")
    check(events.nth(3).locator(".event-strength")).to_have_text("regel i rutinen")
    assert "event--ska" in events.nth(3).get_attribute("class")
    check(events.nth(0).locator("time")).to_have_attribute("datetime", "2026-12-10")
    check(events.nth(0).locator("time")).to_have_text("10 december 2026")
    check(events.nth(0).locator(".event-strength")).to_have_text("rekommendation")
    check(events.nth(2).locator(".event-strength")).to_have_text("regel")
    check(events.nth(0)).to_contain_text("Minst tre veckor före mötet.")

    compare = ask(page, "jämför")
    table = compare.locator("table")
    check(table.locator("caption")).to_have_text("Samtycke i regionerna")
    assert table.locator("thead th[scope=col]").all_text_contents() == TABLE["columns"]
    assert table.locator("tbody th[scope=row]").all_text_contents() == ["Skåne", "Halland", "Uppsala län"]
    check(table.locator("tbody tr").nth(1).locator("td").first).to_have_text("Båda vårdnadshavarna")
    region = compare.locator(".visual--table")
    assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
    assert page.errors == []


def test_text_in_the_payload_is_text_never_html(chat):
    page = chat({"x": HOSTILE})
    check = expect()
    msg = ask(page, "x")
    check(msg.locator(".answer")).to_have_text(XSS)
    check(msg.locator("caption")).to_have_text(XSS)
    msg.get_by_role("button", name="Visa mer").click()
    assert page.locator("img").count() == 0
    page.wait_for_timeout(200)
    assert page.dialogs == [] and page.errors == []


def test_feedback_thumbs_up_and_a_thumbs_down_with_its_reason(chat):
    page = chat({"samtycke?": CONSENT, "guide": GUIDE})
    check = expect()
    msg = ask(page, "samtycke?")
    group = msg.get_by_role("group", name="Hjälpte svaret?")
    check(group).to_be_visible()
    group.get_by_role("button", name="Ja, svaret hjälpte").click()
    check(msg.locator(".feedback-status")).to_have_text("Tack för ditt svar!")
    sent = page.bot.sent("feedback")
    assert len(sent) == 1
    assert set(sent[0]) == {"sender", "rules", "rating", "reason"}  # nothing of the conversation
    assert sent[0]["rules"] == ["halland.consent.both_guardians"] and sent[0]["rating"] == "up"
    assert sent[0]["reason"] is None
    import re
    assert re.fullmatch(SENDER_RE, sent[0]["sender"])
    check(msg.get_by_role("button", name="Ja, svaret hjälpte")).to_have_count(0)  # once per message

    # 👎 by keyboard: the reasons appear, the first one focused; a reason sends the rating.
    page.bot.feedback_body = {"saved": True, "message": "Tack! Det hjälper oss att förbättra svaren."}
    guide = ask(page, "guide")
    down = guide.get_by_role("button", name="Nej, svaret hjälpte inte")
    down.focus()
    page.keyboard.press("Enter")
    check(down).to_have_attribute("aria-expanded", "true")
    reasons = guide.get_by_role("group", name="Vad var det som inte hjälpte? (frivilligt)")
    assert reasons.get_by_role("button").all_text_contents() == [
        "Fel svar", "Svarar inte på frågan", "För långt", "Svårt att förstå", "Skicka utan orsak"]
    assert page.evaluate("() => document.activeElement.textContent") == "Fel svar"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "För långt"
    check(guide.locator(".feedback-status")).to_have_text("Tack! Det hjälper oss att förbättra svaren.")
    assert page.bot.sent("feedback")[-1] == {"sender": sent[0]["sender"], "rules": ["skane.deadline.start"],
                                             "rating": "down", "reason": "for_langt"}
    # After a reload the ratings are remembered: not asked again.
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    check(page.locator("#log .rate")).to_have_count(0)
    check(page.locator("#log .feedback-status")).to_have_count(2)


def test_a_failed_rating_says_so_in_swedish_and_can_be_sent_again(chat):
    page = chat({"samtycke?": CONSENT})
    check = expect()
    page.bot.feedback_status = 503
    page.bot.feedback_body = {"error": "Det gick inte att spara omdömet just nu, eftersom databasen inte svarar."}
    msg = ask(page, "samtycke?")
    up = msg.get_by_role("button", name="Ja, svaret hjälpte")
    up.click()
    check(msg.locator(".feedback-status")).to_have_text(page.bot.feedback_body["error"])
    check(up).to_be_enabled()
    # No server behind the proxy (nginx answers 200 with a message of its own): not saved either.
    page.bot.feedback_status = 200
    page.bot.feedback_body = {"user": None, "messages": [{"recipient_id": "default", "text": "Tjänsten är tillfälligt otillgänglig"}]}
    up.click()
    check(msg.locator(".feedback-status")).to_have_text("Det gick inte att spara ditt omdöme just nu. Försök igen om en stund.")
    check(up).to_be_enabled()
    page.bot.feedback_status, page.bot.feedback_body = 200, {"saved": True, "message": "Tack för ditt svar!"}
    up.click()
    check(msg.locator(".feedback-status")).to_have_text("Tack för ditt svar!")


@pytest.mark.parametrize("width", [375, 320])
def test_phone_width_and_axe(chat, axe_source, width):
    page = chat({"samtycke?": CONSENT, "guide": GUIDE, "datum": DATES, "jämför": COMPARE},
                viewport={"width": width, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2)
    check = expect()
    for question in ("samtycke?", "guide", "datum", "jämför"):
        ask(page, question)
    for toggle in page.get_by_role("button", name="Visa mer").all():
        toggle.click()
    page.locator("#log .rate--down").last.click()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    for selector in (".answer", ".more-toggle", ".steps", ".timeline", ".rate", ".reason", "#send", "#input"):
        for box in (e.bounding_box() for e in page.locator(selector).all()):
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (selector, box)
    for selector in (".more-toggle", ".rate", ".reason"):
        assert all(e.bounding_box()["height"] >= 44 for e in page.locator(selector).all()), selector
    # A wide table scrolls inside its own box, not the page.
    table_box = page.locator(".visual--table").last.bounding_box()
    assert table_box["x"] + table_box["width"] <= width + 0.5
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / f"render-phone-{width}.png"), full_page=True)
    page.locator("#log .steps").last.scroll_into_view_if_needed()
    page.screenshot(path=str(RESULTS / f"render-phone-{width}-stepper.png"))
    violations = run_axe(page, axe_source)
    assert serious(violations) == [], violations
    assert "region" not in [v["id"] for v in violations], violations  # no content outside landmarks
    check(page.locator("main")).to_have_count(1)
