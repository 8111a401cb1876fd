"""Several Rasa replicas on Rasa's own SQL tracker store (PostgreSQL) and Redis lock store,
behind nginx (scripts/scaled.py): what a region's roll-out depends on.

The tests run in this file's order: the failures (a replica killed, PostgreSQL and Redis
restarted) come last, and each leaves the cluster whole again."""

import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench import proc_cpu_seconds  # scripts/bench.py
from conftest import JWT_SECRET, UNAVAILABLE, request, texts

# A municipality a user names, and the region slot it gives.
REGION_OF = {"Lund": "skane", "Varberg": "halland", "Enköping": "uppsala", "Värnamo": "jonkoping", "Haninge": "haninge"}


def user_texts(tracker):
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


# --------------------------------------------------------------------------- the front
def test_nginx_serves_the_web_chat_itself_with_its_security_headers(cluster):
    status, body, headers = request(f"{cluster.front_url}/webhooks/webchat/")
    assert status == 200 and 'lang="sv"' in body
    assert headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, body, headers = request(f"{cluster.front_url}/webhooks/webchat/chat.js")
    assert status == 200 and "use strict" in body and headers["Content-Type"].startswith("text/javascript")
    status, _, _ = request(f"{cluster.front_url}/webhooks/webchat/../../credentials.yml")
    assert status in (400, 404)
    assert not re.search(r"nginx/\d", headers.get("Server", ""))


def test_the_web_chat_talks_through_nginx(client, cluster):
    sender = "webchat-" + "a" * 32
    status, body, _ = request(f"{cluster.front_url}/webhooks/webchat/webhook", {"sender": sender, "message": "Lund"})
    assert status == 200
    assert "Skåne" in texts(json.loads(body)["messages"])


# --------------------------------------------------------------------------- shared state
def test_a_conversation_on_alternating_replicas_keeps_its_region_and_case_facts(client):
    sender = "alternating-1"
    assert "Uppsala län" in texts(client.say(sender, "jag jobbar på BUP i Enköping", replica=0))
    assert "Jag utgår från Uppsala län" in texts(client.say(sender, "hej", replica=1))
    # A case check started on one replica, answered on the other.
    client.say(sender, "vi har en 14-åring med två vårdnadshavare, behövs båda?", replica=0)
    tracker = client.tracker(sender, replica=1)
    assert tracker["slots"]["region"] == "uppsala"
    assert tracker["slots"]["case"]["facts"] == {"age": 14, "guardians": 2}
    # The other replica finishes the check with the facts the first one collected: it asks
    # nothing again and gives the assessment with its source.
    result = texts(client.say(sender, "båda", replica=1))
    assert "Källa:" in result and "Hur gammal" not in result and "Hur många vårdnadshavare" not in result, result
    assert client.tracker(sender, replica=0)["slots"]["case"] is None  # the check is done
    # Every message is in the shared store once, in order, whichever replica took it.
    assert user_texts(client.tracker(sender, replica=1)) == [
        "jag jobbar på BUP i Enköping", "hej", "vi har en 14-åring med två vårdnadshavare, behövs båda?", "båda"]


def test_nginx_spreads_conversations_over_both_replicas(client, cluster):
    before = [proc_cpu_seconds(s.process.pid) for s in cluster.replicas]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: client.say(f"spread-{i}", "vad är SIP?"), range(48)))
    used = [proc_cpu_seconds(s.process.pid) - b for s, b in zip(cluster.replicas, before)]
    assert all(u > 0.2 for u in used), f"CPU seconds per replica: {used}"


# --------------------------------------------------------------------------- the lock store
def test_messages_of_one_conversation_sent_at_once_to_both_replicas_are_handled_one_after_another(client):
    sender = "simultaneous-1"
    client.say(sender, "hej", replica=0)
    messages = ["Varberg", "jag är mamma", "vad är SIP?", "vem ska jag kalla?", "behövs samtycke?", "hej"]
    start = threading.Barrier(len(messages))

    def send(index):
        start.wait()
        return client.say(sender, messages[index], replica=index % 2)

    with ThreadPoolExecutor(len(messages)) as pool:
        replies = list(pool.map(send, range(len(messages))))
    assert all(texts(r) and UNAVAILABLE not in texts(r) for r in replies), replies
    events = client.tracker(sender)["events"]
    said = [e["text"] for e in events if e["event"] == "user"]
    # No message lost or stored twice …
    assert sorted(said[1:]) == sorted(messages), said
    # … and each turn whole before the next began: after every user message, the bot's turn
    # ends with action_listen before the next user message.
    kinds = [e["event"] if e["event"] != "action" else e["name"] for e in events
             if e["event"] == "user" or (e["event"] == "action" and e["name"] == "action_listen")]
    user_positions = [i for i, k in enumerate(kinds) if k == "user"]
    for here, following in zip(user_positions, user_positions[1:] + [len(kinds)]):
        assert "action_listen" in kinds[here + 1:following], kinds
    slots = client.tracker(sender)["slots"]
    assert slots["region"] == "halland" and slots["audience"] == "guardian"


