"""Benchmark: SIP-guiden's configuration side by side with Rasa's default configuration.

    python scripts/bench.py            # `make bench`: the full measurement (~20 min on 2 cores)
    BENCH_QUICK=1 python scripts/bench.py   # shorter load phase, for development
    BENCH_KEEP=1 …                          # keep the temporary folder (models, logs)
    BENCH_REUSE=/tmp/sipguiden-bench-xyz …  # reuse the models (and training times) kept there

In one run on this machine, for OUR configuration (config.yml) and for the BASELINE (Rasa 3.6's
default configuration as `rasa init` generates it, bench/baseline_config.yml), both trained from
scratch on this project's domain.yml and data/ into a temporary folder (never models/):

- training time from scratch (wall clock of `rasa train`, with an empty training cache);
- intent macro-F1 and entity F1 on the held-out tests/nlu (the logic of scripts/nlu_eval.py);
- cold start: seconds from starting the action server and the Rasa server to the first
  answered message;
- latency per message through the REST channel with the action server in the loop,
  sequential (p50/p95 over a fixed conversation) and with 20 concurrent simulated
  conversations for 60 s (p50/p95/p99, messages per second, errors);
- resident memory (RSS, and its peak) of the Rasa server and the action server, and the CPU
  time each used per message.

Prints a Markdown table with the ratios ours/baseline, checks the targets and says by how much
and why when one is missed. Writes everything to bench/results.json.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import nlu_eval  # noqa: E402  (scripts/nlu_eval.py: the held-out scores)
from run import child_env, say  # noqa: E402  (scripts/run.py: the launcher's environment and output)

VENV_BIN = Path(sys.executable).parent
BENCH_DIR = ROOT / "bench"
RESULTS = BENCH_DIR / "results.json"
CONFIGS = {"ours": ROOT / "config.yml", "baseline": BENCH_DIR / "baseline_config.yml"}
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
CONCURRENT_SECONDS = float(os.environ.get("BENCH_SECONDS", "15" if QUICK else "60"))
CONVERSATIONS = 20
SEQUENTIAL_ROUNDS = 1 if QUICK else 3
START_TIMEOUT = 600.0
REQUEST_TIMEOUT = 60.0

# One conversation as users have it: region, the headline questions, a case check, the guide,
# a comparison, small talk. Played in order (a new sender each time) by both phases.
CONVERSATION = [
    "hej",
    "jag jobbar i Halmstad",
    "vad är SIP?",
    "vem ska jag kalla?",
    "behövs samtycke från båda vårdnadshavarna?",
    "kan vi avsluta SIP:en?",
    "hur länge gäller samtycket?",
    "vem är huvudansvarig för sip:en?",
    "när ska uppföljningen ske?",
    "behovet upptäcktes 3 mars 2026, när senast ska mötet hållas?",
    "vi har en 14-åring med två vårdnadshavare, bara den ena samtycker. kan vi ha sip ändå?",
    "1",
    "ja",
    "ja",
    "guida mig genom en SIP",
    "nästa",
    "nästa",
    "tillbaka",
    "hur skiljer sig Halland och Skåne om samtycke?",
    "jag är förälder",
    "vad ska stå i planen?",
    "byt region",
    "Lund",
    "kan skolan kalla till sip?",
    "what is SIP?",
    "asdkjh qwe",
    "tack",
    "hej då",
]

TARGETS = {
    "sequential_p95_ms": 150.0,
    "throughput_ratio": 2.0,
    "concurrent_p95_ms": 500.0,
    "intent_f1": 0.95,
    "training_s": 300.0,
}


LOOPBACK = {"SANIC_HOST": "127.0.0.1"}  # the servers listen on loopback only


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: List[float], q: float) -> Optional[float]:
    """Nearest-rank percentile (q in 0–100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100.0 * len(ordered))))
    return ordered[rank - 1]


def loadavg() -> Optional[float]:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


# ------------------------------------------------------------------------------- /proc

def proc_memory_mb(pid: int) -> Dict[str, Optional[float]]:
    values: Dict[str, Optional[float]] = {"rss_mb": None, "peak_rss_mb": None}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                values["rss_mb"] = round(int(line.split()[1]) / 1024, 1)
            elif line.startswith("VmHWM:"):
                values["peak_rss_mb"] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return values


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


