"""Microsoft Teams end to end, without Microsoft: the real servers (scripts/run.py with
SIPGUIDEN_TEAMS_APP_ID/_PASSWORD set, so the Bot Framework channel of bot/channels/teams.py
is on) talk to a fake Bot Framework service on localhost that plays Microsoft's three parts:

- the OpenID metadata and its signing keys (JWKS; an RSA key made here with cryptography),
  from which the channel checks the token on each activity;
- the token endpoint, where the bot gets its own access token (client credentials);
- the connector (the activity's serviceUrl), where the bot posts its replies.

An activity with a correctly signed token is answered through the connector; a missing or
bad token is refused with 401 and nothing reaches Rasa or the connector.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
import uuid
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from sipserver import TOKEN, Bot, request

pytestmark = pytest.mark.integration

APP_ID = "6f1c2e3d-4b5a-4c6d-8e7f-90a1b2c3d4e5"
APP_PASSWORD = "fake-teams-app-password-0123456789"
ISSUER = "https://api.botframework.com"
KID = "fake-botframework-key-1"
CONNECTOR_TOKEN = "fake-connector-access-token"


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeBotFramework:
    """Bot Framework's login service and connector, on a spare localhost port."""

    def __init__(self):
        self.key = new_key()
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=KID, use="sig", endorsements=["msteams", "emulator"])
        self.jwks = {"keys": [jwk]}
        self.token_requests, self.activities = [], []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/v1/.well-known/openidconfiguration":
                    return self.reply(200, {
                        "issuer": ISSUER,
                        "authorization_endpoint": "https://invalid.example/authorize",
                        "jwks_uri": f"{fake.base}/v1/.well-known/keys",
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                    })
                if self.path == "/v1/.well-known/keys":
                    return self.reply(200, fake.jwks)
                return self.reply(404, {"error": "not found"})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if self.path == "/botframework.com/oauth2/v2.0/token":
                    form = dict(urllib.parse.parse_qsl(body))
                    with fake.lock:
                        fake.token_requests.append(form)
                    if form.get("client_id") != APP_ID or form.get("client_secret") != APP_PASSWORD:
                        return self.reply(401, {"error": "invalid_client"})
                    return self.reply(200, {"token_type": "Bearer", "expires_in": 3600,
                                            "ext_expires_in": 3600, "access_token": CONNECTOR_TOKEN})
                if self.path.startswith("/v3/conversations/") and self.path.endswith("/activities"):
                    conversation = urllib.parse.unquote(self.path.split("/")[3])
                    with fake.lock:
                        fake.activities.append({"conversation": conversation, "auth": self.headers.get("Authorization"),
                                                "activity": json.loads(body)})
                    return self.reply(200, {"id": str(uuid.uuid4())})
                return self.reply(404, {"error": "not found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def token(self, key=None, kid=KID, algorithm="RS256", **claims):
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": APP_ID, "nbf": now - 60, "iat": now - 60, "exp": now + 3600,
                   "serviceurl": f"{self.base}/"}
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, key or self.key, algorithm=algorithm, headers={"kid": kid} if kid else None)

    def replies(self, conversation):
        with self.lock:
            return [a for a in self.activities if a["conversation"] == conversation]


def unsigned_token(header, payload, secret=b""):
    """A JWT assembled by hand: for the attacks PyJWT will not produce (alg none, HS256 with
    the public key as the secret)."""
    part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()  # noqa: E731
    signing_input = f"{part(header)}.{part(payload)}"
    if header["alg"] == "none":
        return signing_input + "."
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def fake():
    fake = FakeBotFramework()
    fake.thread.start()
    yield fake
    fake.server.shutdown()


@pytest.fixture(scope="module")
def bot(tmp_path_factory, fake):
    bot = Bot(tmp_path_factory.mktemp("teams"))
    bot.env.update(
        SIPGUIDEN_TEAMS_APP_ID=APP_ID,
        SIPGUIDEN_TEAMS_APP_PASSWORD=APP_PASSWORD,
        SIPGUIDEN_TEAMS_OPENID_URL=f"{fake.base}/v1/.well-known/openidconfiguration",
        SIPGUIDEN_TEAMS_TOKEN_URL=f"{fake.base}/botframework.com/oauth2/v2.0/token",
    )
    bot.start()
    yield bot
    if bot.process.poll() is None:
        bot.stop()


