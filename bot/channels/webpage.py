"""The web chat page's files and the headers they are served with — one list for the Rasa
server (bot/channels/webchat.py) and for nginx in the scaled set-up (scripts/scaled.py).
Pure Python: no Rasa import."""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent.parent / "webchat"
# Only these files are served (no paths from the request reach the file system).
STATIC_FILES = {
    "index.html": "text/html; charset=utf-8",
    "chat.js": "text/javascript; charset=utf-8",
    "chat.css": "text/css; charset=utf-8",
    "integritet.html": "text/html; charset=utf-8",
}

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