# ------------------------------------------------------------------------------- training and NLU

def train(name: str, config: Path, work: Path) -> Tuple[Path, float]:
    out = work / "models"
    log = work / f"train-{name}.log"
    say(f"Tränar {name} från början ({config.relative_to(ROOT)}) – training from scratch")
    started = time.monotonic()
    with log.open("w") as handle:
        code = subprocess.call(
            [str(VENV_BIN / "rasa"), "train", "--config", str(config), "--domain", "domain.yml", "--data", "data",
             "--out", str(out), "--fixed-model-name", name, "--force"],
            cwd=ROOT, env=child_env(**LOOPBACK, RASA_CACHE_DIRECTORY=str(work / f"cache-{name}")), stdout=handle,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    model = out / f"{name}.tar.gz"
    if code != 0 or not model.exists():
        raise SystemExit(f"FEL: träningen av {name} misslyckades; se {log}:\n{log.read_text(errors='replace')[-3000:]}")
    print(f"    {name}: {seconds:.0f} s, {model.stat().st_size / 1e6:.1f} MB", flush=True)
    return model, seconds


def entity_scores(out: Path) -> Dict[str, Any]:
    """Entity F1 from whichever extractors the model has (RegexEntityExtractor for ours,
    DIETClassifier for the baseline). scripts/nlu_eval.py reads the *Extractor reports only."""
    reports = [p for p in sorted(out.glob("*_report.json"))
               if p.name not in ("intent_report.json", "response_selection_report.json")]
    best: Dict[str, Any] = {}
    for path in reports:
        data = json.loads(path.read_text(encoding="utf-8"))
        if "micro avg" not in data and "weighted avg" not in data:
            continue
        micro = data.get("micro avg", data.get("weighted avg"))["f1-score"]
        if not best or micro > best["entity_micro_f1"]:
            best = {
                "entity_extractor": path.name[: -len("_report.json")],
                "entity_micro_f1": round(micro, 4),
                "entity_macro_f1": round(data["macro avg"]["f1-score"], 4),
                "entities": {k: round(v["f1-score"], 4) for k, v in data.items()
                             if isinstance(v, dict) and k not in ("macro avg", "weighted avg", "micro avg")},
            }
    return best


def evaluate_nlu(name: str, model: Path, work: Path) -> Dict[str, Any]:
    out = work / f"nlu-{name}"
    say(f"NLU på den undanhållna testmängden (tests/nlu): {name}")
    result = subprocess.run([str(VENV_BIN / "rasa"), "test", "nlu", "--nlu", str(ROOT / "tests" / "nlu"),
                             "--model", str(model), "--out", str(out), "--no-plot"],
                            cwd=ROOT, env=child_env(**LOOPBACK), capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"FEL: rasa test nlu ({name}) misslyckades:\n{result.stderr[-3000:]}")
    summary = nlu_eval.scores(out)
    scores = {k: summary[k] for k in ("intent_macro_f1", "intent_accuracy", "intent_examples")}
    scores["weakest_intents"] = dict(sorted(summary["intents"].items(), key=lambda kv: kv[1])[:5])
    scores.update(entity_scores(out))
    print(f"    {name}: intent macro-F1 {scores['intent_macro_f1']:.3f}, entity F1 "
          f"{scores.get('entity_micro_f1', float('nan')):.3f} ({scores.get('entity_extractor', '–')})", flush=True)
    return scores


# ------------------------------------------------------------------------------- serving

class Client:
    """One keep-alive HTTP connection to the REST channel."""

    FAILURES = ("Tjänsten är tillfälligt otillgänglig", "något gick fel hos mig", "det tog för lång tid")

    def __init__(self, port: int, timeout: float = REQUEST_TIMEOUT):
        self.port, self.timeout = port, timeout
        self.connection: Optional[http.client.HTTPConnection] = None

    def send(self, sender: str, message: str) -> Tuple[bool, float, str]:
        """(answered, seconds, problem). Answered = HTTP 200 with a non-empty reply that is
        not one of the channel's failure messages."""
        body = json.dumps({"sender": sender, "message": message})
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.connection.request("POST", "/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
            answer = self.connection.getresponse()
            data = answer.read()
            seconds = time.perf_counter() - started
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return False, time.perf_counter() - started, f"{type(error).__name__}: {error}"[:200]
        if answer.status != 200:
            return False, seconds, f"HTTP {answer.status}"
        try:
            replies = json.loads(data)
        except ValueError:
            return False, seconds, "not JSON"
        text = " ".join(r.get("text") or "" for r in replies if isinstance(r, dict))
        if not replies or not text.strip():
            return False, seconds, "empty reply"
        for failure in self.FAILURES:
            if failure in text:
                return False, seconds, f"failure reply: {failure}"
        return True, seconds, ""

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Servers:
    def __init__(self, name: str, model: Path, work: Path):
        self.name, self.model = name, model
        self.folder = work / f"serve-{name}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port, self.actions_port = free_port(), free_port()
        self.log = self.folder / "run.log"
        self.endpoints = self.folder / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n'
            f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{self.folder / "tracker.db"}"\n',
            encoding="utf-8")
        self.processes: Dict[str, subprocess.Popen] = {}

    def _spawn(self, what: str, command: List[str], env: Dict[str, str]) -> None:
        with self.log.open("a") as handle:
            self.processes[what] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                                    stdin=subprocess.DEVNULL, start_new_session=True)

    def start(self) -> float:
        """Starts both servers (as `make run` does, with this model); returns the seconds
        until the first message was answered."""
        started = time.monotonic()
        self._spawn("actions", [str(VENV_BIN / "python"), "-m", "rasa_sdk", "--actions", "actions",
                                "--port", str(self.actions_port), "-v"], child_env(**LOOPBACK))
        self._spawn("rasa", [str(VENV_BIN / "rasa"), "run", "--model", str(self.model), "--endpoints", str(self.endpoints),
                             "--credentials", str(ROOT / "credentials.yml"), "--interface", "127.0.0.1",
                             "--port", str(self.port), "--log-file", str(self.folder / "rasa.log")],
                    child_env(**LOOPBACK, LOG_LEVEL="INFO"))
        client = Client(self.port, timeout=10)
        while time.monotonic() - started < START_TIMEOUT:
            for what, process in self.processes.items():
                if process.poll() is not None:
                    raise SystemExit(f"FEL: {what} ({self.name}) avslutades under start; se {self.log}:\n"
                                     f"{self.log.read_text(errors='replace')[-3000:]}")
            answered, _, _ = client.send("bench-cold-start", "hej")
            if answered:
                client.close()
                return time.monotonic() - started
            time.sleep(0.1)
        raise SystemExit(f"FEL: {self.name} svarade inte inom {START_TIMEOUT:.0f} s; se {self.log}")

    def pid(self, what: str) -> int:
        return self.processes[what].pid

    def cpu(self) -> Dict[str, float]:
        return {what: proc_cpu_seconds(p.pid) for what, p in self.processes.items()}

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def sequential(servers: Servers) -> Dict[str, Any]:
    say(f"Sekventiell latens: {servers.name} ({SEQUENTIAL_ROUNDS + 1} samtal à {len(CONVERSATION)} meddelanden, det första uppvärmning)")
    client = Client(servers.port)
    per_message: Dict[str, List[float]] = {m: [] for m in CONVERSATION}
    latencies: List[float] = []
    errors: List[str] = []
    cpu_before = None
    for round_ in range(SEQUENTIAL_ROUNDS + 1):
        if round_ == 1:
            cpu_before = servers.cpu()
        sender = f"bench-seq-{round_}-{os.getpid()}"
        for message in CONVERSATION:
            answered, seconds, problem = client.send(sender, message)
            if round_ == 0:
                continue
            if not answered:
                errors.append(f"{message!r}: {problem}")
            latencies.append(seconds * 1000)
            per_message[message].append(seconds * 1000)
    client.close()
    cpu_after = servers.cpu()
    n = len(latencies)
    slowest = sorted(((statistics.median(v), m) for m, v in per_message.items() if v), reverse=True)[:3]
    result = {
        "messages": n,
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "max_ms": round(max(latencies), 1),
        "errors": len(errors),
        "error_examples": errors[:5],
        "rasa_cpu_ms_per_message": round((cpu_after["rasa"] - cpu_before["rasa"]) * 1000 / n, 1),
        "actions_cpu_ms_per_message": round((cpu_after["actions"] - cpu_before["actions"]) * 1000 / n, 1),
        "slowest_messages_median_ms": {m: round(t, 1) for t, m in slowest},
        "load_average": loadavg(),
    }
    print(f"    p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, fel {result['errors']}", flush=True)
    return result


