"""A service leaves cleanly (issue 19 item 9), on the emulator, for a converged three-service app:
dropping one plans, then deletes, its ECS service, task definitions and log group in the same run
(and with the purge flags its target group and repository, never while a live service uses them);
a second run changes nothing; teardown stops at once, naming it, at a service that is not the app's,
and otherwise leaves nothing. The tests run in order on one emulator and one state folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap, run_playbook, writes
from tests.unit.playbooks.lag import leftovers

pytestmark = pytest.mark.emulator

WEB = {"name": "web", "port": 80, "health_check_path": "/", "default": True}
API = {"name": "api", "port": 5000, "health_check_path": "/health", "paths": ["/api*"]}
ADMIN = {"name": "admin", "port": 8080, "health_check_path": "/", "paths": ["/admin*"]}
APP = {
    "app_name": "shop",
    "ecr_repository_prefix": "acme",
    "app_services": [WEB, API, ADMIN],
    # As in test_ecs.py: target groups of type ip (ECS on Fargate).
    "target_groups_target_type": "ip",
}
# admin dropped; the purge flags on, so that its target group and repository may go too.
DROPPED = dict(APP, app_services=[WEB, API], target_groups_purge=True, ecr_purge=True)
THEIRS = "theirs"  # another team's service in the app's cluster, without the app's tags


class Stack:
    def __init__(self, port: int, record: Path, state: Path) -> None:
        self.port, self.record, self.state = port, record, state

    def run(self, name: str, app: dict, *args: str) -> tuple[Any, list]:
        return run_playbook(self.port, self.record, self.state, name, "-e", json.dumps(app), *args)

    def aws(self, service: str) -> Any:
        return emulator_client(self.port, service, "us-west-1")

    def plan(self) -> list[tuple[str, str, str]]:
        changes = json.loads((self.state / ".outputs" / "local.plan.json").read_text())["changes"]
        return sorted((c["action"], c["type"], c["name"]) for c in changes)

    def service_status(self, name: str) -> str:
        found = self.aws("ecs").describe_services(cluster="shop-cluster", services=[name])["services"]
        return found[0]["status"] if found else "MISSING"


@pytest.fixture(scope="module")
def stack(recording_emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    stack = Stack(*recording_emulator, tmp_path_factory.mktemp("state"))
    completed, _calls = stack.run("site.yml", APP)
    assert completed.returncode == 0, completed.stdout[-3000:]
    return stack


def test_the_plan_of_dropping_a_service_lists_each_deletion(stack):
    completed, calls = stack.run("site.yml", DROPPED, "--check")
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert writes(calls) == []
    deletes = [(kind, name) for action, kind, name in stack.plan() if action == "delete"]
    assert ("AWS::ECS::Service", "shop-admin") in deletes
    assert ("AWS::ECS::TaskDefinition", "shop-admin") in deletes
    assert ("AWS::Logs::LogGroup", "/ecs/shop-admin") in deletes
    assert ("AWS::ElasticLoadBalancingV2::TargetGroup", "shop-admin-tg") in deletes
    assert ("AWS::ECR::Repository", "acme-admin") in deletes
    assert not [name for kind, name in deletes if "web" in name or "api" in name], deletes
    assert stack.service_status("shop-admin") == "ACTIVE"


def test_another_teams_service_moves_in_using_admins_group_and_repository(stack):
    ecs, elb = stack.aws("ecs"), stack.aws("elbv2")
    admin = ecs.describe_services(cluster="shop-cluster", services=["shop-admin"])["services"][0]
    definition = ecs.describe_task_definition(taskDefinition=admin["taskDefinition"])["taskDefinition"]
    theirs = ecs.register_task_definition(
        family=THEIRS,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[dict(definition["containerDefinitions"][0], name=THEIRS)],
    )["taskDefinition"]["taskDefinitionArn"]
    group = elb.describe_target_groups(Names=["shop-admin-tg"])["TargetGroups"][0]["TargetGroupArn"]
    ecs.create_service(
        cluster="shop-cluster",
        serviceName=THEIRS,
        taskDefinition=theirs,
        desiredCount=0,
        launchType="FARGATE",
        networkConfiguration=admin["networkConfiguration"],
        loadBalancers=[{"targetGroupArn": group, "containerName": THEIRS, "containerPort": 8080}],
    )
    assert stack.service_status(THEIRS) == "ACTIVE"


def test_the_run_that_drops_it_deletes_the_service_its_task_definitions_and_logs(stack):
    completed, _calls = stack.run("site.yml", DROPPED)
    assert completed.returncode == 0, completed.stdout[-3000:]
    ecs = stack.aws("ecs")
    assert stack.service_status("shop-admin") in ("INACTIVE", "MISSING")
    for status in ("ACTIVE", "INACTIVE"):
        assert ecs.list_task_definitions(familyPrefix="shop-admin", status=status)["taskDefinitionArns"] == []
    logs = [g["logGroupName"] for g in stack.aws("logs").describe_log_groups(logGroupNamePrefix="/ecs/")["logGroups"]]
    assert sorted(logs) == ["/ecs/shop-api", "/ecs/shop-web"]
    assert stack.service_status("shop-web") == stack.service_status("shop-api") == "ACTIVE"
    # Never a service without the app's tags; and the purges spare what it uses, naming it.
    assert stack.service_status(THEIRS) == "ACTIVE"
    assert stack.aws("elbv2").describe_target_groups(Names=["shop-admin-tg"])["TargetGroups"]
    assert stack.aws("ecr").describe_repositories(repositoryNames=["acme-admin"])["repositories"]
    shown = " ".join(completed.stdout.split())
    assert f"target group shop-admin-tg is kept: ECS service(s) {THEIRS} still use it" in shown
    assert f"repository acme-admin is still used by ECS service(s) {THEIRS}" in shown


def test_a_second_run_changes_nothing(stack):
    completed, calls = stack.run("site.yml", DROPPED)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert recap(completed.stdout)["changed"] == 0, completed.stdout[-3000:]
    assert writes(calls) == []


def test_teardown_stops_at_once_naming_a_service_that_is_not_the_apps(stack):
    completed, calls = stack.run("teardown.yml", DROPPED)
    assert completed.returncode != 0
    shown = " ".join(completed.stdout.split())
    assert f"ECS cluster shop-cluster holds services this app did not make (no app tags): {THEIRS}." in shown
    assert "the load balancer, the database and the rest of shop are still there (and billing)" in shown
    # Fast: no DeleteCluster retried, nothing of ECS deleted, the load balancer and the database kept.
    assert [w for w in writes(calls) if w.startswith("ecs:")] == []
    assert stack.service_status("shop-web") == "ACTIVE"
    assert stack.aws("elbv2").describe_load_balancers(Names=["shop-alb"])["LoadBalancers"]
    assert stack.aws("rds").describe_db_instances()["DBInstances"]


def test_once_their_service_is_gone_the_purges_take_what_it_used_and_teardown_leaves_nothing(stack):
    ecs = stack.aws("ecs")
    ecs.delete_service(cluster="shop-cluster", service=THEIRS)
    completed, _calls = stack.run("site.yml", DROPPED)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "shop-admin-tg" not in [
        g["TargetGroupName"] for g in stack.aws("elbv2").describe_target_groups()["TargetGroups"]
    ]
    assert "acme-admin" not in [r["repositoryName"] for r in stack.aws("ecr").describe_repositories()["repositories"]]

    completed, _calls = stack.run("teardown.yml", DROPPED)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert leftovers(stack.port, "shop") == {}
    for family in ("shop-web", "shop-api", "shop-admin"):
        assert ecs.list_task_definitions(familyPrefix=family, status="ACTIVE")["taskDefinitionArns"] == []
    assert stack.aws("logs").describe_log_groups(logGroupNamePrefix="/ecs/")["logGroups"] == []
