"""Rasa's REST channel with personal data removed before anything else sees the message,
and an answer in Swedish to every message, whatever it contains and whatever fails.

Personal data: the text a user sends is redacted here (bot/privacy.py) — before Rasa parses
it, stores it in the tracker store or logs it — and the kinds removed are passed on in the
message metadata (``sipguiden_redacted``) so the bot can remind the user not to share
personal data. The webhook stays at /webhooks/rest/webhook.

Robustness (every request with a JSON object as its body gets HTTP 200 and at least one Swedish
message; a request the channel cannot take at all gets HTTP 400 and one Swedish message in the
same shape, ``[{"recipient_id": "default", "text": …}]``, and reaches neither Rasa nor the store):

- a body that is not JSON, or JSON that is not an object (Sanic would answer an English HTML
  page), and a ``sender`` that is not a string, or is longer than Rasa's column (255), or holds
  control characters, are refused (``refusal``); no sender is Rasa's "default" conversation;
- the text is cleaned before Rasa sees it: a message that is not a string is read as text
  (a number) or as empty (a list, an object); control characters, bidi overrides and lone
  surrogates are removed (a NUL byte would break a PostgreSQL tracker store), and the text
  is NFC-normalised;
- an empty or whitespace-only message is answered here ("Skriv din fråga …") and never
  reaches Rasa or the tracker store;
- a message longer than ``MAX_CHARS`` is cut there (after redaction, so no personal data
  survives at the cut) and the reply says so;
- the action server unreachable: Rasa 3.6 logs the failed custom action and answers
  nothing. The channel notices (the failure is logged while this request is handled, see
  ``_TurnWatch``; an empty reply is checked too), asks the action server's /health, and
  answers "Tjänsten är tillfälligt otillgänglig …". While it is down, messages are answered
  so without being handed to Rasa, so the conversation's state stays as it was and goes on
  where it was once the action server is back. A failed action changes no slot (Rasa drops
  its events), so region and case facts are never lost;
- the conversation store or the lock store unreachable (PostgreSQL or Redis down or
  restarting in the scaled set-up): Rasa's silent fallback to a new, in-memory conversation is
  turned into a failed turn (bot/rasa_patches.py), and the user gets "Tjänsten är tillfälligt
  otillgänglig …"; nothing of the turn is stored, and the conversation goes on where it was
  once the store is back;
- any other failure inside Rasa, or no reply at all: a Swedish apology or a request for a
  question instead of ``[]``.

Rasa's internals (the store failures above, atomic Redis tickets for several replicas, two
caches that save ~25 ms of CPU per message) are patched by bot/rasa_patches.py, which the
constructor installs.

Configured in credentials.yml as ``bot.channels.rest.RedactingRestInput:``.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
import time
import unicodedata
from typing import Any, Awaitable, Callable, Dict, List, NamedTuple, Optional, Text, Tuple, Union

import aiohttp
import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot import privacy, rasa_patches
from bot.channels.segments import with_segments
from bot.channels.replies import (  # noqa: F401  (the texts are part of this channel's interface)
    BAD_SENDER_REPLY, EMPTY_REPLY, ERROR_REPLY, NO_ANSWER_REPLY, NOT_JSON_REPLY, TIMEOUT_REPLY, TRUNCATED_NOTE,
    UNAVAILABLE_REPLY,
)
from bot.privacy import REMINDER, REMINDER_MARK, redact
from bot.rasa_patches import StoreUnavailable, store_failure  # noqa: F401  (the channels' test of a store failure)

logger = logging.getLogger(__name__)

METADATA_KEY = "sipguiden_redacted"
# Longest message handed to Rasa. A SIP question, even a whole case description, is far
# shorter; 20 000 characters took ~2 s to parse (character n-grams) and blocked others.
MAX_CHARS = 2000
# Longest sender id: Rasa's tracker store keeps it in a VARCHAR(255) (PostgreSQL refuses longer).
MAX_SENDER = 255

# C0/C1 control characters except tab and newline, bidi embeddings/overrides/isolates.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\r\f\v]+")
# What a sender id may not contain: control characters (a NUL breaks PostgreSQL) and lone surrogates.
_BAD_SENDER = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def sender_ok(sender: Any) -> bool:
    """Whether a request's ``sender`` can name a conversation: absent (Rasa's "default"), or a
    string of at most MAX_SENDER characters without control characters. Anything else (a
    number, a list, an object …) is refused, never turned into text such as "['a']"."""
    return sender is None or (isinstance(sender, str) and len(sender) <= MAX_SENDER
                              and not _BAD_SENDER.search(sender))


def refusal(request: Request) -> Optional[Tuple[int, str]]:
    """Why the channel cannot take ``request`` at all, as (HTTP status, Swedish text), or None:
    a body that is not a JSON object (Sanic's own answer would be an English HTML page), or a
    sender that ``sender_ok`` refuses."""
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic's "not JSON" error: answered here, in Swedish
        return 400, NOT_JSON_REPLY
    if not isinstance(body, dict):
        return 400, NOT_JSON_REPLY
    if not sender_ok(body.get("sender")):
        return 400, BAD_SENDER_REPLY
    return None


def clean_text(raw: Any) -> str:
    """What of a request's ``message`` Rasa may see: a string, without control characters,
    NFC-normalised, stripped. Not yet redacted or shortened."""
    if isinstance(raw, bool) or raw is None or isinstance(raw, (list, dict)):
        return ""
    text = raw if isinstance(raw, str) else str(raw)
    # Lone surrogates (valid in JSON, "\ud800") cannot be encoded, stored or logged.
    text = _SURROGATE.sub("\ufffd", text)
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n"))
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


def shorten(text: str, limit: int = MAX_CHARS) -> Tuple[str, bool]:
    """``text`` cut to at most ``limit`` characters, at a space when there is one near the end."""
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = cut.rfind(" ", limit - 200)
    return (cut[:space] if space > 0 else cut).rstrip(), True


class Prepared(NamedTuple):
    text: str  # what Rasa is given: cleaned, redacted, at most MAX_CHARS
    kinds: Tuple[str, ...]  # the kinds of personal data removed
    length: int  # characters of the cleaned message before it was cut
    truncated: bool


def prepare(raw: Any) -> Prepared:
    """A request's ``message`` as Rasa may see it. Cut before redaction too (with a margin,
    so a number at the cut is still whole and then cut away): the redaction's patterns take
    time that grows with the square of a long run of letters or digits."""
    text = clean_text(raw)
    redacted = redact(text[:MAX_CHARS + 64])
    short, truncated = shorten(redacted.text)
    return Prepared(short, redacted.kinds, len(text), truncated or len(text) > MAX_CHARS + 64)


class _TurnWatch(logging.Handler):
    """Notices Rasa's log records of a custom action that failed, for the request being
    handled. Rasa 3.6 catches the action server's failure itself (it logs it and carries on
    without the action's events), so its log record is the only sign a channel gets. The
    records are routed to their request by a context variable: each request is one asyncio
    task, and Rasa runs the turn inside it."""

    current: "contextvars.ContextVar[Optional[List[str]]]" = contextvars.ContextVar("sipguiden_turn", default=None)
    LOGGERS = ("rasa.core.actions.action", "rasa.core.actions.forms", "rasa.core.processor")
    SIGNS = ("custom action", "while running action")

    def emit(self, record: logging.LogRecord) -> None:
        problems = self.current.get()
        if problems is None:
            return
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is not our business
            return
        if any(sign in message for sign in self.SIGNS):
            problems.append(message[:200])

    @classmethod
    def install(cls) -> None:
        for name in cls.LOGGERS:
            target = logging.getLogger(name)
            if not any(isinstance(h, cls) for h in target.handlers):
                target.addHandler(cls(level=logging.WARNING))


class RedactingRestInput(RestInput):
    # How long to wait for the action server's /health before calling it unreachable.
    HEALTH_TIMEOUT = 2.0

    def __init__(self) -> None:
        super().__init__()
        self._actions_down_since: Optional[float] = None
        _TurnWatch.install()
        rasa_patches.apply()  # bot/rasa_patches.py: store failures, Redis tickets, two caches
        privacy.prepare()  # the name lists, loaded before the first message

    @classmethod
    def name(cls) -> Text:
        return "rest"

    # ---------------------------------------------------------------- what Rasa is given
    def _prepared(self, req: Request) -> Prepared:
        prepared = getattr(req.ctx, "sipguiden_message", None)
        if prepared is None:
            raw = req.json.get("message") if isinstance(req.json, dict) else None
            prepared = prepare(raw)
            req.ctx.sipguiden_message = prepared
        return prepared

    def _extract_message(self, req: Request) -> Optional[Text]:
        return self._prepared(req).text

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        metadata = super().get_metadata(request) if isinstance(request.json, dict) else None
        metadata = dict(metadata) if isinstance(metadata, dict) else {}
        metadata[METADATA_KEY] = list(self._prepared(request).kinds)
        return metadata

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = req.json.get("sender") if isinstance(req.json, dict) else None
        return sender if isinstance(sender, str) else None  # anything else was refused (``refusal``)

    def _extract_input_channel(self, req: Request) -> Text:
        channel = req.json.get("input_channel") if isinstance(req.json, dict) else None
        return channel if isinstance(channel, str) and channel else self.name()

    # ---------------------------------------------------------------- the action server
    @staticmethod
    def _health_url(request: Request) -> Optional[str]:
        agent = getattr(request.app.ctx, "agent", None)
        endpoint = getattr(agent, "action_endpoint", None)
        url = getattr(endpoint, "url", None)
        if not url:
            return None
        return re.sub(r"/webhook/?$", "", url.rstrip("/")) + "/health"

    async def _actions_reachable(self, request: Request) -> bool:
        url = self._health_url(request)
        if url is None:
            return True
        try:
            timeout = aiohttp.ClientTimeout(total=self.HEALTH_TIMEOUT)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.get(url) as answer:
                    return answer.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            return False

    def _mark_actions(self, up: bool) -> None:
        if up and self._actions_down_since is not None:
            logger.warning("Actionservern svarar igen efter %.0f s.", time.monotonic() - self._actions_down_since)
            self._actions_down_since = None
        elif not up and self._actions_down_since is None:
            logger.error("Actionservern svarar inte; användarna får ett meddelande om att tjänsten är otillgänglig.")
            self._actions_down_since = time.monotonic()

    # ---------------------------------------------------------------- one turn
    @staticmethod
    def _reply(sender_id: Optional[str], text: str) -> Dict[str, Any]:
        return {"recipient_id": sender_id or "default", "text": text}

    async def _handle(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> List[Dict[str, Any]]:
        sender_id = await self._extract_sender(request)
        prepared = self._prepared(request)
        if not prepared.text:
            return [self._reply(sender_id, EMPTY_REPLY)]
        notes = [self._reply(sender_id, TRUNCATED_NOTE.format(length=f"{prepared.length:,}".replace(",", " "),
                                                                limit=f"{MAX_CHARS:,}".replace(",", " ")))] \
            if prepared.truncated else []

        if self._actions_down_since is not None:
            up = await self._actions_reachable(request)
            self._mark_actions(up)
            if not up:  # the message is not handed to Rasa: nothing of the conversation changes
                return [self._reply(sender_id, UNAVAILABLE_REPLY)]

        collector = CollectingOutputChannel()
        problems: List[str] = []
        token = _TurnWatch.current.set(problems)
        failed = None
        try:
            metadata = await with_segments(request, prepared.text, self.get_metadata(request))
            await on_new_message(UserMessage(prepared.text, collector, sender_id, input_channel=self._extract_input_channel(request),
                                             metadata=metadata))
        except asyncio.CancelledError:
            failed = TIMEOUT_REPLY
            logger.error("Rasa svarade inte i tid (sender %s).", sender_id)
        except Exception as error:  # noqa: BLE001 - the user gets an answer, the details go to the log
            if store_failure(error):
                # Nothing of this turn was stored: the conversation stays as it was.
                logger.error("Samtalslagret eller låslagret svarar inte (%s); användaren ombeds försöka igen.", error)
                return notes + [self._reply(sender_id, UNAVAILABLE_REPLY)]
            failed = ERROR_REPLY
            logger.exception("Rasa kunde inte hantera meddelandet (sender %s).", sender_id)
        finally:
            _TurnWatch.current.reset(token)
        messages = list(collector.messages)

        if problems or not messages:
            up = await self._actions_reachable(request)
            self._mark_actions(up)
            if not up:
                return notes + messages + [self._reply(sender_id, UNAVAILABLE_REPLY)]
            if problems and not failed:
                failed = ERROR_REPLY
        if failed:
            messages.append(self._reply(sender_id, failed))
        elif not messages:  # e.g. "/session_start": Rasa ran nothing that speaks
            messages.append(self._reply(sender_id, NO_ANSWER_REPLY))
        if prepared.kinds and not any(REMINDER_MARK in str(m.get("text") or "") for m in messages):
            # the reply came from a plain response (e.g. "out of scope"): remind here
            notes.insert(0, self._reply(sender_id, REMINDER.format(kinds=", ".join(dict.fromkeys(prepared.kinds)))))
        return notes + messages

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        custom_webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @custom_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:  # noqa: ARG001
            return response.json({"status": "ok"})

        @custom_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Union[ResponseStream, HTTPResponse]:
            refused = refusal(request)
            if refused is not None:  # nothing reaches Rasa or the conversation store
                status, reason = refused
                return response.json([self._reply(None, reason)], status=status, ensure_ascii=False)
            text = self._extract_message(request)
            if text and rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                # Rasa's streaming answer, with the same cleaned and redacted text.
                return response.stream(
                    self.stream_response(on_new_message, text,
                                         await self._extract_sender(request), self._extract_input_channel(request),
                                         self.get_metadata(request)),
                    content_type="text/event-stream",
                )
            return response.json(await self._handle(request, on_new_message))

        return custom_webhook
