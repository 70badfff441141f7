"""The ECS tasks' subnets are checked before any service is made (issue 19): in the load balancer's
VPC, in Fargate's Availability Zones, with a route out; each failure names ecs_subnet_ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import run_playbook, writes

PLAYBOOK = "../tests/unit/playbooks/ecs_network.yml"


@pytest.fixture(scope="module")
def check(recording_emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    state: Path = tmp_path_factory.mktemp("state")
    return lambda **extra: run_playbook(*recording_emulator, state, PLAYBOOK, "-e", json.dumps(extra))


@pytest.fixture(scope="module")
def vpc(recording_emulator: Any) -> dict[str, Any]:
    """A VPC with public subnets, private ones behind a NAT gateway, and isolated ones (no route out)."""
    ec2 = emulator_client(recording_emulator[0], "ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
    made: dict[str, Any] = {"vpc_id": vpc_id}
    for kind, offset in (("public", 0), ("private", 10), ("isolated", 20)):
        made[kind] = [
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.30.{offset + index}.0/24", AvailabilityZone=zone)["Subnet"][
                "SubnetId"
            ]
            for index, zone in enumerate(("us-west-1a", "us-west-1b"))
        ]
    public = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=made["public"][0], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    private = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    isolated = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    for table, kind in ((public, "public"), (private, "private"), (isolated, "isolated")):
        for subnet in made[kind]:
            ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    return made


def test_the_default_vpc_runs_the_tasks_as_is(check: Any):
    # Its default subnets route 0.0.0.0/0 to its internet gateway and lie in usw1-az1 and usw1-az3.
    run, calls = check()
    assert run.returncode == 0, run.stdout[-3000:]
    assert writes(calls) == []


def test_private_subnets_behind_a_nat_without_public_ips_fit(check: Any, vpc: dict):
    run, calls = check(alb_vpc_id=vpc["vpc_id"], ecs_subnet_ids=vpc["private"], ecs_assign_public_ip=False)
    assert run.returncode == 0, run.stdout[-3000:]
    assert writes(calls) == []


def test_subnets_without_a_route_out_are_named(check: Any, vpc: dict):
    run, calls = check(alb_vpc_id=vpc["vpc_id"], ecs_subnet_ids=vpc["isolated"])
    assert run.returncode != 0
    assert f"ecs_subnet_ids: {vpc['isolated'][0]} has no route out to pull images and write logs" in run.stdout
    assert "a route 0.0.0.0/0 to an internet gateway (ecs_assign_public_ip is true)" in run.stdout
    assert writes(calls) == []


def test_public_subnets_without_public_ips_are_named(check: Any, vpc: dict):
    run, _calls = check(alb_vpc_id=vpc["vpc_id"], ecs_subnet_ids=vpc["public"], ecs_assign_public_ip=False)
    assert run.returncode != 0
    assert "which a task without a public IP cannot use" in run.stdout


def test_subnets_outside_the_load_balancers_vpc_are_named(check: Any, vpc: dict, recording_emulator: Any):
    ec2 = emulator_client(recording_emulator[0], "ec2")
    (default,) = ec2.describe_subnets(
        Filters=[
            {"Name": "default-for-az", "Values": ["true"]},
            {"Name": "availability-zone", "Values": ["us-west-1a"]},
        ]
    )["Subnets"]
    run, calls = check(alb_vpc_id=vpc["vpc_id"], ecs_subnet_ids=[default["SubnetId"], "subnet-0123456789abcdef0"])
    assert run.returncode != 0
    assert (
        f"ecs_subnet_ids: {default['SubnetId']} is in {default['VpcId']}, not in the load balancer's VPC" in run.stdout
    )
    assert "ecs_subnet_ids: subnet-0123456789abcdef0 not found" in run.stdout
    assert writes(calls) == []


def test_site_stops_at_a_subnet_fargate_cannot_use_before_any_write(playbook: Any):
    run, calls = playbook("site.yml", "-e", json.dumps({"ecs_subnet_ids": ["subnet-0123456789abcdef0"]}))
    assert run.returncode != 0
    assert "ecs_subnet_ids: subnet-0123456789abcdef0 not found" in run.stdout
    assert writes(calls) == []
