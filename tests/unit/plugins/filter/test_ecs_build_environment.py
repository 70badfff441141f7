"""ecs_build_environment: APP_SERVICES carries what ci/codebuild.py needs per service (the contract's
keys), with the course's defaults when app_services says nothing."""

import json

from ansible_collections.flask_react.aws.plugins.filter.ecs_build_environment import ecs_build_environment

COURSE = [
    {"name": "client", "port": 80, "health_check_path": "/", "default": True},
    {"name": "users", "port": 5000, "health_check_path": "/ping", "paths": ["/users*"], "database": True},
]


def app_services(services, **options):
    variables = {
        v["name"]: v["value"]
        for v in ecs_build_environment(services, "flask-react", "test-driven", "flask-react-cluster", "main", **options)
    }
    return json.loads(variables["APP_SERVICES"])


def test_the_courses_two_services():
    assert app_services(COURSE) == [
        {
            "name": "client",
            "repository": "test-driven-client",
            "service": "flask-react-client",
            "container": "client",
            "context": "services/client",
            "dockerfile": "services/client/Dockerfile.prod",
            "args": {},
            "default": True,
            "platform": "linux/amd64",
            "desired_count": 1,
            "database": False,
            "tests": [],
        },
        {
            "name": "users",
            "repository": "test-driven-users",
            "service": "flask-react-users",
            "container": "users",
            "context": "services/users",
            "dockerfile": "services/users/Dockerfile.prod",
            "args": {},
            "default": False,
            "platform": "linux/amd64",
            "desired_count": 1,
            "database": True,
            "tests": [],
        },
    ]


def test_platform_desired_count_tests_and_args_follow_app_services():
    services = [
        {
            "name": "api",
            "port": 5000,
            "cpu_architecture": "arm64",
            "desired_count": 0,
            "test": ["python -m pytest", "flake8 ."],
            "build": {"context": "backend", "dockerfile": "Dockerfile", "args": {"WORKERS": 4, "MODE": "prod"}},
        },
        {"name": "x86", "port": 80, "cpu_architecture": "X86_64", "test": "exit 0"},
    ]
    api, x86 = app_services(services)
    assert api["platform"] == "linux/arm64" and x86["platform"] == "linux/amd64"
    assert api["desired_count"] == 0 and x86["desired_count"] == 1
    assert api["tests"] == ["python -m pytest", "flake8 ."] and x86["tests"] == ["exit 0"]
    # Verbatim but as strings: they become --build-arg KEY=VALUE.
    assert api["args"] == {"WORKERS": "4", "MODE": "prod"} and api["dockerfile"] == "backend/Dockerfile"


def test_the_value_is_compact_and_stable():
    first = ecs_build_environment(COURSE, "flask-react", "test-driven", "flask-react-cluster", "main")
    assert first == ecs_build_environment(COURSE, "flask-react", "test-driven", "flask-react-cluster", "main")
    value = first[0]["value"]
    assert ": " not in value and ", " not in value, "no spaces: one write less if the project compares text"