def test_the_lock_store_never_gives_one_ticket_twice(cluster):
    """Rasa 3.6's RedisLockStore reads, changes and writes a lock without a transaction; with
    bot/rasa_patches.py two replicas taking tickets at once never get the same number."""
    from rasa.core.lock_store import RedisLockStore

    from bot import rasa_patches

    rasa_patches.apply()
    stores = [RedisLockStore(host="127.0.0.1", port=cluster.ports.redis, db=3,
                             password=cluster.secrets["SIPGUIDEN_REDIS_PASSWORD"]) for _ in range(4)]
    tickets, start = [], threading.Barrier(4)

    def take(store):
        start.wait()
        mine = [store.issue_ticket("race", 60) for _ in range(100)]
        tickets.extend(mine)

    threads = [threading.Thread(target=take, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(tickets) == 400 and len(set(tickets)) == 400
    lock = stores[0].get_lock("race")
    assert len(lock.tickets) == 400
    for number in tickets:
        stores[number % 4].cleanup("race", number)
    assert stores[0].get_lock("race") is None  # the last one out removes the lock


# --------------------------------------------------------------------------- the HTTP API
def test_the_http_api_behind_nginx_needs_a_token_and_a_jwt_reaches_only_its_own_conversation(client, cluster):
    import jwt

    client.say("api-owner", "Lund")
    client.say("api-other", "Varberg")
    for base in (cluster.front_url, cluster.replica_url(0)):
        status, body, _ = request(f"{base}/conversations/api-other/tracker")
        assert status in (401, 403) and "halland" not in body
        status, _, _ = request(f"{base}/conversations/api-other/tracker?token=wrong-token-wrong-token")
        assert status in (401, 403)
        own = {"Authorization": "Bearer " + jwt.encode({"user": {"username": "api-owner", "role": "user"}}, JWT_SECRET,
                                                       algorithm="HS256")}
        status, body, _ = request(f"{base}/conversations/api-other/tracker", headers=own)
        assert status == 403 and "halland" not in body
        status, body, _ = request(f"{base}/conversations/api-owner/tracker", headers=own)
        assert status == 200 and json.loads(body)["slots"]["region"] == "skane"
        status, _, _ = request(f"{base}/model?token=wrong-token-wrong-token", {"model_file": "/tmp/x"}, "PUT")
        assert status in (401, 403)
    assert client.tracker("api-other")["slots"]["region"] == "halland"  # with the token


# --------------------------------------------------------------------------- failures
def run_load(client, prefix, users, turns, during=None, pause=0.0):
    """``users`` conversations, each: a municipality, then questions. Returns what each got."""
    towns = list(REGION_OF)
    questions = ["vad är SIP?", "vem ska jag kalla?", "behövs samtycke?", "kan vi avsluta SIP:en?", "hej"]
    results = {}

    def user(index):
        sender, town = f"{prefix}-{index}", towns[index % len(towns)]
        got = [(town, client.say(sender, town))]
        for turn in range(turns - 1):
            time.sleep(pause)
            text = questions[turn % len(questions)]
            got.append((text, client.say(sender, text)))
        results[sender] = (town, got)

    with ThreadPoolExecutor(users + 1) as pool:
        futures = [pool.submit(user, i) for i in range(users)]
        if during:
            pool.submit(during).result()
        for future in futures:
            future.result()
    return results


def test_a_replica_killed_during_a_run_loses_no_conversation(client, cluster):
    def kill_second_replica():
        time.sleep(3)
        cluster.kill_replica(1)

    results = run_load(client, "killed", users=6, turns=8, during=kill_second_replica, pause=0.3)
    assert not cluster.replicas[1].running()
    unavailable = 0
    for sender, (town, got) in results.items():
        for text, replies in got:
            assert texts(replies).strip(), (sender, text)  # always an answer
            unavailable += UNAVAILABLE in texts(replies)
        # The conversation is whole: every answered message stored, the region remembered.
        tracker = client.tracker(sender)
        answered = [text for text, replies in got if UNAVAILABLE not in texts(replies)]
        assert user_texts(tracker) == answered, sender
        assert tracker["slots"]["region"] == REGION_OF[town], sender
        assert "Jag utgår från" in texts(client.say(sender, "hej"))
    # nginx retried the messages the dead replica had taken on the living one.
    assert unavailable == 0
    # Back to two replicas for the tests that follow.
    cluster.start_replica(1)
    cluster.wait_replica(1)
    assert "Skåne" in texts(client.say("after-restart", "Lund", replica=1))


def test_postgresql_restarted_during_a_run_gives_a_swedish_message_and_the_conversations_go_on(client, cluster):
    sender = "pg-restart"
    client.say(sender, "Värnamo")
    stored = len(client.tracker(sender)["events"])
    cluster.stop_postgres()
    try:
        for replica in (None, 0, 1):
            replies = client.say(sender, "vem ska jag kalla?", replica=replica)
            assert UNAVAILABLE in texts(replies), replies
            assert "finns kvar" in texts(replies)
        # A new conversation is not silently started in memory either.
        assert UNAVAILABLE in texts(client.say("pg-new-while-down", "hej"))
    finally:
        cluster.start_postgres()
    # Back: the same conversation, region kept, nothing stored from the time it was down.
    assert len(client.tracker(sender)["events"]) == stored
    for replica in (0, 1):
        answer = texts(client.say(sender, "hej", replica=replica))
        assert "Jag utgår från Jönköpings län" in answer, answer


def test_redis_restarted_gives_the_same_swedish_message_and_nothing_is_lost(client, cluster):
    sender = "redis-restart"
    client.say(sender, "Haninge")
    cluster.redis.stop()
    try:
        assert UNAVAILABLE in texts(client.say(sender, "vem ska jag kalla?"))
    finally:
        cluster.start_redis()
    assert client.tracker(sender)["slots"]["region"] == "haninge"
    assert "Jag utgår från Haninge" in texts(client.say(sender, "hej"))
