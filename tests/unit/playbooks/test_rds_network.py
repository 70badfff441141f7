"""#14 item 8 (RDS part) and #16's DB security group source.

In a VPC with public and private subnets the database goes to the private ones (it used to
share the load balancer's public subnets); ``rds_subnet_ids`` chooses, and is checked before
the instance is touched; 5432 is admitted from ``rds_app_security_group_id``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import run_playbook, writes

PLAYBOOK = "../tests/unit/playbooks/rds.yml"


@pytest.fixture(scope="module")
def vpc(recording_emulator: Any) -> dict[str, Any]:
    """A VPC with a public subnet (route to an internet gateway) and a private one in each of two zones."""
    ec2 = emulator_client(recording_emulator[0], "ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
    public_table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    made: dict[str, Any] = {"vpc_id": vpc_id, "public": [], "private": []}
    for index, zone in enumerate(("us-west-1a", "us-west-1b")):
        for kind, offset in (("public", 0), ("private", 10)):
            subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.20.{offset + index}.0/24", AvailabilityZone=zone)
            made[kind].append(subnet["Subnet"]["SubnetId"])
            if kind == "public":
                ec2.associate_route_table(RouteTableId=public_table, SubnetId=subnet["Subnet"]["SubnetId"])
    made["app_group"] = ec2.create_security_group(GroupName="app-tasks", Description="app", VpcId=vpc_id)["GroupId"]
    return made


@pytest.fixture(scope="module")
def rds_only(recording_emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    state: Path = tmp_path_factory.mktemp("state")
    return lambda **extra: run_playbook(*recording_emulator, state, PLAYBOOK, "-e", json.dumps(extra))


def test_private_subnets_and_the_application_group(rds_only: Any, vpc: dict, recording_emulator: Any):
    run, _calls = rds_only(alb_vpc_id=vpc["vpc_id"], rds_app_security_group_id=vpc["app_group"])
    assert run.returncode == 0, run.stdout[-3000:]
    rds = emulator_client(recording_emulator[0], "rds")
    (database,) = rds.describe_db_instances(DBInstanceIdentifier="flask-react-db")["DBInstances"]
    assert sorted(subnet["SubnetIdentifier"] for subnet in database["DBSubnetGroup"]["Subnets"]) == sorted(
        vpc["private"]
    )
    ec2 = emulator_client(recording_emulator[0], "ec2")
    (group,) = ec2.describe_security_groups(GroupIds=[database["VpcSecurityGroups"][0]["VpcSecurityGroupId"]])[
        "SecurityGroups"
    ]
    assert [pair["GroupId"] for rule in group["IpPermissions"] for pair in rule["UserIdGroupPairs"]] == [
        vpc["app_group"]
    ]


def test_rds_subnet_ids_in_one_zone_fail_before_the_instance_is_touched(rds_only: Any, vpc: dict):
    run, calls = rds_only(alb_vpc_id=vpc["vpc_id"], rds_subnet_ids=vpc["public"][:1] + vpc["private"][:1])
    assert run.returncode != 0
    assert "rds_subnet_ids:" in run.stdout and "at least two Availability Zones" in run.stdout
    assert writes(calls) == []


def test_rds_subnet_ids_not_a_subnet_id_fails_first(rds_only: Any, vpc: dict):
    run, calls = rds_only(alb_vpc_id=vpc["vpc_id"], rds_subnet_ids=["sn-1"])
    assert run.returncode != 0
    assert "rds_subnet_ids: sn-1 is not a subnet ID" in run.stdout
    assert calls == []


def test_a_pinned_version_rds_does_not_sell_for_the_class_fails_before_any_write(rds_only: Any, vpc: dict):
    # RDS PostgreSQL runs db.t2 on 12 and older only: CreateDBInstance would answer InvalidParameterCombination
    # after the security group and the subnet group were made.
    run, calls = rds_only(
        alb_vpc_id=vpc["vpc_id"],
        rds_instance_identifier="unsold-db",
        rds_engine_version="16.9",
        rds_instance_class="db.t2.micro",
    )
    assert run.returncode != 0
    assert "rds_engine_version 16.9 with rds_instance_class db.t2.micro (gp2 storage)" in run.stdout
    assert "change rds_engine_version or rds_instance_class" in run.stdout
    assert writes(calls) == []
    assert "DescribeOrderableDBInstanceOptions" in [call["action"] for call in calls]


def test_latest_with_a_class_rds_sells_no_version_for_fails_before_any_write(rds_only: Any, vpc: dict):
    run, calls = rds_only(
        alb_vpc_id=vpc["vpc_id"], rds_instance_identifier="unsold-db", rds_instance_class="db.t2.micro"
    )
    assert run.returncode != 0
    assert "rds_instance_class: RDS sells no postgres version on db.t2.micro with gp2 storage" in run.stdout
    assert writes(calls) == []


def test_site_stops_at_a_class_rds_does_not_sell_before_any_write(playbook: Any):
    # site.yml's pre-checks: not after the IAM user, repositories, project and load balancer were made.
    run, calls = playbook(
        "site.yml",
        "-e",
        json.dumps(
            {
                "rds_instance_identifier": "unsold-site-db",
                "rds_engine_version": "16.9",
                "rds_instance_class": "db.t2.micro",
            }
        ),
    )
    assert run.returncode != 0
    assert "rds_engine_version 16.9 with rds_instance_class db.t2.micro (gp2 storage)" in run.stdout, run.stdout[-3000:]
    assert writes(calls) == []
