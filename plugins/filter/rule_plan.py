# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: rule_plan
short_description: The plan entries of the listener rules flask_react.aws.alb_listener_rules would change
version_added: 0.2.0
author: flask_react.aws developers (@flask-react)
description:
  - Turns the module's C(operations) into plan entries of type C(AWS::ElasticLoadBalancingV2::ListenerRule),
    each named by its listener and paths (a deleted rule by its listener and rule ID).
options:
  _input:
    description: The C(operations) flask_react.aws.alb_listener_rules returned.
    type: dict
    required: true
  listener:
    description: How the listener is named in the plan, for example C(flask-react-alb:80).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Plan the rules
  ansible.builtin.debug:
    msg: "{{ {'create': [{'paths': ['/users*', '/ping']}]}
             | flask_react.aws.rule_plan(listener='flask-react-alb:80') }}"
  # => [{"type": "AWS::ElasticLoadBalancingV2::ListenerRule", "name": "flask-react-alb:80 /users*,/ping",
  #      "action": "create"}]
"""

RETURN = r"""
_value:
  description: The plan entries.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flask_react.aws.plugins.module_utils.plan import PlanError, rule_entries


def rule_plan(operations, listener):
    try:
        return rule_entries(operations or {}, listener)
    except (PlanError, KeyError) as error:
        raise AnsibleFilterError(f"rule_plan: {error}") from error


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"rule_plan": rule_plan}
