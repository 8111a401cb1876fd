"""scripts/bench.py's pure parts: the scaled set-up's CPU fields, ratios, target check, sizing,
Markdown table and results merge, and the /proc helpers (on this test's own process). No
server is started."""

import copy
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import bench  # noqa: E402


# --------------------------------------------------------------------------- a fixed scaled result
def run(conversations, mps, p95, replica_shares, cores_busy, servers_ms=30.0, replicas_ms=24.0, client_ms=4.0,
        shares=None, errors=0):
    shares = shares or {}
    return {
        "conversations": conversations, "seconds": 40.0, "messages": int(mps * 40) + errors, "answered": int(mps * 40),
        "errors": errors, "error_examples": [], "messages_per_s": mps, "p50_ms": p95 / 2, "p95_ms": p95,
        "p99_ms": p95 * 1.2, "max_ms": p95 * 1.5, "replicas_cpu_ms_per_message": replicas_ms,
        "servers_cpu_ms_per_message": servers_ms,
        "cpu_ms_per_message": {"client": client_ms},
        "replica_cpu_share": replica_shares,
        "cpu_share": {**{f"rasa-{i + 1}": s for i, s in enumerate(replica_shares)},
                      "actions": 0.12, "postgres": 0.1, "redis": 0.01, "nginx": 0.03, "client": 0.2, **shares},
        "measured_cores_busy": cores_busy, "machine_cores_busy": cores_busy, "other_processes_cores": 0.0, "cores": 2,
        "load_average_before": 1.0, "load_average_after": 2.0,
    }


def memory(replicas):
    out = {f"rasa-{i + 1}": {"rss_mb": 900.0 + 10 * i, "pss_mb": 880.0, "peak_rss_mb": 950.0 + i, "processes": 1}
           for i in range(replicas)}
    out.update({
        "actions": {"rss_mb": 60.0, "pss_mb": 58.0, "peak_rss_mb": 61.0, "processes": 1},
        "postgres": {"rss_mb": 180.0, "pss_mb": 70.0, "peak_rss_mb": 30.0, "processes": 9},
        "redis": {"rss_mb": 8.0, "pss_mb": 6.0, "peak_rss_mb": 8.0, "processes": 1},
        "nginx": {"rss_mb": 12.0, "pss_mb": 5.0, "peak_rss_mb": 6.0, "processes": 2},
    })
    return out


def fixed_scaled():
    scaled = {
        "generated": "2026-11-27T10:00:00+00:00",
        "settings": {"model": "models/sipguiden.tar.gz", "model_mb": 3.2, "seconds": 40.0, "conversations": [20, 50],
                     "replicas": [1, 2], "quick": False},
        "load_average_start": 0.5, "load_average_end": 2.1,
        "1": {"replicas": 1, "start_s": 20.0, "20": run(20, 38.0, 900.0, [0.95], 1.6, replicas_ms=25.0),
              "50": run(50, 40.0, 2100.0, [0.97], 1.7, replicas_ms=25.0), "memory": memory(1)},
        "2": {"replicas": 2, "start_s": 25.0, "20": run(20, 41.8, 800.0, [0.6, 0.58], 1.95),
              "50": run(50, 44.0, 1900.0, [0.62, 0.6], 1.97, servers_ms=32.0), "memory": memory(2)},
    }
    scaled["ratios"] = bench.scaled_ratios(scaled)
    scaled["sizing"] = bench.sizing(scaled)
    return scaled


# --------------------------------------------------------------------------- CPU fields
def test_single_server_cpu_fields_keep_the_earlier_formula():
    assert bench.single_server_cpu({"rasa": 2.0, "actions": 0.5}, 100, 10.0) == {
        "rasa_cpu_ms_per_message": 20.0, "actions_cpu_ms_per_message": 5.0, "rasa_cpu_share": 0.2}


def test_scaled_cpu_fields_sum_the_replicas_and_split_the_machine():
    used = {"rasa-2": 28.0, "rasa-1": 30.0, "actions": 6.0, "postgres": 4.0, "redis": 0.5, "nginx": 1.5,
            "client": 8.0, "machine_busy_ticks": 11_800, "machine_total_ticks": 12_000}
    fields = bench.scaled_cpu_fields(used, handled=2000, elapsed=40.0, cores=2)
    assert fields["replicas_cpu_ms_per_message"] == 29.0  # (30 + 28) s / 2000 messages
    assert fields["servers_cpu_ms_per_message"] == 35.0  # + actions, PostgreSQL, Redis, nginx
    assert fields["replica_cpu_share"] == [0.75, 0.7]  # rasa-1 first
    assert fields["cpu_share"]["client"] == 0.2
    assert fields["cpu_ms_per_message"]["postgres"] == 2.0
    assert fields["measured_cores_busy"] == 1.95  # 78 s of CPU in 40 s
    assert fields["machine_cores_busy"] == 1.97  # 11 800 / 12 000 of 2 cores
    assert fields["other_processes_cores"] == 0.02
    assert "machine_busy_ticks" not in fields["cpu_share"]


