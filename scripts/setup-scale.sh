#!/usr/bin/env bash
# Set-up for the scaled set-up (`make run-scaled`, `make test-scale`, the scaled part of
# `make bench`): PostgreSQL, Redis and nginx from Debian's packages, installed when missing.
# They are not started as system services: scripts/scaled.py runs them as the project's own
# processes, on loopback, with their data under var/scale/ (or a test's folder).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

missing=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)

if [ ${#missing[@]} -eq 0 ]; then
    echo "PostgreSQL, Redis och nginx finns (the scaled set-up's servers are installed)."
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
    say "FEL: ${missing[*]} saknas. Installera Debians paket som root: apt-get install ${missing[*]}"
    exit 1
fi
say "Installerar ${missing[*]} från Debians paket (för den skalade uppsättningen)"
apt-cache show "${missing[@]}" >/dev/null 2>&1 || apt-get update -qq
# No service is started by the packages here: policy-rc.d refuses every start while we install.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
echo "Installerat: ${missing[*]}"