def concurrent(servers: Servers) -> Dict[str, Any]:
    say(f"{CONVERSATIONS} samtidiga samtal i {CONCURRENT_SECONDS:.0f} s: {servers.name}")
    deadline_box: List[float] = []
    records: List[Tuple[bool, float]] = []
    problems: List[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CONVERSATIONS + 1)

    def user(index: int) -> None:
        client = Client(servers.port)
        conversation = 0
        barrier.wait()
        while True:
            sender = f"bench-load-{index}-{conversation}-{os.getpid()}"
            for message in CONVERSATION:
                if time.monotonic() >= deadline_box[0]:
                    client.close()
                    return
                answered, seconds, problem = client.send(sender, message)
                with lock:
                    records.append((answered, seconds * 1000))
                    if not answered and len(problems) < 20:
                        problems.append(f"{message!r}: {problem}")
            conversation += 1

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(CONVERSATIONS)]
    for thread in threads:
        thread.start()
    cpu_before = servers.cpu()
    load_before = loadavg()
    started = time.monotonic()
    deadline_box.append(started + CONCURRENT_SECONDS)
    barrier.wait()
    for thread in threads:
        thread.join(timeout=CONCURRENT_SECONDS + REQUEST_TIMEOUT + 30)
    elapsed = time.monotonic() - started
    cpu_after = servers.cpu()
    ok = [ms for answered, ms in records if answered]
    errors = len(records) - len(ok)
    handled = max(1, len(records))
    result = {
        "conversations": CONVERSATIONS,
        "seconds": round(elapsed, 1),
        "messages": len(records),
        "answered": len(ok),
        "errors": errors,
        "error_examples": problems[:5],
        "messages_per_s": round(len(ok) / elapsed, 2),
        "p50_ms": round(percentile(ok, 50), 1) if ok else None,
        "p95_ms": round(percentile(ok, 95), 1) if ok else None,
        "p99_ms": round(percentile(ok, 99), 1) if ok else None,
        "max_ms": round(max(ok), 1) if ok else None,
        "rasa_cpu_ms_per_message": round((cpu_after["rasa"] - cpu_before["rasa"]) * 1000 / handled, 1),
        "actions_cpu_ms_per_message": round((cpu_after["actions"] - cpu_before["actions"]) * 1000 / handled, 1),
        "rasa_cpu_share": round((cpu_after["rasa"] - cpu_before["rasa"]) / elapsed, 2),
        "load_average_before": load_before,
        "load_average_after": loadavg(),
    }
    print(f"    {result['messages_per_s']} meddelanden/s, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
          f"p99 {result['p99_ms']} ms, fel {errors}", flush=True)
    return result


