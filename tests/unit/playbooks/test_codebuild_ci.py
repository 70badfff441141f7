"""The project carries the collection's CI (issue 19): its inline buildspec (item 1), the deploy
branch as its source version (item 3), a Docker Hub login from a secret (item 8), and the
EventBridge rule that redeploys the database's users when RDS rotates its password (item 7).

One emulator for the module; each test uses its own app_name, so its own project and roles.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.emulator import ctl
from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap, run_playbook, start_emulator, writes

PLAYBOOK = "../tests/unit/playbooks/codebuild.yml"
ACCOUNT = "123456789012"
# Without a GitHub token the project task shows its output; no token, no webhook.
NO_TOKEN = {"codebuild_github_token": "", "codebuild_webhook_events": []}
SECRET = f"arn:aws:secretsmanager:us-west-1:{ACCOUNT}:secret:rds!db-4f1e2d3c-aa11-bb22-cc33-0123456789ab-Xy12Zq"
OTHER_SECRET = f"arn:aws:secretsmanager:us-west-1:{ACCOUNT}:secret:rds!db-99999999-aa11-bb22-cc33-0123456789ab-Ab34Cd"
DATABASE_APP = [
    {"name": "client", "port": 80, "health_check_path": "/", "default": True},
    {"name": "users", "port": 5000, "health_check_path": "/ping", "paths": ["/users*", "/ping"], "database": True},
]
ACTION = {"name": "FLASK_REACT_ACTION", "value": "redeploy-database", "type": "PLAINTEXT"}
REDEPLOY = {"environmentVariablesOverride": [ACTION]}

# Each test makes its own app (app_name), so the tests may run on any worker (tests/conftest.py);
# the rotation tests build on each other and stay together, in order.
pytestmark = pytest.mark.spread
ROTATION_TESTS = pytest.mark.xdist_group("test_codebuild_ci.py-rotation")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Any:
    record = tmp_path_factory.mktemp("calls") / "calls.jsonl"
    port = start_emulator(record)
    yield port, record
    ctl.stop(port)


@pytest.fixture
def play(emulator: Any, tmp_path: Path) -> Any:
    """``play(*args, **extra_vars)`` runs codebuild.yml; returns (run, calls). The plan lands in tmp_path."""

    def run(*args: str, **extra: Any) -> tuple[Any, list]:
        return run_playbook(*emulator, tmp_path, PLAYBOOK, *args, "-e", json.dumps(dict(NO_TOKEN, **extra)))

    return run


def client(emulator: Any, service: str) -> Any:
    return emulator_client(emulator[0], service, "us-west-1")


def project(emulator: Any, name: str) -> dict:
    (found,) = client(emulator, "codebuild").batch_get_projects(names=[name])["projects"]
    return found


def generated_buildspec() -> str:
    """What the role puts on the project: the filter over the collection's two files."""
    from ansible_collections.flask_react.aws.plugins.filter.codebuild_buildspec import codebuild_buildspec

    return codebuild_buildspec((REPO / "buildspec.yml").read_text(), (REPO / "ci" / "codebuild.py").read_text())


def plan(tmp_path: Path) -> list:
    return json.loads((tmp_path / ".outputs" / "local.plan.json").read_text())["changes"]


def converged(play: Any, **extra: Any) -> None:
    """A second run changes nothing and sends no write."""
    again, calls = play(**extra)
    assert again.returncode == 0, again.stdout[-3000:]
    assert recap(again.stdout)["changed"] == 0, again.stdout[-3000:]
    assert writes(calls) == []


