# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where Fargate tasks can run: the Availability Zones of a region, and the route out a subnet needs.

Pure functions over what EC2 describes (the snake_case results of amazon.aws.ec2_vpc_subnet_info,
ec2_vpc_route_table_info and ec2_vpc_endpoint_info), so every rule is unit-tested.
"""

from __future__ import annotations

# Amazon ECS Developer Guide, "AWS Fargate Regions" (Linux containers on AWS Fargate): the regions
# where Fargate runs in some Availability Zones only, by AZ ID (the same physical zone in every
# account; zone names such as us-west-1a map to different IDs per account). A region that is not
# here - listed there without AZ IDs, or not listed - is not checked.
FARGATE_ZONE_IDS = {
    "us-west-1": ("usw1-az1", "usw1-az3"),
    "ap-northeast-1": ("apne1-az1", "apne1-az2", "apne1-az4"),
    "cn-north-1": ("cnn1-az1", "cnn1-az2"),
}
FARGATE_SOURCE = 'ECS Developer Guide, "AWS Fargate Regions"'
# Without a route to the internet, a task in a private subnet reaches ECR and CloudWatch Logs
# through these VPC endpoints (ECS Developer Guide, "Amazon ECS interface VPC endpoints";
# ECR User Guide, "Amazon ECR interface VPC endpoints": ecr.api, ecr.dkr, and the s3 gateway
# endpoint for the image layers). Secrets Manager's is needed too when a service has secrets.
ENDPOINT_SERVICES = ("ecr.api", "ecr.dkr", "s3", "logs")


def fargate_zone_ids(region):
    """The AZ IDs Fargate runs in, in ``region``; None when every zone does (or the region is not in the table)."""
    zones = FARGATE_ZONE_IDS.get(region or "")
    return set(zones) if zones else None


def in_fargate_zone(subnet, region):
    """Whether Fargate runs in the subnet's Availability Zone (True when the region is not restricted)."""
    zones = fargate_zone_ids(region)
    return zones is None or subnet.get("availability_zone_id") in zones


def route_table_of(subnet_id, route_tables):
    """The subnet's route table: its own association, else the VPC's main table (None when neither)."""
    main = None
    for table in route_tables or []:
        for association in table.get("associations") or []:
            if association.get("subnet_id") == subnet_id:
                return table
            if association.get("main"):
                main = table
    return main


def default_route_targets(table):
    """The targets of the table's 0.0.0.0/0 routes: gateway, NAT gateway... IDs (igw-, nat-, ...)."""
    targets = set()
    for route in (table or {}).get("routes") or []:
        if route.get("destination_cidr_block") != "0.0.0.0/0" or route.get("state", "active") != "active":
            continue
        for key in ("gateway_id", "nat_gateway_id", "transit_gateway_id", "instance_id", "network_interface_id"):
            if route.get(key):
                targets.add(route[key])
    return targets


def missing_endpoints(endpoints, vpc_id, region, services=ENDPOINT_SERVICES):
    """The ``services`` the VPC has no available endpoint for (``endpoints``: ec2_vpc_endpoint_info's)."""
    have = {
        endpoint.get("service_name")
        for endpoint in endpoints or []
        if endpoint.get("vpc_id") == vpc_id and endpoint.get("state", "available").lower() == "available"
    }
    return [service for service in services if not any(name.endswith(f".{region}.{service}") for name in have if name)]


def ecs_network_errors(
    subnets,
    subnet_ids,
    route_tables,
    vpc_id,
    region,
    assign_public_ip,
    from_load_balancer=False,
    endpoints=None,
    extra_endpoints=(),
):
    """Why the tasks cannot run in ``subnet_ids``: each message names ecs_subnet_ids.

    ``subnets``: the described subnets (those found); ``from_load_balancer``: the IDs are the load
    balancer's (ecs_subnet_ids is empty), and the messages say to set ecs_subnet_ids. The rule for a
    route out is simple on purpose: the subnet's route table (its own, else the main one) sends
    0.0.0.0/0 to an internet gateway (``igw-``) when the tasks get a public IP, or to a NAT gateway
    (``nat-``, or any non-internet-gateway target) when they do not; or, with no such route, the VPC
    has endpoints for ecr.api, ecr.dkr, s3 and logs.
    """
    by_id = {subnet["subnet_id"]: subnet for subnet in subnets or []}
    errors = []

    def name(subnet_id):
        if from_load_balancer:
            return f"the load balancer's subnet {subnet_id} (the tasks use it while ecs_subnet_ids is empty)"
        return subnet_id

    fix = "; set ecs_subnet_ids to subnets that fit" if from_load_balancer else ""
    for subnet_id in subnet_ids:
        subnet = by_id.get(subnet_id)
        if subnet is None:
            errors.append(f"ecs_subnet_ids: {name(subnet_id)} not found{fix}")
            continue
        if vpc_id and subnet.get("vpc_id") != vpc_id:
            errors.append(
                f"ecs_subnet_ids: {name(subnet_id)} is in {subnet.get('vpc_id')}, not in the load balancer's VPC "
                f"{vpc_id} (the tasks' security group and target groups are there){fix}"
            )
            continue
        if not in_fargate_zone(subnet, region):
            errors.append(
                f"ecs_subnet_ids: {name(subnet_id)} is in {subnet.get('availability_zone')} "
                f"({subnet.get('availability_zone_id')}), where Fargate does not run; in {region} it runs in "
                f"{', '.join(sorted(fargate_zone_ids(region)))} only ({FARGATE_SOURCE}){fix}"
            )
        targets = default_route_targets(route_table_of(subnet_id, route_tables))
        internet = any(target.startswith("igw-") for target in targets)
        other = any(not target.startswith("igw-") for target in targets)
        if assign_public_ip and (internet or other):
            continue
        if not assign_public_ip and other:
            continue
        # Tasks whose definitions name secrets read them at start: Secrets Manager's (and SSM's) endpoints too.
        services = ENDPOINT_SERVICES + tuple(service for service in extra_endpoints if service not in ENDPOINT_SERVICES)
        missing = missing_endpoints(endpoints, vpc_id or subnet.get("vpc_id"), region, services)
        if not missing:
            continue
        if assign_public_ip:
            need = "a route 0.0.0.0/0 to an internet gateway (ecs_assign_public_ip is true)"
        elif internet:
            need = (
                "a route 0.0.0.0/0 to a NAT gateway: it routes to an internet gateway, which a task without a "
                "public IP cannot use (set ecs_assign_public_ip: true, or choose private subnets with a NAT)"
            )
        else:
            need = "a route 0.0.0.0/0 to a NAT gateway (ecs_assign_public_ip is false)"
        errors.append(
            f"ecs_subnet_ids: {name(subnet_id)} has no route out to pull images and write logs: it needs {need}, "
            f"or VPC endpoints for {', '.join(missing)}{fix}"
        )
    return errors