def serve_and_measure(name: str, model: Path, work: Path) -> Dict[str, Any]:
    servers = Servers(name, model, work)
    say(f"Kallstart: {name} (actionserver + Rasa-server till första besvarade meddelande)")
    try:
        cold = servers.start()
        print(f"    {cold:.1f} s", flush=True)
        memory_started = {"rasa": proc_memory_mb(servers.pid("rasa")), "actions": proc_memory_mb(servers.pid("actions"))}
        seq = sequential(servers)
        load = concurrent(servers)
        memory = {what: {**proc_memory_mb(servers.pid(what)), "rss_after_start_mb": memory_started[what]["rss_mb"]}
                  for what in ("rasa", "actions")}
    finally:
        servers.stop()
    return {"cold_start_s": round(cold, 1), "sequential": seq, "concurrent": load, "memory": memory}


# ------------------------------------------------------------------------------- report

def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    if a is None or b in (None, 0):
        return None
    return round(a / b, 2)


ROWS = [
    # label, path in a config's results, format, better
    ("Träningstid från början (s)", ("training_s",), "{:.0f}", "lower"),
    ("Kallstart till första svar (s)", ("cold_start_s",), "{:.1f}", "lower"),
    ("Sekventiell latens p50 (ms)", ("sequential", "p50_ms"), "{:.0f}", "lower"),
    ("Sekventiell latens p95 (ms)", ("sequential", "p95_ms"), "{:.0f}", "lower"),
    ("20 samtidiga: meddelanden/s", ("concurrent", "messages_per_s"), "{:.1f}", "higher"),
    ("20 samtidiga: p50 (ms)", ("concurrent", "p50_ms"), "{:.0f}", "lower"),
    ("20 samtidiga: p95 (ms)", ("concurrent", "p95_ms"), "{:.0f}", "lower"),
    ("20 samtidiga: p99 (ms)", ("concurrent", "p99_ms"), "{:.0f}", "lower"),
    ("20 samtidiga: fel", ("concurrent", "errors"), "{:d}", "lower"),
    ("Rasa-serverns CPU per meddelande (ms)", ("concurrent", "rasa_cpu_ms_per_message"), "{:.1f}", "lower"),
    ("RSS Rasa-servern (MB)", ("memory", "rasa", "rss_mb"), "{:.0f}", "lower"),
    ("RSS actionservern (MB)", ("memory", "actions", "rss_mb"), "{:.0f}", "lower"),
    ("Avsikter macro-F1 (tests/nlu)", ("nlu", "intent_macro_f1"), "{:.3f}", "higher"),
    ("Entiteter F1 (micro, tests/nlu)", ("nlu", "entity_micro_f1"), "{:.3f}", "higher"),
    ("Modellens storlek (MB)", ("model_mb",), "{:.1f}", "lower"),
]


