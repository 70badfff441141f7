# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: alb_network
short_description: Pick the load balancer's subnets, and the VPC's private ones, from what EC2 describes
version_added: 0.2.0
author: flask_react.aws developers
description:
  - A subnet is public when its route table (its own association, else the VPC's main table) has a
    route to an internet gateway (C(igw-)); otherwise it is private.
  - The default subnets of the default VPC (O(default_vpc=true)) are public by construction (its main
    route table sends C(0.0.0.0/0) to its internet gateway), and the default VPC has no private ones.
  - An C(internet-facing) load balancer gets one public subnet per Availability Zone (the lowest
    subnet ID in each, so every run picks the same); an C(internal) one gets one private subnet per
    zone where the VPC has them in two zones, else the public ones. O(subnet_ids) overrides the pick
    and is checked instead (found, one VPC, two zones, public for C(internet-facing)).
  - The private subnets, one per zone, are returned as well (empty unless they span two zones), for
    the database.
  - With O(fargate_region) (ECS on and C(ecs_subnet_ids) empty, so the tasks use the load balancer's
    subnets), the pick prefers subnets in the Availability Zones where Fargate runs in that region
    (by AZ ID, ECS Developer Guide "AWS Fargate Regions"; for example usw1-az1 and usw1-az3 in
    us-west-1) when they span two zones, so the default VPC works for the tasks too.
options:
  _input:
    description: The C(subnets) of C(amazon.aws.ec2_vpc_subnet_info).
    type: list
    elements: dict
    required: true
  route_tables:
    description: The C(route_tables) of C(amazon.aws.ec2_vpc_route_table_info) for the subnets' VPC.
    type: list
    elements: dict
    default: []
  scheme:
    description: The load balancer's scheme.
    type: str
    choices: [internet-facing, internal]
    default: internet-facing
  subnet_ids:
    description: The subnets the user chose (C(alb_subnet_ids)); empty picks them.
    type: list
    elements: str
    default: []
  default_vpc:
    description: Whether O(_input) are the region's default subnets.
    type: bool
    default: false
  fargate_region:
    description: The region whose Fargate Availability Zones the pick prefers; empty prefers none.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Pick the subnets of a VPC with public and private subnets
  ansible.builtin.set_fact:
    network: "{{ subnet_info.subnets | flask_react.aws.alb_network(route_tables=route_info.route_tables) }}"
  # => {"vpc": "vpc-1", "subnets": ["subnet-pub-a", "subnet-pub-b"],
  #     "private_subnets": ["subnet-priv-a", "subnet-priv-b"], "errors": []}
"""

RETURN = r"""
_value:
  description: The choice, and every reason it cannot be made.
  type: dict
  contains:
    vpc:
      description: The VPC of the subnets.
      type: str
    subnets:
      description: The load balancer's subnets, one per Availability Zone.
      type: list
      elements: str
    private_subnets:
      description: One private subnet per Availability Zone; empty unless they span two zones.
      type: list
      elements: str
    errors:
      description: Messages naming the variable to change; empty when the choice is good.
      type: list
      elements: str
"""


from ansible_collections.flask_react.aws.plugins.module_utils.network import alb_network


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"alb_network": alb_network}
