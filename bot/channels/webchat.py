"""The web chat page, served by the Rasa server itself (same origin, no extra server).

    GET  /webhooks/webchat/             the chat page (bot/webchat/index.html)
    GET  /webhooks/webchat/chat.js …    its script and style sheet (the fixed list of files and
                                        the headers are in bot/channels/webpage.py)
    POST /webhooks/webchat/webhook      {"sender": "webchat-<32 hex>", "message": "…"}
    POST /webhooks/webchat/forget       {"sender": "webchat-<32 hex>"}: erase the conversation
    POST /webhooks/webchat/export       {"sender": "webchat-<32 hex>"}: download the conversation
    GET  /webhooks/webchat/kallelse.docx?sender=webchat-<32 hex>   the conversation's kallelse
    GET  /webhooks/webchat/kalender.ics?sender=…    the dates the bot last computed (deadlines check)
    GET  /webhooks/webchat/planen.docx?sender=…     the plan checklist for the conversation's region
                                        (all three built from the conversation's slots on each
                                        request, nothing on disk; bot/tools_dialogue.py)
    POST /webhooks/webchat/feedback     {"sender": "webchat-<32 hex>", "rules": [rule ids of the
                                        rated message], "rating": "up"|"down", "reason": …}:
                                        "Hjälpte svaret?" (bot/feedback.py; stored without the
                                        sender id or any text, in its own table)

The webhook is the REST channel (``RedactingRestInput``, bot/channels/rest.py): the same
turn, so the text is cleaned and personal data removed before Rasa parses, stores or logs
it, and every message gets a Swedish answer. Unlike the plain REST channel it answers
``{"user": {"text": <what Rasa was given>, "redacted": [kinds]}, "messages": [...]}`` so
the page shows (and keeps in the browser) what the bot received, never the personal data
itself. Metadata the page might send is not stored; the input channel is always "webchat".
Only sender ids of the page's own shape are accepted, on every route, so the page can only
ever write to, erase or read web chat conversations (never a REST or Teams conversation),
and only the one whose random id it holds: the id is the key to the conversation. It never
uses Rasa's token-protected tracker API.

Erasure and export (the data lifecycle, bot/lifecycle.py, on the agent's own SQL tracker
store; any other store answers 503):

- ``/forget`` deletes every event of the conversation from the tracker store, while holding
  the conversation's lock in the agent's lock store, so a turn in flight cannot save it
  again; the blocking SQL runs in a thread. It answers ``{"forgotten": true, "events": n,
  "message": "<Swedish confirmation>"}``; the page then starts a new conversation (a new
  sender id) and clears its copy in the browser. If the store cannot be reached, or the lock
  not taken, it answers HTTP 503 with a Swedish ``{"error": …}`` and nothing is changed.
- ``/export`` answers bot.lifecycle.export for the sender (the stored events and the
  conversation as text) as an attachment, sipguiden-samtal.json.
- Typed in the web chat, "radera min konversation" (and a few variants, see ``ASK_FORGET``;
  case, extra spaces and trailing punctuation do not matter) is not handed to Rasa, so it is
  not stored: the webhook answers with a question and two buttons. Their payloads are
  handled here too, never by Rasa: ``/sipguiden_forget_confirm`` erases as ``/forget`` does
  and the answer carries ``"forgotten": true`` (the page reacts as to ``/forget``);
  ``/sipguiden_forget_cancel`` answers "Samtalet är kvar." Neither is stored. So the erasure
  works from the chat itself, also for a client of the webhook that is not the page.

Configured in credentials.yml as ``bot.channels.webchat.WebChatInput:``.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Union

from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import LockError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import feedback, lifecycle, tools_dialogue
from bot.knowledge import knowledge
from bot.tracker_store import forget_checkpoint, session_tracker
from bot.channels.rest import METADATA_KEY, RedactingRestInput
from bot.channels.webpage import SECURITY_HEADERS, STATIC_DIR, STATIC_FILES

logger = logging.getLogger(__name__)

SENDER = re.compile(r"webchat-[0-9a-f]{32}")  # the whole id (fullmatch: no trailing newline)
NO_STORE = {"Cache-Control": "no-store"}
EXPORT_FILENAME = "sipguiden-samtal.json"

# What typed in the web chat asks to erase the conversation (compared after ``normalized``).
ASK_FORGET = frozenset({
    "radera min konversation", "radera mitt samtal", "radera min chatt",
    "ta bort min konversation", "ta bort mitt samtal",
})
FORGET_CONFIRM = "/sipguiden_forget_confirm"
FORGET_CANCEL = "/sipguiden_forget_cancel"

FORGET_QUESTION = ("Vill du radera hela samtalet? Allt som finns sparat om samtalet tas bort, också till "
                   "exempel vald region. Det går inte att ångra.")
FORGET_BUTTONS = [{"title": "Ja, radera samtalet", "payload": FORGET_CONFIRM},
                  {"title": "Nej, behåll det", "payload": FORGET_CANCEL}]
FORGOTTEN = ("Samtalet är raderat. Det som fanns sparat om samtalet är borttaget. "
             "Nu börjar ett nytt samtal.")
KEPT = "Samtalet är kvar. Du kan fortsätta att ställa frågor."

BAD_BODY = "Skicka ett JSON-objekt med sender (och message till webhooken)."
BAD_SENDER = "Ogiltigt sender-id."
NOT_FOUND = "Sidan finns inte."
NOT_SQL = ("Den här installationen av SIP-guiden kan inte radera eller hämta samtal, eftersom samtalen "
           "inte sparas i en SQL-databas. Kontakta den som driver tjänsten.")
FORGET_DOWN = ("Det gick inte att radera samtalet just nu, eftersom databasen inte svarar. "
               "Ingenting har raderats. Försök igen om en stund.")
FORGET_LOCK = "Det gick inte att radera samtalet just nu. Ingenting har raderats. Försök igen om en stund."
EXPORT_DOWN = ("Det gick inte att hämta dina uppgifter just nu, eftersom databasen inte svarar. "
               "Försök igen om en stund.")

_TRAILING = re.compile(r"[\s.!?…,;:]+$")
_SPACE = re.compile(r"\s+")


def normalized(text: str) -> str:
    """``text`` compared case-insensitively, without extra spaces or trailing punctuation."""
    return _SPACE.sub(" ", _TRAILING.sub("", text.casefold())).strip()


def forget_command(text: str) -> Optional[str]:
    """"ask", "confirm" or "cancel" for a message about erasing the conversation, else None."""
    stripped = text.strip()
    if stripped == FORGET_CONFIRM:
        return "confirm"
    if stripped == FORGET_CANCEL:
        return "cancel"
    return "ask" if normalized(stripped) in ASK_FORGET else None


class Unavailable(Exception):
    """The conversation cannot be erased or read now; ``args[0]`` is the Swedish reason."""


def sql_engine(agent: Any) -> Any:
    """The SQLAlchemy engine of the agent's tracker store (Rasa wraps it in a
    FailSafeTrackerStore), or None when the store is not SQL."""
    store = getattr(agent, "tracker_store", None)
    for _ in range(4):
        if store is None:
            return None
        engine = getattr(store, "engine", None)
        if engine is not None:
            return engine
        store = getattr(store, "_tracker_store", None)
    return None


def _agent_engine(agent: Any) -> Any:
    engine = sql_engine(agent)
    if engine is None:
        raise Unavailable(NOT_SQL)
    return engine


async def forget_conversation(agent: Any, sender_id: str) -> int:
    """Erases every stored event of the conversation, holding its lock; the number deleted."""
    engine = _agent_engine(agent)
    deleted: Optional[int] = None
    try:
        async with agent.lock_store.lock(sender_id):
            deleted = await asyncio.to_thread(lifecycle.forget, engine, sender_id)
            forget_checkpoint(agent.tracker_store, sender_id)  # the slots this process remembers go too
            # A copy Rasa kept in memory while the SQL store was failing goes too.
            fallback = getattr(agent.tracker_store, "_fallback_tracker_store", None)
            if isinstance(getattr(fallback, "store", None), dict):
                fallback.store.pop(sender_id, None)
    except Exception as error:  # noqa: BLE001 - the user is told; the details go to the log
        if deleted is None:
            if isinstance(error, LockError):  # the lock store (Redis) did not answer, or the lock expired
                logger.error("Kunde inte låsa samtalet för radering (%s).", type(error).__name__)
                raise Unavailable(FORGET_LOCK) from None
            logger.exception("Kunde inte radera ett samtal ur tracker store.")
            raise Unavailable(FORGET_DOWN) from None
        # Erased; only giving the lock back failed (it expires by itself).
        logger.warning("Samtalet raderades, men låset kunde inte lämnas tillbaka (%s).", type(error).__name__)
    logger.info("Ett webbchattsamtal raderades på användarens begäran (%d händelser).", deleted)
    return deleted


async def export_conversation(agent: Any, sender_id: str) -> Dict[str, Any]:
    engine = _agent_engine(agent)
    try:
        return await asyncio.to_thread(lifecycle.export, engine, sender_id)
    except Exception:  # noqa: BLE001
        logger.exception("Kunde inte hämta ett samtal ur tracker store.")
        raise Unavailable(EXPORT_DOWN) from None


DOWNLOAD_DOWN = "Det gick inte att hämta filen just nu, eftersom databasen inte svarar. Försök igen om en stund."


async def download_for(agent: Any, sender_id: str, name: str) -> Optional[bytes]:
    """The download ``name`` built from the conversation's slots (bot.tools_dialogue.download);
    None when the conversation does not exist or has nothing to build it from."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        raise Unavailable(DOWNLOAD_DOWN)
    try:
        tracker = await store.retrieve(sender_id)
    except Exception:  # noqa: BLE001
        logger.exception("Kunde inte hämta ett samtal ur tracker store.")
        raise Unavailable(DOWNLOAD_DOWN) from None
    if tracker is None or not tracker.events:
        return None
    slots = {name_: tracker.get_slot(name_) for name_ in ("region", "kallelse", "deadlines")}
    return await asyncio.to_thread(tools_dialogue.download, knowledge(), name, slots, datetime.date.today())