def get(data: Dict[str, Any], path: Tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def fmt(value: Any, pattern: str) -> str:
    if value is None:
        return "–"
    try:
        return pattern.format(value)
    except (ValueError, TypeError):
        return str(value)


def table(results: Dict[str, Any]) -> str:
    ours, base = results["configs"]["ours"], results["configs"]["baseline"]
    lines = ["| mått | vår konfiguration | Rasas standard (baslinje) | vår/baslinje |", "|---|---:|---:|---:|"]
    for label, path, pattern, _ in ROWS:
        a, b = get(ours, path), get(base, path)
        r = ratio(a, b) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
        lines.append(f"| {label} | {fmt(a, pattern)} | {fmt(b, pattern)} | {fmt(r, '{:.2f}')} |")
    return "\n".join(lines)


def check_targets(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    ours, base = results["configs"]["ours"], results["configs"]["baseline"]
    checks: List[Dict[str, Any]] = []
    load = results["machine"].get("load_average_start")
    shared = (f" The machine was shared while measuring (load average {load} on {results['machine']['cpus']} cores "
              f"at the start)." if load and load > 1.0 else "")

    seq = ours["sequential"]
    p95 = seq["p95_ms"]
    limit = TARGETS["sequential_p95_ms"]
    checks.append({
        "target": f"sekventiell p95 ≤ {limit:.0f} ms", "value": f"{p95:.0f} ms", "met": p95 <= limit,
        "miss": None if p95 <= limit else f"{p95 - limit:.0f} ms över ({(p95 / limit - 1) * 100:.0f} %)",
        "why": None if p95 <= limit else (
            f"the slowest messages (median) were {', '.join(f'{m!r} {t:.0f} ms' for m, t in seq['slowest_messages_median_ms'].items())}; "
            f"the Rasa server used {seq['rasa_cpu_ms_per_message']} ms CPU and the action server "
            f"{seq['actions_cpu_ms_per_message']} ms per message." + shared),
    })

    a, b = ours["concurrent"], base["concurrent"]
    r = ratio(a["messages_per_s"], b["messages_per_s"]) or 0.0
    ok = r >= TARGETS["throughput_ratio"] and (a["p95_ms"] or 1e9) <= TARGETS["concurrent_p95_ms"] and a["errors"] == 0
    misses, whys = [], []
    if r < TARGETS["throughput_ratio"]:
        misses.append(f"{r:.2f}× baslinjen i stället för {TARGETS['throughput_ratio']:.0f}× "
                      f"({a['messages_per_s']} mot {b['messages_per_s']} meddelanden/s)")
        cpu_a, cpu_b = a["rasa_cpu_ms_per_message"], b["rasa_cpu_ms_per_message"]
        whys.append(
            f"Both are bound by the one Rasa server process (it used {a['rasa_cpu_share']:.0%} of a core for ours, "
            f"{b['rasa_cpu_share']:.0%} for the baseline), which does NLU, dialogue policies, the tracker store and "
            f"the action call for every message on one event loop: ours used {cpu_a} ms of its CPU per message, the "
            f"baseline {cpu_b} ms, a ratio of {cpu_b / cpu_a:.2f}. Most of ours is the part both configurations "
            f"share (Rasa reads and writes the whole conversation in the tracker store and recomputes its dialogue "
            f"states at every prediction, and serialises tracker and domain for each action call); 2× would need "
            f"≤ {cpu_b / TARGETS['throughput_ratio']:.1f} ms per message.")
    if (a["p95_ms"] or 1e9) > TARGETS["concurrent_p95_ms"]:
        misses.append(f"p95 {a['p95_ms']:.0f} ms, {a['p95_ms'] - TARGETS['concurrent_p95_ms']:.0f} ms över "
                      f"{TARGETS['concurrent_p95_ms']:.0f} ms")
        wait = CONVERSATIONS / a["messages_per_s"] * 1000 if a["messages_per_s"] else float("nan")
        whys.append(
            f"{CONVERSATIONS} conversations that send without pausing keep about {CONVERSATIONS} messages queued at "
            f"the one Rasa process, so a message waits about {CONVERSATIONS} / {a['messages_per_s']} msg/s ≈ "
            f"{wait:.0f} ms on average (Little's law); a p95 of {TARGETS['concurrent_p95_ms']:.0f} ms needs roughly "
            f"{CONVERSATIONS / (TARGETS['concurrent_p95_ms'] / 1000) * 1.3:.0f} msg/s from it, or a second Rasa "
            f"replica (scale-out issue).")
    if a["errors"]:
        misses.append(f"{a['errors']} fel")
        whys.append(f"examples: {a['error_examples'][:3]}")
    checks.append({
        "target": f"≥ {TARGETS['throughput_ratio']:.0f}× baslinjens meddelanden/s vid {CONVERSATIONS} samtidiga, "
                  f"p95 ≤ {TARGETS['concurrent_p95_ms']:.0f} ms, inga fel",
        "value": f"{r:.2f}×, p95 {a['p95_ms']} ms, {a['errors']} fel", "met": ok,
        "miss": "; ".join(misses) or None, "why": (" ".join(whys) + shared) if whys else None,
    })

    fa, fb = ours["nlu"]["intent_macro_f1"], base["nlu"]["intent_macro_f1"]
    ok = fa >= fb and fa >= TARGETS["intent_f1"]
    misses = []
    if fa < fb:
        misses.append(f"{fb - fa:.3f} under baslinjen ({fb:.3f})")
    if fa < TARGETS["intent_f1"]:
        misses.append(f"{TARGETS['intent_f1'] - fa:.3f} under {TARGETS['intent_f1']:.2f}")
    checks.append({
        "target": f"avsikter macro-F1 ≥ baslinjen och ≥ {TARGETS['intent_f1']:.2f}",
        "value": f"{fa:.3f} (baslinjen {fb:.3f})", "met": ok, "miss": "; ".join(misses) or None,
        "why": None if ok else (
            "the weakest intents on tests/nlu were "
            + ", ".join(f"{k} {v:.2f}" for k, v in ours["nlu"]["weakest_intents"].items())
            + ": held-out questions these intents' training examples do not cover yet."),
    })

    t = ours["training_s"]
    checks.append({
        "target": f"träning ≤ {TARGETS['training_s'] / 60:.0f} min", "value": f"{t:.0f} s", "met": t <= TARGETS["training_s"],
        "miss": None if t <= TARGETS["training_s"] else f"{t - TARGETS['training_s']:.0f} s över",
        "why": None if t <= TARGETS["training_s"] else "see the training log: the pipeline's slowest component." + shared,
    })
    return checks


def report(results: Dict[str, Any]) -> str:
    m = results["machine"]
    out = [
        f"## Benchmark {results['generated']} ({'BENCH_QUICK' if results['settings']['quick'] else 'fullständig'})",
        "",
        f"Maskin: {m['cpus']} kärnor ({m['cpu_model']}), {m['memory_gb']} GB, Python {m['python']}, Rasa {m['rasa']}; "
        f"belastning (load average) vid start {m['load_average_start']}. REST-kanalen med actionservern i loopen, "
        f"SQLite-samtalslager; {results['settings']['concurrent_seconds']:.0f} s med {CONVERSATIONS} samtidiga samtal.",
        "",
        table(results),
        "",
        "Mål:",
    ]
    for c in results["targets"]:
        out.append(f"- {'✓' if c['met'] else '✗'} {c['target']}: {c['value']}"
                   + ("" if c["met"] else f" – MISSAT med {c['miss']}. Varför: {c['why']}"))
    return "\n".join(out)


def machine() -> Dict[str, Any]:
    model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = round(int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        memory = None
    import rasa

    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_gb": memory, "python": platform.python_version(),
            "rasa": rasa.__version__, "platform": platform.platform(), "load_average_start": loadavg()}


def main() -> int:
    for name, config in CONFIGS.items():
        if not config.exists():
            print(f"FEL: {config} saknas", file=sys.stderr)
            return 1
    results: Dict[str, Any] = {
        "generated": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"quick": QUICK, "concurrent_seconds": CONCURRENT_SECONDS, "conversations": CONVERSATIONS,
                     "sequential_rounds": SEQUENTIAL_ROUNDS, "conversation": CONVERSATION,
                     "configs": {k: str(v.relative_to(ROOT)) for k, v in CONFIGS.items()}, "targets": TARGETS},
        "configs": {name: {} for name in CONFIGS},
    }
    reuse = os.environ.get("BENCH_REUSE")
    work = Path(reuse) if reuse else Path(tempfile.mkdtemp(prefix="sipguiden-bench-"))
    say(f"Benchmark i {work} – {'BENCH_QUICK (kort lastfas)' if QUICK else 'fullständig mätning'}")
    try:
        models = {}
        trained = work / "training.json"
        if reuse:
            results["settings"]["reused_models_from"] = reuse
            times = json.loads(trained.read_text())
            for name in CONFIGS:
                models[name] = work / "models" / f"{name}.tar.gz"
                results["configs"][name]["training_s"] = times[name]
        else:
            for name, config in CONFIGS.items():
                models[name], seconds = train(name, config, work)
                results["configs"][name]["training_s"] = round(seconds, 1)
            trained.write_text(json.dumps({n: results["configs"][n]["training_s"] for n in CONFIGS}))
        for name in CONFIGS:
            results["configs"][name]["model_mb"] = round(models[name].stat().st_size / 1e6, 1)
        for name in CONFIGS:
            results["configs"][name]["nlu"] = evaluate_nlu(name, models[name], work)
        for name in CONFIGS:
            results["configs"][name].update(serve_and_measure(name, models[name], work))
    finally:
        if os.environ.get("BENCH_KEEP") or reuse:
            print(f"(kvar: {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)
    ours, base = results["configs"]["ours"], results["configs"]["baseline"]
    results["ratios_ours_over_baseline"] = {
        label: ratio(get(ours, path), get(base, path)) for label, path, _, _ in ROWS
        if isinstance(get(ours, path), (int, float)) and isinstance(get(base, path), (int, float))
    }
    results["targets"] = check_targets(results)
    results["all_targets_met"] = all(c["met"] for c in results["targets"])
    text = report(results)
    results["markdown"] = text
    BENCH_DIR.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print()
    print(text)
    print(f"\nResultat: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
