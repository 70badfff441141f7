"""The shared input rules: every broken rule gives one message naming the variable."""

import copy

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.validation import (
    alb_errors,
    app_errors,
    app_name_max,
    cidr_errors,
    known_regions,
    path_pattern_errors,
)

SEED = [
    {"name": "client", "port": 80, "health_check_path": "/", "default": True},
    {
        "name": "users",
        "port": 5000,
        "health_check_path": "/ping",
        "paths": ["/users*", "/ping", "/auth*", "/doc", "/swagger*"],
    },
]


def errors_for(services=None, app_name="flask-react", region="us-west-1", prefix="test-driven"):
    return app_errors(app_name, SEED if services is None else services, region, prefix)


def test_the_course_description_is_valid():
    assert errors_for() == []


def mutated(index, **changes):
    services = copy.deepcopy(SEED)
    services[index].update(changes)
    return services


@pytest.mark.parametrize(
    ("services", "expected"),
    [
        (mutated(1, name="client"), "app_services[1].name: 'client' is used by more than one service"),
        (mutated(1, default=True), "exactly one service must have 'default: true'"),
        (mutated(0, default=False), "exactly one service must have 'default: true'"),
        (mutated(1, port=70000), "app_services[users].port: port 70000 must be a whole number from 1 to 65535"),
        (mutated(1, port=0), "app_services[users].port"),
        (mutated(1, port="80"), "app_services[users].port"),
        (mutated(1, health_check_path="ping"), "app_services[users].health_check_path: 'ping' must start with '/'"),
        (mutated(1, paths=["users*"]), "app_services[users].paths[0]: path pattern 'users*' must start with '/'"),
        (mutated(1, paths=["/a b"]), "has a character AWS does not allow"),
        (mutated(1, paths=["/" + "a" * 128]), "longer than 128 characters"),
        (mutated(0, paths=["/ping"]), "app_services[users].paths[1]: '/ping' is already routed by service 'client'"),
        (mutated(1, name="Users"), "app_services[1].name: 'Users' must be lowercase"),
        (mutated(1, name=None), "app_services[1].name: missing; every service needs a name"),
        (mutated(1, name="a-very-long-service-name"), "longer than 32 characters"),
        ([], "app_services: must be a non-empty list"),
    ],
)
def test_each_broken_rule_is_named(services, expected):
    assert any(expected in message for message in errors_for(services)), errors_for(services)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"app_name": "Flask_React"}, "app_name: 'Flask_React'"),
        ({"region": "mars-1"}, "aws_region: 'mars-1'"),
        ({"prefix": "Test"}, "ecr_repository_prefix: 'Test'"),
    ],
)
def test_shared_names_are_checked(kwargs, expected):
    assert any(message.startswith(expected) for message in errors_for(**kwargs))


def test_all_errors_are_reported_at_once():
    services = mutated(1, port=0, health_check_path="x")
    assert len(errors_for(services, region="nowhere")) == 3


@pytest.mark.parametrize("pattern", ["/", "/users*", "/api/v1/?", "/a-b_c.d$e~f'g@h:i+j&k\"l"])
def test_aws_path_characters_are_accepted(pattern):
    assert path_pattern_errors("p", pattern) == []


@pytest.mark.parametrize(
    ("cidrs", "count"),
    [(["0.0.0.0/0", "203.0.113.0/24", "2001:db8::/32"], 0), (["10.0.0.1"], 1), (["10.0.0.1/24"], 1), (["x"], 1)],
)
def test_cidrs(cidrs, count):
    assert len(cidr_errors("alb_ssh_cidrs", cidrs)) == count


@pytest.mark.parametrize("region", ["us-west-9", "eu-central-7", "us-gov-east-9"])
def test_a_region_aws_does_not_have_is_refused(region):
    """Issue 14 item 13: well formed, but not in botocore's list."""
    assert errors_for(region=region) == [
        f"aws_region: {region!r} is not a region AWS has (botocore's list of every partition)"
    ]


