"""`rasa run` with the HTTP API's secrets taken from the environment, never the command line.

    python scripts/rasa_serve.py --model … --endpoints … --port …   (any `rasa run` options)

Rasa reads its API token and JWT secret only from command-line options, and a process's
command line can be read by every user of the machine (`ps`, /proc/<pid>/cmdline). This
wrapper reads them from the environment and hands them to Rasa inside the process instead:

- ``SIPGUIDEN_API_TOKEN``  → ``--enable-api --auth-token …``
- ``SIPGUIDEN_JWT_SECRET`` → ``--enable-api --jwt-secret … --jwt-method HS256`` (tokens whose
  ``user.role`` is ``user`` may only read and write the conversation named ``user.username``;
  ``admin`` may read all)

With neither set, the HTTP API is not enabled at all: only the channels' webhooks are served.
Both variables are removed from the environment before Rasa starts, so nothing Rasa starts
or logs can see them. Used by scripts/run.py (`make run`) and scripts/scaled.py.
"""

from __future__ import annotations

import os
import sys
from typing import List, Mapping, MutableMapping

TOKEN_VARIABLE = "SIPGUIDEN_API_TOKEN"
JWT_VARIABLE = "SIPGUIDEN_JWT_SECRET"
MIN_SECRET_LENGTH = 16


def api_arguments(env: Mapping[str, str]) -> List[str]:
    """The `rasa run` options that enable the HTTP API, or none when no secret is set."""
    token = env.get(TOKEN_VARIABLE, "").strip()
    jwt_secret = env.get(JWT_VARIABLE, "").strip()
    for name, value in ((TOKEN_VARIABLE, token), (JWT_VARIABLE, jwt_secret)):
        if value and len(value) < MIN_SECRET_LENGTH:
            raise SystemExit(f"{name} är för kort: använd minst {MIN_SECRET_LENGTH} tecken.")
    arguments: List[str] = []
    if token or jwt_secret:
        arguments.append("--enable-api")
    if token:
        arguments += ["--auth-token", token]
    if jwt_secret:
        arguments += ["--jwt-secret", jwt_secret, "--jwt-method", "HS256"]
    return arguments


def main(argv: List[str], env: MutableMapping[str, str] = os.environ) -> None:
    if any(a.startswith(("--enable-api", "--auth-token", "--jwt-secret")) for a in argv):
        raise SystemExit("Ange API:ets hemligheter i SIPGUIDEN_API_TOKEN / SIPGUIDEN_JWT_SECRET, inte som flaggor.")
    arguments = api_arguments(env)
    for name in (TOKEN_VARIABLE, JWT_VARIABLE):
        env.pop(name, None)
    sys.argv = ["rasa", "run", *argv, *arguments]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main(sys.argv[1:])
