"""Erasure and export on the scaled set-up's PostgreSQL, the way an administrator does it
(`make forget|export|purge SCALED=1`, scripts/lifecycle.py), while the replicas are running."""

import json
import subprocess
import sys

from sqlalchemy import create_engine, text

from conftest import ROOT, request, texts
from bot.settings import read_env_file


def lifecycle(cluster, *arguments):
    env = {**read_env_file(cluster.base / "env"), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "lifecycle.py"), *arguments], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def rows(cluster, sender):
    engine = create_engine(cluster.db_url())
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT id, sender_id, type_name, timestamp, data FROM events "
                                           "WHERE sender_id = :s ORDER BY id"), {"s": sender}).fetchall()
    finally:
        engine.dispose()


def test_export_then_forget_one_conversation_leaves_every_other_row(client, cluster):
    client.say("lifecycle-anna", "Lund", replica=0)
    client.say("lifecycle-anna", "behövs samtycke?", replica=1)
    client.say("lifecycle-bo", "Varberg")
    other_before = rows(cluster, "lifecycle-bo")
    assert other_before and rows(cluster, "lifecycle-anna")

    exported = lifecycle(cluster, "export", "lifecycle-anna")
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    assert data["store"] == "postgresql" and data["sender_id"] == "lifecycle-anna"
    said = [line["text"] for line in data["conversation"] if line["from"] == "user"]
    assert said == ["Lund", "behövs samtycke?"]
    assert "Varberg" not in exported.stdout

    forgotten = lifecycle(cluster, "forget", "lifecycle-anna")
    assert forgotten.returncode == 0, forgotten.stderr
    assert rows(cluster, "lifecycle-anna") == []
    assert rows(cluster, "lifecycle-bo") == other_before  # byte for byte
    # Both replicas now see a new conversation: the region is gone.
    for replica in (0, 1):
        assert "Vilken kommun eller region" in texts(client.say("lifecycle-anna", "hej", replica=replica))
    assert client.tracker("lifecycle-anna")["slots"]["region"] is None
    assert client.tracker("lifecycle-bo")["slots"]["region"] == "halland"


def test_purge_keeps_conversations_in_use(client, cluster):
    client.say("lifecycle-recent", "Enköping")
    before = rows(cluster, "lifecycle-recent")
    purged = lifecycle(cluster, "purge", "--days", "1")
    assert purged.returncode == 0, purged.stderr
    assert rows(cluster, "lifecycle-recent") == before


def test_the_store_down_is_one_swedish_line(cluster):
    broken = {**read_env_file(cluster.base / "env")}
    broken["SIPGUIDEN_DB_PORT"] = "1"
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "lifecycle.py"), "forget", "x"], cwd=ROOT,
                            env={**broken, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert broken["SIPGUIDEN_DB_PASSWORD"] not in result.stderr + result.stdout


def test_the_web_chat_erases_its_own_conversation_through_nginx_on_both_replicas(cluster):
    me, other = "webchat-" + "1" * 32, "webchat-" + "2" * 32
    for sender, town in ((me, "Lund"), (other, "Varberg")):
        for message in (town, "vem ska jag kalla?"):
            status, _, _ = request(f"{cluster.front_url}/webhooks/webchat/webhook", {"sender": sender, "message": message})
            assert status == 200
    other_before = rows(cluster, other)
    status, body, headers = request(f"{cluster.front_url}/webhooks/webchat/export", {"sender": me})
    assert status == 200 and "attachment" in headers.get("Content-Disposition", "")
    assert [line["text"] for line in json.loads(body)["conversation"] if line["from"] == "user"] == ["Lund", "vem ska jag kalla?"]

    status, body, _ = request(f"{cluster.front_url}/webhooks/webchat/forget", {"sender": me})
    assert status == 200 and json.loads(body)["forgotten"] is True
    assert rows(cluster, me) == []
    assert rows(cluster, other) == other_before
    status, body, _ = request(f"{cluster.front_url}/webhooks/webchat/export", {"sender": me})
    assert json.loads(body)["events"] == []
