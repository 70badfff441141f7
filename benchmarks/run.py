"""`make bench`: cold and no-op runs of this collection's site.yml beside the stock-modules playbook.

Each playbook gets a fresh recording emulator; the table gives wall time, tasks run (recap
ok + changed + failed), failed tasks (ignored ones included), and AWS calls (reads / writes) of a cold run on an empty
account and of a second, no-op run. Results go to stdout and benchmarks/results/latest.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import free_port
from tests.emulator import ctl
from tests.emulator.middleware import is_read

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
PLAYBOOKS = {"flask_react.aws": "playbooks/site.yml", "stock modules": "benchmarks/stock_playbook.yml"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(playbook: str, port: int, record: Path, state: str, strategy: str) -> dict:
    record.write_text("")
    env = dict(
        os.environ, EMULATOR_PORT=str(port), LOCAL_STATE_DIR=state, ANSIBLE_NOCOLOR="1", ANSIBLE_STRATEGY=strategy
    )
    started = time.monotonic()
    done = subprocess.run(
        ["ansible-playbook", playbook, "-i", "inventories/local"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    recap = re.search(r"^local\s+:(.*)$", ANSI.sub("", done.stdout), re.MULTILINE)
    counters = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", recap.group(1))} if recap else {}
    calls = [json.loads(line) for line in record.read_text().splitlines()]
    reads = sum(1 for call in calls if is_read(call["action"]))
    return {
        "seconds": seconds,
        "tasks": counters.get("ok", 0) + counters.get("changed", 0) + counters.get("failed", 0),
        "changed": counters.get("changed", 0),
        # The stock playbook ignores its errors to show how far it gets: count those too.
        "failed": counters.get("failed", 0) + counters.get("ignored", 0),
        "reads": reads,
        "writes": len(calls) - reads,
    }


def main() -> int:
    strategy = os.environ.get("BENCH_STRATEGY", "linear")
    rows = []
    for label, playbook in PLAYBOOKS.items():
        port = free_port()
        with tempfile.TemporaryDirectory() as state:
            record = Path(state) / "calls.jsonl"
            if ctl.start(port, record=str(record)):
                return 1
            try:
                for phase in ("cold", "no-op"):
                    rows.append((label, phase, run(playbook, port, record, state, strategy)))
            finally:
                ctl.stop(port)
    lines = [
        f"strategy: {strategy}",
        "| playbook | run | wall s | tasks | changed | failed | AWS reads | AWS writes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, phase, r in rows:
        lines.append(
            f"| {label} | {phase} | {r['seconds']:.1f} | {r['tasks']} | {r['changed']} | {r['failed']} "
            f"| {r['reads']} | {r['writes']} |"
        )
    ours = {phase: r for label, phase, r in rows if label == "flask_react.aws"}
    stock = {phase: r for label, phase, r in rows if label == "stock modules"}
    for phase in ("cold", "no-op"):
        lines.append(
            f"{phase}: flask_react.aws / stock wall time = {ours[phase]['seconds'] / stock[phase]['seconds']:.2f}"
        )
    report = "\n".join(lines)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
