"""Microsoft Teams: Rasa's Bot Framework channel, with personal data removed, stricter
token checks, and replies that Teams can show.

What this adds to ``rasa.core.channels.botframework`` (Rasa 3.6):

- **Privacy.** The message text is redacted (bot/privacy.py) before Rasa parses, stores or
  logs it, exactly like the REST channel; the kinds removed travel in the metadata.
- **Token checks.** Rasa checks the signature and audience only, and takes the algorithm
  from the token itself. Here the token must be RS256, signed by a key from Bot Framework's
  OpenID metadata, for this app id (audience), from Bot Framework (issuer), unexpired, and
  its ``serviceurl`` claim must be the activity's ``serviceUrl`` (replies, which carry the
  bot's own access token, only go where Bot Framework said). Anything else is 401, and
  nothing is answered. Keys are fetched when first needed (a start without network does not
  fail), refreshed daily and when an unknown key id arrives (key rollover).
- **Replies.** Buttons become a hero card with ``messageBack`` actions (the user sees the
  title, the bot receives the payload); Rasa would send its ``title``/``payload`` dicts as
  they are, which Teams cannot show. Line breaks survive Teams' Markdown; the web chat's
  custom payload (rule ids) is not sent to Teams as an empty message. Replies are posted
  with aiohttp, not blocking the server.
- **Answers as cards (issue 14).** A message whose custom payload has ``answer`` becomes an
  Adaptive Card: the answer, an ``Action.ShowCard`` "Visa mer" with the details and sources,
  and "Hjälpte svaret?" as 👍 (``Action.Submit``) and 👎 (a ``ShowCard`` whose reasons are
  ``Action.Submit`` buttons); the message's own buttons follow as a hero card. A submitted
  rating (``value.sipguiden_feedback``) is stored by bot/feedback.py after the same check as
  the web chat's (the rated message must be one the bot sent in this conversation), and
  thanked for; nothing of it reaches Rasa.
- **Where Bot Framework is.** The OpenID metadata and token URLs are Microsoft's by default;
  ``SIPGUIDEN_TEAMS_TENANT_ID`` makes the token URL the tenant's own (a single-tenant Azure
  Bot). ``SIPGUIDEN_TEAMS_OPENID_URL`` / ``SIPGUIDEN_TEAMS_TOKEN_URL`` (or the credentials
  keys ``openid_url`` / ``token_url`` / ``tenant_id``) point them elsewhere: a national
  cloud, or the fake Bot Framework service of tests/integration/test_teams.py.

Configured by scripts/run.py (var/run/credentials.yml) when SIPGUIDEN_TEAMS_APP_ID and
SIPGUIDEN_TEAMS_APP_PASSWORD are set; the webhook is /webhooks/botframework/webhook.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import os
import re
import time
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

import aiohttp
import jwt
import requests
from jwt.algorithms import RSAAlgorithm
from rasa.core.channels.botframework import (
    MICROSOFT_OAUTH2_PATH,
    MICROSOFT_OAUTH2_URL,
    MICROSOFT_OPEN_ID_URI,
    BotFramework,
    BotFrameworkInput,
)
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import feedback, rasa_patches
from bot.channels.segments import with_segments
from bot.channels.replies import ERROR_REPLY, UNAVAILABLE_REPLY
from bot.channels.rest import METADATA_KEY, prepare, store_failure

logger = logging.getLogger(__name__)

ISSUER = "https://api.botframework.com"
ALGORITHMS = ["RS256"]
TOKEN_SCOPE = "https://api.botframework.com/.default"
DEFAULT_TOKEN_URL = f"{MICROSOFT_OAUTH2_URL}/{MICROSOFT_OAUTH2_PATH}"
MAX_BUTTONS_PER_CARD = 6  # Teams shows at most six buttons on a hero card
KEY_REFRESH = datetime.timedelta(days=1)
UNKNOWN_KEY_REFRESH = datetime.timedelta(minutes=5)  # at most this often on unknown key ids
HTTP_TIMEOUT = 20  # seconds
_MENTION = re.compile(r"<at>.*?</at>", re.DOTALL)


def token_url_for(tenant_id: Optional[str]) -> str:
    """Where the bot gets its access token: the tenant's own endpoint for a single-tenant
    Azure Bot (the kind Azure creates today), Bot Framework's shared one otherwise."""
    tenant_id = (tenant_id or "").strip()
    if not tenant_id:
        return DEFAULT_TOKEN_URL
    if not re.fullmatch(r"[0-9A-Za-z.-]+", tenant_id):
        raise ValueError("SIPGUIDEN_TEAMS_TENANT_ID is not a tenant id")
    return f"{MICROSOFT_OAUTH2_URL}/{tenant_id}/oauth2/v2.0/token"


