"""`make bench`: cold and no-op runs of this collection's site.yml beside the stock-modules playbook.

Each playbook gets a fresh recording emulator; the table gives wall time, CPU time (of
ansible-playbook and every process it started: on a busy machine a steadier measure than wall
time), tasks run (recap ok + changed + failed), skipped tasks, module runs (each loop item
counts; set_fact, debug, assert... do not), failed tasks (ignored ones included), and AWS calls
(reads / writes) of a cold run on an empty account and of a second, no-op run, and the no-op
reads per resource (a resource: one successful Create/Put/Import/Attach/Authorize/Add call of
the cold run). Results go to stdout and
benchmarks/results/latest.md. Both strategies, linear and mitogen_linear (BENCH_STRATEGIES picks),
each with the emulator answering at once and 50 ms late per call, as AWS does from a laptop
(BENCH_LATENCIES picks, in ms): instant answers hide what only timing breaks. BENCH_ROUNDS=3
runs everything three times, alternating the playbooks, and reports each time's median.
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.conftest import free_port
from tests.emulator import ctl
from tests.emulator.middleware import is_lock_call

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
CREATES = ("Create", "Put", "Import", "Attach", "Authorize", "Add")
PLAYBOOKS = {"flask_react.aws": "playbooks/site.yml", "stock modules": "benchmarks/stock_playbook.yml"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TASK = re.compile(r"^TASK \[(.*)\]")
FAILED = ("fatal: [", "failed: [")
# The message: a JSON string (ending at its closing quote) or the YAML callback's value.
FAILURE = re.compile(r'^(?:fatal|failed): \[[^]]+\].*?(?:"msg": "((?:[^"\\]|\\.)*)"|msg: (.*))')


def failures(stdout: str) -> list[str]:
    """``task: message`` of every failed task (ignored ones too), so the table says what broke."""
    found, task = [], ""
    lines = ANSI.sub("", stdout).splitlines()
    for index, line in enumerate(lines):
        header = TASK.match(line)
        if header:
            task = header.group(1)
        elif line.startswith(FAILED):
            # The message is on the line (JSON callback) or under it (YAML callback; at -vvv far under
            # it, after the module's arguments): read on to the next task or failure.
            end = index + 1
            while end < len(lines) and not (TASK.match(lines[end]) or lines[end].startswith(FAILED)):
                end += 1
            window = " ".join(lines[index:end])
            message = FAILURE.match(window)
            text = next(group for group in message.groups() if group is not None) if message else line
            text = re.sub(r"\s+", " ", text).lstrip("|-> ").strip()
            found.append(f"{task}: {text[:160]}")
    return found


def run(playbook: str, port: int, record: Path, state: str, strategy: str) -> dict:
    record.write_text("")
    counts = Path(state) / "counts.json"
    env = dict(
        os.environ,
        EMULATOR_PORT=str(port),
        LOCAL_STATE_DIR=state,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_STRATEGY=strategy,
        ANSIBLE_CALLBACK_PLUGINS=str(REPO / "benchmarks" / "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="bench_counts",
        BENCH_COUNTS_FILE=str(counts),
    )
    started, used = time.monotonic(), cpu_seconds()
    done = subprocess.run(
        ["ansible-playbook", playbook, "-i", "inventories/local"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds, cpu = time.monotonic() - started, cpu_seconds() - used
    recap = re.search(r"^local\s+:(.*)$", ANSI.sub("", done.stdout), re.MULTILINE)
    counters = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", recap.group(1))} if recap else {}
    # The run lock's calls (one read, two writes, none in check mode) are not the environment's: apart.
    recorded = [json.loads(line) for line in record.read_text().splitlines()]
    calls = [call for call in recorded if not is_lock_call(call)]
    # The recorder classified each call as it answered it.
    reads_by_service = Counter(call["service"] for call in calls if call["read"])
    reads = sum(reads_by_service.values())
    counted = json.loads(counts.read_text()) if counts.exists() else {"modules": 0, "by_action": {}}
    # The run lock's two module runs (take, release) are counted apart, as its calls are.
    lock_runs = counted["by_action"].get("flask_react.aws.run_lock", 0)
    modules = counted["modules"] - lock_runs
    return {
        "seconds": seconds,
        "cpu": cpu,
        "tasks": counters.get("ok", 0) + counters.get("changed", 0) + counters.get("failed", 0),
        "skipped": counters.get("skipped", 0),
        "changed": counters.get("changed", 0),
        # The stock playbook ignores its errors to show how far it gets: count those too.
        "failed": counters.get("failed", 0) + counters.get("ignored", 0),
        "reads": reads,
        "writes": len(calls) - reads,
        "lock_calls": len(recorded) - len(calls),
        "lock_runs": lock_runs,
        "modules": modules,
        "reads_by_service": reads_by_service,
        "failures": failures(done.stdout),
        "created": sum(1 for c in calls if c["action"].startswith(CREATES) and c["status"][0].startswith("2")),
    }


def cpu_seconds() -> float:
    """User and system CPU time of the processes this one started and waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_rounds(rounds: list[list[tuple[str, str, dict]]]) -> list[tuple[str, str, dict]]:
    """The first round's rows with each time the median of all rounds'."""
    rows = []
    for index, (label, phase, first) in enumerate(rounds[0]):
        times = {key: statistics.median(r[index][2][key] for r in rounds) for key in ("seconds", "cpu")}
        rows.append((label, phase, dict(first, **times)))
    return rows


