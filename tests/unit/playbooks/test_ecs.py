"""ECS end to end on the emulator, for an app of three services with other names than the course's,
converged cold once on one emulator and taken through its life in order; each test asserts one
behaviour on the state the tests before it left:

1. the cold converge runs every service behind its target group (bad ECS keys failing before any write is
   test_bad_input.py's app description run),
   least privilege, the database's password reaching the api only as a secret; a no-op run;
2. playbooks/images.yml (issue 19 item 4): every image built for Fargate's platform and as
   app_services[].build says, pushed under local-<commit> into the immutable repositories (never
   :prod) and deployed; a second run of the same commit deploys nothing new (Docker is the
   emulator's stub, which pushes manifests into the emulator's ECR);
3. a deploy as CodeBuild runs it, a converge that keeps the deployed image; a deploy the circuit
   breaker rolls back fails the build;
4. a service leaves cleanly (issue 19 item 9): dropping admin plans, then deletes, its ECS service,
   task definitions and log group in the same run (and with the purge flags its target group and
   repository, never while a live service uses them); a second run changes nothing; teardown stops
   at once, naming it, at a service that is not the app's;
5. ECS off gives back the course's setup;
6. teardown leaves nothing, and a second one succeeds writing nothing.

(Before, test_images_deploy.py and test_ecs_lifecycle.py each converged an ECS shop of their own,
cold, on an emulator of their own: step 2 was the first, step 4 the second.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap, run_playbook, writes
from tests.unit.playbooks.lag import leftovers

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
            # (was test_images_deploy.py's api) built from its own folder, for Graviton.
            "cpu_architecture": "ARM64",
            "build": {"context": "backend", "dockerfile": "Dockerfile.api", "args": {"FLAVOUR": "lean"}},
        },
        {"name": "admin", "port": 8080, "paths": ["/admin*"], "cpu": 512, "memory": 1024, "desired_count": 2},
    ],
    # Until the alb helper's ECS-aware default lands, target groups of type ip are asked for here.
    "target_groups_target_type": "ip",
    "rds_db_name": "shop",
}
SERVICES = ["shop-web", "shop-api", "shop-admin"]
REGISTRY = "123456789012.dkr.ecr.us-west-1.amazonaws.com"
# The app after the deploy test: api with more memory (the later runs keep it).
DEPLOYED = dict(APP, app_services=[dict(s, memory=1024) if s["name"] == "api" else s for s in APP["app_services"]])
# Step 4: admin dropped; the purge flags on, so that its target group and repository may go too.
DROPPED = dict(DEPLOYED, app_services=DEPLOYED["app_services"][:2], target_groups_purge=True, ecr_purge=True)
THEIRS = "theirs"  # another team's service in the app's cluster, without the app's tags


@pytest.fixture(scope="module")
def aws(recording_emulator):
    port = recording_emulator[0]
    return lambda service: emulator_client(f"http://127.0.0.1:{port}", service, "us-west-1")


@pytest.fixture(scope="module")
def cold(converge):
    return converge(**APP)


@pytest.fixture(scope="module")
def run(recording_emulator, cold):
    """``run(playbook, app, *args)`` on the module's emulator and the cold converge's state folder."""
    state = cold[2]
    return lambda name, app, *args: run_playbook(*recording_emulator, state, name, "-e", json.dumps(app), *args)


def described(aws, *names):
    return {
        s["serviceName"]: s
        for s in aws("ecs").describe_services(cluster="shop-cluster", services=list(names or SERVICES))["services"]
    }


def task_definition(aws, service):
    return aws("ecs").describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]


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


# --- playbooks/images.yml (was test_images_deploy.py) -------------------------------------------


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A repository holding only the app: the default layout for web and admin, build's for api."""
    root = tmp_path_factory.mktemp("app")
    for name in ("web", "admin"):
        (root / "services" / name).mkdir(parents=True)
        (root / "services" / name / "Dockerfile.prod").write_text("FROM nginx:stable-alpine\n")
    (root / "backend").mkdir()
    (root / "backend" / "Dockerfile.api").write_text("FROM python:3.12-slim\n")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "app"], check=True)
    sha = subprocess.run([*git, "rev-parse", "--short", "HEAD"], check=True, capture_output=True, text=True)
    return root, sha.stdout.strip()


@pytest.fixture(scope="module")
def stub_docker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docker")
    (folder / "bin").mkdir()
    stub = folder / "bin" / "docker"
    stub.write_text(f"#!{sys.executable}\n" + (REPO / "tests/emulator/builder/docker.py").read_text())
    stub.chmod(0o755)
    return folder


