"""Generated secrets through site.yml, on a one-service app, in two runs on one emulator:

1. a cold converge with generated_secrets: each secret made (tagged, its value never in the output), the
   task definition reading it by its full ARN, the execution role granted it;
2. the feature turned off (no service names one): the task definition stops naming them, then they are
   deleted with the recovery window - the read that finds them folded into the run that changed the
   execution role's secrets policy.

(The module's own four steps, restore after a teardown, teardown's delete and only-the-app's-own are
tests/unit/plugins/modules/test_app_secrets.py's, against the emulator without a playbook.)"""

from __future__ import annotations

import pytest

from tests.emulator.client import emulator_client

pytestmark = pytest.mark.emulator

WEB = {"name": "web", "port": 80, "health_check_path": "/", "default": True}
APP = {
    "app_name": "gs",
    "ecr_repository_prefix": "gs",
    "app_services": [dict(WEB, generated_secrets=["SECRET_KEY", "JWT_KEY"])],
    "target_groups_target_type": "ip",
}
NAMES = ["gs/web/SECRET_KEY", "gs/web/JWT_KEY"]


@pytest.fixture(scope="module")
def aws(recording_emulator):
    port = recording_emulator[0]
    return lambda service: emulator_client(f"http://127.0.0.1:{port}", service, "us-west-1")


@pytest.fixture(scope="module")
def on(converge):
    return converge(**APP)


def container(aws):
    ecs = aws("ecs")
    service = ecs.describe_services(cluster="gs-cluster", services=["gs-web"])["services"][0]
    return ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"][
        "containerDefinitions"
    ][0]


def test_each_generated_secret_is_made_once_read_by_ecs_and_granted(on, aws):
    completed, calls = on[:2]
    sm, iam = aws("secretsmanager"), aws("iam")
    arns = {}
    for name in NAMES:
        secret = sm.describe_secret(SecretId=name)
        tags = {tag["Key"]: tag["Value"] for tag in secret["Tags"]}
        assert tags["app"] == "gs" and tags["generated-by"] == "flask_react.aws.app_secrets"
        value = sm.get_secret_value(SecretId=name)["SecretString"]
        assert len(value) == 50 and value.isalnum() and value not in completed.stdout
        arns[name.rsplit("/", 1)[-1]] = secret["ARN"]
    assert {item["name"]: item["valueFrom"] for item in container(aws)["secrets"]} == arns
    policy = iam.get_role_policy(RoleName="gs-ecs-execution-role", PolicyName="gs-ecs-secrets")["PolicyDocument"]
    (statement,) = policy["Statement"]
    assert statement["Action"] == "secretsmanager:GetSecretValue"
    assert sorted(statement["Resource"]) == sorted(arn.rsplit("-", 1)[0] + "-??????" for arn in arns.values())
    # The module's calls (the IAM user's console password, before, has its own): one list, a describe of each
    # name the list lacks (it may lag), a generated value each; never a value read.
    made = [call["action"] for call in calls if call["service"] == "secretsmanager"]
    assert made[made.index("ListSecrets") :] == ["ListSecrets", "DescribeSecret", "DescribeSecret"] + 2 * [
        "GetRandomPassword",
        "CreateSecret",
    ]


def test_turned_off_the_secrets_go_after_the_task_definition_stops_naming_them(on, converge, aws):
    calls = converge(**dict(APP, app_services=[WEB]))[1]
    assert "secrets" not in container(aws) or container(aws)["secrets"] == []
    sm = aws("secretsmanager")
    for name in NAMES:
        assert sm.describe_secret(SecretId=name).get("DeletedDate"), name
    actions = [f"{call['service']}:{call['action']}" for call in calls]
    deletes = [index for index, action in enumerate(actions) if action == "secretsmanager:DeleteSecret"]
    assert len(deletes) == 2 and actions.index("ecs:RegisterTaskDefinition") < deletes[0]
    assert actions.count("secretsmanager:ListSecrets") == 1
