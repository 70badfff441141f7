"""IAM user and group, CodeBuild role and project, read back through the AWS API."""

import configparser
import stat

import pytest

from tests.integration.conftest import REPO

CREDENTIALS = REPO / "inventories/local/.secrets/credentials"


def names(app):
    base = app["app_name"]
    return {
        "user": f"{base}-admin",
        "group": f"{base}-admins",
        "role": f"{base}-build-role",
        "project": f"{base}-build",
    }


def test_group_has_the_admin_policy_and_the_user(aws, app):
    iam, n = aws("iam"), names(app)
    policies = iam.list_attached_group_policies(GroupName=n["group"])["AttachedPolicies"]
    assert [p["PolicyArn"] for p in policies] == ["arn:aws:iam::aws:policy/AdministratorAccess"]
    assert [user["UserName"] for user in iam.get_group(GroupName=n["group"])["Users"]] == [n["user"]]
    assert iam.list_attached_user_policies(UserName=n["user"])["AttachedPolicies"] == [], "policies on groups only"


def test_user_has_console_access_without_forced_reset(aws, app):
    profile = aws("iam").get_login_profile(UserName=names(app)["user"])["LoginProfile"]
    assert profile["PasswordResetRequired"] is False
    secret = aws("secretsmanager").get_secret_value(
        SecretId=f"{app['app_name']}/iam/{names(app)['user']}/console-password"
    )
    assert len(secret["SecretString"]) == 24


def test_exactly_one_access_key_written_once_to_a_0600_profile(aws, app):
    keys = aws("iam").list_access_keys(UserName=names(app)["user"])["AccessKeyMetadata"]
    assert len(keys) == 1, "two converges made one key"
    assert stat.S_IMODE(CREDENTIALS.stat().st_mode) == 0o600
    parser = configparser.ConfigParser()
    parser.read(CREDENTIALS)
    assert parser[names(app)["user"]]["aws_access_key_id"] == keys[0]["AccessKeyId"]


def test_build_role_trusts_codebuild_for_this_project_only(aws, app):
    iam, n = aws("iam"), names(app)
    (statement,) = iam.get_role(RoleName=n["role"])["Role"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "codebuild.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {
            "aws:SourceAccount": "123456789012",
            "aws:SourceArn": f"arn:aws:codebuild:{app['aws_region']}:123456789012:project/{n['project']}",
        }
    }


def test_build_role_pushes_to_the_apps_repositories_and_writes_its_own_logs_only(aws, app):
    iam, n = aws("iam"), names(app)
    assert iam.list_attached_role_policies(RoleName=n["role"])["AttachedPolicies"] == [], "no power user by default"
    assert sorted(iam.list_role_policies(RoleName=n["role"])["PolicyNames"]) == [
        f"{n['project']}-ecr",
        f"{n['project']}-logs",
        f"{app['app_name']}-ecs-deploy",  # the ecs role's deploy rights (ecs_enabled, the default)
    ]
    logs = iam.get_role_policy(RoleName=n["role"], PolicyName=f"{n['project']}-logs")["PolicyDocument"]
    (statement,) = logs["Statement"]
    assert all(f"log-group:/aws/codebuild/{n['project']}" in resource for resource in statement["Resource"])
    login, push = iam.get_role_policy(RoleName=n["role"], PolicyName=f"{n['project']}-ecr")["PolicyDocument"][
        "Statement"
    ]
    assert login["Action"] == "ecr:GetAuthorizationToken" and login["Resource"] == "*"
    assert "ecr:PutImage" in push["Action"] and not any("*" in action for action in push["Action"])
    assert sorted(push["Resource"]) == sorted(
        f"arn:aws:ecr:{app['aws_region']}:123456789012:repository/{app['ecr_repository_prefix']}-{service['name']}"
        for service in app["app_services"]
    )


def test_project_has_every_course_setting(aws, app):
    project = aws("codebuild").batch_get_projects(names=[names(app)["project"]])["projects"][0]
    environment = project["environment"]
    assert environment["image"] == "aws/codebuild/standard:7.0", "supported Ubuntu 22.04, not the course's 4.0"
    assert environment["privilegedMode"] is True
    # With ECS (on by default): 15 to build, test and push + ecs_deploy_wait_minutes (15); the course's 10 without.
    assert project["timeoutInMinutes"] == 30
    assert project["badge"]["badgeEnabled"] is True
    assert project["source"]["type"] == "GITHUB" and project["source"]["reportBuildStatus"] is True
    assert project["artifacts"]["type"] == "NO_ARTIFACTS"
    assert project["logsConfig"]["cloudWatchLogs"]["status"] == "ENABLED"
    assert project["webhook"]["filterGroups"] == [
        [{"type": "EVENT", "pattern": "PUSH"}, {"type": "HEAD_REF", "pattern": "^refs/heads/main$"}]
    ]
    variables = {var["name"]: var for var in environment["environmentVariables"]}
    assert variables["AWS_ACCOUNT_ID"]["value"] == "123456789012"
    assert all(var["type"] == "PLAINTEXT" and "SECRET" not in name for name, var in variables.items())
    assert project["serviceRole"].endswith(f":role/{names(app)['role']}")


def test_build_gets_the_load_balancers_url(aws, app):
    project = aws("codebuild").batch_get_projects(names=[names(app)["project"]])["projects"][0]
    variables = {var["name"]: var["value"] for var in project["environment"]["environmentVariables"]}
    balancer = aws("elbv2").describe_load_balancers(Names=[f"{app['app_name']}-alb"])["LoadBalancers"][0]
    assert variables["REACT_APP_API_SERVICE_URL"] == f"http://{balancer['DNSName']}"


@pytest.mark.teardown
def test_no_user_group_role_project_or_secret_is_left(aws, app):
    iam, n = aws("iam"), names(app)
    assert n["user"] not in {user["UserName"] for user in iam.list_users()["Users"]}
    assert n["group"] not in {group["GroupName"] for group in iam.list_groups()["Groups"]}
    assert n["role"] not in {role["RoleName"] for role in iam.list_roles()["Roles"]}
    assert n["project"] not in aws("codebuild").list_projects()["projects"]
    assert aws("secretsmanager").list_secrets()["SecretList"] == []
    if CREDENTIALS.exists():
        parser = configparser.ConfigParser()
        parser.read(CREDENTIALS)
        assert n["user"] not in parser
