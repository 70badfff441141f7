"""The app model: every name derived from app_services, in one place, exactly as the roles named them."""

import importlib.util
import json
from pathlib import Path

import pytest
from ansible_collections.flask_react.aws.plugins.filter.ecs_build_environment import ecs_build_environment
from ansible_collections.flask_react.aws.plugins.filter.ecs_service_specs import ecs_service_specs
from ansible_collections.flask_react.aws.plugins.filter.service_rules import service_rules
from ansible_collections.flask_react.aws.plugins.module_utils.app_model import (
    build_args,
    partition_of,
    resolve,
)
from ansible_collections.flask_react.aws.plugins.module_utils.ecr import EcrNameError
from ansible_collections.flask_react.aws.plugins.module_utils.images import image_commands

ROOT = Path(__file__).resolve().parents[4]
ACCOUNT = "123456789012"
COURSE = [
    {"name": "client", "port": 80, "health_check_path": "/", "default": True},
    {
        "name": "users",
        "port": 5000,
        "health_check_path": "/ping",
        "paths": ["/users*", "/ping", "/auth*", "/doc", "/swagger*"],
    },
]
# tests/unit/playbooks/chain_inventory: three services in eu-west-1, one on ARM64.
SHOP = [
    {"name": "storefront", "port": 80, "health_check_path": "/", "default": True},
    {
        "name": "api",
        "port": 5000,
        "health_check_path": "/health",
        "paths": ["/api*"],
        "database": True,
        "test": ["test -f app.py"],
    },
    {
        "name": "admin",
        "port": 8000,
        "health_check_path": "/admin/health",
        "paths": ["/admin*"],
        "cpu_architecture": "ARM64",
    },
]


