"""ecs_app_service planning: the image kept, task definitions compared on what we set, service changes,
and the app_services ECS keys' checks."""

import pytest
from ansible_collections.flask_react.aws.plugins.filter.ecs_service_specs import ecs_service_specs
from ansible_collections.flask_react.aws.plugins.module_utils.ecs import (
    call_when_ready,
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
from botocore.exceptions import ClientError

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
    assert any("app_services[web].memory" in error for error in app_errors("shop", services, "us-west-1", "acme"))


def test_database_wiring_names_the_secret_never_a_password():
    database = {
        "host": "db.x",
        "port": 5432,
        "name": "shop",
        "user": "webapp",
        "secret_arn": "arn:aws:secretsmanager:r:1:secret:rds!db-1a-AbCdEf",
    }
    services = [{"name": "api", "port": 5000, "database": True, "secrets": {"KEY": "arn:aws:ssm:r:1:parameter/key"}}]
    (spec,) = ecs_service_specs(services, "shop", database)
    assert spec["environment"] == {
        "DATABASE_HOST": "db.x",
        "DATABASE_PORT": "5432",
        "DATABASE_NAME": "shop",
        "DATABASE_USER": "webapp",
    }
    assert spec["secrets"]["DATABASE_PASSWORD"] == "arn:aws:secretsmanager:r:1:secret:rds!db-1a-AbCdEf:password::"
    assert spec["secret_resources"] == [
        "arn:aws:secretsmanager:r:1:secret:rds!db-1a-AbCdEf",
        "arn:aws:secretsmanager:r:1:secret:rds!db-1a-AbCdEf-??????",
        "arn:aws:ssm:r:1:parameter/key",
    ]
    assert ecs_service_specs(services, "shop", {})[0]["environment"] == {}


SECRET = "arn:aws:secretsmanager:us-west-1:123456789012:secret"


@pytest.mark.parametrize(
    ("value_from", "granted"),
    [
        # Without its random suffix: IAM matches the secret's real ARN only with the wildcard.
        (f"{SECRET}:app/token", [f"{SECRET}:app/token-??????"]),
        (f"{SECRET}:app/token:key::", [f"{SECRET}:app/token-??????"]),
        # With what looks like one: as is, and with the wildcard too, since a name like app/token-AbCdEf
        # may itself be partial; a JSON key, version stage or id after it are not part of the resource.
        (f"{SECRET}:app/token-AbCdEf", [f"{SECRET}:app/token-AbCdEf", f"{SECRET}:app/token-AbCdEf-??????"]),
        (f"{SECRET}:app/token-AbCdEf:password::", [f"{SECRET}:app/token-AbCdEf", f"{SECRET}:app/token-AbCdEf-??????"]),
        (
            f"{SECRET}:app/token-AbCdEf:password:AWSCURRENT:",
            [f"{SECRET}:app/token-AbCdEf", f"{SECRET}:app/token-AbCdEf-??????"],
        ),
        (
            "arn:aws:ssm:us-west-1:123456789012:parameter/app/key",
            ["arn:aws:ssm:us-west-1:123456789012:parameter/app/key"],
        ),
    ],
)
def test_the_execution_role_is_granted_the_secrets_real_arn(value_from, granted):
    (spec,) = ecs_service_specs([{"name": "api", "port": 5000, "secrets": {"TOKEN": value_from}}], "shop")
    assert spec["secret_resources"] == granted
    assert spec["secrets"] == {"TOKEN": value_from}, "ECS reads the ARN as given"


def test_cpu_architecture_sets_the_runtime_platform_and_the_build_platform():
    web, api = ecs_service_specs(
        [{"name": "web", "port": 80}, {"name": "api", "port": 5000, "cpu_architecture": "arm64"}], "shop"
    )
    assert (web["cpu_architecture"], web["platform"]) == ("X86_64", "linux/amd64")
    assert (api["cpu_architecture"], api["platform"]) == ("ARM64", "linux/arm64")
    request = task_definition_request(dict(PARAMS, cpu_architecture="ARM64"), "image", "us-west-1")
    assert request["runtimePlatform"] == {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}
    assert owned_task_definition(described(request)) == owned_task_definition(request)
    default = task_definition_request(dict(PARAMS, cpu_architecture="X86_64"), "image", "us-west-1")
    assert owned_task_definition(default) != owned_task_definition(request)


def test_a_revision_registered_without_runtime_platform_is_x86_64_linux():
    request = task_definition_request(dict(PARAMS, cpu_architecture="X86_64"), "image", "us-west-1")
    older = {key: value for key, value in described(request).items() if key != "runtimePlatform"}
    assert owned_task_definition(older) == owned_task_definition(request), "no new revision on upgrade"
    assert task_definition_request(PARAMS, "image", "us-west-1")["runtimePlatform"]["cpuArchitecture"] == "X86_64"


def not_yet(message, code="InvalidParameterException"):
    return ClientError({"Error": {"Code": code, "Message": message}}, "CreateService")


class Clock:
    """A clock that moves only when the code under test sleeps."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def answers(*outcomes):
    pending = list(outcomes)

    def call():
        outcome = pending.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return call


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        ("create_service", "The target group with targetGroupArn arn:tg does not have an associated load balancer."),
        ("update_service", "The target group with targetGroupArn arn:tg does not have an associated load balancer."),
        (
            "create_service",
            "Unable to assume the service linked role. Please verify that the ECS service linked role exists.",
        ),
        ("delete_service", "The service cannot be stopped while deployments are active."),
    ],
)
def test_ecs_not_yet_answers_are_retried_then_warned_with_the_time_waited(operation, message):
    clock, warnings = Clock(), []
    call = answers(not_yet(message), not_yet(message), {"service": {"serviceName": "x"}})
    result = call_when_ready(call, operation, ClientError, 600, warnings.append, sleep=clock.sleep, clock=clock)
    assert result == {"service": {"serviceName": "x"}}
    assert clock.now == 10
    assert len(warnings) == 1 and f"ECS {operation} answered" in warnings[0] and "for 10 s" in warnings[0]


def test_other_errors_and_a_spent_budget_are_raised():
    clock, warnings = Clock(), []
    with pytest.raises(ClientError, match="Unable to find target group"):
        call_when_ready(
            answers(not_yet("Unable to find target group arn:tg.")),
            "create_service",
            ClientError,
            600,
            warnings.append,
            sleep=clock.sleep,
            clock=clock,
        )
    # The deletion's "not yet" is not a creation's.
    with pytest.raises(ClientError):
        call_when_ready(
            answers(not_yet("The service cannot be stopped while deployments are active.")),
            "create_service",
            ClientError,
            600,
            warnings.append,
            sleep=clock.sleep,
            clock=clock,
        )
    lagging = not_yet("does not have an associated load balancer")
    with pytest.raises(ClientError, match=r"still so after 10 s of retries"):
        call_when_ready(
            answers(*[lagging] * 10), "update_service", ClientError, 12, warnings.append, sleep=clock.sleep, clock=clock
        )
    assert warnings == [] and clock.now == 10
