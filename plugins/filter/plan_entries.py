# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: plan_entries
short_description: The plan entries of one task's result in check mode
version_added: 0.2.0
author: flask_react.aws developers (@flask-react)
description:
  - Turns a registered task result into the entries of the plan a C(--check) run writes
    (C(<outputs_dir>/<environment>.plan.json)) - C({type, name, action}) with the resource's
    CloudFormation type and C(action) one of C(create), C(update), C(delete).
  - No entry unless the result says C(changed). A result with an C(actions) mapping
    (M(flask_react.aws.ecr_repositories)) gives one entry per resource it names; a looped result
    one entry per changed item.
options:
  _input:
    description: The registered result of the task that manages the resource.
    type: dict
    required: true
  resource_type:
    description: The CloudFormation type, for example C(AWS::IAM::Role).
    type: str
    required: true
  name:
    description:
      - The resource's name as the user knows it. Left out, taken from the result's C(actions).
      - For a looped task's result, the list of the items' names, in the loop's order.
      - A list of names with another result gives one entry per name (resources one task changes together).
    type: raw
  created:
    description: The resource does not exist yet, so the change is a create (how a role knows depends on the module).
    type: bool
    default: false
  state:
    description: V(absent) plans a delete.
    type: str
    default: present
"""

EXAMPLES = r"""
- name: Plan the service role
  ansible.builtin.debug:
    msg: "{{ {'changed': true} | flask_react.aws.plan_entries('AWS::IAM::Role', 'flask-react-build-role',
                                                           created=true) }}"
  # => [{"type": "AWS::IAM::Role", "name": "flask-react-build-role", "action": "create"}]
"""

RETURN = r"""
_value:
  description: The plan entries (none when nothing would change).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.flask_react.aws.plugins.module_utils.plan import PlanError, entries


def plan_entries(result, resource_type, name=None, created=False, state="present"):
    try:
        return entries(result, resource_type, name, boolean(created, strict=False), state)
    except PlanError as error:
        raise AnsibleFilterError(f"plan_entries: {error}") from error


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"plan_entries": plan_entries}