@pytest.fixture
def images(recording_emulator: Any, run: Any, stub_docker: Path, source: tuple[Path, str], monkeypatch: Any):
    """``images()`` runs images.yml for APP from ``source``, with the stub docker; returns (run, calls)."""
    monkeypatch.setenv("PATH", f"{stub_docker / 'bin'}:{Path(sys.executable).parent}:/usr/bin:/bin")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{recording_emulator[0]}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("STUB_DOCKER_STATE", str(stub_docker / "state"))
    monkeypatch.setenv("STUB_DOCKER_LOG", str(stub_docker / "docker.log"))
    return lambda: run("images.yml", dict(APP, images_context_dir=str(source[0])))


def docker_log(stub_docker: Path) -> list[dict]:
    return [json.loads(line) for line in (stub_docker / "docker.log").read_text().splitlines()]


def test_images_are_built_for_fargate_as_build_says_tagged_local_and_deployed(cold, images, source, stub_docker):
    root, sha = source

    completed, calls = images()
    assert completed.returncode == 0, completed.stdout[-4000:]
    tag = f"local-{sha}"
    builds = {record["argv"][-1]: record["argv"] for record in docker_log(stub_docker) if record["command"] == "build"}
    web, api = builds[f"{root}/services/web"], builds[f"{root}/backend"]
    admin = builds[f"{root}/services/admin"]
    assert web[1:5] == ["--platform", "linux/amd64", "-f", f"{root}/services/web/Dockerfile.prod"]
    assert admin[1:5] == ["--platform", "linux/amd64", "-f", f"{root}/services/admin/Dockerfile.prod"]
    assert api[1:5] == ["--platform", "linux/arm64", "-f", f"{root}/backend/Dockerfile.api"]
    assert "FLAVOUR=lean" in api and not any("API_SERVICE_URL" in arg for arg in api)
    assert any(arg.startswith("VITE_API_SERVICE_URL=http") for arg in web)
    assert any(arg.startswith("REACT_APP_API_SERVICE_URL=http") for arg in web)
    pushes = [record["argv"][1] for record in docker_log(stub_docker) if record["command"] == "push"]
    assert sorted(pushes) == [f"{REGISTRY}/acme-{name}:{tag}" for name in ("admin", "api", "web")], "never :prod"
    assert "ecs:RegisterTaskDefinition" in writes(calls, succeeded_only=True), "the pushed tag is deployed"


def test_the_services_run_the_pushed_tag_and_a_second_run_keeps_it(cold, images, source, aws):
    _root, sha = source
    for name in ("web", "api", "admin"):
        definition = task_definition(aws, described(aws, f"shop-{name}")[f"shop-{name}"])
        assert definition["containerDefinitions"][0]["image"] == f"{REGISTRY}/acme-{name}:local-{sha}"
        tags = [
            tag
            for image in aws("ecr").describe_images(repositoryName=f"acme-{name}")["imageDetails"]
            for tag in image.get("imageTags", [])
        ]
        assert tags == [f"local-{sha}"]
    completed, calls = images()
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert "ecs:RegisterTaskDefinition" not in writes(calls), "the same commit deploys nothing new"


# --- Deploys as CodeBuild runs them ----------------------------------------------------------------


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

    completed, calls, _state = converge(**DEPLOYED)
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


# --- A service leaves cleanly (was test_ecs_lifecycle.py, on a cold stack of its own) ------------


def planned(state: Path) -> list[tuple[str, str, str]]:
    changes = json.loads((state / ".outputs" / "local.plan.json").read_text())["changes"]
    return sorted((c["action"], c["type"], c["name"]) for c in changes)


def service_status(aws, name: str) -> str:
    found = aws("ecs").describe_services(cluster="shop-cluster", services=[name])["services"]
    return found[0]["status"] if found else "MISSING"


def test_the_plan_of_dropping_a_service_lists_each_deletion(cold, run, aws):
    completed, calls = run("site.yml", DROPPED, "--check")
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert writes(calls) == []
    deletes = [(kind, name) for action, kind, name in planned(cold[2]) if action == "delete"]
    assert ("AWS::ECS::Service", "shop-admin") in deletes
    assert ("AWS::ECS::TaskDefinition", "shop-admin") in deletes
    assert ("AWS::Logs::LogGroup", "/ecs/shop-admin") in deletes
    assert ("AWS::ElasticLoadBalancingV2::TargetGroup", "shop-admin-tg") in deletes
    assert ("AWS::ECR::Repository", "acme-admin") in deletes
    assert not [name for kind, name in deletes if "web" in name or "api" in name], deletes
    assert service_status(aws, "shop-admin") == "ACTIVE"


def test_another_teams_service_moves_in_using_admins_group_and_repository(cold, aws):
    ecs, elb = aws("ecs"), aws("elbv2")
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
    assert service_status(aws, THEIRS) == "ACTIVE"