class TokenError(Exception):
    """A Bot Framework token that must not be trusted (the reason is for the log only)."""


def teams_text(text: str) -> str:
    """Bot text for Teams' Markdown: a single line break would be lost, so lines become
    paragraphs."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n\n".join(line for line in lines if line)


def card_actions(buttons: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """Rasa buttons as Bot Framework card actions: the user sees the title, the bot gets the payload."""
    actions = []
    for b in buttons:
        title = str(b.get("title") or b.get("payload") or "")
        payload = str(b.get("payload") or title)
        actions.append({"type": "messageBack", "title": title, "displayText": title, "text": payload,
                        "value": {"payload": payload}})
    return actions


ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
FEEDBACK_KEY = "sipguiden_feedback"


def _blocks(texts: List[str], **style: Any) -> List[Dict[str, Any]]:
    """Text as Adaptive Card TextBlocks, one per paragraph (wrapped, never cut)."""
    out = []
    for text in texts:
        for paragraph in str(text or "").split("\n"):
            if paragraph.strip():
                out.append({"type": "TextBlock", "text": paragraph.strip(), "wrap": True, **style})
    return out


def answer_card(payload: Dict[str, Any]) -> Dict[str, Any]:
    """The Adaptive Card of an answer of the message contract: the answer first, "Visa mer" with
    the details and sources, and 👍/👎 with the rated message's rule ids."""
    body = _blocks([payload.get("answer") or ""])
    actions: List[Dict[str, Any]] = []
    details = _blocks([payload.get("details") or ""])
    sources = _blocks(list(payload.get("sources") or []), isSubtle=True, size="Small")
    if details or sources:
        actions.append({"type": "Action.ShowCard", "title": "Visa mer",
                        "card": {"type": "AdaptiveCard", "body": details + sources}})
    rules = [r for r in payload.get("rules") or [] if isinstance(r, str)]
    if payload.get("feedback") is True and rules:
        body.append({"type": "TextBlock", "text": feedback.QUESTION, "wrap": True, "isSubtle": True, "spacing": "Medium"})

        def rating(value: str, reason: Optional[str] = None) -> Dict[str, Any]:
            return {FEEDBACK_KEY: {"rules": rules, "rating": value, "reason": reason}}

        actions.append({"type": "Action.Submit", "title": "👍 Ja", "data": rating("up")})
        reasons = [{"type": "Action.Submit", "title": title, "data": rating("down", key)}
                   for key, title in feedback.REASONS.items()]
        reasons.append({"type": "Action.Submit", "title": feedback.NO_REASON, "data": rating("down")})
        actions.append({"type": "Action.ShowCard", "title": "👎 Nej",
                        "card": {"type": "AdaptiveCard", "body": _blocks([feedback.ASK_REASON]), "actions": reasons}})
    return {"contentType": ADAPTIVE_CARD, "content": {
        "type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "version": "1.4",
        "body": body, "actions": actions}}


