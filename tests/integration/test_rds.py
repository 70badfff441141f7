"""RDS: private, encrypted PostgreSQL, reachable from the application only, password in Secrets Manager."""

import pytest


@pytest.fixture(scope="module")
def database(aws, app):
    return aws("rds").describe_db_instances(DBInstanceIdentifier=f"{app['app_name']}-db")["DBInstances"][0]


def test_engine_user_and_newest_version(aws, database):
    assert database["Engine"] == "postgres"
    assert database["MasterUsername"] == "webapp"
    versions = aws("rds").describe_db_engine_versions(Engine="postgres")["DBEngineVersions"]
    newest = max((v["EngineVersion"] for v in versions), key=lambda v: tuple(int(p) for p in v.split(".")))
    assert database["EngineVersion"] == newest


def test_private_encrypted_backed_up(database):
    assert database["PubliclyAccessible"] is False
    assert database["StorageEncrypted"] is True
    assert database["BackupRetentionPeriod"] > 0
    assert database["DBInstanceClass"] == "db.t3.micro" and database["AllocatedStorage"] == 20


def test_subnet_group_spans_two_zones(database):
    zones = {subnet["SubnetAvailabilityZone"]["Name"] for subnet in database["DBSubnetGroup"]["Subnets"]}
    assert len(zones) >= 2


def test_only_the_application_reaches_5432(aws, app, database):
    ec2 = aws("ec2")
    (group_id,) = [group["VpcSecurityGroupId"] for group in database["VpcSecurityGroups"]]
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    # The application is the ECS tasks' group where the ecs role made one, else the load balancer's.
    app_groups = [
        ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"]
        for name in (f"{app['app_name']}-ecs-tasks-security-group", f"{app['app_name']}-security-group")
    ]
    application = next(groups[0]["GroupId"] for groups in app_groups if groups)
    (rule,) = group["IpPermissions"]
    assert (rule["FromPort"], rule["ToPort"]) == (5432, 5432)
    assert rule["IpRanges"] == []
    assert [pair["GroupId"] for pair in rule["UserIdGroupPairs"]] == [application]


def test_ours_by_its_tags(app, database):
    tags = {tag["Key"]: tag["Value"] for tag in database["TagList"]}
    assert tags["managed-by"] == "flask_react.aws" and tags["app"] == app["app_name"]


def test_password_is_managed_by_rds_in_secrets_manager(aws, database):
    secret = database["MasterUserSecret"]
    value = aws("secretsmanager").get_secret_value(SecretId=secret["SecretArn"])
    assert "password" in value["SecretString"]


@pytest.mark.teardown
def test_no_database_or_its_network_is_left(aws, app):
    rds = aws("rds")
    assert rds.describe_db_instances()["DBInstances"] == []
    assert rds.describe_db_subnet_groups()["DBSubnetGroups"] == []
    names = {group["GroupName"] for group in aws("ec2").describe_security_groups()["SecurityGroups"]}
    assert f"{app['app_name']}-db-security-group" not in names
