"""#13 behaviours 4 and 5: the rds role survives RDS's slow create and slow delete.

The emulator plays back (tests/emulator/lag.py, each for the first CALLS requests that meet it,
tests/unit/playbooks/lag.py): a new instance is ``creating`` then ``backing-up`` before
``available``, and ModifyDBInstance meanwhile is InvalidDBInstanceState; a deleted instance shows
``deleting``, its subnet group is InvalidDBSubnetGroupStateFault meanwhile, and its network
interface (RDSNetworkInterface) outlives it by another window, so DeleteSecurityGroup is
DependencyViolation. Each test shows the failure the stock call meets, and the role's handling
getting through: the emulator's recording shows the calls that met each lag and the one after it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from tests.emulator import ctl
from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import run_playbook, writes
from tests.unit.playbooks.lag import POLL as POLL_VARS
from tests.unit.playbooks.lag import met, start_lagged, waited_out

POLL = ("-e", json.dumps(POLL_VARS))
# A second database with its own network, so tearing down one never waits on the other.
SECOND = (
    "-e",
    "rds_instance_identifier=flask-react-db2",
    "-e",
    "rds_subnet_group_name=flask-react-db2-subnets",
    "-e",
    "rds_security_group_name=flask-react-db2-security-group",
)


@pytest.fixture(scope="module")
def lagging(tmp_path_factory: pytest.TempPathFactory) -> Any:
    record = tmp_path_factory.mktemp("calls") / "calls.jsonl"
    port = start_lagged(record, only=("rds-create", "rds-delete"))
    state: Path = tmp_path_factory.mktemp("state")
    yield port, lambda name, *args: run_playbook(port, record, state, f"../tests/unit/playbooks/{name}", *args)
    ctl.stop(port)


def test_what_the_stock_calls_meet(lagging: Any):
    """Without the handling: RDS refuses a change while the instance is creating, the subnet group
    while it is deleting, and EC2 the security group while its network interface lingers."""
    rds, ec2 = emulator_client(lagging[0], "rds"), emulator_client(lagging[0], "ec2")
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    rds.create_db_subnet_group(
        DBSubnetGroupName="probe", DBSubnetGroupDescription="probe", SubnetIds=[s["SubnetId"] for s in subnets]
    )
    group = ec2.create_security_group(GroupName="probe", Description="probe", VpcId=subnets[0]["VpcId"])["GroupId"]
    rds.create_db_instance(
        DBInstanceIdentifier="probe",
        DBSubnetGroupName="probe",
        VpcSecurityGroupIds=[group],
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="probe",
        ManageMasterUserPassword=True,
    )
    # The create's answer met rds-create once; this look is the CALLS-th (CALLS=2): still creating.
    assert rds.describe_db_instances(DBInstanceIdentifier="probe")["DBInstances"][0]["DBInstanceStatus"] == "creating"
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidDBInstanceState"):
        rds.modify_db_instance(DBInstanceIdentifier="probe", BackupRetentionPeriod=8, ApplyImmediately=True)
    rds.delete_db_instance(DBInstanceIdentifier="probe", SkipFinalSnapshot=True)
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidDBSubnetGroupStateFault"):
        rds.delete_db_subnet_group(DBSubnetGroupName="probe")
    with pytest.raises(botocore.exceptions.ClientError, match="DependencyViolation"):
        ec2.delete_security_group(GroupId=group)


def test_a_rerun_while_the_database_is_creating_waits_then_changes_it(lagging: Any):
    run, calls = lagging[1]("rds_rerun.yml", *POLL)
    assert run.returncode == 0, run.stdout[-3000:]
    # The module's warning (stderr) says what it waited for and why.
    assert re.search(r"was (creating|backing-up), and RDS modifies only an available instance: waited", run.stderr)
    # One ModifyDBInstance, sent once the instance was available, and accepted.
    assert writes(calls).count("rds:ModifyDBInstance") == 1
    assert writes(calls, succeeded_only=True).count("rds:ModifyDBInstance") == 1
    rds = emulator_client(lagging[0], "rds")
    assert (
        rds.describe_db_instances(DBInstanceIdentifier="flask-react-db")["DBInstances"][0]["BackupRetentionPeriod"] == 8
    )


def test_site_waits_for_creating_then_backing_up(lagging: Any):
    run, calls = lagging[1]("rds.yml", *POLL, *SECOND)
    assert run.returncode == 0, run.stdout[-3000:]
    # The play read the instance creating (then backing-up), and read again until it was available.
    assert waited_out(calls, "rds-create", "DescribeDBInstances"), calls
    instance = emulator_client(lagging[0], "rds").describe_db_instances(DBInstanceIdentifier="flask-react-db2")
    assert instance["DBInstances"][0]["DBInstanceStatus"] == "available"


def test_network_teardown_right_after_delete_retries_the_subnet_group_and_waits_for_the_interface(lagging: Any):
    run, calls = lagging[1]("rds_network_teardown.yml", *POLL)
    assert run.returncode == 0, run.stdout[-3000:]
    # With it: the role retries the subnet group, waits for the interface, then deletes both.
    assert met(calls, "rds-delete", "DeleteDBSubnetGroup"), calls
    assert waited_out(calls, "rds-delete", "DeleteDBSubnetGroup"), calls
    assert waited_out(calls, "rds-delete", "DescribeNetworkInterfaces"), calls
    rds = emulator_client(lagging[0], "rds")
    assert "flask-react-db-subnet-group" not in {
        g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]
    }


def test_teardown_waits_for_the_instance_then_its_interface_and_leaves_nothing(lagging: Any):
    run, calls = lagging[1]("rds.yml", "-e", "rds_state=absent", *POLL, *SECOND)
    assert run.returncode == 0, run.stdout[-3000:]
    # The play read the instance deleting until it was gone, then its interface lingering until it was gone.
    assert waited_out(calls, "rds-delete", "DescribeDBInstances"), calls
    assert waited_out(calls, "rds-delete", "DescribeNetworkInterfaces"), calls
    rds, ec2 = emulator_client(lagging[0], "rds"), emulator_client(lagging[0], "ec2")
    assert [db["DBInstanceIdentifier"] for db in rds.describe_db_instances()["DBInstances"]] in ([], ["probe"])
    assert [group["DBSubnetGroupName"] for group in rds.describe_db_subnet_groups()["DBSubnetGroups"]] == ["probe"]
    names = {group["GroupName"] for group in ec2.describe_security_groups()["SecurityGroups"]}
    assert not {"flask-react-db-security-group", "flask-react-db2-security-group"} & names
