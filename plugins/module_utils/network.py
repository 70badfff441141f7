# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The load balancer's subnets and the VPC's private ones, from what EC2 describes.

Pure functions over snake_case subnets and route tables (what amazon.aws.ec2_vpc_subnet_info and
ec2_vpc_route_table_info return, and what flask_react.aws.app_network_info reads), shared by the
filter flask_react.aws.alb_network and that module.
"""

from __future__ import annotations

from ansible_collections.flask_react.aws.plugins.module_utils.fargate import in_fargate_zone


def has_internet_route(table):
    return any(str(route.get("gateway_id") or "").startswith("igw-") for route in table.get("routes") or [])


def public_subnet_ids(subnets, route_tables):
    """IDs of the subnets whose route table (explicit, else the main one) reaches an internet gateway."""
    explicit, main = {}, None
    for table in route_tables:
        for association in table.get("associations") or []:
            if association.get("main"):
                main = table
            elif association.get("subnet_id"):
                explicit[association["subnet_id"]] = table
    return {
        subnet["subnet_id"] for subnet in subnets if has_internet_route(explicit.get(subnet["subnet_id"], main) or {})
    }


def one_per_zone(subnets):
    """The lowest subnet ID in each Availability Zone, ordered by zone."""
    chosen = {}
    for subnet in sorted(subnets, key=lambda item: (item["availability_zone"], item["subnet_id"])):
        chosen.setdefault(subnet["availability_zone"], subnet["subnet_id"])
    return [chosen[zone] for zone in sorted(chosen)]


def fargate_first(subnets, region):
    """``subnets`` in Fargate's zones of ``region`` when those span two zones, else all of them."""
    if not region:
        return subnets
    chosen = [subnet for subnet in subnets if in_fargate_zone(subnet, region)]
    return chosen if len({subnet["availability_zone"] for subnet in chosen}) >= 2 else subnets


def alb_network(
    subnets, route_tables=None, scheme="internet-facing", subnet_ids=None, default_vpc=False, fargate_region=""
):
    """``{vpc, subnets, private_subnets, errors}`` for the load balancer."""
    subnet_ids = list(subnet_ids or [])
    result = {"vpc": "", "subnets": [], "private_subnets": [], "errors": []}
    errors = result["errors"]
    by_id = {subnet["subnet_id"]: subnet for subnet in subnets}
    missing = [subnet_id for subnet_id in subnet_ids if subnet_id not in by_id]
    if missing:
        errors.append(f"alb_subnet_ids: {', '.join(missing)} not found (in alb_vpc_id, when set)")
        return result
    if not subnets:
        errors.append(
            "alb_vpc_id: the VPC was not found or has no subnets"
            if not default_vpc
            else "alb_vpc_id: the region has no default VPC (no default subnets); set alb_vpc_id"
        )
        return result
    result["vpc"] = subnets[0]["vpc_id"]
    if default_vpc:
        public = {subnet["subnet_id"] for subnet in subnets}
    else:
        public = public_subnet_ids(subnets, route_tables or [])
    private = one_per_zone([subnet for subnet in subnets if subnet["subnet_id"] not in public])
    result["private_subnets"] = private if len(private) >= 2 else []
    if subnet_ids:
        chosen = [by_id[subnet_id] for subnet_id in subnet_ids]
        vpcs = sorted({subnet["vpc_id"] for subnet in chosen})
        zones = [subnet["availability_zone"] for subnet in chosen]
        if len(vpcs) > 1:
            errors.append(f"alb_subnet_ids: the subnets are in {len(vpcs)} VPCs ({', '.join(vpcs)}); give one VPC's")
        if len(set(zones)) != len(zones):
            errors.append("alb_subnet_ids: give at most one subnet per Availability Zone")
        closed = [subnet_id for subnet_id in subnet_ids if subnet_id not in public]
        if scheme == "internet-facing" and closed:
            errors.append(
                f"alb_subnet_ids: {', '.join(closed)} has no route to an internet gateway; "
                "an internet-facing load balancer needs public subnets"
            )
        result["subnets"] = subnet_ids
    elif scheme == "internal" and result["private_subnets"]:
        result["subnets"] = one_per_zone(
            fargate_first([by_id[subnet_id] for subnet_id in result["private_subnets"]], fargate_region)
        )
    else:
        result["subnets"] = one_per_zone(
            fargate_first([subnet for subnet in subnets if subnet["subnet_id"] in public], fargate_region)
        )
    zones = {by_id[subnet_id]["availability_zone"] for subnet_id in result["subnets"]}
    if len(zones) < 2:
        kind = "chosen" if subnet_ids else "public" if scheme == "internet-facing" else "usable"
        errors.append(
            f"alb_subnet_ids: VPC {result['vpc']} has {kind} subnets in {len(zones)} Availability Zone(s); "
            "an ALB needs two (add a subnet with a route to an internet gateway, or set alb_subnet_ids)"
        )
    return result