def activity(fake, text, user="29:teams-user-1", conversation="a:teams-conversation-1", **extra):
    data = {
        "type": "message",
        "id": str(uuid.uuid4()),
        "timestamp": "2026-03-03T09:00:00.000Z",
        "serviceUrl": f"{fake.base}/",
        "channelId": "msteams",
        "from": {"id": user, "name": "Anna Testsson", "aadObjectId": str(uuid.uuid4())},
        "conversation": {"id": conversation, "conversationType": "personal", "tenantId": str(uuid.uuid4())},
        "recipient": {"id": f"28:{APP_ID}", "name": "SIP-guiden"},
        "text": text,
        "textFormat": "plain",
        "locale": "sv-SE",
    }
    data.update(extra)
    return data


def post(bot, data, token):
    import urllib.error
    import urllib.request

    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(f"{bot.base}/webhooks/botframework/webhook", data=json.dumps(data).encode(),
                                 headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def card_texts(node):
    """The TextBlocks of the Adaptive Cards in an activity (answers are cards, issue 14), the
    cards behind a ShowCard ("Visa mer") included, in order."""
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "TextBlock" else []
        return own + [t for value in node.values() for t in card_texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in card_texts(item)]
    return []


def texts(replies):
    return " ".join(" ".join([r["activity"].get("text", "")] + card_texts(r["activity"].get("attachments") or []))
                    for r in replies)


def user_events(bot, sender):
    status, body = request(f"{bot.base}/conversations/{urllib.parse.quote(sender, safe=':')}/tracker?token={TOKEN}")
    assert status == 200, body
    assert json.loads(body)["sender_id"] == sender
    return [e for e in json.loads(body)["events"] if e["event"] == "user"]


def test_the_startup_output_says_teams_is_on(bot):
    assert "Microsoft Teams:      på – meddelandeslutpunkt" in bot.log.read_text()
    assert APP_PASSWORD not in bot.log.read_text()


def test_a_signed_activity_is_answered_through_the_connector_with_buttons_as_a_card(bot, fake):
    status, body = post(bot, activity(fake, "hej", conversation="a:conv-greet"), fake.token())
    assert status == 200, body
    replies = fake.replies("a:conv-greet")
    assert replies, "no reply reached the connector"
    # The bot fetched its own token with the app's credentials and used it for the replies.
    assert fake.token_requests[-1]["client_id"] == APP_ID
    assert fake.token_requests[-1]["scope"] == "https://api.botframework.com/.default"
    assert all(r["auth"] == f"Bearer {CONNECTOR_TOKEN}" for r in replies)
    first = replies[0]["activity"]
    assert first["type"] == "message" and first["recipient"]["id"] == "29:teams-user-1"
    assert first["from"]["id"] == f"28:{APP_ID}"
    assert first["text"].startswith("Hej! Jag är SIP-guiden")
    # Buttons: a hero card with messageBack actions (the title shown, the payload sent back).
    card = first["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.hero"
    actions = card["content"]["buttons"]
    assert {"type": "messageBack", "title": "Vad är SIP?", "displayText": "Vad är SIP?",
            "text": "/what_is_sip", "value": {"payload": "/what_is_sip"}} in actions
    assert all(a["type"] == "messageBack" and a["title"] and a["text"] for a in actions)


def test_a_button_click_and_an_answer_with_its_source(bot, fake):
    conversation = "a:conv-halland"
    user = "29:teams-user-halland"
    status, _ = post(bot, activity(fake, '/inform_region{"region":"halland"}', user=user, conversation=conversation,
                                   value={"payload": '/inform_region{"region":"halland"}'}), fake.token())
    assert status == 200
    assert "Region Halland" in texts(fake.replies(conversation))
    before = len(fake.replies(conversation))
    # In a team channel the bot is @mentioned; the mention is not part of the question.
    status, _ = post(bot, activity(fake, "<at>SIP-guiden</at> vem ska jag kalla?", user=user, conversation=conversation),
                     fake.token())
    assert status == 200
    answer = fake.replies(conversation)[before:]
    assert "Så här står det i rutinen för Halland" in texts(answer)  # in the card, behind "Visa mer"
    assert "Källa:" in texts(answer)
    # The answer is a card: the source its own paragraph behind "Visa mer" (issue 14).
    card = next(a["content"] for r in answer for a in r["activity"].get("attachments") or []
                if a["contentType"] == "application/vnd.microsoft.card.adaptive")
    more = next(a["card"] for a in card["actions"] if a["title"] == "Visa mer")
    assert any(b["text"].startswith("Källa:") for b in more["body"])
    # The web chat's custom payload (rule ids) is not sent to Teams as an empty message.
    assert all(r["activity"].get("text") or r["activity"].get("attachments") for r in answer)
    assert all("sipguiden" not in r["activity"] for r in answer)


def test_personal_data_is_removed_before_rasa_sees_it(bot, fake):
    user = "29:teams-user-pnr"
    status, _ = post(bot, activity(fake, "barnet har personnummer 20121212-1212, ring 070-123 45 67",
                                   user=user, conversation="a:conv-pnr"), fake.token())
    assert status == 200
    [event] = user_events(bot, user)
    assert "1212-1212" not in json.dumps(event) and "123 45 67" not in json.dumps(event)
    assert "[personnummer borttaget]" in event["text"]
    assert event["metadata"]["sipguiden_redacted"] == ["personnummer", "telefon"]
    assert "personuppgifter" in texts(fake.replies("a:conv-pnr"))
    assert "1212-1212" not in texts(fake.replies("a:conv-pnr"))


def test_other_activities_need_a_token_but_no_answer(bot, fake):
    update = activity(fake, None, conversation="a:conv-update", type="conversationUpdate",
                      membersAdded=[{"id": f"28:{APP_ID}"}])
    assert post(bot, update, fake.token())[0] == 200
    assert post(bot, update, None)[0] == 401
    time.sleep(0.5)
    assert fake.replies("a:conv-update") == []


def _bad_tokens(fake):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": APP_ID, "exp": now + 3600, "serviceurl": f"{fake.base}/"}
    public_pem = fake.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        "no token": None,
        "not a JWT": "not-a-jwt",
        "signed by another key": fake.token(key=new_key()),
        "unknown key id": fake.token(kid="someone-elses-key"),
        "no key id": fake.token(kid=None),
        "another bot's app id": fake.token(aud=str(uuid.uuid4())),
        "expired": fake.token(exp=now - 3600, nbf=now - 7200, iat=now - 7200),
        "not yet valid": fake.token(nbf=now + 3600),
        "wrong issuer": fake.token(iss="https://sts.windows.net/evil/"),
        "no expiry": fake.token(exp=None),
        "replies sent elsewhere": fake.token(serviceurl="http://127.0.0.1:1/"),
        "alg none": unsigned_token({"alg": "none", "typ": "JWT", "kid": KID}, claims),
        "HS256 with the public key": unsigned_token({"alg": "HS256", "typ": "JWT", "kid": KID}, claims, public_pem),
    }


BAD = ["no token", "not a JWT", "signed by another key", "unknown key id", "no key id", "another bot's app id",
       "expired", "not yet valid", "wrong issuer", "no expiry", "replies sent elsewhere", "alg none",
       "HS256 with the public key"]


@pytest.mark.parametrize("case", BAD)
def test_a_missing_or_bad_token_gets_401_and_no_reply(bot, fake, case):
    token = _bad_tokens(fake)[case]
    user = f"29:attacker-{BAD.index(case)}"
    conversation = f"a:conv-bad-{BAD.index(case)}"
    status, _ = post(bot, activity(fake, "hej", user=user, conversation=conversation), token)
    assert status == 401, case
    time.sleep(0.3)
    assert fake.replies(conversation) == []
    assert user_events(bot, user) == []  # nothing reached Rasa


def test_the_serviceurl_of_the_activity_must_match_the_token(bot, fake):
    # A valid token, replayed with another serviceUrl: the bot's access token must not go there.
    data = activity(fake, "hej", user="29:replayed", conversation="a:conv-replayed", serviceUrl="http://127.0.0.1:1/")
    assert post(bot, data, fake.token())[0] == 401
    assert user_events(bot, "29:replayed") == []


def test_teams_helpers():
    from bot.channels import teams

    assert teams.teams_text("Svar.\nKälla: X\n\nObs: Y") == "Svar.\n\nKälla: X\n\nObs: Y"
    assert teams.card_actions([{"title": "Halland", "payload": "/inform_region"}]) == [
        {"type": "messageBack", "title": "Halland", "displayText": "Halland", "text": "/inform_region",
         "value": {"payload": "/inform_region"}}]
    assert teams.token_url_for(None) == "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
    assert teams.token_url_for("contoso.onmicrosoft.com") == \
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    with pytest.raises(ValueError):
        teams.token_url_for("../evil")


def test_a_conversation_store_that_cannot_be_reached_is_said_in_swedish_and_nothing_is_lost(bot, fake):
    post(bot, activity(fake, "Lund", user="29:store-down", conversation="a:conv-store-down"), fake.token())
    before = user_events(bot, "29:store-down")
    database = Path(bot.env["SIPGUIDEN_SQLITE_PATH"])
    aside = database.with_name("aside.db")
    database.rename(aside)
    database.mkdir()  # SQLite cannot open a folder: the store fails as a database that is down
    try:
        status, _ = post(bot, activity(fake, "vem ska jag kalla?", user="29:store-down", conversation="a:conv-store-down"),
                         fake.token())
        assert status == 200
        deadline = time.monotonic() + 20
        while "Tjänsten är tillfälligt otillgänglig" not in texts(fake.replies("a:conv-store-down")):
            assert time.monotonic() < deadline, fake.replies("a:conv-store-down")
            time.sleep(0.2)
    finally:
        database.rmdir()
        aside.rename(database)
    assert user_events(bot, "29:store-down") == before  # the failed turn stored nothing
    post(bot, activity(fake, "hej", user="29:store-down", conversation="a:conv-store-down"), fake.token())
    deadline = time.monotonic() + 20
    while "Jag utgår från Skåne" not in texts(fake.replies("a:conv-store-down")):
        assert time.monotonic() < deadline, fake.replies("a:conv-store-down")
        time.sleep(0.2)


def test_the_kallelse_text_and_a_quiz_question_in_teams(bot, fake):
    """The staff tools (bot/tools_dialogue.py) in Teams: the kallelse's draft as text with its
    sources (the .docx is the web chat's), and a quiz question with its options as buttons."""
    user, conversation = "29:teams-user-tools", "a:conv-tools"

    def say(text):
        before = len(fake.replies(conversation))
        status, body = post(bot, activity(fake, text, user=user, conversation=conversation), fake.token())
        assert status == 200, body
        return fake.replies(conversation)[before:]

    say('/inform_region{"region":"skane"}')
    assert "Fråga 1 av" in texts(say("hjälp mig skriva kallelsen"))
    answer = []
    for reply in ["12 mars 2026"] + ["hoppa över"] * 10:
        answer = say(reply)
        if "Här är ett utkast" in texts(answer):
            break
    assert "Här är ett utkast till kallelsen" in texts(answer) and "Källa:" in texts(answer)
    assert "12 mars 2026" in texts(answer)
    assert all("sipguiden" not in r["activity"] for r in answer)
    question = say("testa mig")
    assert "Fråga 1 av" in texts(question)
    card = next(r["activity"]["attachments"][0] for r in question if r["activity"].get("attachments"))
    assert [b["text"] for b in card["content"]["buttons"]][:2] == ["1", "2"]
