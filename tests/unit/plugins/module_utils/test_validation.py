"""The shared input rules: every broken rule gives one message naming the variable."""

import copy

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.validation import (
    app_errors,
    cidr_errors,
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
        (mutated(1, port=70000), "app_services[1].port: port 70000 must be a whole number from 1 to 65535"),
        (mutated(1, port=0), "app_services[1].port"),
        (mutated(1, port="80"), "app_services[1].port"),
        (mutated(1, health_check_path="ping"), "app_services[1].health_check_path: 'ping' must start with '/'"),
        (mutated(1, paths=["users*"]), "app_services[1].paths[0]: path pattern 'users*' must start with '/'"),
        (mutated(1, paths=["/a b"]), "has a character AWS does not allow"),
        (mutated(1, paths=["/" + "a" * 128]), "longer than 128 characters"),
        (mutated(0, paths=["/ping"]), "app_services[1].paths[1]: '/ping' is already routed by service 'client'"),
        (mutated(1, name="Users"), "app_services[1].name: 'Users' must be lowercase"),
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
