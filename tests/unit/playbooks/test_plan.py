"""The plan of a --check run tells the truth (issue 15): what it names is what the run then does.

One emulator and one converge sequence for the module, two environments in parallel
(``local`` with the course's app, ``three`` with three services and other names):
teardown of the empty account -> cold plan (--diff) -> cold run -> drift in one (the other is
the converged stack) -> plan -> run -> teardown plan.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.unit.playbooks.conftest import recap, run_playbook, writes

HOSTS = ("local", "three")
INVENTORY = Path(__file__).parent / "plan_inventory"

# The AWS call that creates each resource, by its CloudFormation type. Calls that set a
# property of a resource (webhook, lifecycle policy, ingress rules, tags, attachments,
# retention, a user's login profile and group membership) are not resources of their own.
CREATES = {
    "CreateRepository": "AWS::ECR::Repository",
    "CreateRole": "AWS::IAM::Role",
    "PutRolePolicy": "AWS::IAM::Policy",
    "CreateUser": "AWS::IAM::User",
    "CreateGroup": "AWS::IAM::Group",
    "CreateAccessKey": "AWS::IAM::AccessKey",
    "CreateSecret": "AWS::SecretsManager::Secret",
    "CreateProject": "AWS::CodeBuild::Project",
    "PutRule": "AWS::Events::Rule",
    "ImportSourceCredentials": "AWS::CodeBuild::SourceCredential",
    "CreateSecurityGroup": "AWS::EC2::SecurityGroup",
    "CreateLoadBalancer": "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "CreateListener": "AWS::ElasticLoadBalancingV2::Listener",
    "CreateRule": "AWS::ElasticLoadBalancingV2::ListenerRule",
    "CreateTargetGroup": "AWS::ElasticLoadBalancingV2::TargetGroup",
    "CreateDBSubnetGroup": "AWS::RDS::DBSubnetGroup",
    "CreateDBInstance": "AWS::RDS::DBInstance",
    "CreateCluster": "AWS::ECS::Cluster",
    "CreateService": "AWS::ECS::Service",
    "RegisterTaskDefinition": "AWS::ECS::TaskDefinition",
    "CreateLogGroup": "AWS::Logs::LogGroup",
}
# The call that updates a resource of a planned type (one call per resource in these tests).
UPDATES = {
    "ModifyTargetGroup": "AWS::ElasticLoadBalancingV2::TargetGroup",
    "ModifyListener": "AWS::ElasticLoadBalancingV2::Listener",
    "ModifyRule": "AWS::ElasticLoadBalancingV2::ListenerRule",
    "PutImageScanningConfiguration": "AWS::ECR::Repository",
    "UpdateProject": "AWS::CodeBuild::Project",
}


class Stack:
    """The module's emulator and state folder."""

    def __init__(self, port: int, record: Path, state: Path) -> None:
        self.port, self.record, self.state = port, record, state
        # A copy, so a test can change the second environment's app.
        self.inventory = state / "inventory"
        shutil.copytree(INVENTORY, self.inventory)

    def run(
        self, name: str, *args: str, hosts: tuple[str, ...] = HOSTS, returncode: int = 0
    ) -> tuple[Any, list, dict[str, list]]:
        """Run a playbook on ``hosts``, which exits with ``returncode``; returns (run, calls, the plan of each
        host in check mode)."""
        for host in HOSTS:
            self.plan_file(host).unlink(missing_ok=True)
        limit = ("--limit", ",".join(hosts))
        completed, calls = run_playbook(
            self.port, self.record, self.state, name, "-i", str(self.inventory), *limit, *args
        )
        assert completed.returncode == returncode, completed.stdout[-3000:]
        plans = {}
        if "--check" in args:
            for host in hosts:
                plan = json.loads(self.plan_file(host).read_text())
                assert plan["environment"] == host
                assert oct(self.plan_file(host).stat().st_mode & 0o777) == "0o600"
                plans[host] = plan["changes"]
        return completed, calls, plans

    def plan_file(self, host: str) -> Path:
        return self.state / ".outputs" / f"{host}.plan.json"

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            region_name="us-west-1",
            endpoint_url=f"http://127.0.0.1:{self.port}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def created_types(calls: list) -> Counter:
    """Per CloudFormation type, how many resources the run created (successful create calls)."""
    return Counter(
        CREATES[call["action"]] for call in calls if call["action"] in CREATES and call["status"][0].startswith("2")
    )


