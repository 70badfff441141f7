#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: alb_target_groups_plan
short_description: What community.aws.elb_target_group would change on the app's target groups, for check mode
version_added: 0.3.0
author: flask_react.aws developers (@flask-react)
description:
  - The check mode M(community.aws.elb_target_group) lacks (a check run skips it). From the groups
    that exist (M(community.aws.elb_target_group_info)'s C(target_groups)) and the app's services,
    says which groups a run would create and which settings it would change, compared as
    M(community.aws.elb_target_group) compares them (the health check, its matcher's codes as a set,
    the tags purged; a changed target type replaces the group).
  - Returns C(changed) when a run would change a group, C(diff) (before/after per group, only the
    settings that differ) and C(plan), the entries of the check run's plan.
  - Makes no AWS call; never writes anything. Run it in check mode only (the real run's
    M(community.aws.elb_target_group) does the work).
options:
  current:
    description: The target groups that exist, as M(community.aws.elb_target_group_info) returns them.
    type: list
    elements: dict
    required: true
  services:
    description:
      - The app's services (C(app_services) or the app model's services) - C(name), C(health_check_path),
        and C(target_group) where the app model named the group (else C(<app_name>-<name>-tg)).
    type: list
    elements: dict
    required: true
  app_name:
    description: The app's name, for the groups' default names.
    type: str
    required: true
  settings:
    description:
      - What every group should have, under elb_target_group_info's keys - C(health_check_protocol),
        C(health_check_interval_seconds), C(health_check_timeout_seconds), C(healthy_threshold_count),
        C(unhealthy_threshold_count), C(success_codes), C(target_type), C(tags).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Show what elb_target_group would change on each service's target group (it has no check mode)
  flask_react.aws.alb_target_groups_plan:
    current: "{{ target_groups_existing.target_groups }}"
    services: "{{ app_services }}"
    app_name: flask-react
    settings:
      health_check_protocol: HTTP
      success_codes: "200"
  when: ansible_check_mode
"""

RETURN = r"""
plan:
  description: The plan entries - a create per missing group, an update per group whose settings differ.
  returned: always
  type: list
  elements: dict
  sample: [{"type": "AWS::ElasticLoadBalancingV2::TargetGroup", "name": "flask-react-users-tg", "action": "update"}]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.flask_react.aws.plugins.module_utils.plan import target_group_diff, target_groups_desired


def main():
    module = AnsibleModule(
        argument_spec=dict(
            current=dict(type="list", elements="dict", required=True),
            services=dict(type="list", elements="dict", required=True),
            app_name=dict(type="str", required=True),
            settings=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        desired = target_groups_desired(params["services"], params["app_name"], params["settings"])
    except KeyError as error:
        module.fail_json(msg=f"services: every entry needs {error}")
    diff, plan = target_group_diff(params["current"], desired)
    result = dict(changed=bool(plan), plan=plan)
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
