"""The scaled set-up (scripts/scaled.py), started once for tests/scale: PostgreSQL, Redis, the
action server, two Rasa replicas and nginx, in a folder and on ports of their own. Run by
`make test-scale` (after `make test` in CI)."""

import json
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from scaled import Cluster, Ports  # noqa: E402

TOKEN = "scale-test-token-0123456789abcdef"
JWT_SECRET = "scale-test-jwt-secret-0123456789abcdef"
UNAVAILABLE = "Tjänsten är tillfälligt otillgänglig"


def request(url, data=None, method=None, timeout=150, headers=None):
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def texts(replies):
    return " ".join(r.get("text") or "" for r in replies)


class Client:
    """Talks to the cluster: through nginx (``front``) or straight to one replica."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster

    def base(self, replica=None):
        return self.cluster.front_url if replica is None else self.cluster.replica_url(replica)

    def say(self, sender, text, replica=None):
        status, body, _ = request(f"{self.base(replica)}/webhooks/rest/webhook", {"sender": sender, "message": text})
        assert status == 200, body
        return json.loads(body)

    def tracker(self, sender, replica=None):
        status, body, _ = request(f"{self.base(replica)}/conversations/{sender}/tracker?token={TOKEN}")
        assert status == 200, body
        return json.loads(body)


@pytest.fixture(scope="session")
def cluster():
    base = Path(tempfile.mkdtemp(prefix="sipguiden-scale-"))
    os.chmod(base, 0o755)
    env = dict(os.environ, SIPGUIDEN_API_TOKEN=TOKEN, SIPGUIDEN_JWT_SECRET=JWT_SECRET)
    cluster = Cluster(base=base, replicas=2, ports=Ports.free(2), env=env, logs=True)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        if os.environ.get("SIPGUIDEN_KEEP_SCALE_LOGS"):
            print(f"logs kept in {base}/logs")
        else:
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def client(cluster):
    return Client(cluster)


@pytest.fixture(scope="session")
def postgres_url(cluster):
    """An empty database of its own on the cluster's PostgreSQL (for the lifecycle tests)."""
    from psycopg2 import sql
    from sqlalchemy.engine import URL, make_url

    connection = cluster._superuser()
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier("lifecycle_test")))
        cursor.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier("lifecycle_test"),
                                                                    sql.Identifier(cluster.DB_USER)))
    connection.close()
    url = make_url(cluster.db_url())
    return URL.create(url.drivername, username=url.username, password=url.password, host=url.host, port=url.port,
                      database="lifecycle_test").render_as_string(hide_password=False)
