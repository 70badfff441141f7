"""Time 100 paths over 10 target groups through one alb_listener_rules call, cold and no-op.

Run with ``make bench-listener-rules``: starts a recording emulator on port 4577,
converges site.yml, adds 10 target groups, runs benchmarks/listener_rules_100.yml
twice and prints wall time and AWS calls (reads/writes by action) of each run.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.emulator import ctl
from tests.emulator.client import emulator_client
from tests.emulator.middleware import is_read

PORT = 4577
REPO = Path(__file__).resolve().parents[1]
RECORD = REPO / ".emulator" / "bench-listener-rules.jsonl"


def playbook(path: str) -> float:
    started = time.monotonic()
    subprocess.run(
        ["ansible-playbook", path],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
        env=dict(os.environ, EMULATOR_PORT=str(PORT)),
    )
    return time.monotonic() - started


def calls() -> collections.Counter:
    lines = [json.loads(line) for line in RECORD.read_text().splitlines()]
    return collections.Counter(line["action"] for line in lines)


def main() -> int:
    RECORD.parent.mkdir(exist_ok=True)
    RECORD.unlink(missing_ok=True)
    if ctl.start(PORT, record=str(RECORD)):
        return 1
    try:
        playbook("playbooks/site.yml")
        vpc = emulator_client(PORT, "ec2").describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])
        elb = emulator_client(PORT, "elbv2")
        for group in range(10):
            elb.create_target_group(Name=f"bench-{group}-tg", Protocol="HTTP", Port=80, VpcId=vpc["Vpcs"][0]["VpcId"])
        for label in ("cold", "no-op"):
            RECORD.write_text("")
            seconds = playbook("benchmarks/listener_rules_100.yml")
            counted = calls()
            reads = sum(count for action, count in counted.items() if is_read(action))
            print(f"{label:6} {seconds:5.2f} s  {reads} reads, {sum(counted.values()) - reads} writes  {dict(counted)}")
    finally:
        ctl.stop(PORT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
