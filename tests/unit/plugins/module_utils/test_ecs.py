"""ecs_app_service planning: the image kept, task definitions compared on what we set, service changes,
and the app_services ECS keys' checks."""

import pytest
from ansible_collections.flask_react.aws.plugins.filter.ecs_service_specs import ecs_service_specs
from ansible_collections.flask_react.aws.plugins.module_utils.ecs import (
    choose_image,
    ecr_image_reference,
    ecs_service_errors,
    family_of,
    owned_task_definition,
    service_changes,
    service_settings,
    tag_changes,
    task_definition_request,
)
from ansible_collections.flask_react.aws.plugins.module_utils.validation import app_errors

REPO = "123456789012.dkr.ecr.us-west-1.amazonaws.com/test-driven-users"
PARAMS = {
    "name": "flask-react-users",
    "container_name": "users",
    "container_port": 5000,
    "cpu": 256,
    "memory": 512,
    "environment": {"B": "2", "A": "1"},
    "secrets": {"DATABASE_PASSWORD": "arn:aws:secretsmanager:us-west-1:123456789012:secret:rds!db-x:password::"},
    "command": ["gunicorn", "manage:app"],
    "readonly_root_filesystem": False,
    "log_group": "/ecs/flask-react-users",
    "log_stream_prefix": "ecs",
    "execution_role_arn": "arn:aws:iam::123456789012:role/exec",
    "task_role_arn": "arn:aws:iam::123456789012:role/task",
    "target_group_arn": "arn:tg",
    "subnets": ["subnet-b", "subnet-a"],
    "security_groups": ["sg-1"],
    "assign_public_ip": True,
    "health_check_grace_period": 60,
    "enable_execute_command": False,
}


def described(request, **changes):
    """The request as DescribeTaskDefinition answers it: AWS's defaults filled in, order changed."""
    container = dict(
        request["containerDefinitions"][0],
        cpu=0,
        mountPoints=[],
        volumesFrom=[],
        portMappings=[{"containerPort": 5000, "hostPort": 5000, "protocol": "tcp"}],
        environment=list(reversed(request["containerDefinitions"][0]["environment"])),
    )
    return dict(
        request,
        containerDefinitions=[container],
        revision=3,
        status="ACTIVE",
        compatibilities=["EC2", "FARGATE"],
        taskDefinitionArn="arn:aws:ecs:us-west-1:123456789012:task-definition/flask-react-users:3",
        **changes,
    )


def test_the_running_image_is_kept_unless_one_is_set():
    running = described(task_definition_request(PARAMS, f"{REPO}:deployed", "us-west-1"))
    assert choose_image(f"{REPO}:prod", False, running, "users") == f"{REPO}:deployed"
    assert choose_image(f"{REPO}:v2", True, running, "users") == f"{REPO}:v2"
    assert choose_image(f"{REPO}:prod", False, None, "users") == f"{REPO}:prod"


def test_what_aws_fills_in_is_no_difference():
    request = task_definition_request(PARAMS, f"{REPO}:prod", "us-west-1")
    assert owned_task_definition(request) == owned_task_definition(described(request))


@pytest.mark.parametrize(
    "change",
    [{"memory": 1024}, {"environment": {"A": "1"}}, {"command": None}, {"task_role_arn": None}, {"container_port": 80}],
)
def test_a_changed_setting_is_a_difference(change):
    running = described(task_definition_request(PARAMS, f"{REPO}:prod", "us-west-1"))
    wanted = task_definition_request(dict(PARAMS, **change), f"{REPO}:prod", "us-west-1")
    assert owned_task_definition(wanted) != owned_task_definition(running)


