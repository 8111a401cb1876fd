"""Rasa's reading of each sentence of a message with several, for bot.understand.

Rasa classifies a message as one intent. "Jag är mamma i Malmö. Skolan vill ha SIP. Vad
händer nu?" is three sentences; the whole reads as "I name a place", and the question would
be lost. The channels therefore parse each sentence of a message with two to six sentences
through the same NLU pipeline (the agent's own ``parse_message``, nothing stored) and pass
the results on as message metadata (``sipguiden_segments``: text, intent, confidence), which
the actions hand to bot.understand as a second opinion. A one-sentence message costs nothing.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from bot.understand import sentences

logger = logging.getLogger(__name__)
KEY = "sipguiden_segments"
MAX_SENTENCES = 6


async def segment_parses(agent: Any, text: str) -> List[Dict[str, Any]]:
    parts = sentences(text)
    if agent is None or not 2 <= len(parts) <= MAX_SENTENCES:
        return []
    out = []
    for part in parts:
        try:
            parsed = await agent.parse_message(part)
        except Exception:  # noqa: BLE001 - a second opinion only; the message itself goes on
            logger.warning("Kunde inte tolka en mening för sig; meddelandet hanteras som helhet.")
            return []
        intent = parsed.get("intent") or {}
        out.append({"text": part, "intent": intent.get("name"), "confidence": round(float(intent.get("confidence") or 0), 3)})
    return out


async def with_segments(request: Any, text: str, metadata: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The message's metadata with the sentences' parses added (when there are several)."""
    agent = getattr(getattr(getattr(request, "app", None), "ctx", None), "agent", None)
    segments = await segment_parses(agent, text)
    if not segments:
        return metadata
    return {**(metadata or {}), KEY: segments}
