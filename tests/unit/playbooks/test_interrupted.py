"""Interrupted runs resume (issue 13): a site.yml stopped part-way converges on the next run, and a
teardown.yml stopped part-way leaves nothing after the next run.

The interruption is a Ctrl-C (SIGINT to ansible-playbook's process group, as a terminal sends it),
on an emulator playing back AWS's lags (each for the first calls that meet it), at a point the
emulator's recording shows (the load balancer made and no rule yet; the database met deleting), so
the stop lands while AWS is still busy, whatever the task names and the machine's speed. The local
inventory's uninterrupted lagged runs (cold, idempotence, a no-op with no write call, teardown)
are the molecule default scenario's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.emulator import ctl
from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import ANSI, kill_run, playbook_env, run_playbook
from tests.unit.playbooks.lag import POLL, leftovers, met, start_lagged

EXTRA = ("-e", json.dumps(POLL))
# The database stays "deleting" for this many looks (about a second each): room to interrupt the wait.
DELETING_CALLS = 5


@pytest.fixture(scope="module")
def lagged(tmp_path_factory: pytest.TempPathFactory) -> Any:
    record = tmp_path_factory.mktemp("calls") / "calls.jsonl"
    port = start_lagged(record, calls=DELETING_CALLS)
    yield port, record, tmp_path_factory.mktemp("state")
    ctl.stop(port)


def interrupt(port: int, record: Path, state: Path, playbook: str, stop_at: Any) -> list[str]:
    """Run ``playbooks/<playbook>``; Ctrl-C it at the first output line after which ``stop_at(calls)`` holds
    for the AWS calls the run made so far (the emulator's recording).

    Returns the lines it printed. Fails when the run ended before that point.
    """
    record.write_text("")
    process = subprocess.Popen(
        ["ansible-playbook", f"playbooks/{playbook}", "-i", "inventories/local", *EXTRA],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env=playbook_env(port, state, PYTHONUNBUFFERED="1"),
    )
    seen: list[str] = []
    stopped = False
    assert process.stdout is not None
    for raw in process.stdout:
        line = ANSI.sub("", raw)
        seen.append(line)
        if stop_at(recorded(record)):
            os.killpg(process.pid, signal.SIGINT)
            stopped = True
            break
    # Stop reading line by line: a run that hangs on Ctrl-C (mitogen's workers can) would keep the
    # pipe open for ever. A second Ctrl-C is what a person at the terminal does next, then kill.
    try:
        rest = process.communicate(timeout=20)[0]
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGINT)
        try:
            rest = process.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            kill_run(process)
            rest = process.communicate()[0]
    seen.extend(ANSI.sub("", line) for line in (rest or "").splitlines(keepends=True))
    assert stopped, "the run ended before the point to interrupt it:\n" + "".join(seen[-60:])
    assert process.returncode != 0, "".join(seen[-60:])
    return seen


def recorded(record: Path) -> list[dict[str, Any]]:
    """The AWS calls recorded so far (a line being written is left for the next look)."""
    calls = []
    for line in record.read_text().splitlines():
        try:
            calls.append(json.loads(line))
        except ValueError:
            break
    return calls


def path_rules(port: int, lb_arn: str) -> list[dict[str, Any]]:
    elb = emulator_client(port, "elbv2")
    listeners = elb.describe_listeners(LoadBalancerArn=lb_arn)["Listeners"]
    rules = [r for listener in listeners for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]]
    return [r for r in rules if not r["IsDefault"]]


def load_balancer_without_rules(calls: list[dict[str, Any]]) -> bool:
    """The load balancer was made and no path rule yet."""
    made = any(c["action"] == "CreateLoadBalancer" and c["status"][0].startswith("2") for c in calls)
    return made and not any(c["action"] == "CreateRule" for c in calls)


def waiting_in_rds_teardown(calls: list[dict[str, Any]]) -> bool:
    """The run has read the database still deleting: it is waiting on AWS."""
    return bool(met(calls, "rds-delete", "DescribeDBInstances"))


def test_site_interrupted_after_the_load_balancer_converges_on_the_next_run(lagged):
    port, record, state = lagged
    interrupt(port, record, state, "site.yml", load_balancer_without_rules)
    (lb,) = emulator_client(port, "elbv2").describe_load_balancers(Names=["flask-react-alb"])["LoadBalancers"]

    completed, _calls = run_playbook(port, record, state, "site.yml", *EXTRA)
    assert completed.returncode == 0, completed.stdout[-4000:]
    rules = path_rules(port, lb["LoadBalancerArn"])
    paths = {v for r in rules for c in r["Conditions"] for v in c.get("PathPatternConfig", {}).get("Values", [])}
    assert {"/users*", "/ping"} <= paths, rules


def test_teardown_interrupted_while_aws_deletes_leaves_nothing_after_the_next_run(lagged):
    port, record, state = lagged
    lines = interrupt(port, record, state, "teardown.yml", waiting_in_rds_teardown)
    assert leftovers(port, "flask-react"), "interrupted before anything was left to resume:\n" + "".join(lines[-40:])

    completed, _calls = run_playbook(port, record, state, "teardown.yml", *EXTRA)
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert leftovers(port, "flask-react") == {}
