"""Start the real servers (scripts/run.py, as `make run` does) on spare ports with a
conversation store of their own, and talk to them through the REST channel. Shared by the
integration tests."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from run import child_env, free_port, port_in_use  # noqa: E402,F401  (the launcher's server environment and ports, for tests that start servers themselves)
MODEL = ROOT / "models" / "sipguiden.tar.gz"
TOKEN = "integration-test-token-0123456789"
JWT_SECRET = "integration-test-jwt-secret-0123456789"


def request(url, data=None, method=None, timeout=30, headers=None):
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def jwt_for(username: str, role: str = "user") -> str:
    """A JWT as an identity provider would issue it for Rasa's API (HS256, JWT_SECRET)."""
    import jwt

    return jwt.encode({"user": {"username": username, "role": role}}, JWT_SECRET, algorithm="HS256")


class Bot:
    def __init__(self, tmp_path: Path, **env):
        self.port, self.actions_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            SIPGUIDEN_PORT=str(self.port),
            SIPGUIDEN_ACTIONS_PORT=str(self.actions_port),
            SIPGUIDEN_API_TOKEN=TOKEN,
            SIPGUIDEN_JWT_SECRET=JWT_SECRET,
            SIPGUIDEN_SQLITE_PATH=str(tmp_path / "tracker.db"),
        )
        self.env.update(env)
        for name in [k for k, v in self.env.items() if v is None]:
            del self.env[name]
        self.log = tmp_path / "run.log"
        self.process = None

    def start(self):
        assert MODEL.exists(), "no trained model: run `make train` (make test does it first)"
        self.handle = self.log.open("a")
        offset = self.log.stat().st_size
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "run.py")], cwd=ROOT, env=self.env,
            stdout=self.handle, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"run.py exited early:\n{self.log.read_text()[-3000:]}"
            if "SIP-guiden är igång" in self.log.read_bytes()[offset:].decode("utf-8", "replace"):
                return
            time.sleep(1)
        raise AssertionError(f"not ready in 240 s:\n{self.log.read_text()[-3000:]}")

    def stop(self, sig=signal.SIGINT) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout=60)
        self.handle.close()
        return code

    def say(self, sender, text, channel="rest"):
        """One message through a channel's webhook (rest, or webchat with its own answer shape)."""
        status, body = request(f"{self.base}/webhooks/{channel}/webhook", {"sender": sender, "message": text})
        assert status == 200, body
        return json.loads(body)


def port_is_free(port):
    return not port_in_use("127.0.0.1", port)


@contextlib.contextmanager
def running(tmp_path: Path, **env):
    """The servers, started in ``tmp_path`` and stopped afterwards (for module fixtures);
    ``env`` overrides the environment (a value of None removes the variable)."""
    bot = Bot(tmp_path, **env)
    bot.start()
    try:
        yield bot
    finally:
        if bot.process.poll() is None:
            bot.stop()
