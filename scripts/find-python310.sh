#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter, or explains how to get one.
#
# Rasa Open Source 3.6 supports Python 3.8-3.10 only. Order of search:
#   1. $PYTHON310 if set,
#   2. python3.10 on PATH (a pyenv shim only counts if it really runs),
#   3. $(pyenv root)/versions/3.10.*/bin/python3.10 (newest first),
#   4. the usual system locations.
set -u

works() {
    "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1
}

report() {
    # Print the real interpreter, not a shim, so the venv does not depend on PYENV_VERSION.
    "$1" -c 'import sys; print(getattr(sys, "_base_executable", None) or sys.executable)'
    exit 0
}

if [ -n "${PYTHON310:-}" ] && works "$PYTHON310"; then report "$PYTHON310"; fi

if command -v python3.10 >/dev/null 2>&1 && works python3.10; then report python3.10; fi

roots=()
if command -v pyenv >/dev/null 2>&1; then roots+=("$(pyenv root 2>/dev/null)"); fi
roots+=("${PYENV_ROOT:-$HOME/.pyenv}")
for root in "${roots[@]}"; do
    [ -d "$root/versions" ] || continue
    for candidate in $(ls -d "$root"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -rV); do
        if works "$candidate"; then report "$candidate"; fi
    done
done

for candidate in /usr/local/bin/python3.10 /usr/bin/python3.10 /opt/python3.10/bin/python3.10; do
    if [ -x "$candidate" ] && works "$candidate"; then report "$candidate"; fi
done

# printf is a shell builtin: the message shows even with a broken PATH.
printf '%s\n' \
    "FEL: Hittade ingen Python 3.10. SIP-guiden bygger på Rasa 3.6, som kräver Python 3.10." \
    "     Installera den till exempel med pyenv:  pyenv install 3.10.13" \
    "     eller med Debian/Ubuntu:                apt-get install python3.10 python3.10-venv" \
    "     eller peka ut den:                      make run PYTHON310=/sökväg/till/python3.10" \
    "ERROR: No Python 3.10 interpreter found. Rasa 3.6 requires Python 3.10." \
    "     Install it (e.g. \`pyenv install 3.10.13\`) or set PYTHON310=/path/to/python3.10." >&2
exit 1
