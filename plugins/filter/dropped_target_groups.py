# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: dropped_target_groups
short_description: The target groups this collection made for services no longer in app_services
version_added: 0.2.0
author: flask_react.aws developers
description:
  - From the target groups C(community.aws.elb_target_group_info) returns, the names of those tagged
    C(app=<app_name>) and C(managed-by=flask_react.aws) whose name is no
    C(<app_name>-<service>-tg) of a service in O(app_services).
  - Groups without both tags are someone else's and are never listed.
options:
  _input:
    description: The C(target_groups) list of C(community.aws.elb_target_group_info).
    type: list
    elements: dict
    required: true
  app_services:
    description: The value of C(app_services).
    type: list
    elements: dict
    required: true
  app_name:
    description: The value of C(app_name).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Name the groups of dropped services
  ansible.builtin.debug:
    msg: >-
      {{ [{'target_group_name': 'demo-old-tg', 'tags': {'app': 'demo', 'managed-by': 'flask_react.aws'}},
          {'target_group_name': 'demo-web-tg', 'tags': {'app': 'demo', 'managed-by': 'flask_react.aws'}},
          {'target_group_name': 'theirs-tg', 'tags': {}}]
         | flask_react.aws.dropped_target_groups([{'name': 'web', 'port': 80}], 'demo') }}
  # => ["demo-old-tg"]
"""

RETURN = r"""
_value:
  description: Names of our target groups whose service was dropped, sorted.
  type: list
  elements: str
"""

from ansible_collections.flask_react.aws.plugins.module_utils.app_model import target_group_name

MANAGED_BY = "flask_react.aws"


def dropped_target_groups(target_groups, app_services, app_name):
    """Names of this app's tagged target groups that no service in ``app_services`` names."""
    kept = {target_group_name(app_name, service["name"]) for service in app_services}
    return sorted(
        group["target_group_name"]
        for group in target_groups
        if (group.get("tags") or {}).get("managed-by") == MANAGED_BY
        and (group.get("tags") or {}).get("app") == app_name
        and group["target_group_name"] not in kept
    )


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"dropped_target_groups": dropped_target_groups}