FEEDBACK_NOT_SQL = ("Den här installationen av SIP-guiden kan inte spara omdömen, eftersom samtalen inte "
                    "sparas i en SQL-databas.")


RATED = feedback.Ratings()  # one rating per message the bot sent (this process's memory only)


async def record_feedback(agent: Any, sender_id: str, body: Dict[str, Any]) -> None:
    """Stores the rating ``body`` gives a message of the conversation ``sender_id``: the message
    must be one the bot sent in this conversation with ``feedback: true`` (bot.feedback
    .from_conversation), its region is the message's, the audience the conversation's slot.
    Nothing of the conversation is stored with it; each message the bot sent can be rated once
    (``RATED``). feedback.Invalid (400/404/409) or Unavailable (503)."""
    store = getattr(agent, "tracker_store", None)
    engine = sql_engine(agent)
    if store is None or engine is None:
        raise Unavailable(FEEDBACK_NOT_SQL)
    try:
        # Every answer of the session can be rated, also those before the store's window.
        tracker = await session_tracker(store, sender_id)
    except Exception:  # noqa: BLE001
        logger.exception("Kunde inte hämta ett samtal ur tracker store.")
        raise Unavailable(feedback.DOWN) from None
    if tracker is None or not tracker.events:
        raise feedback.Invalid(feedback.NOT_RATED)
    rating = feedback.from_conversation(tracker.events, tracker.get_slot("audience"), body)
    allowed = feedback.rateable(feedback.bot_payloads(tracker.events), rating.rules)
    if not RATED.take(sender_id, rating.rules, allowed):
        raise feedback.Invalid(feedback.ALREADY)
    try:
        await asyncio.to_thread(feedback.record, engine, rating)
    except Exception:  # noqa: BLE001
        RATED.give_back(sender_id, rating.rules)
        logger.exception("Kunde inte spara ett omdöme.")
        raise Unavailable(feedback.DOWN) from None


