"""The alb and target_groups roles against AWS's lags (issue 13, behaviours 2, 3 and 6).

One emulator plays back, each for the first CALLS requests that meet it (tests/unit/playbooks/lag.py):
a new load balancer ``provisioning`` (6), its network interfaces lingering after its delete and
holding its security group (2), and a target group ``ResourceInUse`` after the rule, listener or
load balancer that used it went (3). The naive teardown meets each error the roles handle; the
roles' runs wait and retry through each lag (the emulator's recording shows it), and a changed
target type waits for the old group to be free.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator import ctl
from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import run_playbook
from tests.unit.playbooks.lag import met, start_lagged, waited_out

STACK = "../tests/unit/playbooks/alb_stack.yml"
NAIVE = "../tests/unit/playbooks/alb_naive_teardown.yml"
SERVICES = [
    {"name": "client", "port": 80, "health_check_path": "/", "default": True},
    {"name": "users", "port": 5000, "health_check_path": "/ping", "paths": ["/users*", "/ping"]},
]
EXTRA = {"name": "admin", "port": 8080, "health_check_path": "/", "paths": ["/admin*"]}


@pytest.fixture(scope="module")
def lagging(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``run(playbook, **extra_vars)`` -> (completed, recorded calls) on one emulator with the three lags on;
    returns (run, port)."""
    record = tmp_path_factory.mktemp("calls") / "calls.jsonl"
    state = tmp_path_factory.mktemp("state")
    port = start_lagged(record, only=("alb-eni", "target-group-in-use", "alb-provisioning"))

    def run(playbook: str, **extra: Any) -> tuple[Any, list]:
        # Look every second rather than every 5: the same waits, in less test time.
        extra = {"alb_poll_interval": 1, "target_groups_poll_interval": 1, **extra}
        return run_playbook(port, record, state, playbook, "-e", json.dumps(extra))

    yield run, port
    ctl.stop(port)


def test_a_new_load_balancer_is_awaited_until_active(lagging: Any) -> None:
    run, port = lagging
    # Without the target_groups role between, the wait comes while AWS still provisions.
    done, calls = run(STACK, with_target_groups=False, app_services=SERVICES)
    assert done.returncode == 0, done.stdout[-3000:]
    # The play read the load balancer provisioning, and read again until it was not.
    assert waited_out(calls, "alb-provisioning", "DescribeLoadBalancers"), calls
    (balancer,) = emulator_client(port, "elbv2").describe_load_balancers()["LoadBalancers"]
    assert balancer["State"]["Code"] == "active", "the play ends with the load balancer usable"


def test_the_naive_teardown_meets_both_errors(lagging: Any) -> None:
    """What the roles' handling is for: the stock modules, one after the other, fail on both."""
    run = lagging[0]
    done, calls = run(NAIVE)
    assert [c["status"] for c in met(calls, "target-group-in-use", "DeleteTargetGroup")] == [["400"]], calls
    assert [c["status"] for c in met(calls, "alb-eni", "DeleteSecurityGroup")] == [["400"]], calls
    assert "target group: ResourceInUse; security group: DependencyViolation" in done.stdout, done.stdout[-3000:]


def test_dropping_a_service_with_purge_retries_its_group_while_in_use(lagging: Any) -> None:
    run, port = lagging
    done, _calls = run(STACK, app_services=[*SERVICES, EXTRA])
    assert done.returncode == 0, done.stdout[-3000:]
    done, calls = run(STACK, app_services=SERVICES, target_groups_purge=True)
    assert done.returncode == 0, done.stdout[-3000:]
    # Refused while the dropped service's rule had just gone, retried until deleted.
    assert waited_out(calls, "target-group-in-use", "DeleteTargetGroup"), calls
    names = {
        group["TargetGroupName"] for group in emulator_client(port, "elbv2").describe_target_groups()["TargetGroups"]
    }
    assert names == {"flask-react-client-tg", "flask-react-users-tg"}


def test_a_changed_target_type_waits_until_the_old_group_is_free(lagging: Any) -> None:
    """alb_target_groups replaces and deletes the users group right after its rules: ResourceInUse, retried."""
    run, port = lagging
    done, calls = run(STACK, app_services=SERVICES, target_groups_target_type="instance")
    assert done.returncode == 0, done.stdout[-3000:]
    assert waited_out(calls, "target-group-in-use", "DeleteTargetGroup"), calls
    shown = " ".join(done.stderr.split())  # Ansible prints module warnings on stderr
    assert "for AWS to stop reporting target group flask-react-users-tg in use" in shown, done.stderr[-3000:]
    groups = emulator_client(port, "elbv2").describe_target_groups()["TargetGroups"]
    assert {group["TargetType"] for group in groups} == {"instance"}


def test_teardown_waits_for_the_interfaces_and_retries_the_groups_in_use(lagging: Any) -> None:
    run, port = lagging
    done, calls = run(STACK, stack_state="absent", app_services=SERVICES)
    assert done.returncode == 0, done.stdout[-3000:]
    # The target groups retried while AWS still counted them in use; the security group's delete came
    # once the load balancer's network interfaces were seen gone (listed, then no longer).
    assert waited_out(calls, "target-group-in-use", "DeleteTargetGroup"), calls
    assert waited_out(calls, "alb-eni", "DescribeNetworkInterfaces"), calls
    assert emulator_client(port, "elbv2").describe_target_groups()["TargetGroups"] == []
    groups = emulator_client(port, "ec2").describe_security_groups()["SecurityGroups"]
    assert [group["GroupName"] for group in groups] == ["default"]