def test_scaled_cpu_fields_order_replicas_by_number():
    used = {f"rasa-{i}": float(i) for i in (10, 2, 1)}
    assert bench.scaled_cpu_fields(used, 1, 1.0, cores=2)["replica_cpu_share"] == [1.0, 2.0, 10.0]


# --------------------------------------------------------------------------- ratios, target, sizing
def test_ratios_are_two_replicas_over_one():
    scaled = fixed_scaled()
    assert scaled["ratios"] == {"20": 1.1, "50": 1.1}


def test_target_missed_is_explained_from_the_measured_cpu_shares():
    check = bench.check_scaled(fixed_scaled())
    assert check["met"] is False and check["phase"] == "scaled"
    assert check["value"].startswith("1.10×") and "44.0 mot 40.0" in check["value"]
    assert check["miss"] == "0.40× under målet"
    why = check["why"]
    # the measured shares, not guesses
    assert "97%" in why and "62% and 60%" in why and "1.97 of 2 cores" in why
    assert "cores, not the number of Rasa processes, were the limit" in why
    # 1.5 × 40 msg/s × (32 + 4) ms = 2.16 cores
    assert "60.0 msg/s" in why and "about 2.2 cores" in why


def test_target_met_has_no_explanation():
    scaled = fixed_scaled()
    scaled["2"]["50"]["messages_per_s"] = 61.0
    scaled["ratios"] = bench.scaled_ratios(scaled)
    check = bench.check_scaled(scaled)
    assert check["met"] is True and check["miss"] is None and check["why"] is None
    assert check["value"].startswith("1.52×")


def test_target_missed_on_an_idle_machine_points_elsewhere():
    scaled = fixed_scaled()
    for n in ("20", "50"):
        scaled["2"][n].update(machine_cores_busy=0.8, measured_cores_busy=0.7, replica_cpu_share=[0.3, 0.3])
    check = bench.check_scaled(scaled)
    assert not check["met"] and "Neither the machine" in check["why"]


def test_sizing_is_computed_from_the_two_replica_runs():
    z = fixed_scaled()["sizing"]
    assert z["rss_per_replica_mb"] == 905  # mean of 900 and 910
    assert z["peak_rss_per_replica_mb"] == 951.0
    assert z["other_servers_mb"]["postgres"] == 70.0  # PSS: the shared buffers counted once
    assert z["other_servers_mb"]["total"] == 139  # 58 + 70 + 6 + 5
    assert (z["messages_per_s_2_replicas"], z["at_conversations"]) == (44.0, 50)
    assert z["messages_per_s_per_core"] == 22.0
    assert z["messages_per_s_per_server_core"] == 31.2  # 1000 / 32 ms
    assert z["active_conversations_per_core"] == round(22.0 * z["assumed_seconds_between_messages"])


# --------------------------------------------------------------------------- report
def machine():
    return {"cpus": 2, "cpu_model": "AMD EPYC", "memory_gb": 23.5, "python": "3.10.13", "rasa": "3.6.21",
            "platform": "Linux", "load_average_start": 0.7}


def test_scaled_table_has_a_row_per_run_and_the_ratios():
    table = bench.scaled_table(fixed_scaled())
    lines = table.splitlines()
    assert lines[0].startswith("| repliker | samtidiga samtal | meddelanden/s | p50 (ms) | p95 (ms)")
    assert len(lines) == 2 + 4 + 2
    assert lines[2].startswith("| 1 | 20 | 38.0 | 450 | 900 | 1080 | 0 av 1520 | 25.0 | 30.0 | 95% | 1.60 av 2 |")
    assert lines[5].startswith("| 2 | 50 | 44.0 | 950 | 1900 | 2280 | 0 av 1760 | 24.0 | 32.0 | 62% / 60% | 1.97 av 2 |")
    assert lines[6].startswith("| 2 / 1 (kvot) | 20 | 1.10× | | 0.89× |")
    assert lines[7].startswith("| 2 / 1 (kvot) | 50 | 1.10× | | 0.90× |")


