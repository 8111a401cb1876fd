"""`make run-scaled` itself (scripts/scaled.py run): what it prints, that it restarts a server
that died, and that Ctrl-C stops every process it started. One replica, in a folder and on
ports of its own (SIPGUIDEN_SCALE_DIR and the port variables)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conftest import ROOT, UNAVAILABLE, request, texts
from run import free_port, port_in_use


def processes_mentioning(text):
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def wait_for(check, what, log, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} within {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


def say(front, sender, message):
    status, body, _ = request(f"{front}/webhooks/rest/webhook", {"sender": sender, "message": message})
    assert status == 200, body
    return texts(json.loads(body))


def test_run_scaled_prints_restarts_a_dead_replica_and_ctrl_c_stops_everything():
    base = Path(tempfile.mkdtemp(prefix="sipguiden-run-scaled-"))
    os.chmod(base, 0o755)
    ports = {name: str(free_port()) for name in ("SIPGUIDEN_PORT", "SIPGUIDEN_ACTIONS_PORT", "SIPGUIDEN_REPLICA_PORT",
                                                  "SIPGUIDEN_SCALE_DB_PORT", "SIPGUIDEN_SCALE_REDIS_PORT")}
    env = {k: v for k, v in os.environ.items() if k not in ("SIPGUIDEN_API_TOKEN", "SIPGUIDEN_JWT_SECRET")}
    env.update(ports, SIPGUIDEN_SCALE_DIR=str(base), SIPGUIDEN_REPLICAS="1", PYTHONPATH=str(ROOT))
    log = base / "run-scaled.log"
    front = f"http://127.0.0.1:{ports['SIPGUIDEN_PORT']}"
    with log.open("w") as handle:
        process = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "scaled.py"), "run"], cwd=ROOT, env=env,
                                   stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: "SIP-guiden är igång" in log.read_text(errors="replace"), "the banner", log)
        banner = log.read_text(errors="replace")
        assert "Repliker:             1 st bakom nginx" in banner
        assert "Rasas HTTP-API:       av – sätt SIPGUIDEN_API_TOKEN" in banner
        assert f"PostgreSQL 127.0.0.1:{ports['SIPGUIDEN_SCALE_DB_PORT']}/sipguiden" in banner
        assert "make shell" not in banner  # the terminal chat is not part of the scaled set-up
        assert "Skåne" in say(front, "run-scaled-1", "Lund")
        # No API without a secret, through nginx either.
        status, body, _ = request(f"{front}/conversations/run-scaled-1/tracker")
        assert status in (401, 403, 404) and "skane" not in body

        # The only replica dies: users are told in Swedish, and it is started again.
        replica = processes_mentioning(f"--port\0{ports['SIPGUIDEN_REPLICA_PORT']}\0")
        assert replica, "the replica's process"
        for pid in replica:
            os.kill(pid, signal.SIGKILL)
        assert UNAVAILABLE in say(front, "run-scaled-2", "hej")
        wait_for(lambda: "rasa-1 avslutades" in log.read_text(errors="replace"), "the restart notice", log)
        wait_for(lambda: "Jag utgår från Skåne" in say(front, "run-scaled-1", "hej"), "the replica back", log)
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        code = process.wait(timeout=120)
    assert code == 0
    assert "Stoppad." in log.read_text(errors="replace")
    time.sleep(1)
    assert processes_mentioning(str(base)) == [], "a process of the set-up outlived Ctrl-C"
    for name, port in ports.items():
        assert not port_in_use("127.0.0.1", int(port)), f"{name} ({port}) still listening"
    shutil.rmtree(base, ignore_errors=True)