def test_the_project_carries_the_build_logic_a_drift_of_it_is_planned_then_written_back_and_the_repository_way(
    play, emulator, tmp_path
):
    # The database's secret is given, but no service uses the database: no rotation rule (was
    # test_no_service_on_the_database_means_no_rule, a cold run of its own).
    ci = dict(app_name="ci", rds_secret_arn=SECRET)
    run, _calls = play(**ci)
    assert run.returncode == 0, run.stdout[-3000:]
    made = project(emulator, "ci-build")
    assert made["source"]["buildspec"] == generated_buildspec()
    # A manual build with no override builds (and deploys) the deploy branch.
    assert made["sourceVersion"] == "main"
    assert_rotation_gone(emulator, "ci")
    converged(play, **ci)

    # (was its own test, on a project of its own) the build logic changed behind the role's back.
    client(emulator, "codebuild").update_project(
        name="ci-build", source=dict(project(emulator, "ci-build")["source"], buildspec="version: 0.2\n")
    )
    planned, calls = play("--check", "--diff", **ci)
    assert planned.returncode == 0, planned.stdout[-3000:]
    assert writes(calls) == []
    assert {"type": "AWS::CodeBuild::Project", "name": "ci-build", "action": "update"} in plan(tmp_path)
    run, calls = play(**ci)
    assert "codebuild:UpdateProject" in writes(calls)
    assert project(emulator, "ci-build")["source"]["buildspec"] == generated_buildspec()
    # (No converged() again: the project is back to the state whose run above was converged.)

    # (was test_the_repository_way_removes_the_inline_buildspec_and_back, which made a project of its own first)
    # The repository way removes the inline buildspec, and back.
    run, _calls = play(**ci, codebuild_buildspec="repository")
    assert run.returncode == 0, run.stdout[-3000:]
    assert not project(emulator, "ci-build")["source"].get("buildspec")
    converged(play, **ci, codebuild_buildspec="repository")
    play(**ci)
    assert project(emulator, "ci-build")["source"]["buildspec"] == generated_buildspec()


def test_the_source_version_follows_the_deploy_branch(play, emulator):
    run, _calls = play(app_name="branch", codebuild_webhook_branch="release")
    assert run.returncode == 0, run.stdout[-3000:]
    assert project(emulator, "branch-build")["sourceVersion"] == "release"
    run, _calls = play(app_name="branch", codebuild_webhook_branch="release", ecs_deploy_branch="prod")
    assert project(emulator, "branch-build")["sourceVersion"] == "prod"


def variables(emulator: Any, name: str) -> dict:
    return {
        var["name"]: (var["value"], var["type"])
        for var in project(emulator, name)["environment"]["environmentVariables"]
    }


def policy(emulator: Any, role: str, name: str) -> dict:
    return client(emulator, "iam").get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]


# What looks like a full ARN may be a partial one of a name ending so (my-docker): both forms are granted.
HUB_ARN = f"arn:aws:secretsmanager:us-west-1:{ACCOUNT}:secret:dockerhub-AbC123"
# A partial ARN names no secret in IAM: the 6-character suffix is a wildcard.
HUB_PARTIAL_ARN = f"arn:aws:secretsmanager:us-west-1:{ACCOUNT}:secret:ci/dockerhub"


def hub_statement(resources: list[str]) -> list[dict]:
    return [
        {
            "Sid": "ReadTheDockerHubSecretOnly",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": resources,
        }
    ]


def test_docker_hub_login_from_a_secret_then_off(play, emulator):
    app, arn = "hub", HUB_ARN
    play(app_name=app)
    # A variable of the same name and value, in plain text: the type alone differs.
    client(emulator, "codebuild").update_project(
        name=f"{app}-build",
        environment=dict(
            project(emulator, f"{app}-build")["environment"],
            environmentVariables=[{"name": "DOCKERHUB_TOKEN", "value": f"{arn}:token", "type": "PLAINTEXT"}],
        ),
    )
    run, calls = play(app_name=app, codebuild_dockerhub_secret_arn=arn)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "codebuild:UpdateProject" in writes(calls)
    found = variables(emulator, f"{app}-build")
    assert found["DOCKERHUB_USERNAME"] == (f"{arn}:username", "SECRETS_MANAGER")
    assert found["DOCKERHUB_TOKEN"] == (f"{arn}:token", "SECRETS_MANAGER")
    document = policy(emulator, f"{app}-build-role", f"{app}-build-dockerhub")
    assert document["Statement"] == hub_statement([f"{arn}-??????", arn])
    converged(play, app_name=app, codebuild_dockerhub_secret_arn=arn)

    off, _calls = play(app_name=app)
    assert off.returncode == 0, off.stdout[-3000:]
    assert not {"DOCKERHUB_USERNAME", "DOCKERHUB_TOKEN"} & set(variables(emulator, f"{app}-build"))
    assert (
        f"{app}-build-dockerhub"
        not in client(emulator, "iam").list_role_policies(RoleName=f"{app}-build-role")["PolicyNames"]
    )


