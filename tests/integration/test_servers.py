"""The real thing: scripts/run.py starts the action server and the Rasa server (as
`make run` does), on spare ports with a conversation store of their own, and a user
talks to it through the REST channel."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sipserver import MODEL, ROOT, TOKEN, jwt_for, port_is_free, request, running

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    with running(tmp_path_factory.mktemp("bot")) as bot:
        yield bot


def texts(replies):
    return " ".join(r.get("text", "") for r in replies)


def test_greeting_in_swedish_with_buttons(bot):
    replies = bot.say("anna", "hej")
    assert replies[0]["text"].startswith("Hej! Jag är SIP-guiden")
    assert [b["title"] for b in replies[0]["buttons"]] == ["Vad är SIP?", "Vad kan du hjälpa till med?", "Välj region eller kommun"]
    assert "Vilken kommun eller region gäller det?" in texts(replies)


def test_startup_says_where_to_chat_and_which_language_pipeline_runs(bot):
    from bot import nlp_pipeline

    log = bot.log.read_text()
    assert "/webhooks/rest/webhook" in log and "make shell" in log
    assert f"Språkpipeline:        {nlp_pipeline.current_info()['description']}" in log
    assert TOKEN not in log  # the API token is never printed
    # Until the banner only our own lines: the servers' start-up output (Python warnings,
    # library log lines) is in var/log/servers.log.
    start = log.split("SIP-guiden är igång")[0]
    assert "Warning" not in start and "[rasa]" not in start and "[actions]" not in start, start[-2000:]
    assert "DeprecationWarning" in (ROOT / "var" / "log" / "servers.log").read_text(errors="replace")


def test_region_is_understood_and_remembered(bot):
    assert "Lund ligger i Skåne län" in texts(bot.say("bertil", "jag jobbar i Lund"))
    assert "Jag utgår från Skåne" in texts(bot.say("bertil", "hej"))
    # Another conversation has its own region.
    assert "Vilken kommun eller region" in texts(bot.say("cecilia", "hej"))


def test_button_payload_sets_the_region(bot):
    replies = bot.say("david", '/inform_region{"region":"halland"}')
    assert "Region Halland" in texts(replies)


def test_help_out_of_scope_and_fallback(bot):
    assert "Jag kan hjälpa dig" in texts(bot.say("erik", "vad kan du hjälpa till med?"))
    assert "Jag svarar på frågor om SIP" in texts(bot.say("erik", "vad blir det för väder imorgon"))
    gibberish = texts(bot.say("erik", "asdkjh qwe zzz"))  # what the bot can help with, never "jag förstod inte"
    assert "Jag svarar på frågor om SIP" in gibberish and "förstod inte" not in gibberish


def test_what_is_sip_shows_its_source(bot):
    answer = texts(bot.say("fia", "vad är SIP?"))
    assert "samordnad individuell plan" in answer
    assert "Källa:" in answer and "2 kap. 7 § i den tidigare socialtjänstlagen (2001:453)" in answer


def test_personal_data_in_any_message_gets_the_reminder_and_is_never_repeated(bot):
    # "out of scope" and "goodbye" are plain responses: the channel adds the reminder itself.
    for text in ("min mejl är anna.andersson@example.se", "hej då, ring 070-123 45 67", "vad gäller för 19121212-1212?"):
        answer = texts(bot.say("kerstin", text))
        assert "Skriv aldrig personnummer" in answer, text
        assert answer.count("Skriv aldrig personnummer") == 1, answer
        for secret in ("anna.andersson", "123 45 67", "1212-1212"):
            assert secret not in answer


def test_restart_forgets_the_region(bot):
    bot.say("gustav", "Halmstad")
    assert "börjar vi om" in texts(bot.say("gustav", "börja om"))
    assert "Vilken kommun eller region" in texts(bot.say("gustav", "hej"))


def test_http_api_needs_the_token(bot):
    bot.say("hanna", "Uppsala")
    for path in ("/conversations/hanna/tracker", "/status", "/domain"):
        status, _ = request(f"{bot.base}{path}")
        assert status in (401, 403), f"{path} answered {status} without a token"
        status, _ = request(f"{bot.base}{path}?token=wrong-token-wrong-token")
        assert status in (401, 403), f"{path} answered {status} with a wrong token"
    status, body = request(f"{bot.base}/conversations/hanna/tracker?token={TOKEN}")
    assert status == 200
    assert json.loads(body)["slots"]["region"] == "uppsala"


def test_a_jwt_reaches_only_its_own_conversation(bot):
    bot.say("hanna", "Uppsala")
    bot.say("ingrid", "Lund")
    own = {"Authorization": f"Bearer {jwt_for('ingrid')}"}
    status, body = request(f"{bot.base}/conversations/ingrid/tracker", headers=own)
    assert status == 200 and json.loads(body)["slots"]["region"] == "skane"
    # Another conversation's tracker, read or written with ingrid's token: refused.
    status, body = request(f"{bot.base}/conversations/hanna/tracker", headers=own)
    assert status == 403, body
    assert "Uppsala" not in body and "uppsala" not in body
    status, _ = request(f"{bot.base}/conversations/hanna/tracker/events", [{"event": "restart"}], "POST", headers=own)
    assert status == 403
    # A token signed with another secret, or an admin token: refused / allowed.
    import jwt
    forged = jwt.encode({"user": {"username": "hanna", "role": "admin"}}, "not-the-secret-0123456789", algorithm="HS256")
    status, _ = request(f"{bot.base}/conversations/hanna/tracker", headers={"Authorization": f"Bearer {forged}"})
    assert status == 401
    status, body = request(f"{bot.base}/conversations/hanna/tracker", headers={"Authorization": f"Bearer {jwt_for('x', 'admin')}"})
    assert status == 200 and json.loads(body)["slots"]["region"] == "uppsala"


def listening_addresses(port):
    """Local addresses listening on ``port``, read from /proc/net/tcp{,6} (LISTEN = 0A)."""
    addresses = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            host, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                if len(host) == 8:
                    addresses.append(".".join(str(b) for b in reversed(bytes.fromhex(host))) + f":{port}")
                else:
                    addresses.append(f"[{host}]:{port}")
    return addresses


def test_both_servers_listen_on_loopback_only(bot):
    status, _ = request(f"http://127.0.0.1:{bot.actions_port}/health")
    assert status == 200
    for port in (bot.port, bot.actions_port):
        addresses = listening_addresses(port)
        assert addresses, f"nothing listens on {port}"
        assert all(a.startswith("127.0.0.1:") for a in addresses), addresses


def test_training_is_skipped_when_nothing_changed():
    model_mtime = MODEL.stat().st_mtime
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "train.py")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "ingen omträning" in result.stdout
    assert MODEL.stat().st_mtime == model_mtime


def test_ctrl_c_stops_both_servers_and_conversations_survive_a_restart(bot):
    bot.say("ivar", "Värnamo")
    assert bot.stop(signal.SIGINT) == 0
    log = bot.log.read_text()
    assert "Stoppad." in log
    time.sleep(1)
    assert port_is_free(bot.port) and port_is_free(bot.actions_port)
    # The SQLite tracker store kept the conversation: same region after a restart.
    bot.start()
    assert "Jag utgår från Jönköpings län" in texts(bot.say("ivar", "hej"))


def test_a_second_start_on_busy_ports_explains_itself(bot):
    endpoints = ROOT / "var" / "run" / "endpoints.yml"
    before = endpoints.read_bytes() if endpoints.exists() else None
    env = dict(bot.env, SIPGUIDEN_TRACKER_STORE="postgresql")  # would write other endpoints
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "run.py")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    # The refused start wrote nothing: the running bot's endpoints file stays as it was.
    assert (endpoints.read_bytes() if endpoints.exists() else None) == before
    assert result.returncode == 1
    assert f"port {bot.port} (Rasa-servern) används redan" in result.stdout
    assert "SIPGUIDEN_PORT" in result.stdout
    # The running bot was not disturbed.
    assert bot.process.poll() is None
    assert bot.say("julia", "hej")


def test_a_closed_terminal_stops_both_servers(bot):
    assert bot.stop(signal.SIGHUP) == 0
    time.sleep(1)
    assert port_is_free(bot.port) and port_is_free(bot.actions_port)


def test_without_a_secret_the_http_api_is_not_served_at_all(tmp_path):
    with running(tmp_path, SIPGUIDEN_API_TOKEN=None, SIPGUIDEN_JWT_SECRET=None) as bare:
        assert "Rasas HTTP-API:       av – sätt SIPGUIDEN_API_TOKEN" in bare.log.read_text()
        bare.say("lena", "Uppsala")
        for path in ("/conversations/lena/tracker", "/status", "/model"):
            status, body = request(f"{bare.base}{path}")
            assert status in (401, 403, 404), f"{path} answered {status} without a secret"
            assert "uppsala" not in body
        # The channels work as before.
        assert "Uppsala" in texts(bare.say("lena", "hej"))
        # No secret on any command line on this machine.
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                assert TOKEN.encode() not in cmdline.read_bytes()
            except OSError:
                continue