class TeamsOutput(BotFramework):
    """Rasa's Bot Framework output channel with Teams-friendly messages and async posting."""

    _tokens: Dict[Tuple[str, str], Tuple[str, float]] = {}  # (token url, app id) -> (token, expiry)

    def __init__(self, app_id: Text, app_password: Text, conversation: Dict[Text, Any], bot: Text,
                 service_url: Text, token_url: Text = DEFAULT_TOKEN_URL) -> None:
        super().__init__(app_id, app_password, conversation, bot, service_url)
        self.token_url = token_url

    @classmethod
    def name(cls) -> Text:
        return "botframework"

    async def _get_headers(self) -> Optional[Dict[Text, Any]]:
        key = (self.token_url, self.app_id)
        cached = self._tokens.get(key)
        if cached is None or cached[1] < time.monotonic():
            payload = {"client_id": self.app_id, "client_secret": self.app_password,
                       "grant_type": "client_credentials", "scope": TOKEN_SCOPE}
            try:
                async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT)) as session:
                    async with session.post(self.token_url, data=payload) as answer:
                        if answer.status != 200:
                            logger.error("Could not get a Bot Framework token (HTTP %s)", answer.status)
                            return None
                        data = await answer.json(content_type=None)
            except (aiohttp.ClientError, OSError, ValueError) as error:
                logger.error("Could not get a Bot Framework token: %s", type(error).__name__)
                return None
            # Renew a minute early.
            cached = (data["access_token"], time.monotonic() + max(0, int(data.get("expires_in", 0)) - 60))
            self._tokens[key] = cached
        return {"content-type": "application/json", "Authorization": f"Bearer {cached[0]}"}

    async def send(self, message_data: Dict[Text, Any]) -> None:
        headers = await self._get_headers()
        if headers is None:
            return
        uri = f"{self.global_uri}conversations/{self.conversation['id']}/activities"
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT)) as session:
                async with session.post(uri, headers=headers, data=json.dumps(message_data)) as answer:
                    if answer.status >= 300:
                        logger.error("Bot Framework did not accept a reply (HTTP %s)", answer.status)
        except (aiohttp.ClientError, OSError) as error:
            logger.error("Could not post a reply to Bot Framework: %s", type(error).__name__)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send(self.prepare_message(recipient_id, {"text": teams_text(text), "textFormat": "markdown"}))

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        actions = card_actions(buttons)
        cards = [
            {"contentType": "application/vnd.microsoft.card.hero",
             "content": {"buttons": actions[start:start + MAX_BUTTONS_PER_CARD]}}
            for start in range(0, len(actions), MAX_BUTTONS_PER_CARD)
        ]
        message = {"text": teams_text(text or ""), "textFormat": "markdown", "attachments": cards,
                   "attachmentLayout": "list"}
        await self.send(self.prepare_message(recipient_id, message))

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        custom = message.get("custom")
        payload = custom.get("sipguiden") if isinstance(custom, dict) else None
        if not (isinstance(payload, dict) and isinstance(payload.get("answer"), str) and payload["answer"].strip()):
            await super().send_response(recipient_id, message)
            return
        attachments = [answer_card(payload)]
        actions = card_actions(message.get("buttons") or [])
        attachments += [{"contentType": "application/vnd.microsoft.card.hero",
                         "content": {"buttons": actions[start:start + MAX_BUTTONS_PER_CARD]}}
                        for start in range(0, len(actions), MAX_BUTTONS_PER_CARD)]
        await self.send(self.prepare_message(recipient_id, {
            "summary": payload["answer"][:200], "attachments": attachments, "attachmentLayout": "list"}))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        if set(json_message) <= {"sipguiden"}:
            return  # the rule ids are for the web chat and the tests, nothing Teams can show
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class TeamsInput(BotFrameworkInput):
    """Rasa's Bot Framework input channel (Teams), with redaction and strict token checks."""

    @classmethod
    def name(cls) -> Text:
        return "botframework"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials or not credentials.get("app_id") or not credentials.get("app_password"):
            cls.raise_missing_credentials_exception()
        return cls(
            str(credentials["app_id"]),
            str(credentials["app_password"]),
            openid_url=credentials.get("openid_url") or os.environ.get("SIPGUIDEN_TEAMS_OPENID_URL") or MICROSOFT_OPEN_ID_URI,
            token_url=credentials.get("token_url") or os.environ.get("SIPGUIDEN_TEAMS_TOKEN_URL")
            or token_url_for(credentials.get("tenant_id") or os.environ.get("SIPGUIDEN_TEAMS_TENANT_ID")),
        )

    def __init__(self, app_id: Text, app_password: Text, openid_url: Text = MICROSOFT_OPEN_ID_URI,
                 token_url: Text = DEFAULT_TOKEN_URL) -> None:
        self.openid_url = openid_url
        self.token_url = token_url
        self.unknown_key_refresh = datetime.datetime.fromtimestamp(0)
        rasa_patches.apply()  # bot/rasa_patches.py, also when the REST channel is not configured
        # Rasa's constructor fetches the keys at once; without network that would stop the
        # whole server from starting, so they are fetched when the first message comes.
        try:
            super().__init__(app_id, app_password)
        except (requests.RequestException, ValueError, KeyError) as error:
            logger.warning("Bot Framework keys not loaded yet (%s); retrying at the first message.",
                           type(error).__name__)

    def _update_cached_jwk_keys(self) -> None:
        conf = requests.get(self.openid_url, timeout=HTTP_TIMEOUT)
        conf.raise_for_status()
        keys = requests.get(conf.json()["jwks_uri"], timeout=HTTP_TIMEOUT)
        keys.raise_for_status()
        self.jwt_keys = {key["kid"]: key for key in keys.json()["keys"] if "kid" in key}
        self.jwt_update_time = datetime.datetime.now()

    def _refresh_keys(self, reason: str) -> None:
        try:
            self._update_cached_jwk_keys()
        except (requests.RequestException, ValueError, KeyError) as error:
            logger.warning("Could not update the Bot Framework keys (%s, %s)", reason, type(error).__name__)

    def verify(self, auth_header: Optional[Text], activity: Dict[Text, Any]) -> Dict[Text, Any]:
        """The token's claims, if the Authorization header proves that Bot Framework sent
        this activity to this bot; raises TokenError otherwise."""
        match = re.fullmatch(r"Bearer\s+(\S+)", (auth_header or "").strip())
        if not match:
            raise TokenError("no bearer token")
        token = match.group(1)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise TokenError(f"malformed token: {type(error).__name__}") from error
        if header.get("alg") not in ALGORITHMS:
            raise TokenError(f"algorithm {header.get('alg')!r} not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise TokenError("no key id")
        now = datetime.datetime.now()
        if now - self.jwt_update_time > KEY_REFRESH:
            self._refresh_keys("daily")
        if kid not in self.jwt_keys and now - self.unknown_key_refresh > UNKNOWN_KEY_REFRESH:
            self.unknown_key_refresh = now
            self._refresh_keys("unknown key id")
        key = self.jwt_keys.get(kid)
        if key is None:
            raise TokenError("unknown key id")
        endorsements = key.get("endorsements")
        channel = activity.get("channelId")
        if isinstance(endorsements, list) and channel and channel not in endorsements:
            raise TokenError("key not endorsed for this channel")
        try:
            claims = jwt.decode(
                token,
                key=RSAAlgorithm.from_jwk(json.dumps(key)),
                algorithms=ALGORITHMS,
                audience=self.app_id,
                issuer=ISSUER,
                leeway=300,  # Bot Framework allows five minutes of clock skew
                options={"require": ["exp", "iss", "aud"]},
            )
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise TokenError(f"token rejected: {type(error).__name__}") from error
        service_url = claims.get("serviceurl") or claims.get("serviceUrl")
        if not service_url or service_url.rstrip("/") != str(activity.get("serviceUrl", "")).rstrip("/"):
            raise TokenError("serviceUrl does not match the token")
        return claims

    async def _feedback(self, request: Request, activity: Dict[str, Any], body: Any) -> None:
        """A rating submitted from an answer card: stored (bot/feedback.py, no sender id, no
        text) after the web chat's check, then thanked for or explained, in Swedish."""
        from bot.channels.webchat import Unavailable, record_feedback

        try:
            out = TeamsOutput(self.app_id, self.app_password, activity["conversation"], activity["recipient"],
                              activity["serviceUrl"], token_url=self.token_url)
            sender = activity["from"]["id"]
        except (KeyError, TypeError):
            return
        try:
            if not isinstance(body, dict):
                raise feedback.Invalid(feedback.BAD_RATING)
            await record_feedback(getattr(request.app.ctx, "agent", None), sender, body)
            text = feedback.THANKS_DOWN if body.get("rating") == "down" else feedback.THANKS
        except (feedback.Invalid, Unavailable) as problem:
            text = problem.args[0]
        except Exception:  # noqa: BLE001 - the user is told; the details go to the log
            logger.exception("Could not store a Teams rating")
            text = feedback.DOWN
        await self._say_failure(out, activity, text)

    @staticmethod
    async def _say_failure(out: "TeamsOutput", activity: Dict[str, Any], text: str) -> None:
        try:
            await out.send_text_message(activity["from"]["id"], text)
        except Exception:  # noqa: BLE001 - the connector is unreachable too: the log says so
            logger.warning("Could not tell the Teams user that the turn failed.")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        teams = Blueprint("sipguiden_botframework", __name__)

        @teams.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @teams.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            try:
                activity = request.json
            except Exception:  # noqa: BLE001 - sanic raises on a body that is not JSON
                activity = None
            if not isinstance(activity, dict):
                return response.text("Bad request.", status=HTTPStatus.BAD_REQUEST)
            try:
                # In a thread: a key refresh fetches over the network (blocking requests).
                await asyncio.get_running_loop().run_in_executor(
                    None, self.verify, request.headers.get("Authorization"), activity)
            except TokenError as error:
                logger.warning("Bot Framework request refused: %s", error)
                return response.text("Unauthorized.", status=HTTPStatus.UNAUTHORIZED)

            if activity.get("type") != "message":
                return response.text("success")  # conversationUpdate, typing … need no answer
            out: Optional[TeamsOutput] = None
            value = activity.get("value")
            if isinstance(value, dict) and FEEDBACK_KEY in value:
                await self._feedback(request, activity, value[FEEDBACK_KEY])
                return response.text("success")
            try:
                raw = activity.get("text") or ""
                # Cleaned, cut and redacted exactly as by the REST channel (bot/channels/rest.py).
                cleaned = prepare(_MENTION.sub("", raw if isinstance(raw, str) else "").strip())
                if not cleaned.text:
                    return response.text("success")
                metadata = self.add_attachments_to_metadata(activity, {METADATA_KEY: list(cleaned.kinds)})
                metadata = await with_segments(request, cleaned.text, metadata)
                out = TeamsOutput(self.app_id, self.app_password, activity["conversation"],
                                  activity["recipient"], activity["serviceUrl"], token_url=self.token_url)
                await on_new_message(UserMessage(text=cleaned.text, output_channel=out,
                                                 sender_id=activity["from"]["id"], input_channel=self.name(),
                                                 metadata=metadata))
            except Exception as error:  # noqa: BLE001 - Bot Framework gets its 200; the details go to the log
                logger.exception("Could not handle a Bot Framework message")
                if out is not None:
                    # As in the REST channel: the store unreachable (nothing of the turn was stored)
                    # or another failure, said in Swedish instead of silence.
                    await self._say_failure(out, activity, UNAVAILABLE_REPLY if store_failure(error) else ERROR_REPLY)
            return response.text("success")

        return teams
