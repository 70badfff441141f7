# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: ecs_network_errors
short_description: Why the ECS tasks cannot run in their subnets
version_added: 0.3.0
author: flask_react.aws developers
description:
  - Checks the tasks' subnets (C(ecs_subnet_ids), else the load balancer's) as C(rds_subnet_ids) is
    checked - found, and in the load balancer's VPC - and two rules of Fargate's.
  - Fargate runs only in some Availability Zones of some regions (ECS Developer Guide, "AWS Fargate
    Regions"; for example us-west-1 - usw1-az1 and usw1-az3). The zones are compared by AZ ID, which
    names the same zone in every account. A region the table does not restrict is not checked.
  - A task pulls its image from ECR and writes its logs, so its subnet needs a route out - the route
    table (the subnet's own, else the VPC's main one) sends C(0.0.0.0/0) to an internet gateway when
    the tasks get a public IP (C(ecs_assign_public_ip)), or to a NAT gateway when they do not; or the
    VPC has endpoints for ecr.api, ecr.dkr, s3 and logs.
  - Each message names C(ecs_subnet_ids); for the load balancer's subnets it says to set it.
options:
  _input:
    description: The C(subnets) of C(amazon.aws.ec2_vpc_subnet_info) for O(subnet_ids).
    type: list
    elements: dict
    required: true
  subnet_ids:
    description: The tasks' subnets.
    type: list
    elements: str
    required: true
  route_tables:
    description: The C(route_tables) of C(amazon.aws.ec2_vpc_route_table_info) for the VPC.
    type: list
    elements: dict
    default: []
  vpc_id:
    description: The load balancer's VPC.
    type: str
    required: true
  region:
    description: The region (C(aws_region)).
    type: str
    required: true
  assign_public_ip:
    description: Whether the tasks get a public IP (C(ecs_assign_public_ip)).
    type: bool
    default: true
  from_load_balancer:
    description: The subnets are the load balancer's (C(ecs_subnet_ids) is empty).
    type: bool
    default: false
  endpoints:
    description: The C(vpc_endpoints) of C(amazon.aws.ec2_vpc_endpoint_info) for the VPC.
    type: list
    elements: dict
    default: []
  extra_endpoints:
    description:
      - More endpoint services a subnet without a route out needs, besides ecr.api, ecr.dkr, s3 and logs -
        V(secretsmanager) when a service reads secrets (or the database's password), V(ssm) for SSM parameters.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Fail naming ecs_subnet_ids when a subnet cannot run Fargate tasks
  ansible.builtin.assert:
    that: errors | length == 0
    fail_msg: "{{ errors | join('; ') }}"
  vars:
    errors: >-
      {{ subnet_info.subnets | flask_react.aws.ecs_network_errors(subnet_ids=ecs_subnet_ids,
         route_tables=route_info.route_tables, vpc_id=alb_vpc, region=aws_region) }}
  # => ["ecs_subnet_ids: subnet-0abc is in us-west-1c (usw1-az2), where Fargate does not run; in us-west-1
  #     it runs in usw1-az1, usw1-az3 only (ECS Developer Guide, \"AWS Fargate Regions\")"]
"""

RETURN = r"""
_value:
  description: One message per broken rule, each naming C(ecs_subnet_ids); empty when the subnets fit.
  type: list
  elements: str
"""

from ansible_collections.flask_react.aws.plugins.module_utils.fargate import ecs_network_errors as _errors


def ecs_network_errors(
    subnets,
    subnet_ids,
    route_tables=None,
    vpc_id="",
    region="",
    assign_public_ip=True,
    from_load_balancer=False,
    endpoints=None,
    extra_endpoints=None,
):
    """Messages naming ecs_subnet_ids for every subnet the tasks cannot run in."""
    return _errors(
        subnets,
        subnet_ids,
        route_tables,
        vpc_id,
        region,
        assign_public_ip,
        from_load_balancer,
        endpoints,
        tuple(extra_endpoints or ()),
    )


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"ecs_network_errors": ecs_network_errors}
