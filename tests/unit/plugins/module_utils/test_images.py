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
        "platform": "linux/amd64",
        "build": [
            "docker",
            "build",
            "--platform",
            "linux/amd64",
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
        "--platform",
        "linux/amd64",
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


def test_every_build_names_fargates_platform_and_honours_build():
    services = [
        {"name": "front", "default": True},
        {
            "name": "api",
            "cpu_architecture": "arm64",
            "build": {"context": "backend/", "dockerfile": "docker/Dockerfile", "args": {"FLAVOUR": "lean", "N": 2}},
        },
    ]
    front, api = image_commands(services, REGISTRY, "p", "local-abc1234", "/src", api_url="https://app.example.com")
    assert front["build"] == [
        "docker",
        "build",
        "--platform",
        "linux/amd64",
        "-f",
        "/src/services/front/Dockerfile.prod",
        "-t",
        f"{REGISTRY}/p-front:local-abc1234",
        "--build-arg",
        "NODE_ENV=production",
        "--build-arg",
        "REACT_APP_API_SERVICE_URL=https://app.example.com",
        "--build-arg",
        "VITE_API_SERVICE_URL=https://app.example.com",
        "/src/services/front",
    ]
    assert api["platform"] == "linux/arm64"
    assert api["build"] == [
        "docker",
        "build",
        "--platform",
        "linux/arm64",
        "-f",
        "/src/backend/docker/Dockerfile",
        "-t",
        f"{REGISTRY}/p-api:local-abc1234",
        "--build-arg",
        "FLAVOUR=lean",
        "--build-arg",
        "N=2",
        "/src/backend",
    ]


def test_the_default_service_with_its_own_args_keeps_them():
    (front,) = image_commands(
        [{"name": "front", "default": True, "build": {"args": {"API": "x"}}}], REGISTRY, "p", "t", ".", api_url="u"
    )
    assert [arg for arg in front["build"] if "=" in arg] == ["API=x"]