def test_merge_keeps_the_full_comparison_and_replaces_the_scaled_target():
    previous = {
        "generated": "2026-11-26T09:57:49+00:00", "machine": machine(),
        "settings": {"quick": False, "concurrent_seconds": 60.0},
        "configs": {"ours": {"training_s": 41.7}, "baseline": {"training_s": 513.0}},
        "targets": [{"target": "träning ≤ 5 min", "value": "42 s", "met": True, "miss": None, "why": None},
                    {"phase": "scaled", "target": "old", "value": "x", "met": True, "miss": None, "why": None}],
    }
    kept = copy.deepcopy(previous)
    merged = bench.merge_scaled(previous, fixed_scaled(), machine())
    assert merged["configs"] == kept["configs"] and merged["generated"] == kept["generated"]
    assert [c["target"] for c in merged["targets"]][0] == "träning ≤ 5 min"
    assert len(merged["targets"]) == 2 and merged["targets"][1]["phase"] == "scaled"
    assert merged["targets"][1]["target"].startswith("2 repliker ≥ 1.5×")
    assert merged["scaled"]["machine"]["cpus"] == 2


def test_report_without_the_comparison_shows_the_scaled_table_and_target():
    results = bench.merge_scaled({}, fixed_scaled(), machine())
    text = bench.report(results)
    assert "endast den skalade uppsättningen" in text
    assert "### Skalad uppsättning (PostgreSQL + Redis + nginx)" in text
    assert "| 2 / 1 (kvot) | 50 | 1.10× |" in text
    assert "905 MB per replik" in text and "22.0 meddelanden/s per kärna" in text
    assert "PostgreSQL 180 MB summerat över 9 processer (PSS 70 MB)" in text
    assert "- ✗ 2 repliker ≥ 1.5× meddelanden/s för 1 replik vid 50 samtidiga samtal: 1.10×" in text
    assert "MISSAT med 0.40× under målet" in text


def test_report_of_a_skipped_scaled_phase_says_so():
    results = {"generated": "x", "machine": machine(), "scaled": {"skipped": "PostgreSQL saknas"}, "targets": []}
    assert "Skalad uppsättning: inte mätt (PostgreSQL saknas)." in bench.report(results)


# --------------------------------------------------------------------------- /proc helpers
@pytest.fixture
def child():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def test_process_tree_finds_this_process_and_its_child_both_ways(child):
    me = os.getpid()
    for walk in (False, True):
        tree = bench.process_tree(me, walk=walk)
        assert tree[0] == me
        assert child.pid in tree
    assert set(bench.process_tree(child.pid)) == {child.pid}


def test_tree_memory_sums_this_process_and_its_child(child):
    time.sleep(0.2)  # the child's interpreter is loaded
    own = bench.proc_memory_mb(os.getpid())["rss_mb"]
    alone = bench.tree_memory_mb(child.pid)
    tree = bench.tree_memory_mb(os.getpid())
    assert tree["processes"] >= 2
    assert alone["rss_mb"] > 0
    assert tree["rss_mb"] >= own + alone["rss_mb"] - 1.0  # RSS moves a little between readings
    assert tree["peak_rss_mb"] >= own - 1.0
    if tree["pss_mb"] is not None:
        assert 0 < tree["pss_mb"] <= tree["rss_mb"] + 1.0


def test_unknown_pid_has_no_tree():
    pid = 2 ** 22 + 12345  # above the kernel's pid_max
    assert bench.process_tree(pid) == []
    assert bench.tree_memory_mb(pid) == {"rss_mb": None, "pss_mb": None, "peak_rss_mb": None, "processes": 0}
    assert bench.tree_cpu_seconds(pid) == 0.0


def test_tree_cpu_counts_at_least_this_process():
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:
        pass
    assert bench.tree_cpu_seconds(os.getpid()) >= bench.proc_cpu_seconds(os.getpid()) >= 0.2


def test_machine_cpu_ticks_are_busy_within_total():
    busy, total = bench.machine_cpu_ticks()
    assert 0 < busy <= total


def test_a_shared_machine_is_named_in_the_explanation_and_the_table():
    scaled = fixed_scaled()
    scaled["1"]["50"]["other_processes_cores"] = 0.4
    scaled["2"]["50"]["other_processes_cores"] = 1.15
    why = bench.check_scaled(scaled)["why"]
    assert "other processes 1.15 more" in why
    assert "used 0.40 cores during the 1-replica run and 1.15 during the 2-replica run" in why
    assert "| 1.97 av 2 (andra processer 1.15) |" in bench.scaled_table(scaled)
