"""#14 item 1: an instance the collection did not create keeps its own password unless adopted.

Before the fix, a converge turned on ManageMasterUserPassword (ApplyImmediately) on any
instance of that name without a managed secret: someone else's database got a new password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap, run_playbook, writes

PLAYBOOK = "../tests/unit/playbooks/rds.yml"
IDENTIFIER = "flask-react-db"


@pytest.fixture(scope="module")
def rds_only(recording_emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``rds_only("-e", ...)`` runs the rds role alone on this module's emulator; returns (run, calls)."""
    state: Path = tmp_path_factory.mktemp("state")
    return lambda *args: run_playbook(*recording_emulator, state, PLAYBOOK, *args)


@pytest.fixture(scope="module")
def rds(recording_emulator: Any) -> Any:
    return emulator_client(recording_emulator[0], "rds")


@pytest.fixture(scope="module")
def foreign_instance(rds: Any) -> dict:
    """An instance someone made by hand, with a password of their own, no tags of ours, in a subnet group of theirs."""
    ec2 = emulator_client(rds.meta.endpoint_url, "ec2")
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    rds.create_db_subnet_group(
        DBSubnetGroupName="team-subnets",
        DBSubnetGroupDescription="made by hand",
        SubnetIds=[subnet["SubnetId"] for subnet in subnets],
    )
    rds.create_db_instance(
        DBSubnetGroupName="team-subnets",
        DBInstanceIdentifier=IDENTIFIER,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        StorageType="gp2",
        MasterUsername="owner",
        MasterUserPassword="their-own-password-1",
        Tags=[{"Key": "team", "Value": "billing"}],
    )
    return rds.describe_db_instances(DBInstanceIdentifier=IDENTIFIER)["DBInstances"][0]


def test_someone_elses_instance_is_left_alone_and_the_run_says_why(rds_only: Any, rds: Any, foreign_instance: dict):
    assert "MasterUserSecret" not in foreign_instance
    run, calls = rds_only()
    assert run.returncode != 0
    assert "was not created by flask_react.aws" in run.stdout
    assert "rds_adopt_existing: true" in run.stdout and "rds_instance_identifier" in run.stdout
    instance = rds.describe_db_instances(DBInstanceIdentifier=IDENTIFIER)["DBInstances"][0]
    assert "MasterUserSecret" not in instance
    assert instance["TagList"] == [{"Key": "team", "Value": "billing"}]
    assert not [call for call in writes(calls) if call.startswith("rds:") and "Subnet" not in call]


def test_adopted_with_rds_adopt_existing_and_its_gp2_changed_in_place(rds_only: Any, rds: Any, foreign_instance: dict):
    # rds_storage_type gp3: gp2 -> gp3 is one more field of the same in-place ModifyDBInstance.
    run, calls = rds_only("-e", "rds_adopt_existing=true", "-e", "rds_storage_type=gp3", "-e", "rds_wait_delay=1")
    assert run.returncode == 0, run.stdout[-3000:]
    instance = rds.describe_db_instances(DBInstanceIdentifier=IDENTIFIER)["DBInstances"][0]
    assert instance["MasterUserSecret"]["SecretArn"]
    tags = {tag["Key"]: tag["Value"] for tag in instance["TagList"]}
    assert tags["managed-by"] == "flask_react.aws" and tags["app"] == "flask-react"
    assert instance["DBSubnetGroup"]["DBSubnetGroupName"] == "flask-react-db-subnet-group"
    assert instance["StorageType"] == "gp3"
    assert writes(calls).count("rds:ModifyDBInstance") == 1


def test_once_adopted_it_is_ours_and_a_second_run_writes_nothing(rds_only: Any):
    run, calls = rds_only("-e", "rds_storage_type=gp3")
    assert run.returncode == 0, run.stdout[-3000:]
    assert recap(run.stdout)["changed"] == 0
    assert writes(calls) == []
