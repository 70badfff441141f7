"""The command lines playbooks/images.yml runs: the course's docker build and push."""

from ansible_collections.flask_react.aws.plugins.filter.image_commands import FilterModule
from ansible_collections.flask_react.aws.plugins.module_utils.images import image_commands

REGISTRY = "123456789012.dkr.ecr.us-west-1.amazonaws.com"
SERVICES = [{"name": "client", "port": 80, "default": True}, {"name": "users", "port": 5000}]


def test_the_courses_build_and_push():
    commands = image_commands(
        SERVICES,
        REGISTRY,
        "test-driven",
        "prod",
        "/src/app/",
        {"client": {"REACT_APP_API_SERVICE_URL": "http://alb", "NODE_ENV": "production"}},
    )
    client, users = commands
    assert users == {
        "service": "users",
        "image": f"{REGISTRY}/test-driven-users:prod",
        "build": [
            "docker",
            "build",
            "-f",
            "/src/app/services/users/Dockerfile.prod",
            "-t",
            f"{REGISTRY}/test-driven-users:prod",
            "/src/app/services/users",
        ],
        "push": ["docker", "push", f"{REGISTRY}/test-driven-users:prod"],
    }
    assert client["build"] == [
        "docker",
        "build",
        "-f",
        "/src/app/services/client/Dockerfile.prod",
        "-t",
        f"{REGISTRY}/test-driven-client:prod",
        "--build-arg",
        "NODE_ENV=production",
        "--build-arg",
        "REACT_APP_API_SERVICE_URL=http://alb",
        "/src/app/services/client",
    ]


def test_values_stay_one_argument_each():
    (command,) = image_commands([{"name": "api"}], REGISTRY, "p", "t", ".", {"api": {"MSG": "a b; rm -rf /"}})
    assert "MSG=a b; rm -rf /" in command["build"], "argv, no shell: a value cannot inject a command"


def test_filter_is_registered():
    assert FilterModule().filters()["image_commands"](SERVICES, REGISTRY, "x", "y", ".")[0]["service"] == "client"
