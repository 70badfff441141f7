"""app_network_info against the emulator: the reads each setting needs and no more (the default VPC is one
DescribeSubnets), the load balancer's public subnets and the database's private ones told apart by their
route tables, the tasks' subnets checked for a route out, and every problem said with its variable."""

import uuid

import pytest
from ansible_collections.flask_react.aws.plugins.modules.app_network_info import caller_identity, inspect

pytestmark = pytest.mark.emulator

REGION = "us-west-1"


class Counting:
    """A boto3 client counting the Describe* operations its paginators run."""

    def __init__(self, client):
        self.client = client
        self.calls = []

    def get_paginator(self, operation):
        self.calls.append(operation)
        return self.client.get_paginator(operation)


def params(**more):
    return dict(dict(vpc_id="", subnet_ids=[], scheme="internet-facing", fargate_region="", ecs=None), **more)


def ecs(**more):
    return dict(dict(subnet_ids=[], assign_public_ip=True, extra_endpoints=[]), **more)


@pytest.fixture
def vpc(aws):
    """A VPC of its own: public subnets in two zones (a route table to an internet gateway), private ones
    in two zones (the main table: no route out)."""
    ec2 = aws("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
    table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)

    def subnet(cidr, zone):
        return ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]

    public = [subnet("10.40.1.0/24", "a"), subnet("10.40.2.0/24", "b")]
    private = [subnet("10.40.11.0/24", "a"), subnet("10.40.12.0/24", "b")]
    for subnet_id in public:
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet_id)
    # In zone order, as the module lists them.
    return {"ec2": ec2, "id": vpc_id, "public": public, "private": private}


def test_the_default_vpc_is_one_read(aws):
    client = Counting(aws("ec2"))
    result = inspect(client, params(), REGION)
    assert client.calls == ["describe_subnets"]
    default = aws("ec2").describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    assert result["vpc"] == default
    assert len(result["subnets"]) == 2 and result["private_subnets"] == []
    assert (result["errors"], result["ecs_errors"]) == ([], [])


def test_tasks_in_the_default_vpc_read_its_route_tables_and_fit(aws):
    client = Counting(aws("ec2"))
    result = inspect(client, params(fargate_region=REGION, ecs=ecs()), REGION)
    assert client.calls == ["describe_subnets", "describe_route_tables"]
    assert (result["errors"], result["ecs_errors"]) == ([], [])


def test_a_vpc_of_its_own_public_for_the_load_balancer_private_for_the_database(vpc):
    client = Counting(vpc["ec2"])
    result = inspect(client, params(vpc_id=vpc["id"]), REGION)
    assert client.calls == ["describe_subnets", "describe_route_tables"]
    assert result["vpc"] == vpc["id"]
    assert result["subnets"] == vpc["public"]
    assert result["private_subnets"] == vpc["private"]
    assert result["errors"] == []


def test_given_subnets_read_their_whole_vpc_to_find_the_private_ones(vpc):
    client = Counting(vpc["ec2"])
    result = inspect(client, params(subnet_ids=vpc["public"]), REGION)
    assert client.calls == ["describe_subnets", "describe_subnets", "describe_route_tables"]
    assert (result["subnets"], result["private_subnets"], result["errors"]) == (vpc["public"], vpc["private"], [])


def test_an_internet_facing_load_balancer_in_private_subnets_is_refused(vpc):
    result = inspect(vpc["ec2"], params(subnet_ids=vpc["private"]), REGION)
    assert len(result["errors"]) == 1
    assert result["errors"][0].startswith("alb_subnet_ids: ")
    assert "has no route to an internet gateway" in result["errors"][0]


def test_private_tasks_without_a_nat_or_endpoints_are_refused_naming_ecs_subnet_ids(vpc):
    client = Counting(vpc["ec2"])
    settings = ecs(subnet_ids=vpc["private"], assign_public_ip=False, extra_endpoints=["secretsmanager"])
    result = inspect(client, params(vpc_id=vpc["id"], ecs=settings), REGION)
    assert client.calls == ["describe_subnets", "describe_subnets", "describe_route_tables", "describe_vpc_endpoints"]
    assert result["errors"] == []
    assert [error.split(" has ")[0] for error in result["ecs_errors"]] == [
        f"ecs_subnet_ids: {subnet_id}" for subnet_id in vpc["private"]
    ]
    assert all("ecr.api, ecr.dkr, s3, logs, secretsmanager" in error for error in result["ecs_errors"])


def test_missing_subnets_and_a_missing_vpc_are_said(aws):
    missing = f"subnet-{uuid.uuid4().hex[:17]}"
    result = inspect(aws("ec2"), params(subnet_ids=[missing]), REGION)
    assert result["vpc"] == ""
    assert result["errors"] == [f"alb_subnet_ids: {missing} not found (in alb_vpc_id, when set)"]
    result = inspect(aws("ec2"), params(vpc_id="vpc-0123456789abcdef0"), REGION)
    assert result["errors"] == ["alb_vpc_id: the VPC was not found or has no subnets"]


def test_the_caller_identity_is_the_account_and_the_partition_of_its_arn(aws):
    sts = aws("sts")
    expected = sts.get_caller_identity()
    assert caller_identity(sts) == {"account": expected["Account"], "partition": "aws"}
    assert expected["Arn"].startswith("arn:aws:")