def test_docker_hub_login_from_a_partial_secret_arn_grants_its_suffix_wildcard(play, emulator):
    # (was a second run of the test above, through the same steps) one cold run: only the grant differs.
    run, _calls = play(app_name="hubp", codebuild_dockerhub_secret_arn=HUB_PARTIAL_ARN)
    assert run.returncode == 0, run.stdout[-3000:]
    found = variables(emulator, "hubp-build")
    assert found["DOCKERHUB_USERNAME"] == (f"{HUB_PARTIAL_ARN}:username", "SECRETS_MANAGER")
    assert found["DOCKERHUB_TOKEN"] == (f"{HUB_PARTIAL_ARN}:token", "SECRETS_MANAGER")
    document = policy(emulator, "hubp-build-role", "hubp-build-dockerhub")
    assert document["Statement"] == hub_statement([f"{HUB_PARTIAL_ARN}-??????"])


def rotation_event(secret: str) -> dict:
    """A RotationSucceeded event as EventBridge delivers it (CloudTrail's AwsServiceEvent for Secrets Manager)."""
    return {
        "version": "0",
        "id": "8ef1c3ba-0000-4a5e-9d2c-000000000000",
        "detail-type": "AWS Service Event via CloudTrail",
        "source": "aws.secretsmanager",
        "account": ACCOUNT,
        "time": "2026-12-05T20:00:00Z",
        "region": "us-west-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.08",
            "userIdentity": {"accountId": ACCOUNT, "invokedBy": "secretsmanager.amazonaws.com"},
            "eventTime": "2026-12-05T20:00:00Z",
            "eventSource": "secretsmanager.amazonaws.com",
            "eventName": "RotationSucceeded",
            "awsRegion": "us-west-1",
            "sourceIPAddress": "secretsmanager.amazonaws.com",
            "userAgent": "secretsmanager.amazonaws.com",
            "requestParameters": None,
            "responseElements": None,
            "additionalEventData": {"SecretId": secret},
            "readOnly": False,
            "eventType": "AwsServiceEvent",
            "managementEvent": True,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management",
        },
    }


def matches(emulator: Any, pattern: str, event: dict) -> bool:
    """Does EventBridge (the emulator's TestEventPattern) match ``event`` with the rule's ``pattern``?"""
    return client(emulator, "events").test_event_pattern(EventPattern=pattern, Event=json.dumps(event))["Result"]


ROTATION = {"app_name": "rot", "app_services": DATABASE_APP, "rds_secret_arn": SECRET}


@ROTATION_TESTS
def test_rotation_is_planned_first_and_sends_no_write(play, tmp_path):
    run, calls = play("--check", **ROTATION)
    assert run.returncode == 0, run.stdout[-3000:]
    assert writes(calls) == []
    changes = plan(tmp_path)
    assert {"type": "AWS::Events::Rule", "name": "rot-db-rotated", "action": "create"} in changes
    assert {"type": "AWS::IAM::Role", "name": "rot-events-build-role", "action": "create"} in changes
    assert {
        "type": "AWS::IAM::Policy",
        "name": "rot-events-build-role/rot-db-rotated-start-build",
        "action": "create",
    } in changes