def planned(plans: dict[str, list], action: str) -> list[tuple[str, str, str]]:
    return sorted(
        (host, c["type"], c["name"]) for host, changes in plans.items() for c in changes if c["action"] == action
    )


@pytest.fixture(scope="module")
def stack(recording_emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    port, record = recording_emulator
    return Stack(port, record, tmp_path_factory.mktemp("state"))


@pytest.fixture(scope="module")
def cold(stack: Stack) -> dict[str, Any]:
    """A teardown of the empty account; the plan on it (with --diff), then the run that follows."""
    empty_teardown, empty_teardown_calls, _plans = stack.run("teardown.yml", hosts=("local",))
    plan_run, plan_calls, plans = stack.run("site.yml", "--check", "--diff")
    run, run_calls, _state = stack.run("site.yml")
    return {
        "empty_teardown": empty_teardown,
        "empty_teardown_calls": empty_teardown_calls,
        "plan_run": plan_run,
        "plans": plans,
        "plan_calls": plan_calls,
        "run": run,
        "run_calls": run_calls,
    }


# (was test_check_mode.py, on an emulator of its own)
def test_teardown_on_an_empty_account_succeeds_and_changes_nothing(cold: dict[str, Any]) -> None:
    assert recap(cold["empty_teardown"].stdout)["changed"] == 0
    # amazon.aws.rds_subnet_group sends a delete without looking first; AWS answers "not found".
    assert writes(cold["empty_teardown_calls"], succeeded_only=True) == []


def test_check_run_sends_no_write_call(cold: dict[str, Any]) -> None:
    assert writes(cold["plan_calls"]) == []
    # (was test_check_mode.py) --check --diff on an empty account reports what it would create.
    assert recap(cold["plan_run"].stdout)["changed"] >= 10, "every resource it would create is reported"
    assert "would create load balancer flask-react-alb" in cold["plan_run"].stdout


def test_cold_plan_creates_what_the_run_creates(cold: dict[str, Any]) -> None:
    plans = cold["plans"]
    assert planned(plans, "update") == [] and planned(plans, "delete") == []
    planned_types = Counter(kind for _host, kind, _name in planned(plans, "create"))
    assert planned_types == created_types(cold["run_calls"])
    names = set(planned(plans, "create"))
    assert ("three", "AWS::ECR::Repository", "shop-images-admin") in names
    assert ("local", "AWS::CodeBuild::Project", "flask-react-build") in names
    assert ("three", "AWS::IAM::Policy", "shop-build-role/shop-build-logs") in names
    assert ("three", "AWS::ElasticLoadBalancingV2::ListenerRule", "shop-alb:80 /admin*,/staff*") in names
    assert ("local", "AWS::ECS::Service", "flask-react-users") in names


@pytest.fixture(scope="module")
def drifted(stack: Stack, cold: dict[str, Any]) -> dict[str, Any]:
    """Drifts behind the playbook's back in ``local``: the empty plan of ``three``, converged;
    then ``three``'s app changes (a path moved between services, the default service renamed).
    Each planned, then run."""
    # The drift gate (plan_fail_on_changes) passes on the converged account, fails on the drifted one.
    gate = ("-e", "plan_fail_on_changes=true")
    converged_run, converged_calls, converged = stack.run("site.yml", "--check", "--diff", *gate)
    stack.client("ecr").put_image_scanning_configuration(
        repositoryName="test-driven-users", imageScanningConfiguration={"scanOnPush": False}
    )
    stack.client("codebuild").update_project(name="flask-react-build", timeoutInMinutes=33)
    elbv2 = stack.client("elbv2")
    group = elbv2.describe_target_groups(Names=["flask-react-users-tg"])["TargetGroups"][0]
    elbv2.modify_target_group(TargetGroupArn=group["TargetGroupArn"], HealthCheckPath="/health")
    host_vars = stack.inventory / "host_vars" / "three.yml"
    host_vars.write_text(
        host_vars.read_text()
        .replace("name: web", "name: www")
        .replace("paths: [/api*]", "paths: [/api*, /staff*]")
        .replace("paths: [/admin*, /staff*]", "paths: [/admin*]")
    )
    plan_run, plan_calls, plans = stack.run("site.yml", "--check", *gate, returncode=2)
    _run, run_calls, _state = stack.run("site.yml")
    return {
        "converged": converged,
        "converged_run": converged_run,
        "converged_calls": converged_calls,
        "plans": plans,
        "plan_run": plan_run,
        "plan_calls": plan_calls,
        "run_calls": run_calls,
    }


def test_the_drift_gate_fails_a_plan_with_changes_after_the_summary_and_the_file(drifted: dict[str, Any]) -> None:
    out = drifted["plan_run"].stdout
    words = " ".join(out.split())  # the callback may wrap the message
    assert "plan_fail_on_changes: local differs from the inventory, Plan for local: 0 to create, 3 to update" in words
    assert "Plan for three:" in out and recap(out)["failed"] == 1
    # (The plan files were read by Stack.run: written before the gate failed.)
    assert drifted["plans"]["local"] and drifted["plans"]["three"]


def test_converged_stack_plans_nothing(drifted: dict[str, Any]) -> None:
    assert drifted["converged"] == {"local": [], "three": []}
    # --check --diff on a converged account reports nothing and writes nothing.
    assert recap(drifted["converged_run"].stdout)["changed"] == 0, drifted["converged_run"].stdout[-3000:]
    assert writes(drifted["converged_calls"]) == []


def test_drift_plans_exactly_the_drifted_resources(drifted: dict[str, Any]) -> None:
    assert drifted["plans"]["local"] == [
        {"type": "AWS::ECR::Repository", "name": "test-driven-users", "action": "update"},
        {"type": "AWS::CodeBuild::Project", "name": "flask-react-build", "action": "update"},
        {"type": "AWS::ElasticLoadBalancingV2::TargetGroup", "name": "flask-react-users-tg", "action": "update"},
    ]
    assert writes(drifted["plan_calls"]) == []


def test_moved_path_and_renamed_default_service_are_planned_as_rule_and_group_changes(drifted: dict[str, Any]) -> None:
    elb = {
        (c["type"].rsplit("::", 1)[1], c["name"], c["action"])
        for c in drifted["plans"]["three"]
        if "Elastic" in c["type"]
    }
    assert elb == {
        ("TargetGroup", "shop-www-tg", "create"),
        ("Listener", "shop-alb:80", "update"),
        ("ListenerRule", "shop-alb:80 /api*,/staff*", "update"),
        ("ListenerRule", "shop-alb:80 /admin*", "update"),
    }


def test_the_run_after_the_plan_changes_what_it_planned(drifted: dict[str, Any]) -> None:
    made = Counter()
    for call in drifted["run_calls"]:
        if not call["status"][0].startswith("2"):
            continue
        if call["action"] in CREATES:
            made[(CREATES[call["action"]], "create")] += 1
        elif call["action"] in UPDATES:
            made[(UPDATES[call["action"]], "update")] += 1
    planned_changes = Counter(
        (c["type"], c["action"])
        for changes in drifted["plans"].values()
        for c in changes
        if c["type"] != "AWS::IAM::Policy"
    )
    # PutRolePolicy creates or updates an inline policy: policies are left out of this count.
    assert {key: count for key, count in made.items() if key[0] != "AWS::IAM::Policy"} == planned_changes


def test_teardown_plan_lists_everything_and_deletes_nothing(
    stack: Stack, cold: dict[str, Any], drifted: dict[str, Any]
) -> None:
    _run, calls, plans = stack.run("teardown.yml", "--check", hosts=("local",))
    assert writes(calls) == []
    assert planned(plans, "create") == [] and planned(plans, "update") == []
    deleted = {resource(entry) for entry in planned(plans, "delete")}
    created = {
        resource(entry)
        for entry in planned(cold["plans"], "create")
        if entry[0] == "local" and entry[1] != "AWS::CodeBuild::SourceCredential"  # teardown keeps it
    }
    # Everything the cold run made; a rule deleted is named by its ID (the module has only its ARN).
    rule = "AWS::ElasticLoadBalancingV2::ListenerRule"
    assert deleted >= {entry for entry in created if entry[1] != rule}
    assert sum(entry[1] == rule for entry in deleted) == sum(entry[1] == rule for entry in created)
    assert ("local", "AWS::IAM::AccessKey", "flask-react-admin") in deleted
    assert stack.client("ecr").describe_repositories()["repositories"], "nothing deleted"
    assert os.path.exists(stack.plan_file("local"))


def resource(entry: tuple[str, str, str]) -> tuple[str, str, str]:
    """An access key is planned as <user> before it exists, as <user>/<key id> after."""
    host, kind, name = entry
    return (host, kind, name.split("/")[0]) if kind == "AWS::IAM::AccessKey" else entry
