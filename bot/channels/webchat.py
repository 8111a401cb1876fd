"""The web chat page, served by the Rasa server itself (same origin, no extra server).

    GET  /webhooks/webchat/             the chat page (bot/webchat/index.html)
    GET  /webhooks/webchat/chat.js …    its script and style sheet (a fixed list of files)
    POST /webhooks/webchat/webhook      {"sender": "webchat-<32 hex>", "message": "…"}

The webhook is the REST channel (``RedactingRestInput``, bot/channels/rest.py): the same
turn, so the text is cleaned and personal data removed before Rasa parses, stores or logs
it, and every message gets a Swedish answer. Unlike the plain REST channel it answers
``{"user": {"text": <what Rasa was given>, "redacted": [kinds]}, "messages": [...]}`` so
the page shows (and keeps in the browser) what the bot received, never the personal data
itself. Metadata the page might send is not stored; the input channel is always "webchat". Only sender ids of the page's own shape are accepted, so the page can only
ever write to web chat conversations, and it reads nothing but the answers to its own
messages (no tracker API).

Configured in credentials.yml as ``bot.channels.webchat.WebChatInput:``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.rest import METADATA_KEY, RedactingRestInput

STATIC_DIR = Path(__file__).resolve().parent.parent / "webchat"
# Only these files are served (no paths from the request reach the file system).
STATIC_FILES = {
    "index.html": "text/html; charset=utf-8",
    "chat.js": "text/javascript; charset=utf-8",
    "chat.css": "text/css; charset=utf-8",
    "integritet.html": "text/html; charset=utf-8",
}
SENDER = re.compile(r"^webchat-[0-9a-f]{32}$")

# The page loads nothing from elsewhere and runs no inline script: even if bot or user text
# ever reached the DOM as HTML, the browser would not run it.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def _error(message: str, status: int) -> HTTPResponse:
    return response.json({"error": message}, status=status, headers={"Cache-Control": "no-store"})


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
            if name not in STATIC_FILES:
                return _error("not found", 404)
            return await static(name)

        @webchat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else None
            if body is None:
                return _error("JSON-objekt med sender och message väntades.", 400)
            sender = body.get("sender")
            if not isinstance(sender, str) or not SENDER.match(sender):
                return _error("Ogiltigt sender-id.", 400)
            messages = await self._handle(request, on_new_message)  # the REST channel's turn
            user = {"text": self._extract_message(request) or "",
                    "redacted": self.get_metadata(request)[METADATA_KEY]}
            return response.json({"user": user, "messages": messages}, headers={"Cache-Control": "no-store"})

        return webchat