def codebuild_script():
    """ci/codebuild.py as a module (standard library only: it runs in CodeBuild, not from the collection)."""
    spec = importlib.util.spec_from_file_location("codebuild_script", ROOT / "ci" / "codebuild.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_courses_names():
    model = resolve(COURSE, "flask-react", "test-driven", "us-west-1", ACCOUNT)
    client, users = model["services"]
    assert users == {
        "name": "users",
        "default": False,
        "port": 5000,
        "health_check_path": "/ping",
        "paths": ["/users*", "/ping", "/auth*", "/doc", "/swagger*"],
        "target_group": "flask-react-users-tg",
        "repository": "test-driven-users",
        "image_uri": f"{ACCOUNT}.dkr.ecr.us-west-1.amazonaws.com/test-driven-users:prod",
        "family": "flask-react-users",
        "service": "flask-react-users",
        "container": "users",
        "log_group": "/ecs/flask-react-users",
        "build": {"context": "services/users", "dockerfile": "services/users/Dockerfile.prod", "args": {}},
        "cpu_architecture": "X86_64",
        "platform": "linux/amd64",
        "desired_count": 1,
        "database": False,
        "tests": [],
        "generated_secrets": {},
        "rules": [
            {"paths": ["/users*", "/ping", "/auth*", "/doc", "/swagger*"], "target_group": "flask-react-users-tg"}
        ],
        "alarms": [],
    }
    assert client["default"] and client["target_group"] == "flask-react-client-tg" and client["rules"] == []
    assert {key: model[key] for key in ("app_name", "region", "account_id", "partition", "registry", "cluster")} == {
        "app_name": "flask-react",
        "region": "us-west-1",
        "account_id": ACCOUNT,
        "partition": "aws",
        "registry": f"{ACCOUNT}.dkr.ecr.us-west-1.amazonaws.com",
        "cluster": "flask-react-cluster",
    }
    assert model["default_service"] == "client" and model["by_name"]["users"] is users
    assert model["target_groups"] == ["flask-react-client-tg", "flask-react-users-tg"]
    assert model["repositories"] == ["test-driven-client", "test-driven-users"]
    assert model["families"] == ["flask-react-client", "flask-react-users"]
    assert model["log_groups"] == ["/ecs/flask-react-client", "/ecs/flask-react-users"]
    assert model["rules"] == users["rules"]
    assert model["repository_prefix"] == "test-driven-" and model["log_group_prefix"] == "/ecs/"


def test_the_three_service_arm64_app_in_eu_west_1():
    model = resolve(SHOP, "shop", "shop", "eu-west-1", ACCOUNT, image_tag="abc1234", cluster="shop-cluster")
    storefront, api, admin = model["services"]
    assert [s["image_uri"] for s in model["services"]] == [
        f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/shop-{name}:abc1234" for name in ("storefront", "api", "admin")
    ]
    assert (admin["platform"], admin["cpu_architecture"]) == ("linux/arm64", "ARM64")
    assert storefront["platform"] == api["platform"] == "linux/amd64"
    assert api["database"] and api["tests"] == ["test -f app.py"] and not admin["database"]
    assert model["rules"] == [
        {"paths": ["/api*"], "target_group": "shop-api-tg"},
        {"paths": ["/admin*"], "target_group": "shop-admin-tg"},
    ]
    assert admin["health_check_path"] == "/admin/health" and admin["log_group"] == "/ecs/shop-admin"


def test_no_account_yet_leaves_the_registry_and_image_uris_empty():
    model = resolve(COURSE, "flask-react", "test-driven", "us-west-1")
    assert model["account_id"] == "" and model["registry"] == ""
    assert [s["image_uri"] for s in model["services"]] == ["", ""]
    assert model["by_name"]["users"]["target_group"] == "flask-react-users-tg", "names need no account"


def test_the_china_partition():
    model = resolve(COURSE, "flask-react", "test-driven", "cn-north-1", ACCOUNT)
    assert model["partition"] == "aws-cn"
    assert model["registry"] == f"{ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn"
    assert model["by_name"]["client"]["image_uri"].endswith(".amazonaws.com.cn/test-driven-client:prod")
    assert resolve(COURSE, "a", "b", "cn-north-1", ACCOUNT, partition="aws-cn")["partition"] == "aws-cn"


@pytest.mark.parametrize(
    "region, partition",
    [
        ("us-west-1", "aws"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-isob-east-1", "aws-iso-b"),
    ],
)
def test_the_partition_follows_the_region_when_not_given(region, partition):
    assert partition_of(region) == partition


def test_an_unquoted_account_keeps_its_leading_zeros():
    model = resolve(COURSE, "a", "b", "us-west-1", 12345678901)
    assert model["account_id"] == "012345678901" and model["registry"].startswith("012345678901.")


def test_a_bad_tag_fails_naming_it():
    with pytest.raises(EcrNameError, match="tag"):
        resolve(COURSE, "a", "b", "us-west-1", ACCOUNT, image_tag="-bad")


def test_build_defaults_and_the_documented_build():
    services = [
        {"name": "web", "port": 80, "default": True},
        {
            "name": "api",
            "port": 5000,
            "paths": ["/api*"],
            "build": {"context": "backend/", "dockerfile": "docker/Dockerfile", "args": {"WORKERS": 4}},
        },
        {"name": "root", "port": 81, "paths": ["/r"], "build": {"context": "."}},
    ]
    web, api, root = resolve(services, "a", "p")["services"]
    assert web["build"] == {"context": "services/web", "dockerfile": "services/web/Dockerfile.prod", "args": {}}
    assert api["build"] == {"context": "backend", "dockerfile": "backend/docker/Dockerfile", "args": {"WORKERS": "4"}}
    assert root["build"] == {"context": ".", "dockerfile": "./Dockerfile.prod", "args": {}}


def test_the_default_args_go_to_the_default_service_only_and_only_when_its_args_are_empty():
    web, api = resolve(
        [{"name": "web", "port": 80, "default": True}, {"name": "api", "port": 5000, "paths": ["/a"]}], "a", "p"
    )["services"]
    url = "http://alb.example.com"
    assert build_args(web, url) == {
        "NODE_ENV": "production",
        "REACT_APP_API_SERVICE_URL": url,
        "VITE_API_SERVICE_URL": url,
    }
    assert build_args(api, url) == {}, "every other service gets none (#19)"
    assert build_args(web) == {}, "no URL known: no API args"
    own = {"name": "web", "default": True, "build": {"args": {"API": "x"}}}
    assert build_args(own, url) == {"API": "x"}, "a default service with its own args keeps them"


def test_images_yml_and_codebuild_build_the_same_args(monkeypatch):
    """images.yml (module_utils/images.py) and CodeBuild (ci/codebuild.py) give the default build args alike."""
    script = codebuild_script()
    url = "http://alb.example.com"
    monkeypatch.setenv("REACT_APP_API_SERVICE_URL", url)
    services = [
        {"name": "web", "port": 80, "default": True},
        {"name": "api", "port": 5000, "paths": ["/a"]},
        {"name": "own", "port": 81, "paths": ["/o"], "default": False, "build": {"args": {"X": 1}}},
    ]
    built = json.loads(ecs_build_environment(services, "a", "p")[0]["value"])
    local = image_commands(resolve(services, "a", "p")["services"], "r", "p", "t", "/src", api_url=url)
    for codebuild_service, command in zip(built, local, strict=True):
        args = {arg.split("=", 1)[0]: arg.split("=", 1)[1] for arg in command["build"] if "=" in arg}
        assert script.build_args(codebuild_service) == args, codebuild_service["name"]


def test_every_consumer_names_what_the_model_names():
    model = resolve(SHOP, "shop", "shop", "eu-west-1")
    assert service_rules(SHOP, "shop") == model["rules"]
    specs = ecs_service_specs(SHOP, "shop")
    assert [(s["family"], s["log_group"], s["target_group"], s["container"], s["platform"]) for s in specs] == [
        (s["family"], s["log_group"], s["target_group"], s["container"], s["platform"]) for s in model["services"]
    ]
    built = json.loads(ecs_build_environment(SHOP, "shop", "shop", "shop-cluster")[0]["value"])
    assert built == json.loads(ecs_build_environment(model, cluster="shop-cluster")[0]["value"])
    assert [(b["repository"], b["service"], b["dockerfile"]) for b in built] == [
        (s["repository"], s["service"], s["build"]["dockerfile"]) for s in model["services"]
    ]
    commands = image_commands(SHOP, "r", "shop", "t", "/src")
    assert commands == image_commands(model["services"], "r", "shop", "t", "/src")
    assert [c["image"] for c in commands] == [f"r/{s['repository']}:t" for s in model["services"]]


def test_generated_secrets_are_named_by_app_service_and_variable():
    services = [dict(COURSE[0]), dict(COURSE[1], generated_secrets=["SECRET_KEY", "JWT_KEY"])]
    model = resolve(services, "flask-react", "test-driven", "us-west-1", ACCOUNT)
    assert model["by_name"]["users"]["generated_secrets"] == {
        "SECRET_KEY": "flask-react/users/SECRET_KEY",
        "JWT_KEY": "flask-react/users/JWT_KEY",
    }
    assert model["by_name"]["client"]["generated_secrets"] == {}
    assert model["generated_secrets"] == ["flask-react/users/SECRET_KEY", "flask-react/users/JWT_KEY"]


def test_the_alarm_names_and_topic():
    """Alarms off: no service names any; on: each names its target group's two, and the topic's ARN is the
    account's (empty without it)."""
    assert resolve(COURSE, "flask-react", "test-driven", "us-west-1", ACCOUNT)["by_name"]["users"]["alarms"] == []
    model = resolve(COURSE, "flask-react", "test-driven", "cn-north-1", ACCOUNT, alarms=True)
    assert model["by_name"]["users"]["alarms"] == ["flask-react-users-unhealthy", "flask-react-users-target-5xx"]
    assert model["alarm_topic"] == "flask-react-alarms" and model["alarm_prefix"] == "flask-react-"
    assert model["alarm_topic_arn"] == f"arn:aws-cn:sns:cn-north-1:{ACCOUNT}:flask-react-alarms"
    assert all(name.endswith(tuple(model["alarm_suffixes"])) for name in model["by_name"]["client"]["alarms"])
    assert resolve(COURSE, "flask-react", "test-driven", "us-west-1", alarms=True)["alarm_topic_arn"] == ""