@pytest.mark.parametrize("region", ["us-west-1", "cn-north-1", "us-gov-west-1", "eu-central-2"])
def test_regions_of_every_partition_are_accepted(region):
    assert region in known_regions()
    assert errors_for(region=region) == []


def test_a_too_long_app_name_is_blamed_on_app_name_with_its_maximum():
    """Issue 14 item 12: the load balancer's name (<app_name>-alb, 32) is the tightest."""
    assert app_name_max() == (28, "<app_name>-alb", "the load balancer")
    services = [{"name": "a", "port": 80, "default": True}]
    assert app_name_max(["a"]) == (27, "<app_name>-a-tg", "service 'a''s target group")
    assert errors_for(services, app_name="a" * 27) == []
    assert errors_for(services, app_name="a" * 29) == [
        f"app_name: {'a' * 29!r} is 29 characters; at most 27, so that service 'a''s target group's name "
        "<app_name>-a-tg fits AWS's limit"
    ]


def test_a_long_service_name_is_blamed_on_the_service():
    services = [{"name": "a", "port": 80, "default": True}, {"name": "b" * 25, "port": 81}]
    assert errors_for(services, app_name="shop") == [
        f"app_services[{'b' * 25}].name: target group name 'shop-{'b' * 25}-tg' is longer than 32 characters; "
        "with this app_name a service name takes at most 24"
    ]


def test_a_path_with_more_than_five_wildcards_is_refused():
    assert any("has 6 wildcards" in error for error in errors_for(mutated(1, paths=["/*/*/*/*/*/*"])))


ALB_DEFAULTS = {
    "aws_region": "us-west-1",
    "alb_name": "flask-react-alb",
    "alb_security_group_name": "flask-react-security-group",
    "alb_http_cidrs": ["0.0.0.0/0"],
    "alb_ssh_cidrs": [],
    "alb_listener_port": 80,
    "alb_https_port": 443,
    "alb_certificate_arn": "",
    "alb_domain_name": "",
    "alb_subnet_ids": [],
    "alb_active_timeout": 600,
    "alb_security_group_delete_timeout": 900,
}


def test_the_alb_defaults_are_valid():
    assert alb_errors(ALB_DEFAULTS) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"alb_name": "my_alb"}, "alb_name: 'my_alb' must be 1 to 32 letters, digits and hyphens"),
        ({"alb_name": "a" * 33}, "alb_name: "),
        ({"alb_name": "internal-lb"}, "alb_name: 'internal-lb' must not start with 'internal-'"),
        ({"alb_security_group_name": "sg-web"}, "alb_security_group_name: 'sg-web' must be 1 to 255 characters"),
        ({"alb_subnet_ids": ["subnet-12"]}, "alb_subnet_ids[0]: 'subnet-12' is not a subnet ID"),
        ({"alb_ssh_cidrs": ["10.0.0.1"]}, "alb_ssh_cidrs[0]: '10.0.0.1' is not a CIDR block"),
        ({"alb_listener_port": "80x"}, "alb_listener_port: 80x must be from 1 to 65535"),
        ({"alb_active_timeout": -1}, "alb_active_timeout: -1 must be a whole number of seconds"),
        (
            {"alb_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b"},
            "alb_certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b must be the ARN of an ACM"
            " certificate in us-west-1",
        ),
        (
            {"alb_certificate_arn": "arn:aws:acm:us-west-1:123456789012:certificate/0a1b", "alb_https_port": 80},
            "alb_https_port: 80 must be from 1 to 65535 and differ from alb_listener_port",
        ),
        ({"alb_domain_name": "App.Example.com"}, "alb_domain_name: App.Example.com must be a lower-case DNS name"),
    ],
)
def test_each_broken_alb_rule_is_named(changes, expected):
    errors = alb_errors(dict(ALB_DEFAULTS, **changes))
    assert len(errors) == 1 and errors[0].startswith(expected), errors


def test_ports_given_as_strings_by_extra_vars_are_read_as_numbers():
    assert alb_errors(dict(ALB_DEFAULTS, alb_listener_port="8080")) == []