def test_the_run_that_drops_it_deletes_the_service_its_task_definitions_and_logs(cold, run, aws):
    completed, _calls = run("site.yml", DROPPED)
    assert completed.returncode == 0, completed.stdout[-3000:]
    ecs = aws("ecs")
    assert service_status(aws, "shop-admin") in ("INACTIVE", "MISSING")
    for status in ("ACTIVE", "INACTIVE"):
        assert ecs.list_task_definitions(familyPrefix="shop-admin", status=status)["taskDefinitionArns"] == []
    logs = [g["logGroupName"] for g in aws("logs").describe_log_groups(logGroupNamePrefix="/ecs/")["logGroups"]]
    assert sorted(logs) == ["/ecs/shop-api", "/ecs/shop-web"]
    assert service_status(aws, "shop-web") == service_status(aws, "shop-api") == "ACTIVE"
    # Never a service without the app's tags; and the purges spare what it uses, naming it.
    assert service_status(aws, THEIRS) == "ACTIVE"
    assert aws("elbv2").describe_target_groups(Names=["shop-admin-tg"])["TargetGroups"]
    assert aws("ecr").describe_repositories(repositoryNames=["acme-admin"])["repositories"]
    shown = " ".join(completed.stdout.split())
    assert f"target group shop-admin-tg is kept: ECS service(s) {THEIRS} still use it" in shown
    assert f"repository acme-admin is still used by ECS service(s) {THEIRS}" in shown


def test_a_second_run_after_the_drop_changes_nothing(cold, run):
    completed, calls = run("site.yml", DROPPED)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert recap(completed.stdout)["changed"] == 0, completed.stdout[-3000:]
    assert writes(calls) == []


def test_teardown_stops_at_once_naming_a_service_that_is_not_the_apps(cold, run, aws):
    completed, calls = run("teardown.yml", DROPPED)
    assert completed.returncode != 0
    shown = " ".join(completed.stdout.split())
    assert f"ECS cluster shop-cluster holds services this app did not make (no app tags): {THEIRS}." in shown
    assert "the load balancer, the database and the rest of shop are still there (and billing)" in shown
    # Fast: no DeleteCluster retried, nothing of ECS deleted, the load balancer and the database kept.
    assert [w for w in writes(calls) if w.startswith("ecs:")] == []
    assert service_status(aws, "shop-web") == "ACTIVE"
    assert aws("elbv2").describe_load_balancers(Names=["shop-alb"])["LoadBalancers"]
    assert aws("rds").describe_db_instances()["DBInstances"]


def test_once_their_service_is_gone_the_purges_take_what_it_used(cold, run, aws):
    aws("ecs").delete_service(cluster="shop-cluster", service=THEIRS)
    completed, _calls = run("site.yml", DROPPED)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "shop-admin-tg" not in [g["TargetGroupName"] for g in aws("elbv2").describe_target_groups()["TargetGroups"]]
    assert "acme-admin" not in [r["repositoryName"] for r in aws("ecr").describe_repositories()["repositories"]]


def test_turning_ecs_off_gives_back_the_courses_setup(cold, converge, aws):
    off = dict(DROPPED, ecs_enabled=False)
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


# Teardown of a stack with ECS on (services, task definitions, log groups) is molecule default's
# destroy (tests/integration/test_ecs.py::test_no_ecs_resource_is_left) and test_aws_lag.py's; here
# it follows ECS off, as test_ecs_lifecycle.py's teardown followed the drop.
def test_teardown_leaves_nothing_and_succeeds_twice(cold, run, aws, recording_emulator):
    for attempt in (1, 2):
        completed, calls = run("teardown.yml", DROPPED)
        assert completed.returncode == 0, f"teardown {attempt}: {completed.stdout[-3000:]}"
    assert writes(calls, succeeded_only=True) == [], "the second teardown found nothing to do"
    assert leftovers(recording_emulator[0], "shop") == {}
    ecs = aws("ecs")
    assert [c for c in ecs.describe_clusters(clusters=["shop-cluster"])["clusters"] if c["status"] == "ACTIVE"] == []
    for family in SERVICES:
        assert ecs.list_task_definitions(familyPrefix=family, status="ACTIVE")["taskDefinitionArns"] == []
    assert aws("logs").describe_log_groups(logGroupNamePrefix="/ecs/shop-")["logGroups"] == []
    roles = [r["RoleName"] for r in aws("iam").list_roles()["Roles"]]
    assert not {"shop-ecs-execution-role", "shop-ecs-task-role"} & set(roles)
    groups = [g["GroupName"] for g in aws("ec2").describe_security_groups()["SecurityGroups"]]
    assert "shop-ecs-tasks-security-group" not in groups
