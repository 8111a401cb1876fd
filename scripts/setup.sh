#!/usr/bin/env bash
# One idempotent set-up step shared by `make run`, `make test` and the rest:
#   1. a .venv with Python 3.10 (recreated if it is missing or has another Python),
#   2. the pinned dependencies of requirements.lock (reinstalled when the lock changes),
#   3. the Swedish spaCy pipeline (sv_core_news_sm if installed, else a local blank
#      Swedish pipeline with a lookup lemmatizer), built once,
#   4. Debian's Chromium for the web chat's browser test (installed when missing).
# Every step prints what it does; a step with nothing to do costs well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
LOCK=requirements.lock
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# --- 1. Python 3.10 virtual environment ------------------------------------
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; then
    PY310=$(scripts/find-python310.sh)
    say "Skapar virtuell miljö $VENV med $PY310 (creating venv)"
    rm -rf "$VENV"
    "$PY310" -m venv "$VENV"
fi

# --- 2. Pinned dependencies ---------------------------------------------------
want=$(sha256sum "$LOCK" | cut -d' ' -f1)
have=$(cat "$VENV/.lock-sha256" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
    say "Installerar låsta beroenden från $LOCK (installing pinned dependencies, about 2 minutes the first time)"
    "$VENV/bin/python" -m pip install --quiet --upgrade 'pip==24.3.1'
    # The lock file is complete (every transitive dependency pinned, with hashes), so no
    # resolver run is needed; `pip check` then proves the set is consistent.
    "$VENV/bin/python" -m pip install --progress-bar off --no-deps --require-hashes -r "$LOCK"
    "$VENV/bin/python" -m pip check
    echo "$want" > "$VENV/.lock-sha256"
else
    echo "Beroenden är installerade och aktuella (dependencies up to date)."
fi

# --- 3. Swedish spaCy pipeline -------------------------------------------------
"$VENV/bin/python" -m bot.nlp_pipeline prepare

# --- 4. Chromium for the browser test (tests/browser) -------------------------
# Playwright drives Debian's own Chromium; no browser is downloaded by Playwright.
if [ ! -x /usr/bin/chromium ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        say "Installerar Chromium från Debians paket (för webbchattens webbläsartest)"
        # A fresh machine may have no package lists yet.
        apt-cache show chromium >/dev/null 2>&1 || apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        say "OBS: /usr/bin/chromium saknas; webbchattens webbläsartest hoppas över (installera paketet chromium)"
    fi
fi
