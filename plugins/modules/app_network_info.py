#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: app_network_info
short_description: Find the app's VPC and subnets, and check them for the load balancer and the ECS tasks, in one run
version_added: 0.4.0
author: flask_react.aws developers (@flask-react)
description:
  - Reads the subnets (the region's default ones unless O(vpc_id) or O(subnet_ids) names others), the rest of
    their VPC when only O(subnet_ids) is given, the VPC's route tables and, for tasks without a public IP, its
    endpoints; then picks the load balancer's subnets (one public subnet per Availability Zone), the private ones
    for the database, and says every reason the network cannot hold the load balancer or the ECS tasks.
  - The pick is the filter P(flask_react.aws.alb_network#filter)'s; the tasks' check is the filter
    P(flask_react.aws.ecs_network_errors#filter)'s (Fargate's Availability Zones, a route out or VPC endpoints).
  - Why a module - the stock M(amazon.aws.ec2_vpc_subnet_info), M(amazon.aws.ec2_vpc_route_table_info) and
    M(amazon.aws.ec2_vpc_endpoint_info) read these correctly, but one module run each; the app role needs them
    together on every run, so this reads them in one run (the same C(Describe*) calls, only those needed).
  - With O(caller_identity), it also reads the caller's account and partition (C(sts:GetCallerIdentity)), which
    the app role needs on every run too - one module run instead of M(amazon.aws.aws_caller_info)'s (which also
    lists the account's aliases).
  - Reads only; check mode runs the same reads.
options:
  vpc_id:
    description: The VPC (C(alb_vpc_id)); empty uses the subnets in O(subnet_ids), else the default VPC's.
    type: str
    default: ""
  subnet_ids:
    description: The load balancer's subnets (C(alb_subnet_ids)); empty picks them.
    type: list
    elements: str
    default: []
  scheme:
    description: The load balancer's scheme.
    type: str
    choices: [internet-facing, internal]
    default: internet-facing
  fargate_region:
    description: The region whose Fargate Availability Zones the pick prefers (ECS on, no tasks' subnets of their own).
    type: str
    default: ""
  caller_identity:
    description:
      - Also read the caller's account and partition (C(sts:GetCallerIdentity)), returned as RV(account) and
        RV(partition).
    type: bool
    default: false
  ecs:
    description:
      - Check the ECS tasks' subnets too (ECS on). Omitted, they are not read nor checked.
    type: dict
    suboptions:
      subnet_ids:
        description: The tasks' own subnets (C(ecs_subnet_ids)); empty means the load balancer's.
        type: list
        elements: str
        default: []
      assign_public_ip:
        description: Whether the tasks get a public IP (then they need a route to an internet gateway).
        type: bool
        default: true
      extra_endpoints:
        description: VPC endpoint services the tasks need besides ECR, S3 and Logs (C(secretsmanager), C(ssm)).
        type: list
        elements: str
        default: []
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find the VPC and the subnets, and check the tasks' subnets
  flask_react.aws.app_network_info:
    vpc_id: "{{ alb_vpc_id }}"
    subnet_ids: "{{ alb_subnet_ids }}"
    ecs:
      subnet_ids: "{{ ecs_subnet_ids }}"
      assign_public_ip: true
  register: network
  # => network.vpc, network.subnets, network.private_subnets, network.errors, network.ecs_errors
"""

RETURN = r"""
vpc:
  description: The VPC of the subnets; empty when none was found.
  returned: always
  type: str
  sample: vpc-0a1b2c3d
subnets:
  description: The load balancer's subnets, one per Availability Zone.
  returned: always
  type: list
  elements: str
private_subnets:
  description: One private subnet per Availability Zone; empty unless they span two zones.
  returned: always
  type: list
  elements: str
errors:
  description: Why the network cannot hold the load balancer, each naming the variable to change.
  returned: always
  type: list
  elements: str
ecs_errors:
  description: Why the ECS tasks cannot run in their subnets, each naming C(ecs_subnet_ids); empty without O(ecs).
  returned: always
  type: list
  elements: str
account:
  description: The caller's AWS account ID.
  returned: when O(caller_identity) is true
  type: str
  sample: "123456789012"
partition:
  description: The caller's partition (C(aws), C(aws-cn), C(aws-us-gov)...), from its ARN.
  returned: when O(caller_identity) is true
  type: str
  sample: aws
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule
from ansible_collections.flask_react.aws.plugins.module_utils.fargate import ecs_network_errors
from ansible_collections.flask_react.aws.plugins.module_utils.network import alb_network


@AWSRetry.jittered_backoff()
def describe(client, operation, key, filters):
    """Every item of a paginated ``Describe*`` call, snake_case (as the stock info modules return them)."""
    pages = client.get_paginator(operation).paginate(
        Filters=[{"Name": name, "Values": values if isinstance(values, list) else [values]} for name, values in filters]
    )
    return [camel_dict_to_snake_dict(item) for item in pages.build_full_result()[key]]


def subnets(client, filters):
    return describe(client, "describe_subnets", "Subnets", filters)


def inspect(client, params, region):
    """The module's result: the reads the settings need, then the pick and the checks."""
    vpc_id, subnet_ids, ecs = params["vpc_id"], params["subnet_ids"], params["ecs"]
    default_vpc = not vpc_id and not subnet_ids
    # Subnets given by ID: their whole VPC is read to find its private subnets (the tasks' own subnets
    # among them: one of another VPC is reported as not found there).
    whole_vpc = not vpc_id and bool(subnet_ids)
    ecs_subnet_ids = (ecs or {}).get("subnet_ids") or []
    found = subnets(
        client,
        [("vpc-id", vpc_id)] if vpc_id else [("subnet-id", subnet_ids)] if subnet_ids else [("default-for-az", "true")],
    )
    result = {"vpc": "", "subnets": [], "private_subnets": [], "errors": [], "ecs_errors": []}
    if not found:
        network = alb_network(found, subnet_ids=subnet_ids, default_vpc=default_vpc)
        return dict(result, errors=network["errors"])
    vpc = found[0]["vpc_id"]
    more = []
    if whole_vpc:
        more = subnets(client, [("vpc-id", vpc)])
    elif ecs_subnet_ids:
        more = subnets(client, [("subnet-id", ecs_subnet_ids)])
    # The default VPC's subnets are public by construction: its route tables matter for the tasks only.
    route_tables = (
        describe(client, "describe_route_tables", "RouteTables", [("vpc-id", vpc)])
        if not default_vpc or ecs is not None
        else []
    )
    network = alb_network(
        more if whole_vpc else found,
        route_tables=route_tables,
        scheme=params["scheme"],
        subnet_ids=subnet_ids,
        default_vpc=default_vpc,
        fargate_region=params["fargate_region"],
    )
    result.update(network)
    if ecs is not None:
        endpoints = (
            describe(client, "describe_vpc_endpoints", "VpcEndpoints", [("vpc-id", vpc)])
            if not ecs["assign_public_ip"]
            else []
        )
        result["ecs_errors"] = ecs_network_errors(
            more if ecs_subnet_ids else found,
            ecs_subnet_ids or network["subnets"],
            route_tables,
            network["vpc"],
            region,
            ecs["assign_public_ip"],
            not ecs_subnet_ids,
            endpoints,
            tuple(ecs["extra_endpoints"]),
        )
    return result


@AWSRetry.jittered_backoff()
def caller_identity(client):
    """The caller's account and partition (the partition is the second field of its ARN)."""
    identity = client.get_caller_identity()
    return {"account": identity["Account"], "partition": identity["Arn"].split(":")[1]}


def main():
    module = AppAWSModule(
        argument_spec=dict(
            vpc_id=dict(type="str", default=""),
            subnet_ids=dict(type="list", elements="str", default=[]),
            scheme=dict(type="str", choices=["internet-facing", "internal"], default="internet-facing"),
            fargate_region=dict(type="str", default=""),
            caller_identity=dict(type="bool", default=False),
            ecs=dict(
                type="dict",
                options=dict(
                    subnet_ids=dict(type="list", elements="str", default=[]),
                    assign_public_ip=dict(type="bool", default=True),
                    extra_endpoints=dict(type="list", elements="str", default=[]),
                ),
            ),
        ),
        supports_check_mode=True,
    )
    try:
        result = inspect(module.client("ec2"), module.params, module.region)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to read the VPC's subnets, route tables or endpoints")
    if module.params["caller_identity"]:
        try:
            result.update(caller_identity(module.client("sts")))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            module.fail_json_aws(error, msg="Failed to read the caller's account (sts:GetCallerIdentity)")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
