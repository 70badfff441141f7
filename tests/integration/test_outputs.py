"""The outputs file: addresses and names of what site.yml made, no secret values."""

import json

import pytest

from tests.integration.conftest import REPO

OUTPUTS = REPO / "inventories/local/.outputs/local.json"


def test_outputs_file_names_every_resource(aws, app):
    outputs = json.loads(OUTPUTS.read_text())
    balancer = aws("elbv2").describe_load_balancers(Names=[f"{app['app_name']}-alb"])["LoadBalancers"][0]
    assert outputs["load_balancer"]["url"] == f"http://{balancer['DNSName']}"
    assert set(outputs["ecr_image_uris"]) == {service["name"] for service in app["app_services"]}
    assert outputs["codebuild"]["badge_url"].startswith("https://codebuild.")
    database = aws("rds").describe_db_instances(DBInstanceIdentifier=f"{app['app_name']}-db")["DBInstances"][0]
    assert outputs["database"]["endpoint"] == database["Endpoint"]["Address"]
    assert outputs["database"]["password_secret_arn"] == database["MasterUserSecret"]["SecretArn"]
    assert outputs["iam"]["credentials_profile"] == f"{app['app_name']}-admin"


def test_outputs_file_holds_no_secret(aws):
    text = OUTPUTS.read_text()
    for secret in aws("secretsmanager").list_secrets()["SecretList"]:
        value = aws("secretsmanager").get_secret_value(SecretId=secret["ARN"])["SecretString"]
        assert value not in text
        if value.startswith("{"):
            assert json.loads(value)["password"] not in text
    credentials = (REPO / "inventories/local/.secrets/credentials").read_text()
    for line in credentials.splitlines():
        if line.startswith("aws_secret_access_key"):
            assert line.split("=", 1)[1].strip() not in text


@pytest.mark.teardown
def test_outputs_file_is_removed():
    assert not OUTPUTS.exists()