def measure(strategy: str, latency_ms: int = 0) -> list[tuple[str, str, dict]]:
    """Cold then no-op runs of each playbook, each playbook on a fresh emulator answering ``latency_ms`` late."""
    rows = []
    for label, playbook in PLAYBOOKS.items():
        port = free_port()
        with tempfile.TemporaryDirectory() as state:
            record = Path(state) / "calls.jsonl"
            if ctl.start(port, record=str(record), latency_ms=latency_ms):
                raise SystemExit(f"the emulator did not start on port {port}")
            try:
                for phase in ("cold", "no-op"):
                    rows.append((label, phase, run(playbook, port, record, state, strategy)))
            finally:
                ctl.stop(port)
    return rows


def table(strategy: str, rows: list[tuple[str, str, dict]], latency_ms: int = 0) -> list[str]:
    lines = [
        f"strategy: {strategy}, latency: {latency_ms} ms per AWS call",
        "",
        "| playbook | run | wall s | CPU s | tasks | skipped | module runs | changed | failed "
        "| AWS reads | AWS writes |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, phase, r in rows:
        lines.append(
            f"| {label} | {phase} | {r['seconds']:.1f} | {r['cpu']:.1f} | {r['tasks']} | {r['skipped']} "
            f"| {r['modules']} | {r['changed']} | {r['failed']} | {r['reads']} | {r['writes']} |"
        )
    for label, phase, r in rows:
        for failure in r["failures"]:
            lines.append(f"- {label} {phase} failed: {failure}")
    ours = {phase: r for label, phase, r in rows if label == "flask_react.aws"}
    stock = {phase: r for label, phase, r in rows if label == "stock modules"}
    lines.append("")
    for phase in ("cold", "no-op"):
        wall, cpu = (ours[phase][key] / stock[phase][key] for key in ("seconds", "cpu"))
        lines.append(f"- {phase}: flask_react.aws / stock wall time = {wall:.2f}, CPU time = {cpu:.2f}")
    for label, runs in (("flask_react.aws", ours), ("stock modules", stock)):
        created = runs["cold"]["created"]
        per = runs["no-op"]["reads"] / created if created else float("nan")
        lines.append(f"- {label}: {created} resources created cold, no-op reads per resource = {per:.1f}")
        by_service = ", ".join(f"{name} {count}" for name, count in runs["no-op"]["reads_by_service"].most_common())
        lines.append(f"  no-op reads by service: {by_service}")
    return lines


def main() -> int:
    # Both strategies by default (the issue asks for both); BENCH_STRATEGIES=linear for one.
    strategies = os.environ.get("BENCH_STRATEGIES", "linear mitogen_linear").split()
    latencies = [int(ms) for ms in os.environ.get("BENCH_LATENCIES", "0 50").split()]
    rounds = int(os.environ.get("BENCH_ROUNDS", "1"))
    lines: list[str] = []
    for strategy in strategies:
        for latency_ms in latencies:
            rows = median_rounds([measure(strategy, latency_ms) for round_number in range(rounds)])
            lines += table(strategy, rows, latency_ms) + [""]
    report = "\n".join(lines).rstrip()
    print(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
