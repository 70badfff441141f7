"""rds_instance planning: only in-place changes, storage grows only, minor upgrades only."""

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.rds import (
    desired_tags,
    is_owned,
    modifications,
    refusal,
    tag_changes,
)

PARAMS = {
    "db_instance_class": "db.t3.micro",
    "allocated_storage": 20,
    "backup_retention_period": 7,
    "deletion_protection": False,
    "publicly_accessible": False,
    "multi_az": False,
    "vpc_security_group_ids": ["sg-1"],
    "engine_version": "17.5",
    "storage_encrypted": True,
    "storage_type": "gp2",
    "db_subnet_group_name": "flask-react-db-subnet-group",
    "engine": "postgres",
    "state": "present",
    "adopt_existing": False,
    "ownership_tags": {"managed-by": "flask_react.aws", "app": "flask-react"},
}
INSTANCE = {
    "DBInstanceIdentifier": "flask-react-db",
    "DBInstanceStatus": "available",
    "Engine": "postgres",
    "StorageType": "gp2",
    "DBSubnetGroup": {"DBSubnetGroupName": "flask-react-db-subnet-group"},
    "TagList": [{"Key": "managed-by", "Value": "flask_react.aws"}, {"Key": "app", "Value": "flask-react"}],
    "DBInstanceClass": "db.t3.micro",
    "AllocatedStorage": 20,
    "BackupRetentionPeriod": 7,
    "DeletionProtection": False,
    "PubliclyAccessible": False,
    "MultiAZ": False,
    "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1", "Status": "active"}],
    "MasterUserSecret": {"SecretArn": "arn:secret"},
    "EngineVersion": "17.5",
    "StorageEncrypted": True,
}


def test_converged_instance_needs_nothing():
    assert modifications(PARAMS, INSTANCE) == ({}, [])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"db_instance_class": "db.t3.small"}, {"DBInstanceClass": "db.t3.small"}),
        ({"allocated_storage": 30}, {"AllocatedStorage": 30}),
        ({"backup_retention_period": 14}, {"BackupRetentionPeriod": 14}),
        ({"deletion_protection": True}, {"DeletionProtection": True}),
        ({"vpc_security_group_ids": ["sg-2", "sg-1"]}, {"VpcSecurityGroupIds": ["sg-1", "sg-2"]}),
        ({"engine_version": "17.6"}, {"EngineVersion": "17.6"}),
        ({"storage_type": "gp3"}, {"StorageType": "gp3"}),
        ({"db_subnet_group_name": "private"}, {"DBSubnetGroupName": "private"}),
    ],
)
def test_in_place_changes(change, expected):
    assert modifications(dict(PARAMS, **change), INSTANCE) == (expected, [])


@pytest.mark.parametrize(
    ("change", "warning"),
    [
        ({"allocated_storage": 10}, "cannot shrink"),
        ({"engine_version": "18.1"}, "major upgrade"),
        ({"storage_encrypted": False}, "cannot change on an existing instance"),
    ],
)
def test_impossible_changes_warn_and_change_nothing(change, warning):
    changes, warnings = modifications(dict(PARAMS, **change), INSTANCE)
    assert changes == {} and any(warning in message for message in warnings)


def test_older_wanted_version_is_not_a_downgrade():
    assert modifications(dict(PARAMS, engine_version="17.4"), INSTANCE) == ({}, [])


def test_instance_without_managed_password_gets_one():
    instance = {key: value for key, value in INSTANCE.items() if key != "MasterUserSecret"}
    assert modifications(PARAMS, instance)[0] == {"ManageMasterUserPassword": True}


def test_tags():
    assert tag_changes(None, {"a": "1"}) == ({}, [])
    assert tag_changes({"a": 1, "b": "2"}, {"a": "1", "c": "3"}) == ({"b": "2"}, ["c"])


def test_our_instance_may_be_written():
    assert is_owned(INSTANCE, PARAMS["ownership_tags"])
    assert refusal(PARAMS, INSTANCE) is None


@pytest.mark.parametrize("state", ["present", "absent"])
def test_someone_elses_instance_is_refused_before_any_write(state):
    foreign = dict(INSTANCE, TagList=[{"Key": "app", "Value": "flask-react"}])
    message = refusal(dict(PARAMS, state=state), foreign)
    assert "not created by flask_react.aws" in message
    assert "rds_adopt_existing: true" in message and "rds_instance_identifier" in message
    assert refusal(dict(PARAMS, state=state, adopt_existing=True), foreign) is None


def test_another_engine_is_refused_even_when_adopting():
    message = refusal(dict(PARAMS, adopt_existing=True), dict(INSTANCE, Engine="mysql"))
    assert "runs mysql, not postgres (rds_engine)" in message


def test_an_instance_being_deleted_is_not_modified():
    assert "being deleted" in refusal(PARAMS, dict(INSTANCE, DBInstanceStatus="deleting"))
    assert refusal(dict(PARAMS, state="absent"), dict(INSTANCE, DBInstanceStatus="deleting")) is None


def test_desired_tags_always_carry_the_ownership_tags():
    ownership = {"managed-by": "flask_react.aws"}
    assert desired_tags({"team": "x"}, ownership, {"old": "1"}) == {"team": "x", "managed-by": "flask_react.aws"}
    # tags omitted: keep the others, add ownership only
    assert desired_tags(None, ownership, {"old": "1"}) == {"old": "1", "managed-by": "flask_react.aws"}


def _option(version, storage="gp2"):
    return {"Engine": "postgres", "EngineVersion": version, "DBInstanceClass": "db.t3.micro", "StorageType": storage}


def test_latest_is_the_newest_version_sold_for_the_class_and_the_storage_type():
    from ansible_collections.flask_react.aws.plugins.module_utils.rds import newest_orderable_version

    options = [_option("16.10"), _option("16.9"), _option("17.5", "io2"), _option("9.6.24")]
    assert newest_orderable_version(options, "gp2") == "16.10", "versions compare as numbers; io2-only 17.5 is not"
    assert newest_orderable_version(options, "io2") == "17.5"
    assert newest_orderable_version(options, "gp3") is None


def test_a_combination_rds_does_not_sell_is_named_by_both_variables():
    from ansible_collections.flask_react.aws.plugins.module_utils.rds import orderable_error

    options = [_option("16.9"), _option("17.5")]
    assert orderable_error("postgres", "16.9", "db.t3.micro", "gp2", options) is None
    assert orderable_error("postgres", "16", "db.t3.micro", "gp2", options) is None, "a major line is sold"
    assert orderable_error("postgres", "latest", "db.t3.micro", "gp2", options) is None
    error = orderable_error("postgres", "15.13", "db.t3.micro", "gp2", options)
    assert error.startswith("rds_engine_version 15.13 with rds_instance_class db.t3.micro (gp2 storage)")
    assert "16.9, 17.5" in error
    assert orderable_error("postgres", "1", "db.t3.micro", "gp2", [_option("16.9")]) is not None, "16 is not 1"
    assert orderable_error("postgres", "latest", "db.t2.micro", "gp2", []).startswith(
        "rds_instance_class: RDS sells no postgres version on db.t2.micro with gp2 storage"
    )
