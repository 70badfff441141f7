"""Interrupted runs resume (issue 13): a site.yml stopped part-way converges on the next run, and a
teardown.yml stopped part-way leaves nothing after the next run.

The interruption is a Ctrl-C (SIGINT to ansible-playbook's process group, as a terminal sends it),
on an emulator playing back AWS's lags, so the stop lands while AWS is still busy. The local
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
from tests.unit.playbooks.conftest import ANSI, playbook_env, run_playbook, start_emulator
from tests.unit.playbooks.lag import LAG, POLL, leftovers

EXTRA = ("-e", json.dumps(POLL))


@pytest.fixture(scope="module")
def lagged(tmp_path_factory: pytest.TempPathFactory) -> Any:
    record = tmp_path_factory.mktemp("calls") / "calls.jsonl"
    port = start_emulator(record, aws_lag=LAG)
    yield port, record, tmp_path_factory.mktemp("state")
    ctl.stop(port)


def interrupt(port: int, state: Path, playbook: str, stop_at: Any) -> list[str]:
    """Run ``playbooks/<playbook>``; Ctrl-C it at the first output line for which ``stop_at(line, seen)`` holds.

    Returns the lines it printed. Fails when the run ended before that line.
    """
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
        if stop_at(line, seen):
            os.killpg(process.pid, signal.SIGINT)
            stopped = True
            break
    # Stop reading line by line: a run that hangs on Ctrl-C (mitogen's workers can) would keep the
    # pipe open for ever. A second Ctrl-C is what a person at the terminal does next, then kill.
    for sig, grace in ((signal.SIGINT, 20), (signal.SIGKILL, 30)):
        try:
            rest = process.communicate(timeout=grace)[0]
            break
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, sig)
    else:
        rest = process.communicate()[0]
    seen.extend(ANSI.sub("", line) for line in (rest or "").splitlines(keepends=True))
    assert stopped, "the run ended before the point to interrupt it:\n" + "".join(seen[-60:])
    assert process.returncode != 0, "".join(seen[-60:])
    return seen


def role_started(role: str) -> Any:
    return lambda line, seen: line.startswith(f"TASK [flask_react.aws.{role} ")


def path_rules(port: int, lb_arn: str) -> list[dict[str, Any]]:
    elb = emulator_client(port, "elbv2")
    listeners = elb.describe_listeners(LoadBalancerArn=lb_arn)["Listeners"]
    rules = [r for listener in listeners for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]]
    return [r for r in rules if not r["IsDefault"]]


def load_balancer_without_rules(port: int) -> Any:
    """At a task's start: the load balancer exists (the alb role made it) and has no path rule yet."""

    def stop_at(line: str, seen: list[str]) -> bool:
        if not line.startswith("TASK ["):
            return False
        found = emulator_client(port, "elbv2").describe_load_balancers()["LoadBalancers"]
        return bool(found) and not path_rules(port, found[0]["LoadBalancerArn"])

    return stop_at


def waiting_in_rds_teardown(line: str, seen: list[str]) -> bool:
    """A retry of the rds role (AWS still deleting the database), or failing that the next role."""
    in_rds = any(earlier.startswith("TASK [flask_react.aws.rds ") for earlier in seen)
    return (in_rds and line.startswith("FAILED - RETRYING")) or role_started("target_groups")(line, seen)


def test_site_interrupted_after_the_load_balancer_converges_on_the_next_run(lagged):
    port, record, state = lagged
    interrupt(port, state, "site.yml", load_balancer_without_rules(port))
    (lb,) = emulator_client(port, "elbv2").describe_load_balancers(Names=["flask-react-alb"])["LoadBalancers"]

    completed, _calls = run_playbook(port, record, state, "site.yml", *EXTRA)
    assert completed.returncode == 0, completed.stdout[-4000:]
    rules = path_rules(port, lb["LoadBalancerArn"])
    paths = {v for r in rules for c in r["Conditions"] for v in c.get("PathPatternConfig", {}).get("Values", [])}
    assert {"/users*", "/ping"} <= paths, rules


def test_teardown_interrupted_while_aws_deletes_leaves_nothing_after_the_next_run(lagged):
    port, record, state = lagged
    lines = interrupt(port, state, "teardown.yml", waiting_in_rds_teardown)
    assert leftovers(port, "flask-react"), "interrupted before anything was left to resume:\n" + "".join(lines[-40:])

    completed, _calls = run_playbook(port, record, state, "teardown.yml", *EXTRA)
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert leftovers(port, "flask-react") == {}
