"""ECS end to end on the emulator, for an app of three services with other names than the course's:
cold converge, no-op converge, a deploy as CodeBuild runs it, a converge that keeps the deployed
image, teardown twice. One emulator and one cold converge for the whole module."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.conftest import REPO
from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap, writes

pytestmark = pytest.mark.emulator

SHA = "feedc0de" * 5
APP = {
    "app_name": "shop",
    "ecr_repository_prefix": "acme",
    "app_services": [
        {"name": "web", "port": 80, "health_check_path": "/", "default": True},
        {
            "name": "api",
            "port": 5000,
            "health_check_path": "/health",
            "paths": ["/api*"],
            "database": True,
            "command": ["sh", "-c", "exec gunicorn -b 0.0.0.0:5000 manage:app"],
            "environment": {"APP_SETTINGS": "src.config.ProductionConfig"},
        },
        {"name": "admin", "port": 8080, "paths": ["/admin*"], "cpu": 512, "memory": 1024, "desired_count": 2},
    ],
    # Until the alb helper's ECS-aware default lands, target groups of type ip are asked for here.
    "target_groups_target_type": "ip",
    "rds_db_name": "shop",
}
SERVICES = ["shop-web", "shop-api", "shop-admin"]


@pytest.fixture(scope="module")
def aws(recording_emulator):
    port = recording_emulator[0]
    return lambda service: emulator_client(f"http://127.0.0.1:{port}", service, "us-west-1")


@pytest.fixture(scope="module")
def cold(converge):
    return converge(**APP)


def described(aws, *names):
    return {
        s["serviceName"]: s
        for s in aws("ecs").describe_services(cluster="shop-cluster", services=list(names or SERVICES))["services"]
    }


def task_definition(aws, service):
    return aws("ecs").describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]


def test_bad_ecs_keys_fail_before_any_write(playbook):
    web = dict(APP["app_services"][0], memory=3, environment={"1X": "a"})
    completed, calls = playbook("site.yml", "-e", json.dumps(dict(APP, app_services=[web, *APP["app_services"][1:]])))
    assert completed.returncode != 0 and writes(calls) == []
    assert "app_services[0].memory must be a Fargate size for cpu 256: 512..2048 MiB" in completed.stdout
    assert "app_services[0].environment: '1X' is not a valid environment variable name" in completed.stdout


def test_cold_converge_runs_every_service_behind_its_target_group(cold, aws):
    services = described(aws)
    groups = {g["TargetGroupName"]: g for g in aws("elbv2").describe_target_groups()["TargetGroups"]}
    task_group = aws("ec2").describe_security_groups(GroupNames=["shop-ecs-tasks-security-group"])["SecurityGroups"][0]
    alb_group = aws("ec2").describe_security_groups(GroupNames=["shop-security-group"])["SecurityGroups"][0]
    for name, port in (("web", 80), ("api", 5000), ("admin", 8080)):
        service = services[f"shop-{name}"]
        group = groups[f"shop-{name}-tg"]
        assert group["TargetType"] == "ip"
        assert service["loadBalancers"] == [
            {"targetGroupArn": group["TargetGroupArn"], "containerName": name, "containerPort": port}
        ]
        assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert service["healthCheckGracePeriodSeconds"] == 60 and service["propagateTags"] == "SERVICE"
        assert service["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"] == [task_group["GroupId"]]
        # No image in ECR yet: 0 tasks until the first build.
        assert service["desiredCount"] == 0
        definition = task_definition(aws, service)
        container = definition["containerDefinitions"][0]
        assert definition["family"] == f"shop-{name}" and definition["networkMode"] == "awsvpc"
        assert container["image"] == f"123456789012.dkr.ecr.us-west-1.amazonaws.com/acme-{name}:prod"
        assert container["logConfiguration"]["options"]["awslogs-group"] == f"/ecs/shop-{name}"
        assert definition["executionRoleArn"].endswith("role/shop-ecs-execution-role")
        assert definition["taskRoleArn"].endswith("role/shop-ecs-task-role")
    assert task_definition(aws, services["shop-admin"])["memory"] == "1024"
    # The tasks admit the load balancer only, on the services' ports.
    rules = task_group["IpPermissions"]
    assert sorted(r["FromPort"] for r in rules) == [80, 5000, 8080]
    assert all(r["UserIdGroupPairs"][0]["GroupId"] == alb_group["GroupId"] and not r["IpRanges"] for r in rules)
    # The database admits the tasks (not the load balancer, which never talks to it).
    database = aws("ec2").describe_security_groups(GroupNames=["shop-db-security-group"])["SecurityGroups"][0]
    admitted = {pair["GroupId"] for rule in database["IpPermissions"] for pair in rule["UserIdGroupPairs"]}
    assert admitted == {task_group["GroupId"]}
    logs = aws("logs").describe_log_groups(logGroupNamePrefix="/ecs/shop-")["logGroups"]
    assert {g["logGroupName"]: g.get("retentionInDays") for g in logs} == {f"/ecs/{s}": 30 for s in SERVICES}
    outputs = json.loads((cold[2] / ".outputs" / "local.json").read_text())
    assert outputs["ecs"]["services"]["api"] == {"service": "shop-api", "log_group": "/ecs/shop-api"}
    assert "shop-api:1 (0 tasks until the first build pushes its image)" in cold[0].stdout


def test_roles_are_least_privilege(cold, aws):
    iam = aws("iam")
    execution = iam.list_attached_role_policies(RoleName="shop-ecs-execution-role")["AttachedPolicies"]
    assert [p["PolicyName"] for p in execution] == ["AmazonECSTaskExecutionRolePolicy"]
    secrets = iam.get_role_policy(RoleName="shop-ecs-execution-role", PolicyName="shop-ecs-secrets")["PolicyDocument"]
    rds_secret = aws("rds").describe_db_instances()["DBInstances"][0]["MasterUserSecret"]["SecretArn"]
    assert secrets["Statement"] == [
        {
            "Sid": "ReadTheServicesSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": [rds_secret, rds_secret + "-??????"],
        }
    ]
    assert iam.list_attached_role_policies(RoleName="shop-ecs-task-role")["AttachedPolicies"] == []
    assert iam.list_role_policies(RoleName="shop-ecs-task-role")["PolicyNames"] == []
    deploy = iam.get_role_policy(RoleName="shop-build-role", PolicyName="shop-ecs-deploy")["PolicyDocument"]
    update, register, tag, pass_role = deploy["Statement"]
    assert sorted(update["Resource"]) == sorted(
        f"arn:aws:ecs:us-west-1:123456789012:service/shop-cluster/{s}" for s in SERVICES
    )
    # The build registers revisions with the task definition's tags: TagResource on them, at creation only.
    assert tag["Action"] == "ecs:TagResource"
    assert sorted(tag["Resource"]) == sorted(
        f"arn:aws:ecs:us-west-1:123456789012:task-definition/{s}:*" for s in SERVICES
    )
    assert tag["Condition"] == {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}}
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}


def test_the_database_reaches_the_api_without_its_password(cold, aws):
    api = task_definition(aws, described(aws, "shop-api")["shop-api"])["containerDefinitions"][0]
    instance = aws("rds").describe_db_instances()["DBInstances"][0]
    secret_arn = instance["MasterUserSecret"]["SecretArn"]
    password = json.loads(aws("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"])["password"]
    environment = {e["name"]: e["value"] for e in api["environment"]}
    assert environment["DATABASE_HOST"] == instance["Endpoint"]["Address"]
    assert environment["DATABASE_NAME"] == "shop" and environment["DATABASE_USER"] == "webapp"
    assert api["secrets"] == [{"name": "DATABASE_PASSWORD", "valueFrom": f"{secret_arn}:password::"}]
    everything = json.dumps(aws("ecs").describe_task_definition(taskDefinition="shop-api")) + cold[0].stdout
    assert password not in everything


def test_second_run_changes_nothing_and_writes_nothing(cold, converge):
    completed, calls, _state = converge(**APP)
    assert recap(completed.stdout)["changed"] == 0, completed.stdout[-3000:]
    assert writes(calls) == []


def test_a_deploy_as_codebuild_runs_it_then_a_converge_keeps_the_image(cold, aws, converge, recording_emulator):
    ecr = aws("ecr")
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"})
    for name in ("web", "api", "admin"):  # what `docker push` of the commit tag leaves in ECR
        ecr.put_image(repositoryName=f"acme-{name}", imageManifest=manifest, imageTag=SHA)
    project = aws("codebuild").batch_get_projects(names=["shop-build"])["projects"][0]
    environment = {v["name"]: v["value"] for v in project["environment"]["environmentVariables"]}
    port = recording_emulator[0]
    deploy = subprocess.run(
        ["python3", "ci/codebuild.py", "deploy"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env=dict(
            os.environ,
            **environment,
            CODEBUILD_RESOLVED_SOURCE_VERSION=SHA,
            CODEBUILD_WEBHOOK_HEAD_REF="refs/heads/main",
            AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
            AWS_DEFAULT_REGION="us-west-1",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
        ),
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    image = f"123456789012.dkr.ecr.us-west-1.amazonaws.com/acme-api:{SHA}"
    deployed = described(aws)["shop-api"]
    assert task_definition(aws, deployed)["containerDefinitions"][0]["image"] == image

    changed = dict(APP, app_services=[dict(s, memory=1024) if s["name"] == "api" else s for s in APP["app_services"]])
    completed, calls, _state = converge(**changed)
    after = described(aws)
    api = task_definition(aws, after["shop-api"])
    assert api["containerDefinitions"][0]["image"] == image, "Ansible never rolls back a deploy"
    assert api["memory"] == "1024" and api["revision"] == task_definition(aws, deployed)["revision"] + 1
    # The images exist now: every service gets its configured count.
    assert {name: s["desiredCount"] for name, s in after.items()} == {"shop-web": 1, "shop-api": 1, "shop-admin": 2}
    assert writes(calls, succeeded_only=True).count("ecs:RegisterTaskDefinition") == 1


def test_a_deploy_the_circuit_breaker_rolls_back_fails_the_build(cold, aws, recording_emulator):
    project = aws("codebuild").batch_get_projects(names=["shop-build"])["projects"][0]
    environment = {v["name"]: v["value"] for v in project["environment"]["environmentVariables"]}
    before = described(aws)["shop-web"]["taskDefinition"]
    deploy = subprocess.run(
        ["python3", "ci/codebuild.py", "deploy"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env=dict(
            os.environ,
            **environment,
            # A commit whose images were never pushed: the tasks cannot start.
            CODEBUILD_RESOLVED_SOURCE_VERSION="0" * 40,
            CODEBUILD_WEBHOOK_HEAD_REF="refs/heads/main",
            AWS_ENDPOINT_URL=f"http://127.0.0.1:{recording_emulator[0]}",
            AWS_DEFAULT_REGION="us-west-1",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
        ),
    )
    assert deploy.returncode != 0
    assert "rolled back by the circuit breaker: shop-web" in deploy.stderr
    assert described(aws)["shop-web"]["taskDefinition"] == before


def test_turning_ecs_off_gives_back_the_courses_setup(cold, converge, aws):
    off = dict(APP, ecs_enabled=False)
    off.pop("target_groups_target_type")
    completed, _calls, state = converge(**off)
    ecs = aws("ecs")
    assert [c["status"] for c in ecs.describe_clusters(clusters=["shop-cluster"])["clusters"]] in ([], ["INACTIVE"])
    assert {s["status"] for s in ecs.describe_services(cluster="shop-cluster", services=SERVICES)["services"]} <= {
        "INACTIVE"
    }
    assert {g["TargetType"] for g in aws("elbv2").describe_target_groups()["TargetGroups"]} == {"instance"}
    groups = [g["GroupName"] for g in aws("ec2").describe_security_groups()["SecurityGroups"]]
    assert "shop-ecs-tasks-security-group" not in groups
    assert json.loads((state / ".outputs" / "local.json").read_text())["ecs"] == {}
    assert "ECS:       (off)" in completed.stdout


def test_teardown_leaves_nothing_and_succeeds_twice(cold, playbook, aws):
    for attempt in (1, 2):
        completed, calls = playbook("teardown.yml", "-e", json.dumps(APP))
        assert completed.returncode == 0, f"teardown {attempt}: {completed.stdout[-3000:]}"
    assert writes(calls, succeeded_only=True) == [], "the second teardown found nothing to do"
    ecs = aws("ecs")
    assert [c for c in ecs.describe_clusters(clusters=["shop-cluster"])["clusters"] if c["status"] == "ACTIVE"] == []
    for family in SERVICES:
        assert ecs.list_task_definitions(familyPrefix=family, status="ACTIVE")["taskDefinitionArns"] == []
    assert aws("logs").describe_log_groups(logGroupNamePrefix="/ecs/shop-")["logGroups"] == []
    roles = [r["RoleName"] for r in aws("iam").list_roles()["Roles"]]
    assert not {"shop-ecs-execution-role", "shop-ecs-task-role"} & set(roles)
    groups = [g["GroupName"] for g in aws("ec2").describe_security_groups()["SecurityGroups"]]
    assert "shop-ecs-tasks-security-group" not in groups
