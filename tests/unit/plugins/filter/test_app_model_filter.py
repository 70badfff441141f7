"""Filter app_model: the resolver as the roles call it, by its FQCN in a template, and its errors."""

import json
import subprocess
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.flask_react.aws.plugins.filter.app_model import DOCUMENTATION, FilterModule, app_model
from ansible_collections.flask_react.aws.plugins.module_utils.app_model import resolve

ROOT = Path(__file__).resolve().parents[4]
ACCOUNT = "123456789012"
COURSE = [
    {"name": "client", "port": 80, "health_check_path": "/", "default": True},
    {"name": "users", "port": 5000, "health_check_path": "/ping", "paths": ["/users*", "/ping"]},
]
SHOP = [
    {"name": "storefront", "port": 80, "default": True},
    {"name": "api", "port": 5000, "paths": ["/api*"], "database": True},
    {"name": "admin", "port": 8000, "paths": ["/admin*"], "cpu_architecture": "ARM64"},
]


def test_registered_and_the_same_as_the_resolver():
    assert FilterModule().filters()["app_model"] is app_model
    assert app_model(COURSE, "flask-react", "test-driven", "us-west-1", ACCOUNT) == resolve(
        COURSE, "flask-react", "test-driven", "us-west-1", ACCOUNT
    )


def test_the_filter_model_yml_calls():
    model = app_model(SHOP, "shop", "shop", region="eu-west-1", account_id=ACCOUNT, partition="", image_tag="prod")
    assert model["target_groups"] == ["shop-storefront-tg", "shop-api-tg", "shop-admin-tg"]
    assert model["by_name"]["admin"]["platform"] == "linux/arm64"
    assert model["by_name"]["api"]["image_uri"] == f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/shop-api:prod"
    assert model["cluster"] == "shop-cluster" and model["partition"] == "aws"


def test_ansible_doc_renders_it():
    shown = subprocess.run(
        ["ansible-doc", "-t", "filter", "--json", "flask_react.aws.app_model"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    doc = json.loads(shown.stdout)["flask_react.aws.app_model"]
    assert doc["doc"]["name"] == "app_model" and doc["examples"] and doc["return"]


def test_china():
    model = app_model(COURSE, "flask-react", "test-driven", "cn-north-1", ACCOUNT)
    assert model["partition"] == "aws-cn" and model["registry"].endswith(".amazonaws.com.cn")


@pytest.mark.parametrize(
    ("options", "part"),
    [({"account_id": "1234"}, "account_id"), ({"image_tag": ".x"}, "tag"), ({"region": "Mars"}, "region")],
)
def test_a_bad_part_fails_naming_it(options, part):
    arguments = {"region": "us-west-1", "account_id": ACCOUNT, **options}
    with pytest.raises(AnsibleFilterError, match=f"app_model: {part}"):
        app_model(COURSE, "flask-react", "test-driven", **arguments)


def test_documented_options_are_the_signature():
    import yaml

    documented = set(yaml.safe_load(DOCUMENTATION)["options"]) - {"_input"}
    assert documented == {
        "app_name",
        "ecr_repository_prefix",
        "region",
        "account_id",
        "partition",
        "image_tag",
        "cluster",
        "alarms",
    }