def test_a_non_default_service_without_paths_is_refused_while_ecs_is_on():
    # Its target group would be forwarded to by no rule: CreateService answers "does not have an
    # associated load balancer" on AWS. Named by the service's name and the rule.
    from ansible_collections.flask_react.aws.plugins.filter.app_errors import app_errors as app_errors_filter

    services = [*copy.deepcopy(SEED), {"name": "worker", "port": 8080}]
    errors = app_errors_filter(services, "flask-react", "us-west-1", "test-driven", ecs_enabled=True)
    assert errors == [
        "app_services[worker].paths: not the default service and has no paths; while ecs_enabled is true "
        "every non-default service needs paths (ECS runs a service only behind a target group a listener rule "
        "forwards to)"
    ]
    assert app_errors_filter(services, "flask-react", "us-west-1", "test-driven", ecs_enabled=False) == []
    assert app_errors_filter(SEED, "flask-react", "us-west-1", "test-driven", ecs_enabled=True) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"cpu_architecture": "ARM"}, "app_services[users].cpu_architecture must be X86_64 or ARM64"),
        ({"cpu_architecture": 64}, "app_services[users].cpu_architecture must be X86_64 or ARM64"),
        ({"test": "pytest"}, "app_services[users].test must be a list of non-empty shell commands"),
        ({"test": ["pytest", ""]}, "app_services[users].test must be a list of non-empty shell commands"),
        ({"test": [["pytest"]]}, "app_services[users].test must be a list of non-empty shell commands"),
    ],
)
def test_the_architecture_and_the_tests_are_checked(changes, expected):
    assert any(expected in message for message in errors_for(mutated(1, **changes)))


@pytest.mark.parametrize("architecture", ["X86_64", "ARM64", "arm64", "x86_64"])
def test_fargate_architectures_and_test_commands_are_accepted(architecture):
    assert errors_for(mutated(1, cpu_architecture=architecture, test=["python -m pytest", "flake8 ."])) == []


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("users", "app_services[users]"),
        # Issue 22: a name that cannot tell the service apart leaves its position.
        (None, "app_services[1]"),
        ("Users", "app_services[1]"),
        ("client", "app_services[1]"),
    ],
)
def test_a_service_is_named_by_its_name_or_else_by_its_position(name, where):
    services = mutated(1, port=70000, name=name)
    assert f"{where}.port: port 70000 must be a whole number from 1 to 65535" in errors_for(services)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"generated_secrets": "SECRET_KEY"}, "app_services[users].generated_secrets: must be a list"),
        ({"generated_secrets": ["secret_key"]}, "app_services[users].generated_secrets[0]: 'secret_key' must be"),
        ({"generated_secrets": ["1KEY"]}, "app_services[users].generated_secrets[0]: '1KEY' must be"),
        ({"generated_secrets": ["SECRET-KEY"]}, "app_services[users].generated_secrets[0]: 'SECRET-KEY' must be"),
        ({"generated_secrets": ["A", "A"]}, "app_services[users].generated_secrets[1]: A is listed more than once"),
        (
            {"generated_secrets": ["SECRET_KEY"], "environment": {"SECRET_KEY": "x"}},
            "app_services[users].generated_secrets[0]: SECRET_KEY is also in the service's environment or secrets",
        ),
        (
            {"generated_secrets": ["API"], "secrets": {"API": "arn:aws:ssm:us-west-1:123456789012:parameter/a"}},
            "app_services[users].generated_secrets[0]: API is also in the service's environment or secrets",
        ),
        (
            {"generated_secrets": ["DATABASE_PASSWORD"]},
            "app_services[users].generated_secrets[0]: DATABASE_PASSWORD is set by 'database: true'",
        ),
    ],
)
def test_generated_secrets_break_one_named_rule_each(changes, expected):
    assert any(message.startswith(expected) for message in errors_for(mutated(1, **changes))), errors_for(
        mutated(1, **changes)
    )


def test_generated_secrets_of_upper_case_names_are_accepted():
    assert errors_for(mutated(1, generated_secrets=["SECRET_KEY", "_JWT2"], environment={"OTHER": "x"})) == []