@ROTATION_TESTS
def test_a_rotation_of_the_database_secret_starts_the_redeploy_build(play, emulator):
    run, _calls = play(**ROTATION)
    assert run.returncode == 0, run.stdout[-3000:]
    events = client(emulator, "events")
    rule = events.describe_rule(Name="rot-db-rotated")
    assert rule["State"] == "ENABLED" and rule.get("EventBusName", "default") == "default"
    # The pattern matches the database's secret's rotation, and nothing else.
    assert matches(emulator, rule["EventPattern"], rotation_event(SECRET))
    assert not matches(emulator, rule["EventPattern"], rotation_event(OTHER_SECRET))
    failed = rotation_event(SECRET)
    failed["detail"]["eventName"] = "RotationFailed"
    assert not matches(emulator, rule["EventPattern"], failed)
    api_call = rotation_event(SECRET)
    api_call["detail-type"] = "AWS API Call via CloudTrail"
    assert not matches(emulator, rule["EventPattern"], api_call)

    (target,) = events.list_targets_by_rule(Rule="rot-db-rotated")["Targets"]
    assert target["Arn"] == f"arn:aws:codebuild:us-west-1:{ACCOUNT}:project/rot-build"
    assert target["RoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/rot-events-build-role"
    # The Input is StartBuild's body: a redeploy-only build of the project.
    assert json.loads(target["Input"]) == REDEPLOY
    start_build = client(emulator, "codebuild").meta.service_model.operation_model("StartBuild")
    assert set(json.loads(target["Input"])) <= set(start_build.input_shape.members)

    iam = client(emulator, "iam")
    trust = iam.get_role(RoleName="rot-events-build-role")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "events.amazonaws.com"},
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": ACCOUNT,
                    "aws:SourceArn": f"arn:aws:events:us-west-1:{ACCOUNT}:rule/rot-db-rotated",
                }
            },
        }
    ]
    assert policy(emulator, "rot-events-build-role", "rot-db-rotated-start-build")["Statement"] == [
        {
            "Sid": "StartTheRedeployBuild",
            "Effect": "Allow",
            "Action": "codebuild:StartBuild",
            "Resource": f"arn:aws:codebuild:us-west-1:{ACCOUNT}:project/rot-build",
        }
    ]
    converged(play, **ROTATION)


@ROTATION_TESTS
def test_a_new_secret_moves_the_rule_and_ecs_off_removes_it(play, emulator):
    # On the rule the test before converged (the rotation tests run in order, in one group).
    run, calls = play(**dict(ROTATION, rds_secret_arn=OTHER_SECRET))
    assert run.returncode == 0, run.stdout[-3000:]
    assert "events:PutRule" in writes(calls)
    pattern = client(emulator, "events").describe_rule(Name="rot-db-rotated")["EventPattern"]
    assert matches(emulator, pattern, rotation_event(OTHER_SECRET))
    assert not matches(emulator, pattern, rotation_event(SECRET))

    off, _calls = play(**dict(ROTATION, ecs_enabled=False))
    assert off.returncode == 0, off.stdout[-3000:]
    assert_rotation_gone(emulator, "rot")
    converged(play, **dict(ROTATION, ecs_enabled=False))


def test_teardown_removes_rule_target_and_role(play, emulator, tmp_path):
    extra = dict(ROTATION, app_name="gone")
    play(**extra)
    planned, calls = play("--check", **dict(extra, codebuild_state="absent"))
    assert planned.returncode == 0 and writes(calls) == []
    deletes = {(c["type"], c["name"]) for c in plan(tmp_path) if c["action"] == "delete"}
    assert {
        ("AWS::Events::Rule", "gone-db-rotated"),
        ("AWS::IAM::Role", "gone-events-build-role"),
        ("AWS::IAM::Policy", "gone-events-build-role/gone-db-rotated-start-build"),
        ("AWS::CodeBuild::Project", "gone-build"),
    } <= deletes
    run, _calls = play(**dict(extra, codebuild_state="absent"))
    assert run.returncode == 0, run.stdout[-3000:]
    assert_rotation_gone(emulator, "gone")
    assert client(emulator, "codebuild").batch_get_projects(names=["gone-build"])["projects"] == []
    again, calls = play(**dict(extra, codebuild_state="absent"))
    assert again.returncode == 0 and recap(again.stdout)["changed"] == 0 and writes(calls) == []


def assert_rotation_gone(emulator: Any, app: str) -> None:
    events = client(emulator, "events")
    assert not [rule for rule in events.list_rules()["Rules"] if rule["Name"] == f"{app}-db-rotated"]
    roles = [role["RoleName"] for role in client(emulator, "iam").list_roles()["Roles"]]
    assert f"{app}-events-build-role" not in roles
