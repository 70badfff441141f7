"""EC2's default VPC as AWS makes it: an internet gateway attached, and a route 0.0.0.0/0 to it in
the main route table (Amazon VPC User Guide, "Default VPCs": "Create an internet gateway and connect
it to your default VPC; add a route to the main route table that points all traffic (0.0.0.0/0) to
the internet gateway"). moto 5.2 makes the VPC and its default subnets only, so a subnet of the
default VPC looked as if it had no route out, which no AWS account shows.

The Availability Zone IDs moto gives (us-west-1a usw1-az3, us-west-1b usw1-az1; us-east-1a..f
use1-az6, -az1, -az2, -az4, -az3, -az5; eu-west-1 euw1-az3, -az1, -az2; ap-southeast-2 apse2-az1,
-az3, -az2) are AWS's IDs of those regions, so the Fargate zone check meets real IDs as is.
"""

from __future__ import annotations

from typing import Any

from moto.ec2.models.vpcs import VPCBackend

_moto_create_default_vpc = VPCBackend.create_default_vpc


def _create_default_vpc(self: Any) -> Any:
    vpc = _moto_create_default_vpc(self)
    gateway = self.create_internet_gateway()
    self.attach_internet_gateway(gateway.id, vpc.id)
    (main,) = self.describe_route_tables(filters={"vpc-id": [vpc.id], "association.main": ["true"]})
    self.create_route(main.id, "0.0.0.0/0", gateway_id=gateway.id)
    return vpc


def install() -> None:
    VPCBackend.create_default_vpc = _create_default_vpc  # type: ignore[method-assign]
