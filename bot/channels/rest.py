"""Rasa's REST channel with personal data removed before anything else sees the message.

The text a user sends is redacted here (bot/privacy.py) — before Rasa parses it, stores it
in the tracker store or logs it — and the kinds removed are passed on in the message
metadata (``sipguiden_redacted``) so the bot can remind the user not to share personal
data. The webhook stays at /webhooks/rest/webhook.

Configured in credentials.yml as ``bot.channels.rest.RedactingRestInput:``.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.request import Request

from bot.privacy import redact

METADATA_KEY = "sipguiden_redacted"


class RedactingRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _extract_message(self, req: Request) -> Optional[Text]:
        text = super()._extract_message(req)
        return redact(text).text if isinstance(text, str) else text

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        metadata = super().get_metadata(request)
        metadata = dict(metadata) if isinstance(metadata, dict) else {}
        text = request.json.get("message") if isinstance(request.json, dict) else None
        metadata[METADATA_KEY] = list(redact(text).kinds) if isinstance(text, str) else []
        return metadata
