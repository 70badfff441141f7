"""The default VPC as AWS makes it: its main route table sends 0.0.0.0/0 to an attached internet
gateway, and its subnets carry AWS's Availability Zone IDs."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("region", "zone_ids"),
    [
        ("us-west-1", {"usw1-az1", "usw1-az3"}),
        ("us-east-1", {"use1-az1", "use1-az2", "use1-az3", "use1-az4", "use1-az5", "use1-az6"}),
        ("eu-west-1", {"euw1-az1", "euw1-az2", "euw1-az3"}),
        ("ap-southeast-2", {"apse2-az1", "apse2-az2", "apse2-az3"}),
    ],
)
def test_the_default_vpc_routes_out_through_its_internet_gateway(aws, region, zone_ids):
    ec2 = aws("ec2", region_name=region)
    (vpc,) = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    (gateway,) = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])[
        "InternetGateways"
    ]
    (main,) = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"]
    routes = {route["DestinationCidrBlock"]: route.get("GatewayId") for route in main["Routes"]}
    assert routes["0.0.0.0/0"] == gateway["InternetGatewayId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    assert {subnet["AvailabilityZoneId"] for subnet in subnets} == zone_ids
