# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: plan_summary
short_description: The plan of a check run, one entry per resource, and its Terraform-like summary
version_added: 0.2.0
author: flask_react.aws developers (@flask-react)
description:
  - >-
    Merges the entries the roles recorded (P(flask_react.aws.plan_entries#filter)) into one per resource,
    create or delete winning over update, and returns them with the summary lines
    C(Plan for <env>: N to create, M to update, K to delete) then one resource a line.
options:
  _input:
    description: The recorded plan entries.
    type: list
    elements: dict
    required: true
  environment:
    description: The environment (inventory host) the plan is for.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Summarise
  ansible.builtin.debug:
    msg: "{{ [{'type': 'AWS::ECR::Repository', 'name': 'test-driven-users', 'action': 'create'}]
             | flask_react.aws.plan_summary(environment='local') }}"
  # => {"changes": [...], "lines": ["Plan for local: 1 to create, 0 to update, 0 to delete",
  #     "  + AWS::ECR::Repository test-driven-users (create)"]}
"""

RETURN = r"""
_value:
  description: C(changes), the merged entries, and C(lines), the summary.
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flask_react.aws.plugins.module_utils.plan import PlanError, merge, summary


def plan_summary(changes, environment):
    try:
        merged = merge(changes or [])
    except PlanError as error:
        raise AnsibleFilterError(f"plan_summary: {error}") from error
    return {"changes": merged, "lines": summary(environment, merged)}


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"plan_summary": plan_summary}
