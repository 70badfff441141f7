# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: service_rules
short_description: The listener rules of the services that route paths
version_added: 0.2.0
author: flask_react.aws developers
description:
  - Turns C(app_services) into the O(flask_react.aws.alb_listener_rules#module:rules) of
    M(flask_react.aws.alb_listener_rules) - one entry per service with C(paths), in the services'
    order, forwarding to the service's target group C(<app_name>-<service>-tg).
options:
  _input:
    description: The value of C(app_services).
    type: list
    elements: dict
    required: true
  app_name:
    description: The value of C(app_name), the prefix of the target group names.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: The course's rule
  ansible.builtin.debug:
    msg: >-
      {{ [{'name': 'client', 'port': 80, 'default': true},
          {'name': 'users', 'port': 5000, 'paths': ['/users*', '/ping']}]
         | flask_react.aws.service_rules('flask-react') }}
  # => [{"paths": ["/users*", "/ping"], "target_group": "flask-react-users-tg"}]
"""

RETURN = r"""
_value:
  description: One C({paths, target_group}) per service with paths.
  type: list
  elements: dict
"""

from ansible_collections.flask_react.aws.plugins.module_utils.app_model import resolve


def service_rules(app_services, app_name):
    """``[{paths, target_group}]`` for every service that routes paths, in order (the app model's rules)."""
    return resolve(app_services, app_name, "")["rules"]


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"service_rules": service_rules}