def test_service_changes_only_what_differs():
    current = {
        "taskDefinition": "arn:td:3",
        "desiredCount": 0,
        "loadBalancers": [{"targetGroupArn": "arn:tg", "containerName": "users", "containerPort": 5000}],
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": ["subnet-a", "subnet-b"],
                "securityGroups": ["sg-1"],
                "assignPublicIp": "ENABLED",
            }
        },
        "healthCheckGracePeriodSeconds": 60,
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        },
        "propagateTags": "SERVICE",
    }
    assert service_changes(service_settings(PARAMS, "arn:td:3", 0), current) == {}
    assert service_changes(service_settings(PARAMS, "arn:td:3", 1), current) == {"desiredCount": 1}
    changes = service_changes(service_settings(dict(PARAMS, assign_public_ip=False), "arn:td:4", 0), current)
    assert set(changes) == {"taskDefinition", "networkConfiguration"}
    current["deploymentConfiguration"]["deploymentCircuitBreaker"] = {"enable": False, "rollback": False}
    fixed = service_changes(service_settings(PARAMS, "arn:td:3", 0), current)["deploymentConfiguration"]
    assert fixed == {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
    }


def test_tags_are_added_or_updated_never_removed():
    assert tag_changes({"a": "1", "b": 2}, [{"key": "a", "value": "1"}, {"key": "c", "value": "x"}]) == [
        {"key": "b", "value": "2"}
    ]


def test_ecr_references_and_families():
    assert ecr_image_reference(f"{REPO}:abc") == ("123456789012", "test-driven-users", {"imageTag": "abc"})
    assert ecr_image_reference(f"{REPO}@sha256:{'a' * 64}")[2] == {"imageDigest": f"sha256:{'a' * 64}"}
    assert ecr_image_reference("nginx:1.27") is None
    assert family_of("arn:aws:ecs:us-west-1:1:task-definition/flask-react-users:12") == "flask-react-users"


@pytest.mark.parametrize(
    ("service", "message"),
    [
        ({"cpu": 300}, "app_services[0].cpu must be one of Fargate's"),
        ({"cpu": 256, "memory": 4096}, "app_services[0].memory must be a Fargate size for cpu 256: 512..2048"),
        ({"desired_count": -1}, "app_services[0].desired_count must be a whole number >= 0"),
        ({"environment": {"1X": "a"}}, "'1X' is not a valid environment variable name"),
        ({"environment": {"DATABASE_HOST": "a"}}, "DATABASE_HOST is set by 'database: true'"),
        ({"secrets": {"KEY": "plain-value"}}, "app_services[0].secrets.KEY must be the ARN"),
        ({"command": "gunicorn app"}, "app_services[0].command must be a list of strings"),
        ({"database": "yes"}, "app_services[0].database must be true or false"),
        ({"build": {"context": "../etc"}}, None),
        ({"build": {"image": "x"}}, "app_services[0].build must be a mapping with only context, dockerfile, args"),
        ({"build": {"dockerfile": "a b"}}, "app_services[0].build.dockerfile must be a relative path"),
    ],
)
def test_each_broken_key_is_named(service, message):
    errors = ecs_service_errors("app_services[0]", service)
    if message is None:
        assert errors == []
    else:
        assert any(message in error for error in errors), errors


def test_the_app_check_runs_the_ecs_checks():
    services = [{"name": "web", "port": 80, "default": True, "memory": 3}]
    assert any("app_services[0].memory" in error for error in app_errors("shop", services, "us-west-1", "acme"))


def test_database_wiring_names_the_secret_never_a_password():
    database = {
        "host": "db.x",
        "port": 5432,
        "name": "shop",
        "user": "webapp",
        "secret_arn": "arn:aws:secretsmanager:r:1:secret:rds!db-1a",
    }
    services = [{"name": "api", "port": 5000, "database": True, "secrets": {"KEY": "arn:aws:ssm:r:1:parameter/key"}}]
    (spec,) = ecs_service_specs(services, "shop", database)
    assert spec["environment"] == {
        "DATABASE_HOST": "db.x",
        "DATABASE_PORT": "5432",
        "DATABASE_NAME": "shop",
        "DATABASE_USER": "webapp",
    }
    assert spec["secrets"]["DATABASE_PASSWORD"] == "arn:aws:secretsmanager:r:1:secret:rds!db-1a:password::"
    assert spec["secret_resources"] == ["arn:aws:secretsmanager:r:1:secret:rds!db-1a", "arn:aws:ssm:r:1:parameter/key"]
    assert ecs_service_specs(services, "shop", {})[0]["environment"] == {}
