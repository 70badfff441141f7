# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: target_group_plan
short_description: The plan entries of the target groups, from one read, for check mode
version_added: 0.2.0
author: flask_react.aws developers (@flask-react)
description:
  - M(community.aws.elb_target_group) has no check mode (its task is skipped under C(--check)), so
    the plan of a check run cannot come from its result. This filter compares the groups as
    M(community.aws.elb_target_group_info) returns them with the desired ones, as
    M(community.aws.elb_target_group) compares them (the health check, the matcher's codes as a
    set, tags purged; a changed target type is a replacement), and returns C(create) for each
    missing group and C(update) for each that differs.
options:
  _input:
    description: The target groups C(elb_target_group_info) returned.
    type: list
    elements: dict
    required: true
  services:
    description:
      - The services (C(app_services)); each has the group C(<app_name>-<name>-tg) with its C(health_check_path).
    type: list
    elements: dict
    required: true
  app_name:
    description: The app's name, the groups' prefix.
    type: str
    required: true
  settings:
    description:
      - What every group has - any of C(health_check_protocol), C(health_check_interval_seconds),
        C(health_check_timeout_seconds), C(healthy_threshold_count), C(unhealthy_threshold_count),
        C(success_codes), C(target_type), C(tags); a key left out is left alone.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Plan the target groups
  ansible.builtin.debug:
    msg: "{{ [] | flask_react.aws.target_group_plan(services=[{'name': 'users'}], app_name='flask-react') }}"
  # => [{"type": "AWS::ElasticLoadBalancingV2::TargetGroup", "name": "flask-react-users-tg", "action": "create"}]
"""

RETURN = r"""
_value:
  description: The plan entries (none when every group is as desired).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flask_react.aws.plugins.module_utils.plan import PlanError, target_group_entries


def target_group_plan(current, services, app_name, settings=None):
    try:
        desired = [
            dict(
                settings or {},
                name=f"{app_name}-{service['name']}-tg",
                health_check_path=service.get("health_check_path", "/"),
            )
            for service in services
        ]
        return target_group_entries(current, desired)
    except (PlanError, KeyError) as error:
        raise AnsibleFilterError(f"target_group_plan: {error}") from error


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"target_group_plan": target_group_plan}