def _error(message: str, status: int) -> HTTPResponse:
    return response.json({"error": message}, status=status, headers=dict(NO_STORE), ensure_ascii=False)


def _sender(request: Request) -> Union[str, HTTPResponse]:
    """The request's web chat sender id, or the 400 answer."""
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic's "not JSON" error is in English and not JSON
        body = None
    if not isinstance(body, dict):
        return _error(BAD_BODY, 400)
    sender = body.get("sender")
    if not isinstance(sender, str) or not SENDER.fullmatch(sender):
        return _error(BAD_SENDER, 400)
    return sender


class WebChatInput(RedactingRestInput):
    @classmethod
    def name(cls) -> Text:
        return "webchat"

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        metadata = super().get_metadata(request) or {}
        return {METADATA_KEY: list(metadata.get(METADATA_KEY, []))}

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webchat = Blueprint("sipguiden_webchat", __name__)

        async def static(name: str) -> HTTPResponse:
            return await response.file(
                STATIC_DIR / name, mime_type=STATIC_FILES[name], headers=dict(SECURITY_HEADERS)
            )

        # Sanic routes /webhooks/webchat to "/" and /webhooks/webchat/ to "/<name>" with an
        # empty name; the page's relative links need the trailing slash.
        @webchat.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            if not request.path.endswith("/"):
                return response.redirect(request.path + "/")
            return await static("index.html")

        @webchat.route("/<name:str>", methods=["GET"])
        async def asset(request: Request, name: str) -> HTTPResponse:
            name = name or "index.html"
            if name in tools_dialogue.FILES:  # kallelse.docx, kalender.ics, planen.docx
                return await own_download(request, name)
            if name not in STATIC_FILES:
                return _error(NOT_FOUND, 404)
            return await static(name)

        async def own_download(request: Request, name: str) -> HTTPResponse:
            """GET <file>?sender=webchat-…: the file built on each request from the slots of the
            page's own conversation (nothing on disk); any other id is refused."""
            sender = request.args.get("sender")
            if not isinstance(sender, str) or not SENDER.fullmatch(sender):
                return _error(BAD_SENDER, 400)
            try:
                data = await download_for(getattr(request.app.ctx, "agent", None), sender, name)
            except Unavailable as problem:
                return _error(problem.args[0], 503)
            if data is None:
                return _error(tools_dialogue.NOTHING[name], 404)
            content_type, filename = tools_dialogue.FILES[name]
            headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{filename}"',
                       "X-Content-Type-Options": "nosniff"}
            return response.raw(data, content_type=content_type, headers=headers)

        @webchat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender = _sender(request)
            if isinstance(sender, HTTPResponse):
                return sender
            user = {"text": self._extract_message(request) or "",
                    "redacted": self.get_metadata(request)[METADATA_KEY]}
            answer: Dict[str, Any] = {"user": user}
            command = forget_command(user["text"])
            if command == "ask":  # not handed to Rasa: nothing stored
                answer["messages"] = [dict(self._reply(sender, FORGET_QUESTION),
                                           buttons=[dict(b) for b in FORGET_BUTTONS])]
            elif command == "cancel":
                answer["messages"] = [self._reply(sender, KEPT)]
            elif command == "confirm":
                try:
                    deleted = await forget_conversation(getattr(request.app.ctx, "agent", None), sender)
                except Unavailable as problem:
                    return _error(problem.args[0], 503)
                answer.update(messages=[self._reply(sender, FORGOTTEN)], forgotten=True, events=deleted)
            else:
                answer["messages"] = await self._handle(request, on_new_message)  # the REST channel's turn
            return response.json(answer, headers=dict(NO_STORE))

        async def on_own_conversation(request: Request, work, answer) -> HTTPResponse:
            """``work(agent, sender)`` for the page's own conversation, then ``answer(result)``;
            a bad sender is 400 and an unreachable store 503, both in Swedish."""
            sender = _sender(request)
            if isinstance(sender, HTTPResponse):
                return sender
            try:
                result = await work(getattr(request.app.ctx, "agent", None), sender)
            except Unavailable as problem:
                return _error(problem.args[0], 503)
            return answer(result)

        @webchat.route("/feedback", methods=["POST"])
        async def rate(request: Request) -> HTTPResponse:
            sender = _sender(request)
            if isinstance(sender, HTTPResponse):
                return sender
            try:
                await record_feedback(getattr(request.app.ctx, "agent", None), sender, request.json)
            except feedback.Invalid as problem:
                status = {feedback.NOT_RATED: 404, feedback.ALREADY: 409}.get(problem.args[0], 400)
                return _error(problem.args[0], status)
            except Unavailable as problem:
                return _error(problem.args[0], 503)
            thanks = feedback.THANKS_DOWN if request.json.get("rating") == "down" else feedback.THANKS
            return response.json({"saved": True, "message": thanks}, headers=dict(NO_STORE), ensure_ascii=False)

        @webchat.route("/forget", methods=["POST"])
        async def forget(request: Request) -> HTTPResponse:
            return await on_own_conversation(request, forget_conversation, lambda deleted: response.json(
                {"forgotten": True, "events": deleted, "message": FORGOTTEN}, headers=dict(NO_STORE), ensure_ascii=False))

        @webchat.route("/export", methods=["POST"])
        async def export(request: Request) -> HTTPResponse:
            headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{EXPORT_FILENAME}"'}
            return await on_own_conversation(request, export_conversation, lambda data: response.json(
                data, headers=headers, dumps=json.dumps, ensure_ascii=False, indent=2, default=str))

        return webchat
